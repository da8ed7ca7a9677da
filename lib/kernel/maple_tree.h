/* SPDX-License-Identifier: MIT */
/*
 * Walking a maple tree (include/linux/maple_tree.h, lib/maple_tree.c; since v6.1: the VMAs of an
 * mm, sparse_irqs from v6.5) in hostile memory: each non-NULL entry with the index range it
 * covers, in index order. Node layouts are read by member name from the kernel's types; the walk
 * is bounded in depth (MAPLE_HEIGHT_MAX) and in nodes, and a damaged tree stops with an error
 * naming the node, never a hang.
 */
#ifndef KT_KERNEL_MAPLE_TREE_H
#define KT_KERNEL_MAPLE_TREE_H

#include "program.h"

/* Called with each non-NULL leaf entry and the indices [first, last] it covers; false stops the
 * walk. Entries are as stored: pointers, value entries (bit 0 set) and reserved internal ones. */
typedef bool kt_maple_fn(uint64_t first, uint64_t last, uint64_t entry, void *arg);

/* mt: a struct maple_tree in memory. budget: nodes to visit at most (0: 1 << 18). */
struct kt_error *kt_maple_for_each(const struct kt_object *mt, uint64_t budget, kt_maple_fn *fn,
				   void *arg);

#endif
