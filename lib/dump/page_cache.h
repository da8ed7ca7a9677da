/* SPDX-License-Identifier: MIT */
/*
 * Copies of dump pages the reader has read whole, so that walking thousands of tasks reads
 * each task_struct and stack page from the dump once instead of once per member or word
 * (libkdumpfile translates, locks and searches its own cache on every call). Keys are a page
 * address and its address space; memory in a dump never changes, so a copy never goes stale.
 */
#ifndef KT_DUMP_PAGE_CACHE_H
#define KT_DUMP_PAGE_CACHE_H

#include <stdint.h>

enum { KT_PAGE_SIZE = 4096 };

struct kt_page_cache;

/* Room for about that many pages; NULL without memory (the reader then reads uncached). */
struct kt_page_cache *kt_page_cache_create(unsigned int pages);
void kt_page_cache_destroy(struct kt_page_cache *cache);

/* The copy of the page at page_addr (4 KiB aligned) in space, or NULL. */
const uint8_t *kt_page_cache_find(struct kt_page_cache *cache, unsigned int space,
				  uint64_t page_addr);
/* A buffer that becomes the page's copy (evicting the least recently used of its set); the
 * caller fills it, or calls kt_page_cache_drop if the page cannot be read. */
uint8_t *kt_page_cache_claim(struct kt_page_cache *cache, unsigned int space, uint64_t page_addr);
void kt_page_cache_drop(struct kt_page_cache *cache, unsigned int space, uint64_t page_addr);

#endif
