// SPDX-License-Identifier: MIT
#include <stdlib.h>

#include "core/util.h"
#include "dump/page_cache.h"

/* 4-way sets with LRU in each. Walkers touch a task's or a stack's few pages many times in a
 * row, then move on: a larger cache only adds page faults. */
enum { WAYS = 4 };

struct way {
	uint64_t key;     /* page address | space + 1; 0: empty */
	uint64_t used;    /* clock of the last use, for LRU within the set */
};

struct kt_page_cache {
	uint64_t clock;
	unsigned int sets;
	struct way (*ways)[WAYS];
	uint8_t *pages;   /* sets * WAYS pages, way w of set s at (s * WAYS + w) */
};

struct kt_page_cache *kt_page_cache_create(unsigned int pages)
{
	struct kt_page_cache *cache = calloc(1, sizeof(*cache));
	if (!cache)
		return NULL;
	cache->sets = pages / WAYS ? pages / WAYS : 1;
	cache->ways = calloc(cache->sets, sizeof(*cache->ways));
	cache->pages = malloc((size_t)cache->sets * WAYS * KT_PAGE_SIZE);
	if (!cache->ways || !cache->pages) {
		kt_page_cache_destroy(cache);
		return NULL;
	}
	return cache;
}

void kt_page_cache_destroy(struct kt_page_cache *cache)
{
	if (!cache)
		return;
	free(cache->ways);
	free(cache->pages);
	free(cache);
}

static uint64_t make_key(unsigned int space, uint64_t page_addr)
{
	return page_addr | (space + 1);
}

static size_t set_of(const struct kt_page_cache *cache, uint64_t key)
{
	// Task structs and stacks sit at regular strides: hash the page number.
	return (size_t)(kt_hash_u64(key >> 12) >> 32) % cache->sets;
}

const uint8_t *kt_page_cache_find(struct kt_page_cache *cache, unsigned int space,
				  uint64_t page_addr)
{
	uint64_t key = make_key(space, page_addr);
	size_t s = set_of(cache, key);
	for (size_t w = 0; w < WAYS; w++) {
		if (cache->ways[s][w].key == key) {
			cache->ways[s][w].used = ++cache->clock;
			return cache->pages + (s * WAYS + w) * KT_PAGE_SIZE;
		}
	}
	return NULL;
}

uint8_t *kt_page_cache_claim(struct kt_page_cache *cache, unsigned int space, uint64_t page_addr)
{
	uint64_t key = make_key(space, page_addr);
	size_t s = set_of(cache, key), victim = 0;
	for (size_t w = 1; w < WAYS; w++)
		if (cache->ways[s][w].used < cache->ways[s][victim].used)
			victim = w;
	cache->ways[s][victim] = (struct way){key, ++cache->clock};
	return cache->pages + (s * WAYS + victim) * KT_PAGE_SIZE;
}

void kt_page_cache_drop(struct kt_page_cache *cache, unsigned int space, uint64_t page_addr)
{
	uint64_t key = make_key(space, page_addr);
	size_t s = set_of(cache, key);
	for (size_t w = 0; w < WAYS; w++)
		if (cache->ways[s][w].key == key)
			cache->ways[s][w] = (struct way){0, 0};
}
