/* SPDX-License-Identifier: MIT */
/*
 * Large reads shared with a second thread. Without debug files the kernel's symbols and types
 * come from tables in the dump's memory (kallsyms, 1-2 MB; BTF, ~5 MB), and on a
 * kdump-compressed file every page of them is inflated: ~7 us a page, most of a start-up. The
 * pages are cut into chunks that this thread and a second one (on the dump's second
 * libkdumpfile context: contexts are not thread-safe) take in turn, each into its place in the
 * caller's buffers; a busy machine only leaves more chunks to this thread.
 */
#ifndef KT_DUMP_PARALLEL_READ_H
#define KT_DUMP_PARALLEL_READ_H

#include "dump/reader.h"

struct kt_read_range {
	uint64_t addr;
	void *buf;
	size_t len;
	struct kt_error *err;  /* out: what kt_read(addr, buf, len) would have said, or NULL */
};

/* Reads each range as kt_read would, with the same error for each (the first address that
 * cannot be read, and why); the page cache is left alone. A second thread helps where pages are
 * inflated (or always, with KT_READ_AHEAD_ALWAYS), with two CPUs or more, a second context free
 * and enough to read; the dump's second_thread mode NEVER keeps to this thread. */
void kt_read_parallel(struct kt_reader *reader, struct kt_read_range *ranges, size_t n);

#endif
