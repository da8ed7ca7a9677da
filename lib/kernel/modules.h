/* SPDX-License-Identifier: MIT */
/*
 * The kernel's module list and each module's own symbol table (struct mod_kallsyms: an Elf64_Sym
 * array and its string table, kept in module memory for /proc/kallsyms). Read once per program.
 */
#ifndef KT_KERNEL_MODULES_H
#define KT_KERNEL_MODULES_H

#include "kernel/kernel_ctx.h"
#include "program.h"

struct kt_module {
	struct kt_module_info info;
	char name[64];
	struct kt_kallsyms *symbols;  /* NULL if the module's symbols could not be read */
};

struct kt_modules {
	struct kt_module *mods;
	struct kt_module_info *infos; /* the public view, parallel to mods */
	size_t n;
};

struct kt_error *kt_modules_load(struct kt_program *prog, struct kt_modules **ret);
void kt_modules_destroy(struct kt_modules *mods);
/* The module whose symbols contain addr, and that symbol; false if none. */
bool kt_modules_symbolize(const struct kt_modules *mods, uint64_t addr, const struct kt_module **mod_ret,
			  const struct kt_symbol **sym_ret);

/* Symbol name of the kernel, else of the first module that has one (symbols.c). */
struct kt_error *kt_program_symbol_find(struct kt_program *prog, const char *name,
					const struct kt_symbol **ret);

#endif
