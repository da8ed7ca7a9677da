// SPDX-License-Identifier: MIT
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "dump/page_cache.h"
#include "dump/shared_pages.h"

/* A page cache behind a lock: held only to find and copy a page, never while reading the dump. */
struct kt_shared_pages {
	pthread_mutex_t lock;
	struct kt_page_cache *pages;
};

/* What a producer may read ahead (read_ahead.h) with room to spare: 2 MiB. */
enum { SHARED_PAGES = 512 };

struct kt_shared_pages *kt_shared_pages_create(void)
{
	struct kt_shared_pages *shared = calloc(1, sizeof(*shared));
	if (!shared)
		return NULL;
	if (!(shared->pages = kt_page_cache_create(SHARED_PAGES)) || pthread_mutex_init(&shared->lock, NULL)) {
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
	pthread_mutex_destroy(&shared->lock);
	kt_page_cache_destroy(shared->pages);
	free(shared);
}

bool kt_shared_pages_get(struct kt_shared_pages *shared, unsigned int space, uint64_t page_addr,
			 uint8_t *buf)
{
	pthread_mutex_lock(&shared->lock);
	const uint8_t *page = kt_page_cache_find(shared->pages, space, page_addr);
	if (page)
		memcpy(buf, page, KT_PAGE_SIZE);
	pthread_mutex_unlock(&shared->lock);
	return page != NULL;
}

void kt_shared_pages_put(struct kt_shared_pages *shared, unsigned int space, uint64_t page_addr,
			 const uint8_t *page)
{
	pthread_mutex_lock(&shared->lock);
	// The other thread may have put it meanwhile: the same bytes, as dump memory never changes.
	if (!kt_page_cache_find(shared->pages, space, page_addr))
		memcpy(kt_page_cache_claim(shared->pages, space, page_addr), page, KT_PAGE_SIZE);
	pthread_mutex_unlock(&shared->lock);
}
