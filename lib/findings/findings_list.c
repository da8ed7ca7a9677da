// SPDX-License-Identifier: MIT
/* The findings list the checks add to: findings, their facts and their commands. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "findings/findings.h"

struct kt_finding *kt_finding_add(struct kt_findings_list *list, const char *code, const char *title,
				  enum kt_severity severity)
{
	if (!kt_grow((void **)&list->items, &list->cap, list->n, sizeof(*list->items), 4))
		return NULL;
	struct kt_finding *f = &list->items[list->n++];
	*f = (struct kt_finding){.code = code, .title = title, .severity = severity, .cpu = -1};
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

const struct kt_finding *kt_findings_next(const struct kt_findings_list *list, const char *code, size_t *i)
{
	for (; *i < list->n; ++*i)
		if (!strcmp(list->items[*i].code, code))
			return &list->items[(*i)++];
	return NULL;
}
