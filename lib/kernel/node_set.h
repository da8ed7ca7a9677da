/* SPDX-License-Identifier: MIT */
/*
 * The nodes a walk has handed out, so that a list or tree that loops back into itself stops
 * before it hands one out twice. Open addressing over addresses, grown at half full; without
 * memory the set forgets (kt_node_set_check says "not seen") and the walk's budget ends it.
 */
#ifndef KT_KERNEL_NODE_SET_H
#define KT_KERNEL_NODE_SET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct kt_node_set {
	uint64_t *slots;
	size_t cap, n;
};

/* True if addr (non-zero) was seen before; else records it. */
bool kt_node_set_check(struct kt_node_set *s, uint64_t addr);
void kt_node_set_deinit(struct kt_node_set *s);

#endif
