// SPDX-License-Identifier: MIT
/*
 * Maple tree walks. The tree's ma_root is NULL, a single entry for index 0, or an encoded node
 * (include/linux/maple_tree.h): bits 1:0 = 10 and above 4096 as in an XArray (MAPLE_ROOT_NODE;
 * an internal node's slots hold their children without it), the node's address under
 * MAPLE_NODE_MASK (the low 8 bits), its enum maple_type in bits 3-6 (dense, leaf_64,
 * range_64, arange_64; the first two are leaves). A node is a struct maple_node: a range_64 or
 * leaf_64 node is read as its mr64 member, an arange_64 as ma64, a dense node as its slot[]. Slot
 * i covers the indices from pivot[i - 1] + 1 (the node's minimum for slot 0) to pivot[i] (the
 * node's maximum past the pivots); where the data ends is the metadata's end byte when the last
 * pivot is unused, as lib/maple_tree.c's ma_data_end() reads it. The slot and pivot counts are the
 * kernel's mt_slots[] and mt_pivots[] when it has them, else the arrays' sizes.
 */
#include <string.h>

#include "core/error.h"
#include "dump/reader.h"
#include "kernel/maple_tree.h"
#include "kernel/object.h"

enum {
	MAPLE_NODE_MASK = 255,
	MAPLE_TYPE_SHIFT = 3,
	MAPLE_TYPE_MASK = 0x0f,
	MAPLE_HEIGHT_MAX = 31,   /* the kernel's bound on a tree's height */
	MAPLE_NODE_BUDGET = 1 << 18,
	MAPLE_NODE_BYTES_MAX = 1024,
	MAPLE_TYPES = 4,
	MAPLE_SLOTS_MAX = 64,
};

enum maple_type { MAPLE_DENSE, MAPLE_LEAF_64, MAPLE_RANGE_64, MAPLE_ARANGE_64 };

static const char *const type_names[MAPLE_TYPES] = {"dense", "leaf_64", "range_64", "arange_64"};

struct node_layout {
	uint64_t pivot_offset, slot_offset, end_offset;  /* in struct maple_node */
	unsigned int slots, pivots;
	bool has_end;            /* the metadata's end byte (meta.end) */
};

struct maple_walk {
	struct kt_reader *reader;
	uint64_t tree;           /* the struct maple_tree: the root node's parent link names it */
	uint64_t node_size;
	struct node_layout layout[MAPLE_TYPES];
	uint64_t budget;
	kt_maple_fn *fn;
	void *arg;
	bool stopped;
};

static bool is_node(uint64_t entry)
{
	return (entry & 3) == 2 && entry > 4096;
}

/* An array member's offset in struct maple_node and its element count. */
static struct kt_error *array_of(struct kt_program *prog, struct kt_type_ref node_type,
				 const char *path, uint64_t *offset, unsigned int *count)
{
	struct kt_type_ref member;
	struct kt_object probe;
	uint64_t size;
	struct kt_error *err = kt_object_member_offset(prog, node_type, path, offset, &member);
	if (err)
		return err;
	kt_object_init(&probe, prog, NULL, member, 0);
	if ((err = kt_object_size(&probe, &size)))
		return err;
	*count = (unsigned int)(size / 8);
	return NULL;
}

static struct kt_error *layout_read(struct kt_program *prog, struct maple_walk *w)
{
	struct kt_type_ref node_type;
	struct kt_object probe;
	struct kt_error *err;
	if ((err = kt_object_lookup_type(prog, "struct maple_node", &node_type)))
		return err;
	kt_object_init(&probe, prog, NULL, node_type, 0);
	if ((err = kt_object_size(&probe, &w->node_size)))
		return err;
	if (w->node_size > MAPLE_NODE_BYTES_MAX || w->node_size < 64)
		return kt_error_create(KT_ERROR_BAD_DATA, "struct maple_node is %llu bytes",
				       (unsigned long long)w->node_size);
	const char *members[MAPLE_TYPES] = {NULL, "mr64", "mr64", "ma64"};
	unsigned int array_pivots[MAPLE_TYPES] = {0};
	for (int t = 0; t < MAPLE_TYPES; t++) {
		struct node_layout *l = &w->layout[t];
		char path[32];
		unsigned int pivots = 0;
		if (!members[t]) {
			err = array_of(prog, node_type, "slot", &l->slot_offset, &l->slots);
		} else {
			snprintf(path, sizeof(path), "%s.pivot", members[t]);
			err = array_of(prog, node_type, path, &l->pivot_offset, &pivots);
			if (!err) {
				snprintf(path, sizeof(path), "%s.slot", members[t]);
				err = array_of(prog, node_type, path, &l->slot_offset, &l->slots);
			}
			snprintf(path, sizeof(path), "%s.meta.end", members[t]);
			struct kt_type_ref ignored;
			if (!err && kt_object_type_has_member(prog, node_type, path))
				err = kt_object_member_offset(prog, node_type, path, &l->end_offset, &ignored);
			l->has_end = !err && kt_object_type_has_member(prog, node_type, path);
		}
		if (err)
			return err;
		l->pivots = array_pivots[t] = pivots;
	}
	// The kernel's own counts (lib/maple_tree.c: static const unsigned char mt_slots[],
	// mt_pivots[]) where its symbols are there; each must fit its array.
	uint64_t slots_at, pivots_at;
	uint8_t slots[MAPLE_TYPES], pivots[MAPLE_TYPES];
	struct kt_error *absent = kt_program_symbol_address(prog, "mt_slots", &slots_at);
	if (!absent)
		absent = kt_program_symbol_address(prog, "mt_pivots", &pivots_at);
	if (!absent)
		absent = kt_read(w->reader, slots_at, slots, sizeof(slots));
	if (!absent)
		absent = kt_read(w->reader, pivots_at, pivots, sizeof(pivots));
	bool known = !absent;
	kt_error_destroy(absent);  // without them, the arrays' sizes
	if (known) {
		for (int t = 0; t < MAPLE_TYPES; t++) {
			if (slots[t] > w->layout[t].slots || pivots[t] > array_pivots[t] ||
			    (t && pivots[t] + 1 != slots[t]))
				return kt_error_create(KT_ERROR_BAD_DATA, "maple tree: mt_slots[%d] = %u and "
						       "mt_pivots[%d] = %u do not fit struct maple_node's arrays "
						       "(%u slots, %u pivots)", t, slots[t], t, pivots[t],
						       w->layout[t].slots, array_pivots[t]);
			w->layout[t].slots = slots[t];
			w->layout[t].pivots = pivots[t];
		}
	}
	for (int t = 0; t < MAPLE_TYPES; t++)
		if (!w->layout[t].slots || w->layout[t].slots > MAPLE_SLOTS_MAX ||
		    (t && w->layout[t].pivots + 1 != w->layout[t].slots))
			return kt_error_create(KT_ERROR_BAD_DATA, "maple tree: a %s node with %u slots and "
					       "%u pivots", type_names[t], w->layout[t].slots,
					       w->layout[t].pivots);
	return NULL;
}

static uint64_t word_at(const uint8_t *buf, uint64_t offset)
{
	uint64_t v;
	memcpy(&v, buf + offset, sizeof(v));
	return v;
}

/* The last slot in use (ma_data_end()), from the pivots or the metadata. */
static struct kt_error *data_end(const struct node_layout *l, const uint8_t *buf,
				 const uint64_t *pivot, enum maple_type type, uint64_t node,
				 uint64_t max, unsigned int *ret)
{
	unsigned int end;
	if (type == MAPLE_DENSE) {
		end = l->slots - 1;
	} else if (type != MAPLE_ARANGE_64 && pivot[l->pivots - 1]) {
		end = pivot[l->pivots - 1] == max ? l->pivots - 1 : l->pivots;
	} else if (l->has_end) {
		end = buf[l->end_offset];
	} else {
		// No metadata: the first unused pivot (0 past slot 0) ends the data.
		for (end = 0; end + 1 < l->pivots && pivot[end] < max && pivot[end + 1]; end++)
			;
	}
	if (end >= l->slots)
		return kt_error_create(KT_ERROR_BAD_DATA, "maple tree: %s node 0x%llx ends at slot %u "
				       "of %u", type_names[type], (unsigned long long)node, end, l->slots);
	*ret = end;
	return NULL;
}

static struct kt_error *visit(struct maple_walk *w, uint64_t entry, uint64_t parent, uint64_t min,
			      uint64_t max, int depth)
{
	uint64_t node = entry & ~(uint64_t)MAPLE_NODE_MASK;
	unsigned int t = (entry >> MAPLE_TYPE_SHIFT) & MAPLE_TYPE_MASK;
	if (t >= MAPLE_TYPES)
		return kt_error_create(KT_ERROR_BAD_DATA, "maple tree: node 0x%llx has type %u, not a "
				       "maple_type", (unsigned long long)node, t);
	if (depth > MAPLE_HEIGHT_MAX || !w->budget--)
		return kt_error_create(KT_ERROR_LIMIT, "maple tree: walk stopped at node 0x%llx (deeper "
				       "than %d or too many nodes)", (unsigned long long)node,
				       MAPLE_HEIGHT_MAX);
	uint8_t buf[MAPLE_NODE_BYTES_MAX];
	struct kt_error *err = kt_read(w->reader, node, buf, w->node_size);
	if (err)
		return kt_error_prefix(err, "maple tree: %s node 0x%llx", type_names[t],
				       (unsigned long long)node);
	// A child's parent link names its parent node (low bits: its slot and type), the root's the
	// tree with MA_ROOT_PARENT (bit 0) set; a dead node names itself.
	uint64_t up = word_at(buf, 0) & ~(uint64_t)MAPLE_NODE_MASK;
	if (!parent && word_at(buf, 0) != (w->tree | 1))
		return kt_error_create(KT_ERROR_BAD_DATA, "maple tree: root node 0x%llx's parent is "
				       "0x%llx, not the tree 0x%llx", (unsigned long long)node,
				       (unsigned long long)word_at(buf, 0), (unsigned long long)w->tree);
	if (parent && up != parent)
		return kt_error_create(KT_ERROR_BAD_DATA, "maple tree: node 0x%llx's parent is 0x%llx, "
				       "not 0x%llx (a dead or damaged node)", (unsigned long long)node,
				       (unsigned long long)up, (unsigned long long)parent);
	const struct node_layout *l = &w->layout[t];
	uint64_t pivot[MAPLE_SLOTS_MAX], slot[MAPLE_SLOTS_MAX];
	for (unsigned int i = 0; i < l->pivots; i++)
		pivot[i] = word_at(buf, l->pivot_offset + 8 * i);
	for (unsigned int i = 0; i < l->slots; i++)
		slot[i] = word_at(buf, l->slot_offset + 8 * i);
	unsigned int end = 0;
	if ((err = data_end(l, buf, pivot, t, node, max, &end)))
		return err;
	bool leaf = t == MAPLE_DENSE || t == MAPLE_LEAF_64;
	uint64_t first = min;
	for (unsigned int i = 0; i <= end && !w->stopped; i++) {
		uint64_t last = t == MAPLE_DENSE ? first : i < l->pivots ? pivot[i] : max;
		if (last < first || last > max)
			return kt_error_create(KT_ERROR_BAD_DATA, "maple tree: %s node 0x%llx: pivot %u is "
					       "0x%llx, outside 0x%llx..0x%llx", type_names[t],
					       (unsigned long long)node, i, (unsigned long long)last,
					       (unsigned long long)first, (unsigned long long)max);
		if (leaf) {
			if (slot[i])
				w->stopped = !w->fn(first, last, slot[i], w->arg);
		} else if (slot[i]) {
			if ((err = visit(w, slot[i], node, first, last, depth + 1)))
				return err;
		}
		if (last >= max)
			break;
		first = last + 1;
	}
	return NULL;
}

struct kt_error *kt_maple_for_each(const struct kt_object *mt, uint64_t budget, kt_maple_fn *fn,
				   void *arg)
{
	struct maple_walk w = {.reader = kt_object_reader(mt), .fn = fn, .arg = arg,
			       .budget = budget ? budget : MAPLE_NODE_BUDGET, .tree = mt->address};
	struct kt_object root;
	uint64_t entry;
	struct kt_error *err;
	if ((err = kt_object_member(mt, "ma_root", &root)) ||
	    (err = kt_object_read_unsigned(&root, &entry)))
		return kt_error_prefix(err, "maple tree 0x%llx", (unsigned long long)mt->address);
	if (!entry)
		return NULL;
	if (!is_node(entry)) {
		fn(0, 0, entry, arg);  // a lone entry for index 0 lives in the root itself
		return NULL;
	}
	if ((err = layout_read(mt->prog, &w)))
		return kt_error_prefix(err, "maple tree");
	return visit(&w, entry, 0, 0, UINT64_MAX, 0);
}
