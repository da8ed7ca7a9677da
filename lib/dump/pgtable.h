/* SPDX-License-Identifier: MIT */
/*
 * x86-64 page table walk over physical memory: for dumps whose kernel address translation
 * libkdumpfile cannot set up (no VMCOREINFO: the root comes from a CPU's CR3), for user memory
 * (the root is the task's mm->pgd), and for vtop, which shows every level it reads.
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

enum { KT_PGTABLE_MAX_LEVELS = 5 };

/* One level of a walk: the entry at index of the table at physical address table. */
struct kt_pgtable_step {
	const char *level;       /* the SDM's name of the entry: "PML5E", "PML4E", "PDPTE", "PDE", "PTE" */
	uint64_t table;          /* physical address of the table */
	unsigned int index;      /* the entry's index in it (0..511) */
	uint64_t entry;          /* the entry's value (0 if it could not be read) */
	bool read;               /* whether the entry could be read */
};

struct kt_pgtable_walk {
	struct kt_pgtable_step steps[KT_PGTABLE_MAX_LEVELS];
	size_t n_steps;          /* the levels reached; the last is where the walk ended */
	uint64_t pa;             /* the physical address, when mapped */
	uint64_t page_size;      /* 4 KiB, 2 MiB (PS in a PDE) or 1 GiB (PS in a PDPTE), when mapped */
};

/* Walks the tables from root for va. Unlike other functions, *walk is written even on error:
 * it then holds the levels read so far, the last one the entry that is not present (FAULT) or
 * could not be read. */
struct kt_error *kt_pgtable_walk(uint64_t root, bool la57, kt_phys_read_fn *read, void *arg,
				 uint64_t va, struct kt_pgtable_walk *walk);

/* Translates a virtual address, reading the tables through read(arg, ...); FAULT with the
 * level and entry if it is not mapped. */
struct kt_error *kt_pgtable_translate(struct kt_pgtable *pt, kt_phys_read_fn *read, void *arg,
				      uint64_t va, uint64_t *pa_ret);

#endif
