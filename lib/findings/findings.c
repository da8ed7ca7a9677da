// SPDX-License-Identifier: MIT
/* The table of checks; running them and ranking what they found. */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/util.h"
#include "findings/findings.h"

/* Every check, in the order the report shows findings of the same severity, which is also the
 * order in which their signatures take precedence: the checks that name what was stuck come
 * before the panic cause, whose key frame depends on which CPU's watchdog fired first (a soft
 * lockup on a spinlock panics on either CPU, boot to boot). A later check may read what an
 * earlier one found (nmi_silent names the VMX abort that explains the silence). */
static const struct {
	const char *name;
	kt_finding_check_fn *run;
} checks[] = {
	{"vmx_abort", kt_finding_vmx_abort},      /* vmx_abort.c */
	{"nmi_silent", kt_finding_nmi_silent},    /* nmi_silent.c */
	{"hung_tasks", kt_finding_hung_tasks},    /* hung_tasks.c, hung_block.c */
	{"lockup", kt_finding_lockup},            /* lockup.c, spin_point.c */
	{"csd_wait", kt_finding_csd_wait},        /* csd_wait.c */
	{"workqueue_stall", kt_finding_workqueue_stall},  /* workqueue_stall.c */
	{"panic_cause", kt_finding_panic_cause},  /* panic_cause.c, panic_log.c, panic_patterns.def */
};

const char *kt_severity_name(enum kt_severity severity)
{
	static const char *const names[] = {
		[KT_SEVERITY_INFO] = "info",
		[KT_SEVERITY_WARNING] = "warning",
		[KT_SEVERITY_ERROR] = "error",
		[KT_SEVERITY_CRITICAL] = "critical",
	};
	return (unsigned int)severity < KT_ARRAY_SIZE(names) ? names[severity] : "?";
}

/* Stable: equal severities keep the table's order. */
static void rank(struct kt_finding *items, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		struct kt_finding f = items[i];
		size_t k = i;
		for (; k > 0 && items[k - 1].severity < f.severity; k--)
			items[k] = items[k - 1];
		items[k] = f;
	}
}

struct kt_error *kt_findings_run(struct kt_findings_input *in, struct kt_findings_list *list)
{
	for (size_t i = 0; i < KT_ARRAY_SIZE(checks); i++) {
		struct kt_error *err = checks[i].run(in, list);
		if (err)
			return kt_error_prefix(err, "finding check %s", checks[i].name);
	}
	rank(list->items, list->n);
	return NULL;
}

struct kt_error *kt_findings_collect(struct kt_program *prog, const char *dump_path,
				     struct kt_finding **ret, size_t *n_ret)
{
	struct kt_findings_input in;
	kt_findings_input_init(&in, prog, dump_path);
	struct kt_findings_list list = {.dump_path = dump_path};
	struct kt_error *err = kt_findings_run(&in, &list);
	kt_findings_input_deinit(&in);
	if (err) {
		kt_findings_destroy(list.items, list.n);
		return err;
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
		free(findings[i].signature_frames);
	}
	free(findings);
}
