/* SPDX-License-Identifier: MIT */
/*
 * The kernel's own symbol table (kallsyms), decoded from dump memory. Linux 6.0 and later put the
 * table locations in VMCOREINFO (the series with commit f09bddbd8661 "vmcoreinfo: add
 * kallsyms_num_syms symbol", v6.0), which is what lets ktriage name addresses without any debug
 * file.
 */
#ifndef KT_SYM_KALLSYMS_H
#define KT_SYM_KALLSYMS_H

#include "dump/reader.h"

struct kt_symbol {
	const char *name;
	uint64_t address;
	uint32_t name_hash; /* low half of kt_hash_string(name), set by kt_kallsyms_finish */
	char type;  /* nm-style: 't', 'T', 'd', ... */
};

/* A kernel symbol table: from kallsyms in the dump, or from the vmlinux ELF symtab (vmlinux.c). */
struct kt_kallsyms {
	struct kt_symbol *syms;   /* address order */
	size_t n;
	char *names;              /* all names, NUL-separated; NULL if they live elsewhere (the
				     vmlinux's string table, which outlives the table) */
	uint32_t *hash;           /* open addressing: index + 1, 0 = empty */
	size_t hash_size;
	size_t first_text;        /* index of the first symbol whose value is a kernel address */
	/* __per_cpu_start..__per_cpu_end: where per-CPU symbols are. Linked at 0 (offsets into
	 * each CPU's area) from v2.6.30 to v6.14, in the kernel image from v6.15 on. */
	bool has_percpu;
	uint64_t percpu_start, percpu_end;
};

/* Sorts the symbols and indexes their names, once syms, n and names are filled. */
struct kt_error *kt_kallsyms_finish(struct kt_kallsyms *ks);

struct kt_error *kt_kallsyms_load(struct kt_reader *reader, struct kt_kallsyms **ret);
/* The kernel's compressed tables (scripts/kallsyms), as kt_kallsyms_load finds them in the dump. */
struct kt_kallsyms_tables {
	uint32_t n;                  /* kallsyms_num_syms */
	uint64_t relative_base;      /* kallsyms_relative_base */
	const int32_t *offsets;      /* kallsyms_offsets: n of them */
	const uint16_t *token_index; /* kallsyms_token_index: 256 */
	const char *token_table;     /* kallsyms_token_table */
	size_t token_table_len;
	const uint8_t *names;        /* kallsyms_names */
	size_t names_len;
};
/* Decodes tables held in memory, as kt_kallsyms_load decodes them once read. */
struct kt_error *kt_kallsyms_decode(const struct kt_kallsyms_tables *t, struct kt_kallsyms **ret);
void kt_kallsyms_destroy(struct kt_kallsyms *ks);

size_t kt_kallsyms_count(const struct kt_kallsyms *ks);
/* Looks a symbol up by name; NULL if absent. */
const struct kt_symbol *kt_kallsyms_by_name(const struct kt_kallsyms *ks, const char *name);
/* Every symbol at exactly addr (aliases), at most max; returns how many were stored. */
size_t kt_kallsyms_at(const struct kt_kallsyms *ks, uint64_t addr, const struct kt_symbol **out,
		      size_t max);
/* The symbol containing addr (the last one at or below it, among those whose values are kernel
 * addresses: not per-CPU offsets nor other absolute values), or NULL. */
const struct kt_symbol *kt_kallsyms_by_address(const struct kt_kallsyms *ks, uint64_t addr);

/* Whether addr is in the kernel's per-CPU section (__per_cpu_start..__per_cpu_end): a per-CPU
 * variable's link address. False when the table has no such range. */
bool kt_kallsyms_is_percpu(const struct kt_kallsyms *ks, uint64_t addr);

#endif
