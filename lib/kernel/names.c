// SPDX-License-Identifier: MIT
/* Names that start with a prefix, for completion: symbols of the kernel and its modules, types. */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "kernel/modules.h"
#include "program.h"

struct prefix_walk {
	const char *prefix;
	size_t len;
	kt_name_fn *fn;
	void *arg;
	bool stopped;
};

static bool offer(struct prefix_walk *w, const char *name)
{
	if (w->stopped || strncmp(name, w->prefix, w->len))
		return !w->stopped;
	w->stopped = !w->fn(name, w->arg);
	return !w->stopped;
}

static void symbols(struct prefix_walk *w, const struct kt_kallsyms *ks)
{
	for (size_t i = 0; ks && i < ks->n && offer(w, ks->syms[i].name); i++)
		;
}

static bool type_name(const char *name, const char *kind, void *arg)
{
	(void)kind;
	return offer(arg, name);
}

struct kt_error *kt_names_with_prefix(struct kt_program *prog, enum kt_name_kind kind, const char *prefix,
				      kt_name_fn *fn, void *arg)
{
	struct prefix_walk w = {.prefix = prefix, .len = strlen(prefix), .fn = fn, .arg = arg};
	if (kind == KT_NAMES_TYPES) {
		struct kt_types *types;
		struct kt_error *err = kt_program_types(prog, &types);
		if (err)
			return err;
		kt_types_for_each_name(types, type_name, &w);
		return NULL;
	}
	struct kt_kallsyms *ks;
	struct kt_error *err = kt_program_kallsyms(prog, &ks);
	if (err)
		return err;
	symbols(&w, ks);
	const struct kt_module_info *infos;
	size_t n;
	if ((err = kt_module_list(prog, &infos, &n))) {
		kt_error_destroy(err);  // the kernel's own symbols are still an answer
		return NULL;
	}
	for (size_t m = 0; prog->kernel->modules && m < prog->kernel->modules->n && !w.stopped; m++)
		symbols(&w, prog->kernel->modules->mods[m].symbols);
	return NULL;
}
