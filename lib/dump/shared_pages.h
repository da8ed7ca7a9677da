/* SPDX-License-Identifier: MIT */
/*
 * Pages shared by readers on different threads. Each thread reads the dump through its own
 * libkdumpfile context (0.5.1's contexts may not share a cache across threads: a cache entry's
 * reference count is dropped without its lock), and puts every whole page it reads here, so
 * that a page inflated or faulted in on one thread is copied, not read again, on the other.
 */
#ifndef KT_DUMP_SHARED_PAGES_H
#define KT_DUMP_SHARED_PAGES_H

#include <stdbool.h>
#include <stdint.h>

struct kt_shared_pages;

/* NULL without memory. */
struct kt_shared_pages *kt_shared_pages_create(void);
void kt_shared_pages_destroy(struct kt_shared_pages *shared);

/* Copies the page at page_addr (4 KiB aligned) in space into buf; false if it is not here. */
bool kt_shared_pages_get(struct kt_shared_pages *shared, unsigned int space, uint64_t page_addr,
			 uint8_t *buf);
/* Keeps a copy of a page just read whole. */
void kt_shared_pages_put(struct kt_shared_pages *shared, unsigned int space, uint64_t page_addr,
			 const uint8_t *page);

#endif
