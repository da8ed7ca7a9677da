/* SPDX-License-Identifier: MIT */
/* Batch triage inside libktriage: finding dumps, hashing them, and the worker processes. */
#ifndef KT_BATCH_BATCH_H
#define KT_BATCH_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ktriage.h"

/* A file to triage: its path and where it came from. */
struct kt_batch_file {
	char *path;
	const char *format;              /* NULL: not a dump (why says why) */
	const char *why;
	bool unreadable;                 /* why is the system's: the file cannot be read at all */
	uint64_t size;
};

struct kt_batch_files {
	struct kt_batch_file *items;
	size_t n, cap;
	size_t n_skipped;                /* files under the directories that are not dumps */
	size_t n_other_shards;
};

/* Files given by name are kept even if they are not dumps (to say so); directories are walked
 * (symbolic links not followed) and keep only dumps. Sorted by path, each path once. */
struct kt_error *kt_batch_files_find(const char *const *paths, size_t n, unsigned int shard,
				     unsigned int n_shards, struct kt_batch_files *ret);
void kt_batch_files_deinit(struct kt_batch_files *files);

/* The SHA-256 of a file's content as 64 hex digits (hex: 65 bytes). */
struct kt_error *kt_sha256_file(const char *path, char *hex);

/* A job: a child process that runs fn and writes its answer to fd, then exits with fn's status. */
typedef int kt_job_fn(void *arg, int fd);

struct kt_job_result {
	char *output;                    /* what the child wrote (NUL-terminated) */
	size_t len;
	bool exited;                     /* else killed by signal (or timed out) */
	int status;                      /* exit status, or the signal */
	bool timed_out;
	double seconds;
	long max_rss_kb;
};

struct kt_pool;
typedef void kt_job_done_fn(void *arg, size_t id, struct kt_job_result *result);

struct kt_error *kt_pool_create(unsigned int workers, kt_job_done_fn *done, void *arg,
				struct kt_pool **ret);
/* Queues a job; urgent ones run before any other queued. timeout 0: none. name: the child's
 * process name (comm), to tell workers apart in ps. */
struct kt_error *kt_pool_add(struct kt_pool *pool, size_t id, kt_job_fn *fn, void *arg,
			     double timeout, bool urgent, const char *name);
/* Runs until every job, including those added by done callbacks, has finished. */
struct kt_error *kt_pool_run(struct kt_pool *pool);
/* Drops the queued jobs: those running finish. */
void kt_pool_stop(struct kt_pool *pool);
void kt_pool_destroy(struct kt_pool *pool);

#endif
