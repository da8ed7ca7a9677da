// SPDX-License-Identifier: MIT
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/error.h"
#include "dump/page_cache.h"
#include "dump/parallel_read.h"

/* 16 pages a chunk: ~110 us of inflating, against a few hundred ns to take one. */
enum { CHUNK = 16 * KT_PAGE_SIZE };
/* Below this a second thread costs more than it saves (starting it: ~50 us). */
enum { SPLIT_MIN = 4 * CHUNK };

struct chunk {
	size_t range;
	uint64_t addr;
	void *buf;
	size_t len;
	struct kt_error *err;
};

struct job {
	struct chunk *chunks;
	size_t n;
	_Atomic size_t next;
	struct kt_reader second;
};

/* Reads uncached, as a read longer than the reader's cached reads is: the page cache keeps the
 * pages of tasks and stacks, not those of tables read once. */
static void take_chunks(struct job *job, struct kt_reader *reader)
{
	for (;;) {
		size_t i = atomic_fetch_add(&job->next, 1);
		if (i >= job->n)
			return;
		struct chunk *c = &job->chunks[i];
		c->err = kt_read(reader, c->addr, c->buf, c->len);
	}
}

static void *second_thread(void *arg)
{
	struct job *job = arg;
	take_chunks(job, &job->second);
	return NULL;
}

/* Chunks end on CHUNK boundaries of the address space, so that no page is read twice. */
static size_t count_chunks(const struct kt_read_range *r)
{
	if (!r->len)
		return 0;
	uint64_t first = r->addr / CHUNK, last = (r->addr + r->len - 1) / CHUNK;
	return (size_t)(last - first + 1);
}

static bool want_second_thread(const struct kt_reader *reader, size_t total)
{
	enum kt_read_ahead_mode mode = reader->dump->second_thread;
	return mode != KT_READ_AHEAD_NEVER && total >= SPLIT_MIN &&
	       (reader->dump->compressed || mode == KT_READ_AHEAD_ALWAYS) &&
	       sysconf(_SC_NPROCESSORS_ONLN) >= 2;
}

static void read_alone(struct kt_reader *reader, struct kt_read_range *ranges, size_t n)
{
	struct kt_reader uncached = *reader;
	uncached.pages = NULL;
	uncached.shared = NULL;
	for (size_t i = 0; i < n; i++)
		ranges[i].err = kt_read(&uncached, ranges[i].addr, ranges[i].buf, ranges[i].len);
}

void kt_read_parallel(struct kt_reader *reader, struct kt_read_range *ranges, size_t n)
{
	size_t total = 0, n_chunks = 0;
	for (size_t i = 0; i < n; i++) {
		ranges[i].err = NULL;
		// Addresses that wrap are left to kt_read, which refuses them.
		if (ranges[i].addr + ranges[i].len < ranges[i].addr)
			return read_alone(reader, ranges, n);
		total += ranges[i].len;
		n_chunks += count_chunks(&ranges[i]);
	}
	struct job job = {.n = n_chunks};
	if (!want_second_thread(reader, total) || !(job.chunks = calloc(n_chunks, sizeof(*job.chunks))))
		return read_alone(reader, ranges, n);
	struct chunk *c = job.chunks;
	for (size_t i = 0; i < n; i++) {
		uint64_t addr = ranges[i].addr, end = addr + ranges[i].len;
		for (uint8_t *buf = ranges[i].buf; addr < end; c++) {
			uint64_t stop = (addr / CHUNK + 1) * CHUNK;
			size_t len = (size_t)((stop < end ? stop : end) - addr);
			*c = (struct chunk){.range = i, .addr = addr, .buf = buf, .len = len};
			addr += len, buf += len;
		}
	}
	kdump_ctx_t *second = kt_dump_second_acquire(reader->dump);
	pthread_t thread;
	bool started = false;
	if (second) {
		job.second = (struct kt_reader){.dump = reader->dump, .ctx = second,
						.pgtable = reader->pgtable};
		started = !pthread_create(&thread, NULL, second_thread, &job);
	}
	struct kt_reader uncached = *reader;
	uncached.pages = NULL;
	uncached.shared = NULL;
	take_chunks(&job, &uncached);
	if (started)
		pthread_join(thread, NULL);
	if (second)
		kt_dump_second_release(reader->dump);
	// Each range's error is that of its first chunk that failed: the first address a read of
	// the whole range would have stopped at.
	for (size_t i = 0; i < n_chunks; i++) {
		struct chunk *ch = &job.chunks[i];
		if (ch->err && !ranges[ch->range].err)
			ranges[ch->range].err = ch->err;
		else
			kt_error_destroy(ch->err);
	}
	free(job.chunks);
}
