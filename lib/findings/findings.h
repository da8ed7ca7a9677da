/* SPDX-License-Identifier: MIT */
/*
 * Findings (ktriage.h): each check is one file that looks at the layers below and adds what it
 * concludes, with its evidence and commands; findings.c holds the table of checks and the
 * growing list they add to.
 */
#ifndef KT_FINDINGS_FINDINGS_H
#define KT_FINDINGS_FINDINGS_H

#include "program.h"

struct kt_findings_list {
	struct kt_finding *items;
	size_t n, cap;
	const char *dump_path;   /* for the commands: "DUMP" if none was given */
};

/* A new finding at the end of the list (zeroed but for cpu = -1); NULL without memory. */
struct kt_finding *kt_finding_add(struct kt_findings_list *list, const char *code, const char *title);
/* A fact (key: value); false without memory. */
bool kt_finding_fact(struct kt_finding *f, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A command line: ktriage DUMP -c '<fmt>'. */
bool kt_finding_command(struct kt_finding *f, const struct kt_findings_list *list, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* One check: adds its findings to list. Errors other than NOMEM are the check's to keep as
 * evidence gaps; a returned error ends the collection. */
typedef struct kt_error *kt_finding_check_fn(struct kt_program *prog, struct kt_findings_list *list);

kt_finding_check_fn kt_finding_vmx_abort;

#endif
