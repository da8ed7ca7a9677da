// SPDX-License-Identifier: MIT
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/error.h"
#include "dump/page_cache.h"
#include "dump/read_ahead.h"
#include "dump/shared_pages.h"

struct kt_read_ahead {
	struct kt_dump *dump;
	struct kt_reader *walker;     /* the walker's reader, given the shared pages meanwhile */
	struct kt_reader reader;      /* the producer's: the dump's second context */
	struct kt_shared_pages *shared;
	kt_read_ahead_fn *fn;
	void *arg;
	unsigned int window;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t moved;         /* the walker moved on, or the walk ended */
	bool lock_ready, moved_ready; /* initialised, so destroy() tears them down */
	/* Written by one thread, read by the other; the lock and moved are only for sleeping. */
	_Atomic uint64_t reached;     /* the walker's current object + 1; 0 before the first */
	atomic_bool producer_waiting;
	atomic_bool stop;
};

static void *run(void *arg)
{
	struct kt_read_ahead *ra = arg;
	ra->fn(ra, &ra->reader, ra->arg);
	return NULL;
}

/* The producer's own copies only serve the several reads it makes in one object's pages. */
enum { PRODUCER_PAGES = 64 };

static void destroy(struct kt_read_ahead *ra)
{
	if (ra->moved_ready)
		pthread_cond_destroy(&ra->moved);
	if (ra->lock_ready)
		pthread_mutex_destroy(&ra->lock);
	kt_page_cache_destroy(ra->reader.pages);
	kt_shared_pages_destroy(ra->shared);
	if (ra->reader.ctx)
		kt_dump_second_release(ra->dump);
	free(ra);
}

struct kt_error *kt_read_ahead_start(struct kt_reader *reader, unsigned int window, bool always,
				     kt_read_ahead_fn *fn, void *arg, struct kt_read_ahead **ret)
{
	*ret = NULL;
	// With one CPU the producer would only take turns with the walker. Pages of an ELF file
	// cost a copy from libkdumpfile's mapping: sharing them costs more than it saves (measured:
	// all-task backtraces 30% slower).
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2 || reader->shared ||
	    (!always && !reader->dump->compressed))
		return NULL;
	struct kt_read_ahead *ra = calloc(1, sizeof(*ra));
	if (!ra)
		return &kt_enomem;
	*ra = (struct kt_read_ahead){
		.dump = reader->dump,
		.walker = reader,
		.reader = {.dump = reader->dump, .pgtable = reader->pgtable},
		.fn = fn,
		.arg = arg,
		.window = window,
	};
	// Whatever is missing, the walk goes on without reading ahead.
	if (!(ra->reader.ctx = kt_dump_second_acquire(reader->dump)) ||
	    !(ra->shared = kt_shared_pages_create()) ||
	    !(ra->reader.pages = kt_page_cache_create(PRODUCER_PAGES)) ||
	    !(ra->lock_ready = !pthread_mutex_init(&ra->lock, NULL)) ||
	    !(ra->moved_ready = !pthread_cond_init(&ra->moved, NULL))) {
		destroy(ra);
		return NULL;
	}
	ra->reader.shared = ra->shared;
	reader->shared = ra->shared;
	if (pthread_create(&ra->thread, NULL, run, ra)) {
		reader->shared = NULL;
		destroy(ra);
		return NULL;
	}
	*ret = ra;
	return NULL;
}

bool kt_read_ahead_wait(struct kt_read_ahead *ra, uint64_t n, bool *touch)
{
	// The lock only to sleep: taking it for every object, the two threads met in it often
	// enough to put one to sleep in the kernel each time.
	uint64_t reached = atomic_load(&ra->reached);
	if (n >= reached + ra->window && !atomic_load(&ra->stop)) {
		pthread_mutex_lock(&ra->lock);
		atomic_store(&ra->producer_waiting, true);
		while (!atomic_load(&ra->stop) && n >= (reached = atomic_load(&ra->reached)) + ra->window)
			pthread_cond_wait(&ra->moved, &ra->lock);
		atomic_store(&ra->producer_waiting, false);
		pthread_mutex_unlock(&ra->lock);
	}
	// The walker's object (reached - 1) and its next three are left to it: a producer that fell
	// back there would race it for the same pages (the walker gets there while the producer
	// is still inflating them), so it walks on to get ahead. Measured on 4,060 tasks: leaving
	// it only its own object, the walker inflated a third more pages.
	*touch = n > reached + 2;
	return !atomic_load(&ra->stop);
}

void kt_read_ahead_reached(struct kt_read_ahead *ra, uint64_t n)
{
	if (!ra)
		return;
	atomic_store(&ra->reached, n + 1);
	// Seen after the store: a producer that is not yet waiting will read the new value.
	if (atomic_load(&ra->producer_waiting)) {
		pthread_mutex_lock(&ra->lock);
		pthread_cond_signal(&ra->moved);
		pthread_mutex_unlock(&ra->lock);
	}
}

void kt_read_ahead_stop(struct kt_read_ahead *ra)
{
	if (!ra)
		return;
	pthread_mutex_lock(&ra->lock);
	atomic_store(&ra->stop, true);
	pthread_cond_signal(&ra->moved);
	pthread_mutex_unlock(&ra->lock);
	pthread_join(ra->thread, NULL);
	ra->walker->shared = NULL;
	destroy(ra);
}
