// SPDX-License-Identifier: MIT
/* The table of checks, and the findings list they fill. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/util.h"
#include "findings/findings.h"

/* Every check, in the order the report shows them. */
static const struct {
	const char *name;
	kt_finding_check_fn *run;
} checks[] = {
	{"vmx_abort", kt_finding_vmx_abort},  /* vmx_abort.c */
};

struct kt_finding *kt_finding_add(struct kt_findings_list *list, const char *code, const char *title)
{
	if (list->n == list->cap) {
		size_t cap = list->cap ? 2 * list->cap : 4;
		struct kt_finding *items = realloc(list->items, cap * sizeof(*items));
		if (!items)
			return NULL;
		list->items = items;
		list->cap = cap;
	}
	struct kt_finding *f = &list->items[list->n++];
	*f = (struct kt_finding){.code = code, .title = title, .cpu = -1};
	return f;
}

bool kt_finding_fact(struct kt_finding *f, const char *key, const char *fmt, ...)
{
	struct kt_finding_fact *facts = realloc(f->facts, (f->n_facts + 1) * sizeof(*facts));
	if (!facts)
		return false;
	f->facts = facts;
	struct kt_finding_fact *fact = &facts[f->n_facts++];
	kt_textf(fact->key, sizeof(fact->key), "%s", key);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(fact->value, sizeof(fact->value), fmt, ap);
	va_end(ap);
	return true;
}

bool kt_finding_command(struct kt_finding *f, const struct kt_findings_list *list, const char *fmt, ...)
{
	char (*commands)[160] = realloc(f->commands, (f->n_commands + 1) * sizeof(*commands));
	if (!commands)
		return false;
	f->commands = commands;
	char inner[128];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(inner, sizeof(inner), fmt, ap);
	va_end(ap);
	kt_textf(commands[f->n_commands++], sizeof(*commands), "ktriage %s -c '%s'",
		 list->dump_path ? list->dump_path : "DUMP", inner);
	return true;
}

struct kt_error *kt_findings_collect(struct kt_program *prog, const char *dump_path,
				     struct kt_finding **ret, size_t *n_ret)
{
	struct kt_findings_list list = {.dump_path = dump_path};
	for (size_t i = 0; i < KT_ARRAY_SIZE(checks); i++) {
		struct kt_error *err = checks[i].run(prog, &list);
		if (err) {
			kt_findings_destroy(list.items, list.n);
			return kt_error_prefix(err, "finding check %s", checks[i].name);
		}
	}
	*ret = list.items;
	*n_ret = list.n;
	return NULL;
}

void kt_findings_destroy(struct kt_finding *findings, size_t n)
{
	for (size_t i = 0; findings && i < n; i++) {
		free(findings[i].facts);
		free(findings[i].commands);
	}
	free(findings);
}
