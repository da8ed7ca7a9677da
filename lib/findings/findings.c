// SPDX-License-Identifier: MIT
/* The table of checks, and the findings list they fill. */
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
