/* SPDX-License-Identifier: MIT */
/*
 * Walking the kernel's circular doubly linked lists (struct list_head) in hostile memory: every
 * walk has a budget and detects cycles that do not pass through the head (Brent's algorithm), so a
 * corrupted list ends with an error naming the node where the walk stopped, never a hang: LIMIT
 * for a loop or an exhausted budget, FAULT for an unreadable link, BAD_DATA for a NULL one.
 */
#ifndef KT_KERNEL_LIST_H
#define KT_KERNEL_LIST_H

#include "dump/reader.h"

/* Called with the address of each list_head after the head; return false to stop. */
typedef bool kt_list_fn(uint64_t node, void *arg);

struct kt_error *kt_list_for_each(struct kt_reader *reader, uint64_t head, uint64_t budget,
				  kt_list_fn *fn, void *arg);

/* The same for a hash list (struct hlist_head: first, then each hlist_node's next up to NULL):
 * fn gets each hlist_node's address. */
struct kt_error *kt_hlist_for_each(struct kt_reader *reader, uint64_t head, uint64_t budget,
				   kt_list_fn *fn, void *arg);

#endif
