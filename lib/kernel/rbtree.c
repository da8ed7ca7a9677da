// SPDX-License-Identifier: MIT
#include "core/error.h"
#include "kernel/node_set.h"
#include "kernel/object.h"
#include "kernel/rbtree.h"

struct kt_error *kt_rbtree_layout_get(struct kt_program *prog, struct kt_rbtree_layout *ret)
{
	struct kt_type_ref node, member;
	struct kt_error *err;
	if ((err = kt_object_lookup_type(prog, "struct rb_node", &node)) ||
	    (err = kt_object_member_offset(prog, node, "__rb_parent_color", &ret->parent_color, &member)) ||
	    (err = kt_object_member_offset(prog, node, "rb_right", &ret->right, &member)) ||
	    (err = kt_object_member_offset(prog, node, "rb_left", &ret->left, &member)))
		return kt_error_prefix(err, "struct rb_node");
	return NULL;
}

/* A node on the way down: its address and the right child still to visit. */
struct pending {
	uint64_t node, right;
};

struct kt_error *kt_rbtree_for_each(struct kt_reader *reader, const struct kt_rbtree_layout *layout,
				    uint64_t root, uint64_t budget, kt_list_fn *fn, void *arg)
{
	struct pending stack[KT_RBTREE_DEPTH_MAX];
	size_t depth = 0;
	uint64_t node = root, parent = 0, n = 0;
	struct kt_node_set seen = {0};
	struct kt_error *err = NULL;
	while (!err && (node || depth)) {
		while (node) {
			uint64_t left, right, parent_color;
			if (depth == KT_RBTREE_DEPTH_MAX) {
				err = kt_error_create(KT_ERROR_LIMIT, "red-black tree at 0x%llx: deeper than "
						      "%d nodes at 0x%llx (a loop, or not a tree)",
						      (unsigned long long)root, KT_RBTREE_DEPTH_MAX,
						      (unsigned long long)node);
				goto out;
			}
			if (kt_node_set_check(&seen, node)) {
				err = kt_error_create(KT_ERROR_LIMIT, "red-black tree at 0x%llx loops: 0x%llx "
						      "links back to 0x%llx", (unsigned long long)root,
						      (unsigned long long)parent, (unsigned long long)node);
				goto out;
			}
			if ((err = kt_read_u64(reader, node + layout->parent_color, &parent_color)) ||
			    (err = kt_read_u64(reader, node + layout->right, &right)) ||
			    (err = kt_read_u64(reader, node + layout->left, &left))) {
				err = kt_error_prefix(err, "red-black tree at 0x%llx, node 0x%llx",
						      (unsigned long long)root, (unsigned long long)node);
				goto out;
			}
			// The low two bits are the colour; the rest must be the node we came from.
			if ((parent_color & ~3ull) != parent) {
				err = kt_error_create(KT_ERROR_BAD_DATA, "red-black tree at 0x%llx: node 0x%llx "
						      "names 0x%llx as its parent, not 0x%llx",
						      (unsigned long long)root, (unsigned long long)node,
						      (unsigned long long)(parent_color & ~3ull),
						      (unsigned long long)parent);
				goto out;
			}
			stack[depth++] = (struct pending){node, right};
			parent = node;
			node = left;
		}
		struct pending p = stack[--depth];
		if (n++ >= budget) {
			err = kt_error_create(KT_ERROR_LIMIT, "red-black tree at 0x%llx: more than %llu "
					      "nodes, stopped at 0x%llx", (unsigned long long)root,
					      (unsigned long long)budget, (unsigned long long)p.node);
			break;
		}
		if (!fn(p.node, arg))
			break;
		parent = p.node;
		node = p.right;
	}
out:
	kt_node_set_deinit(&seen);
	return err;
}
