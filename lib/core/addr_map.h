/* SPDX-License-Identifier: MIT */
/* A sorted map from addresses to values, built once and searched many times (code site tables). */
#ifndef KT_CORE_ADDR_MAP_H
#define KT_CORE_ADDR_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct kt_addr_map {
	struct kt_addr_pair {
		uint64_t addr, value;
	} *pairs;
	size_t n, cap;
};

/* Appends a pair; false without memory. */
bool kt_addr_map_add(struct kt_addr_map *map, uint64_t addr, uint64_t value);
/* Sorts the pairs by address, after the last add and before the first find. */
void kt_addr_map_sort(struct kt_addr_map *map);
/* The value of addr (the first pair with that address); false if none. */
bool kt_addr_map_find(const struct kt_addr_map *map, uint64_t addr, uint64_t *value);
/* Adds a table's pairs to map; false without memory. */
typedef bool kt_addr_map_fill_fn(void *arg, struct kt_addr_map *map);
/* The map kept in *slot, filled and sorted on first use. A fill that runs out of memory leaves
 * the map empty rather than partial. NULL only without memory for the map itself. */
const struct kt_addr_map *kt_addr_map_once(struct kt_addr_map **slot, kt_addr_map_fill_fn *fill,
					   void *arg);
/* Frees map itself too (NULL is fine). */
void kt_addr_map_destroy(struct kt_addr_map *map);

#endif
