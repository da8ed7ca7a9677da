// SPDX-License-Identifier: MIT
/*
 * sym -l, sym -m MODULE, sym PATTERN: the kernel's symbols (kallsyms, or the vmlinux's table) and
 * each module's own (struct mod_kallsyms), in address order, filtered by a shell wildcard.
 */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/util.h"
#include "kernel/modules.h"
#include "program.h"

struct collect {
	struct kt_symbol_list *list;
	size_t cap;
	const char *pattern;
};

static bool add_table(struct collect *c, const struct kt_kallsyms *ks, const char *module)
{
	for (size_t i = 0; ks && i < ks->n; i++) {
		const struct kt_symbol *s = &ks->syms[i];
		if (!s->name || (c->pattern && fnmatch(c->pattern, s->name, 0)))
			continue;
		struct kt_symbol_list *l = c->list;
		if (!kt_grow((void **)&l->symbols, &c->cap, l->n, sizeof(*l->symbols), 1024))
			return false;
		l->symbols[l->n++] = (struct kt_symbol_entry){s->address, s->type ? s->type : '?', s->name, module};
	}
	return true;
}

static int by_address(const void *a, const void *b)
{
	const struct kt_symbol_entry *x = a, *y = b;
	return x->address < y->address ? -1 : x->address > y->address;
}

void kt_symbol_list_destroy(struct kt_symbol_list *list)
{
	if (!list)
		return;
	free(list->symbols);
	free(list);
}

struct kt_error *kt_symbol_list_read(struct kt_program *prog, const char *module, const char *pattern,
				     struct kt_symbol_list **ret)
{
	struct kt_kallsyms *ks;
	const struct kt_module_info *infos;
	size_t n_mods;
	struct kt_error *err = kt_program_kallsyms(prog, &ks);
	if (err)
		return err;
	if ((err = kt_module_list(prog, &infos, &n_mods))) {
		if (module)
			return err;
		kt_error_destroy(err);  // the kernel's own symbols are still an answer
		n_mods = 0;
	}
	struct kt_symbol_list *list = calloc(1, sizeof(*list));
	if (!list)
		return &kt_enomem;
	struct collect c = {.list = list, .pattern = pattern};
	bool ok = true;
	const struct kt_modules *mods = n_mods ? prog->kernel->modules : NULL;
	if (!module) {
		ok = add_table(&c, ks, NULL);
		for (size_t m = 0; ok && mods && m < mods->n; m++)
			ok = add_table(&c, mods->mods[m].symbols, mods->mods[m].name);
	} else {
		size_t m = 0;
		while (mods && m < mods->n && strcmp(mods->mods[m].name, module))
			m++;
		if (!mods || m == mods->n) {
			kt_symbol_list_destroy(list);
			return kt_error_create(KT_ERROR_NOT_FOUND, "no module '%s' is loaded", module);
		}
		const struct kt_module *mod = &mods->mods[m];
		if (!mod->symbols) {
			kt_symbol_list_destroy(list);
			return kt_error_create(KT_ERROR_NOT_FOUND, "module %s: its symbols could not be read",
					       module);
		}
		list->module = mod->name;
		// Where its memory starts and ends: the regions but init, which is freed after loading.
		for (size_t r = 0; r < mod->n_regions; r++) {
			const struct kt_module_region *reg = &mod->regions[r];
			if (!strncmp(reg->kind, "init", 4) || strstr(reg->kind, "INIT"))
				continue;
			if (!list->module_start || reg->base < list->module_start)
				list->module_start = reg->base;
			if (reg->base + reg->size > list->module_end)
				list->module_end = reg->base + reg->size;
		}
		ok = add_table(&c, mod->symbols, mod->name);
	}
	if (!ok) {
		kt_symbol_list_destroy(list);
		return &kt_enomem;
	}
	if (list->n)
		qsort(list->symbols, list->n, sizeof(*list->symbols), by_address);
	*ret = list;
	return NULL;
}
