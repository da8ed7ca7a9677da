/* SPDX-License-Identifier: MIT */
/*
 * Walking an XArray (include/linux/xarray.h, lib/xarray.c; since v4.20) in hostile memory: each
 * present entry with its index, in index order. The tree is bounded by its shape (a node's
 * shift is its parent's minus the chunk shift, so the depth is at most 64 / chunk shift) and by
 * a budget of nodes, so a corrupted tree ends with an error naming where, never a hang.
 */
#ifndef KT_KERNEL_XARRAY_H
#define KT_KERNEL_XARRAY_H

#include "program.h"

/* Called with each present entry (a pointer: value and internal entries are skipped). */
typedef bool kt_xarray_fn(uint64_t index, uint64_t entry, void *arg);

/* xa: a struct xarray in memory. budget: nodes to visit at most (0: 1 << 16). */
struct kt_error *kt_xarray_for_each(const struct kt_object *xa, uint64_t budget, kt_xarray_fn *fn,
				    void *arg);

#endif
