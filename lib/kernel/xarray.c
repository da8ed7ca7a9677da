// SPDX-License-Identifier: MIT
/*
 * XArray walks. Entries (include/linux/xarray.h): bits 1:0 = 00 a pointer, x1 a value entry,
 * 10 an internal entry; an internal entry above 4096 is a node (xa_to_node: entry - 2), below
 * 256 a sibling, 256 a retry and 257 a zero entry. A node (struct xa_node) has shift, the index
 * bits below it, array, the xarray it belongs to (checked), and slots[XA_CHUNK_SIZE]; the chunk
 * size is read from the type.
 */
#include "core/error.h"
#include "kernel/object.h"
#include "kernel/xarray.h"

enum { XA_DEPTH_MAX = 64, XA_NODE_BUDGET = 1 << 16 };

struct xa_walk {
	struct kt_program *prog;
	struct kt_reader *reader;
	uint64_t xa;                 /* the struct xarray: every node's array member names it */
	uint64_t shift_offset, slots_offset, array_offset;
	unsigned int chunk_size, chunk_shift;
	uint64_t budget;
	kt_xarray_fn *fn;
	void *arg;
	bool stopped;
};

static bool is_node(uint64_t entry)
{
	return (entry & 3) == 2 && entry > 4096;
}

static struct kt_error *visit(struct xa_walk *w, uint64_t entry, uint64_t index, int shift_expected,
			      int depth)
{
	if (!entry || w->stopped)
		return NULL;
	if (!is_node(entry)) {
		if ((entry & 3) == 0)
			w->stopped = !w->fn(index, entry, w->arg);
		return NULL;  // value, sibling, retry and zero entries hold no object
	}
	uint64_t node = entry - 2;
	if (depth > XA_DEPTH_MAX || !w->budget--)
		return kt_error_create(KT_ERROR_LIMIT, "xarray: walk stopped at node 0x%llx (too deep "
				       "or too many nodes)", (unsigned long long)node);
	uint8_t shift;
	struct kt_error *err = kt_read_u8(w->reader, node + w->shift_offset, &shift);
	if (err)
		return kt_error_prefix(err, "xarray node 0x%llx", (unsigned long long)node);
	if (shift % w->chunk_shift || shift >= 64 || (shift_expected >= 0 && shift != shift_expected))
		return kt_error_create(KT_ERROR_BAD_DATA, "xarray node 0x%llx: shift %u where %d was "
				       "expected", (unsigned long long)node, shift, shift_expected);
	uint64_t array;
	if ((err = kt_read_u64(w->reader, node + w->array_offset, &array)))
		return kt_error_prefix(err, "xarray node 0x%llx", (unsigned long long)node);
	if (array != w->xa)
		return kt_error_create(KT_ERROR_BAD_DATA, "xarray node 0x%llx belongs to xarray 0x%llx, "
				       "not 0x%llx", (unsigned long long)node, (unsigned long long)array,
				       (unsigned long long)w->xa);
	uint64_t slots[256];
	if ((err = kt_read(w->reader, node + w->slots_offset, slots, w->chunk_size * 8)))
		return kt_error_prefix(err, "xarray node 0x%llx slots", (unsigned long long)node);
	for (unsigned int i = 0; i < w->chunk_size && !w->stopped; i++) {
		uint64_t child_index = index | ((uint64_t)i << shift);
		if (is_node(slots[i]) && !shift)
			return kt_error_create(KT_ERROR_BAD_DATA, "xarray node 0x%llx: a node below a "
					       "leaf", (unsigned long long)node);
		if ((err = visit(w, slots[i], child_index, (int)shift - (int)w->chunk_shift, depth + 1)))
			return err;
	}
	return NULL;
}

struct kt_error *kt_xarray_for_each(const struct kt_object *xa, uint64_t budget, kt_xarray_fn *fn,
				    void *arg)
{
	struct kt_program *prog = xa->prog;
	struct xa_walk w = {.prog = prog, .reader = kt_object_reader(xa), .fn = fn, .arg = arg,
			    .budget = budget ? budget : XA_NODE_BUDGET};
	struct kt_type_ref node_type, slots_type;
	uint64_t slots_size;
	struct kt_object head;
	uint64_t entry;
	struct kt_error *err;
	if ((err = kt_object_lookup_type(prog, "struct xa_node", &node_type)) ||
	    (err = kt_object_member_offset(prog, node_type, "shift", &w.shift_offset, &slots_type)) ||
	    (err = kt_object_member_offset(prog, node_type, "array", &w.array_offset, &slots_type)) ||
	    (err = kt_object_member_offset(prog, node_type, "slots", &w.slots_offset, &slots_type)))
		return kt_error_prefix(err, "xarray");
	struct kt_object probe;
	kt_object_init(&probe, prog, NULL, slots_type, 0);
	if ((err = kt_object_size(&probe, &slots_size)))
		return err;
	w.chunk_size = (unsigned int)(slots_size / 8);
	// XA_CHUNK_SIZE is 1 << XA_CHUNK_SHIFT: 64, or 16 with CONFIG_BASE_SMALL.
	for (w.chunk_shift = 1; w.chunk_shift < 9 && (1u << w.chunk_shift) != w.chunk_size;)
		w.chunk_shift++;
	if ((1u << w.chunk_shift) != w.chunk_size)
		return kt_error_create(KT_ERROR_BAD_DATA, "struct xa_node has %u slots, not a power "
				       "of two up to 256", w.chunk_size);
	w.xa = xa->address;
	if ((err = kt_object_member(xa, "xa_head", &head)) ||
	    (err = kt_object_read_unsigned(&head, &entry)))
		return kt_error_prefix(err, "xarray");
	return visit(&w, entry, 0, -1, 0);
}
