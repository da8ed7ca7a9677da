// SPDX-License-Identifier: MIT
/*
 * crash's `tree`: the entries of a red-black tree in order (kt_rbtree_for_each: parent links
 * checked, depth and budget bounded, no node twice) or the present entries of an XArray or
 * radix tree in index order (kt_xarray_for_each: struct radix_tree_root is struct xarray from
 * v4.20), or a maple tree's pointer entries in index order (kt_maple_for_each). A damaged tree stops the walk with the reason after the entries before it.
 */
#include <stdlib.h>

#include "core/error.h"
#include "kernel/list_walk.h"
#include "kernel/maple_tree.h"
#include "kernel/object.h"
#include "kernel/rbtree.h"
#include "kernel/xarray.h"

enum { RBTREE_BUDGET = 1000000 };

struct collect {
	struct kt_list_entries *out;
	uint64_t offset;
	bool nomem;
};

static bool rb_node(uint64_t node, void *arg)
{
	struct collect *c = arg;
	c->nomem = !kt_list_entries_add(c->out, node - c->offset);
	return !c->nomem;
}

static bool xa_entry(uint64_t index, uint64_t entry, void *arg)
{
	(void)index;
	struct collect *c = arg;
	c->nomem = !kt_list_entries_add(c->out, entry);
	return !c->nomem;
}

static bool maple_entry(uint64_t first, uint64_t last, uint64_t entry, void *arg)
{
	(void)first;
	(void)last;
	return (entry & 3) ? true : xa_entry(first, entry, arg);  // value and reserved entries are no objects
}

static struct kt_error *walk(struct kt_program *prog, const struct kt_tree_request *req,
			     struct kt_list_entries *l)
{
	struct collect c = {.out = l, .offset = req->offset};
	struct kt_object root;
	struct kt_error *err;
	if (req->kind == KT_TREE_RBTREE) {
		struct kt_rbtree_layout layout;
		struct kt_object node;
		uint64_t first;
		if ((err = kt_rbtree_layout_get(prog, &layout)) ||
		    (err = kt_object_from_address(prog, "struct rb_root", req->root, &root)) ||
		    (err = kt_object_member(&root, "rb_node", &node)) ||
		    (err = kt_object_read_unsigned(&node, &first)))
			return err;
		err = kt_rbtree_for_each(&prog->reader, &layout, first, RBTREE_BUDGET, rb_node, &c);
	} else if (req->kind == KT_TREE_MAPLE) {
		if ((err = kt_object_from_address(prog, "struct maple_tree", req->root, &root)))
			return kt_error_prefix(err, "a maple tree (Linux 6.1+) is a struct maple_tree");
		err = kt_maple_for_each(&root, 0, maple_entry, &c);
	} else {
		if ((err = kt_object_from_address(prog, "struct xarray", req->root, &root)))
			return kt_error_prefix(err, "an XArray (and a radix tree from v4.20) is a struct "
					       "xarray");
		err = kt_xarray_for_each(&root, 0, xa_entry, &c);
	}
	if (c.nomem) {
		kt_error_destroy(err);
		return &kt_enomem;
	}
	return err ? kt_list_entries_stopped(l, err) : NULL;
}

struct kt_error *kt_tree_entries_read(struct kt_program *prog, const struct kt_tree_request *req,
				      struct kt_list_entries **ret)
{
	struct kt_list_entries *l = calloc(1, sizeof(*l));
	if (!l)
		return &kt_enomem;
	struct kt_list_request values = {.type = req->type, .members = req->members, .hex = req->hex};
	struct kt_error *err = walk(prog, req, l);
	if (!err)
		err = kt_list_entries_values(prog, &values, l);
	if (err) {
		kt_list_entries_destroy(l);
		return err;
	}
	*ret = l;
	return NULL;
}
