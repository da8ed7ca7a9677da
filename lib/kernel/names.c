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

/* Nearest names: a score per candidate, lower is better; containment beats any edit distance. */
struct nearest {
	const char *name;
	size_t name_len, max_edits;
	const char **best;
	size_t *score;
	size_t max, n;
};

/* Levenshtein distance, given up past limit (returns limit + 1). */
static size_t edit_distance(const char *a, size_t la, const char *b, size_t lb, size_t limit)
{
	if ((la > lb ? la - lb : lb - la) > limit || lb > 255)
		return limit + 1;
	size_t row[256];
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0], low = row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t v = diag + (a[i - 1] != b[j - 1]);
			v = up + 1 < v ? up + 1 : v;
			v = row[j - 1] + 1 < v ? row[j - 1] + 1 : v;
			row[j] = v;
			diag = up;
			low = v < low ? v : low;
		}
		if (low > limit)
			return limit + 1;
	}
	return row[lb];
}

static void consider(struct nearest *w, const char *cand)
{
	size_t len = strlen(cand), score;
	if (len == w->name_len && !strcmp(cand, w->name))
		return;
	if (len > w->name_len && strstr(cand, w->name))
		score = len - w->name_len;  // 1.. : a longer name that contains it
	else if ((score = edit_distance(w->name, w->name_len, cand, len, w->max_edits)) <= w->max_edits)
		score += 1u << 20;          // after every containing name
	else
		return;
	if (w->n == w->max && score >= w->score[w->n - 1])
		return;
	for (size_t i = 0; i < w->n; i++)
		if (!strcmp(w->best[i], cand))
			return;  // the same name in two tables
	size_t i = w->n < w->max ? w->n++ : w->n - 1;
	while (i && w->score[i - 1] > score) {
		w->best[i] = w->best[i - 1];
		w->score[i] = w->score[i - 1];
		i--;
	}
	w->best[i] = cand;
	w->score[i] = score;
}

static void consider_table(struct nearest *w, const struct kt_kallsyms *ks)
{
	for (size_t i = 0; ks && i < ks->n; i++)
		if (ks->syms[i].name)
			consider(w, ks->syms[i].name);
}

struct kt_error *kt_names_nearest(struct kt_program *prog, const char *name, const char **ret, size_t max,
				  size_t *n_ret)
{
	*n_ret = 0;
	if (!max || !*name)
		return NULL;
	size_t *score = calloc(max, sizeof(*score));
	if (!score)
		return &kt_enomem;
	size_t len = strlen(name);
	// A typo is a few edits; short names need to be nearly exact to mean anything.
	struct nearest w = {.name = name, .name_len = len, .max_edits = len < 6 ? 1 : len < 12 ? 2 : 3,
			    .best = ret, .score = score, .max = max};
	struct kt_kallsyms *ks;
	struct kt_error *err = kt_program_kallsyms(prog, &ks);
	if (!err) {
		consider_table(&w, ks);
		const struct kt_module_info *infos;
		size_t n;
		if ((err = kt_module_list(prog, &infos, &n))) {
			kt_error_destroy(err);  // the kernel's own names are still an answer
			err = NULL;
		}
		for (size_t m = 0; prog->kernel->modules && m < prog->kernel->modules->n; m++)
			consider_table(&w, prog->kernel->modules->mods[m].symbols);
		*n_ret = w.n;
	}
	free(score);
	return err;
}
