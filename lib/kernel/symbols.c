// SPDX-License-Identifier: MIT
/*
 * Symbols of the kernel and its modules: a name's address, an address's symbol (remembered: a
 * backtrace of every task names the same few hundred pcs over and over), the module list.
 */
#include <stdlib.h>

#include "core/error.h"
#include "core/util.h"
#include "kernel/kernel_ctx.h"
#include "kernel/modules.h"

struct kt_error *kt_program_symbol_find(struct kt_program *prog, const char *name,
				       const struct kt_symbol **ret)
{
	struct kt_kallsyms *ks;
	struct kt_error *err = kt_program_kallsyms(prog, &ks);
	if (err)
		return err;
	const struct kt_symbol *sym = kt_kallsyms_by_name(ks, name);
	if (sym) {
		*ret = sym;
		return NULL;
	}
	// Then the modules' own tables; a module list that cannot be read leaves the kernel's answer.
	const struct kt_module_info *infos;
	size_t n;
	if (!prog->kernel->modules) {
		err = kt_module_list(prog, &infos, &n);
		if (err == &kt_enomem)
			return err;
		kt_error_destroy(err);
	}
	for (size_t i = 0; prog->kernel->modules && i < prog->kernel->modules->n; i++) {
		const struct kt_kallsyms *mks = prog->kernel->modules->mods[i].symbols;
		if (mks && (sym = kt_kallsyms_by_name(mks, name))) {
			*ret = sym;
			return NULL;
		}
	}
	return kt_error_create(KT_ERROR_NOT_FOUND, "no symbol '%s' in the kernel or its modules", name);
}

struct kt_error *kt_program_symbol_address(struct kt_program *prog, const char *name,
					   uint64_t *ret)
{
	const struct kt_symbol *sym = NULL;
	struct kt_error *err = kt_program_symbol_find(prog, name, &sym);
	if (!err)
		*ret = sym->address;
	return err;
}

struct kt_error *kt_module_list(struct kt_program *prog, const struct kt_module_info **ret,
				size_t *n_ret)
{
	if (!prog->kernel->modules) {
		struct kt_error *err = kt_modules_load(prog, &prog->kernel->modules);
		if (err)
			return err;
	}
	*ret = prog->kernel->modules->infos;
	*n_ret = prog->kernel->modules->n;
	return NULL;
}

const struct kt_error *kt_module_list_incomplete(struct kt_program *prog)
{
	const struct kt_module_info *mods;
	size_t n;
	struct kt_error *err = kt_module_list(prog, &mods, &n);
	if (err) {
		kt_error_destroy(err);
		return NULL;  // no list at all: kt_module_list says why
	}
	return prog->kernel->modules->incomplete;
}

/* Backtraces of every task name the same few hundred pcs over and over: remember the symbols
 * found (direct-mapped; names live as long as the program's symbol tables). */
enum { SYMBOL_CACHE_SIZE = 4096 };

struct kt_symbol_cache {
	struct symbol_answer {
		uint64_t addr, offset;
		const char *name, *module;  /* name NULL: empty */
	} answers[SYMBOL_CACHE_SIZE];
};

static struct symbol_answer *symbol_answer(struct kt_program *prog, uint64_t addr)
{
	if (!prog->kernel->symbol_cache && !(prog->kernel->symbol_cache = calloc(1, sizeof(*prog->kernel->symbol_cache))))
		return NULL;
	return &prog->kernel->symbol_cache->answers[(kt_hash_u64(addr) >> 52) % SYMBOL_CACHE_SIZE];
}

static void symbol_found(struct symbol_answer *a, uint64_t addr, const char *name,
			 uint64_t offset, const char *module)
{
	if (a)
		*a = (struct symbol_answer){addr, offset, name, module};
}

struct kt_error *kt_program_symbolize(struct kt_program *prog, uint64_t addr,
				      const char **name_ret, uint64_t *offset_ret,
				      const char **module_ret)
{
	struct symbol_answer *a = symbol_answer(prog, addr);
	if (a && a->name && a->addr == addr) {
		*name_ret = a->name;
		*offset_ret = a->offset;
		*module_ret = a->module;
		return NULL;
	}
	struct kt_kallsyms *ks;
	struct kt_error *err = kt_program_kallsyms(prog, &ks);
	if (err)
		return err;
	// Module memory sits outside the kernel image; try the module lists only there.
	const struct kt_symbol *sym = kt_kallsyms_by_address(ks, addr);
	uint64_t etext;
	const struct kt_symbol *end = kt_kallsyms_by_name(ks, "_end");
	etext = end ? end->address : UINT64_MAX;
	if (sym && addr < etext) {
		*name_ret = sym->name;
		*offset_ret = addr - sym->address;
		*module_ret = NULL;
		symbol_found(a, addr, *name_ret, *offset_ret, NULL);
		return NULL;
	}
	const struct kt_module_info *infos;
	size_t n;
	if (!(err = kt_module_list(prog, &infos, &n))) {
		const struct kt_module *mod;
		if (kt_modules_symbolize(prog->kernel->modules, addr, &mod, &sym)) {
			*name_ret = sym->name;
			*offset_ret = addr - sym->address;
			*module_ret = mod->name;
			symbol_found(a, addr, *name_ret, *offset_ret, *module_ret);
			return NULL;
		}
	} else if (err == &kt_enomem) {
		return err;
	} else {
		kt_error_destroy(err);
	}
	return kt_error_create(KT_ERROR_NOT_FOUND, "0x%016llx: no symbol (neither the kernel's nor "
			       "a module's)", (unsigned long long)addr);
}

