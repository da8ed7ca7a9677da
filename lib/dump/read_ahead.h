/* SPDX-License-Identifier: MIT */
/*
 * Reading ahead on a second thread. A walk that visits thousands of objects in an order it can
 * foresee (every task, one after the other) runs a producer that walks the same way on its own
 * reader (the dump's second libkdumpfile context): it reads the pages the next objects will
 * need, so that they are inflated (kdump-compressed files) or faulted in (ELF files, which
 * libkdumpfile maps) on another core while the walker works on the current object. Both readers
 * keep every page they read in shared pages (shared_pages.h), where the other finds it.
 *
 * Objects are numbered 0, 1, ... in walk order. The producer keeps at most a window of objects
 * ahead of the walker, so that what it read is still in the cache when the walker asks, and reads
 * nothing for objects the walker has already reached. What it reads is never used as data: a
 * producer that fails or falls behind only makes the walk slower, never different.
 */
#ifndef KT_DUMP_READ_AHEAD_H
#define KT_DUMP_READ_AHEAD_H

#include "dump/reader.h"

struct kt_read_ahead;

/* The producer, run on the second thread with its own reader. */
typedef void kt_read_ahead_fn(struct kt_read_ahead *ra, struct kt_reader *reader, void *arg);

/* Starts fn on a second thread; reader (the walker's) uses the shared pages until
 * kt_read_ahead_stop. *ret is NULL (and no error) where reading ahead cannot help or cannot be
 * had: a single online CPU, pages that need no inflating (ELF; unless always), a walk inside
 * another walk, no second context, no thread. */
struct kt_error *kt_read_ahead_start(struct kt_reader *reader, unsigned int window, bool always,
				     kt_read_ahead_fn *fn, void *arg, struct kt_read_ahead **ret);

/* Producer, before object n: waits while n is more than the window ahead of the walker. False:
 * stop producing (the walk ended). *touch false: the walker is already at or past n, so walk on
 * without reading anything for it. */
bool kt_read_ahead_wait(struct kt_read_ahead *ra, uint64_t n, bool *touch);

/* Walker: starting on object n. */
void kt_read_ahead_reached(struct kt_read_ahead *ra, uint64_t n);

/* Walker: tells the producer to stop, waits for it and frees everything. NULL is a no-op. */
void kt_read_ahead_stop(struct kt_read_ahead *ra);

#endif
