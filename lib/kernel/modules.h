/* SPDX-License-Identifier: MIT */
/*
 * The kernel's module list and each module's own symbol table (struct mod_kallsyms: an Elf64_Sym
 * array and its string table, kept in module memory for /proc/kallsyms). Read once per program.
 */
#ifndef KT_KERNEL_MODULES_H
#define KT_KERNEL_MODULES_H

#include "kernel/kernel_ctx.h"
#include "program.h"

enum { KT_MODULE_REGIONS_MAX = 16 };

/* One allocation of a module's memory. */
struct kt_module_region {
	const char *kind;             /* "MOD_TEXT", "MOD_RODATA", ... (6.4+), "core", "init" */
	uint64_t base, size;
};

struct kt_module {
	struct kt_module_info info;
	char name[64];
	struct kt_kallsyms *symbols;  /* NULL if the module's symbols could not be read */
	char *symbols_error;          /* then why */
	struct kt_module_region regions[KT_MODULE_REGIONS_MAX]; /* the non-empty ones */
	size_t n_regions;
	uint64_t percpu, percpu_size; /* its per-CPU variables (a __percpu pointer and size) */
};

struct kt_modules {
	struct kt_module *mods;
	struct kt_module_info *infos; /* the public view, parallel to mods */
	size_t n;
	/* Why the walk ended before the list's head came round again (a loop, a NULL or unreadable
	 * link, a module that cannot be read), or NULL: mods holds those before the damage. */
	struct kt_error *incomplete;
};

/* The modules on the list; a damaged list yields those before the damage, with incomplete set.
 * Fails only when the walk cannot start (no `modules`, no struct module layout) or out of memory. */
struct kt_error *kt_modules_load(struct kt_program *prog, struct kt_modules **ret);
void kt_modules_destroy(struct kt_modules *mods);
/* The region of m that holds addr, or NULL. */
const struct kt_module_region *kt_module_region_at(const struct kt_module *m, uint64_t addr);
/* Whether addr is in a module's per-CPU variables (a per-CPU symbol of a module). */
bool kt_modules_percpu(const struct kt_modules *mods, uint64_t addr);
/* The module with a region holding addr whose symbols contain it, and that symbol; false if
 * none. */
bool kt_modules_symbolize(const struct kt_modules *mods, uint64_t addr, const struct kt_module **mod_ret,
			  const struct kt_symbol **sym_ret);

/* Symbol name of the kernel, else of the first module that has one (symbols.c). */
struct kt_error *kt_program_symbol_find(struct kt_program *prog, const char *name,
					const struct kt_symbol **ret);

#endif
