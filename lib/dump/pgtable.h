/* SPDX-License-Identifier: MIT */
/*
 * x86-64 page table walk over physical memory, for dumps whose kernel address translation
 * libkdumpfile cannot set up (no VMCOREINFO): the root comes from a CPU's CR3.
 */
#ifndef KT_DUMP_PGTABLE_H
#define KT_DUMP_PGTABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ktriage.h"

/* Reads len bytes of physical memory at addr for the walk: the reader's kt_read_phys(). */
typedef struct kt_error *kt_phys_read_fn(void *arg, uint64_t addr, void *buf, size_t len);

struct kt_pgtable {
	uint64_t root;   /* physical address of the top-level table */
	bool la57;       /* 5-level paging (CR4.LA57) */
	/* A one-entry cache: walks of neighbouring addresses repeat. */
	uint64_t cached_page, cached_pa;
	bool cache_valid;
};

/* Translates a virtual address, reading the tables through read(arg, ...); FAULT with the
 * level and entry if it is not mapped. */
struct kt_error *kt_pgtable_translate(struct kt_pgtable *pt, kt_phys_read_fn *read, void *arg,
				      uint64_t va, uint64_t *pa_ret);

#endif
