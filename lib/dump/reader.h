/* SPDX-License-Identifier: MIT */
/*
 * The one way libktriage reads dump memory. Every read can fail: the error says which address
 * could not be read and why (excluded from the dump, not mapped, truncated file, non-canonical
 * pointer). Typed helpers only add types; walkers above add budgets and cycle checks.
 */
#ifndef KT_DUMP_READER_H
#define KT_DUMP_READER_H

#include "dump/dump.h"

struct kt_reader {
	struct kt_dump *dump;
	kdump_ctx_t *ctx;  /* the dump's, or its second context for another thread */
	struct kt_pgtable pgtable; /* own translation (dump->own_translation), cached per reader */
	struct kt_page_cache *pages; /* whole pages read so far (page_cache.h), or NULL */
	struct kt_shared_pages *shared; /* pages read on any thread of a walk (read_ahead.h), or NULL */
	uint64_t shared_hits;       /* pages found there, read by the other thread */
};

void kt_reader_init(struct kt_reader *reader, struct kt_dump *dump);
void kt_reader_deinit(struct kt_reader *reader);

bool kt_address_is_canonical(const struct kt_reader *reader, uint64_t addr);
/* Canonical and in the upper half, where the kernel lives (4- or 5-level paging). */
bool kt_address_is_kernel(const struct kt_reader *reader, uint64_t addr);

struct kt_error *kt_read(struct kt_reader *reader, uint64_t addr, void *buf, size_t len);
struct kt_error *kt_read_phys(struct kt_reader *reader, uint64_t addr, void *buf, size_t len);
struct kt_error *kt_read_u8(struct kt_reader *reader, uint64_t addr, uint8_t *ret);
struct kt_error *kt_read_u16(struct kt_reader *reader, uint64_t addr, uint16_t *ret);
struct kt_error *kt_read_u32(struct kt_reader *reader, uint64_t addr, uint32_t *ret);
struct kt_error *kt_read_u64(struct kt_reader *reader, uint64_t addr, uint64_t *ret);
/* Reads a NUL-terminated string of at most max bytes (LIMIT if longer); *ret is allocated. */
struct kt_error *kt_read_cstr(struct kt_reader *reader, uint64_t addr, size_t max, char **ret);

#endif
