/* SPDX-License-Identifier: MIT */
/*
 * Walking the kernel's red-black trees (struct rb_root, include/linux/rbtree_types.h) in hostile
 * memory, in order, leftmost first, as rb_first()/rb_next() do. Every pointer can be garbage, so
 * the walk checks each node's parent link against the node it came from, bounds the depth (a
 * red-black tree of n nodes is at most 2 log2(n + 1) deep), remembers the nodes it handed out
 * (a loop stops before a node comes out twice) and has a budget: a damaged tree ends with an
 * error naming the node, never a hang.
 */
#ifndef KT_KERNEL_RBTREE_H
#define KT_KERNEL_RBTREE_H

#include "kernel/list.h"
#include "program.h"

/* Deeper than this is not a red-black tree of any size memory can hold (2^32 nodes). */
enum { KT_RBTREE_DEPTH_MAX = 64 };

/* Where struct rb_node keeps its links, from the kernel's types. */
struct kt_rbtree_layout {
	uint64_t parent_color, right, left;
};

struct kt_error *kt_rbtree_layout_get(struct kt_program *prog, struct kt_rbtree_layout *ret);

/* fn gets each rb_node's address in order, starting from root (an rb_root's rb_node: 0 for an
 * empty tree); at most budget nodes. */
struct kt_error *kt_rbtree_for_each(struct kt_reader *reader, const struct kt_rbtree_layout *layout,
				    uint64_t root, uint64_t budget, kt_list_fn *fn, void *arg);

#endif
