// SPDX-License-Identifier: MIT
#include <stdlib.h>

#include "core/addr_map.h"
#include "core/util.h"

bool kt_addr_map_add(struct kt_addr_map *map, uint64_t addr, uint64_t value)
{
	if (!kt_grow((void **)&map->pairs, &map->cap, map->n, sizeof(*map->pairs), 256))
		return false;
	map->pairs[map->n++] = (struct kt_addr_pair){addr, value};
	return true;
}

static int by_addr(const void *a, const void *b)
{
	const struct kt_addr_pair *x = a, *y = b;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

void kt_addr_map_sort(struct kt_addr_map *map)
{
	if (map->n)  // qsort(NULL, 0, ...) is undefined
		qsort(map->pairs, map->n, sizeof(*map->pairs), by_addr);
}

bool kt_addr_map_find(const struct kt_addr_map *map, uint64_t addr, uint64_t *value)
{
	size_t lo = 0, hi = map->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (map->pairs[mid].addr < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == map->n || map->pairs[lo].addr != addr)
		return false;
	*value = map->pairs[lo].value;
	return true;
}

const struct kt_addr_map *kt_addr_map_once(struct kt_addr_map **slot, kt_addr_map_fill_fn *fill,
					   void *arg)
{
	if (!*slot) {
		struct kt_addr_map *map = calloc(1, sizeof(*map));
		if (!map)
			return NULL;
		if (!fill(arg, map))
			map->n = 0;
		kt_addr_map_sort(map);
		*slot = map;
	}
	return *slot;
}

void kt_addr_map_destroy(struct kt_addr_map *map)
{
	if (!map)
		return;
	free(map->pairs);
	free(map);
}
