// SPDX-License-Identifier: MIT
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "dump/page_cache.h"
#include "dump/shared_pages.h"

/* A page cache behind a lock: held only to find and copy a page, never while reading the dump.
 * A spin lock: the sections are a lookup and a 4 KiB copy, while a mutex that finds the other
 * thread inside sleeps in the kernel, and waking it cost more than the copy (2,500 sleeps a run
 * of 4,060 tasks, and the thread reading ahead idle half the time). */
struct kt_shared_pages {
	pthread_spinlock_t lock;
	struct kt_page_cache *pages;
};

/* What a producer may read ahead (read_ahead.h) with room to spare: 2 MiB. */
enum { SHARED_PAGES = 512 };

struct kt_shared_pages *kt_shared_pages_create(void)
{
	struct kt_shared_pages *shared = calloc(1, sizeof(*shared));
	if (!shared)
		return NULL;
	if (!(shared->pages = kt_page_cache_create(SHARED_PAGES)) || pthread_spin_init(&shared->lock, PTHREAD_PROCESS_PRIVATE)) {
		kt_page_cache_destroy(shared->pages);
		free(shared);
		return NULL;
	}
	return shared;
}

void kt_shared_pages_destroy(struct kt_shared_pages *shared)
{
	if (!shared)
		return;
	pthread_spin_destroy(&shared->lock);
	kt_page_cache_destroy(shared->pages);
	free(shared);
}

bool kt_shared_pages_get(struct kt_shared_pages *shared, unsigned int space, uint64_t page_addr,
			 uint8_t *buf)
{
	pthread_spin_lock(&shared->lock);
	const uint8_t *page = kt_page_cache_find(shared->pages, space, page_addr);
	if (page)
		memcpy(buf, page, KT_PAGE_SIZE);
	pthread_spin_unlock(&shared->lock);
	return page != NULL;
}

void kt_shared_pages_put(struct kt_shared_pages *shared, unsigned int space, uint64_t page_addr,
			 const uint8_t *page)
{
	pthread_spin_lock(&shared->lock);
	// The other thread may have put it meanwhile: the same bytes, as dump memory never changes.
	if (!kt_page_cache_find(shared->pages, space, page_addr))
		memcpy(kt_page_cache_claim(shared->pages, space, page_addr), page, KT_PAGE_SIZE);
	pthread_spin_unlock(&shared->lock);
}
