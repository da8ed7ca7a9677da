/* SPDX-License-Identifier: MIT */
/*
 * Findings (ktriage.h): each check is one file that looks at the layers below and adds what it
 * concludes, with its evidence and commands; findings.c holds the table of checks and the
 * growing list they add to. What several checks read (the log, every CPU's backtrace, the task
 * list) is gathered once, on first use, in the check input (findings_input.c).
 */
#ifndef KT_FINDINGS_FINDINGS_H
#define KT_FINDINGS_FINDINGS_H

#include "program.h"

struct kt_findings_list {
	struct kt_finding *items;
	size_t n, cap;
	const char *dump_path;   /* for the commands: "DUMP" if none was given */
};

/* One line of the kernel log, its text NUL-terminated. */
struct kt_log_line {
	uint64_t ts_nsec;
	unsigned int level;
	uint32_t caller_id;
	char *text;
};

/* A CPU as the checks see it: its active task's backtrace, or why there is none. */
struct kt_input_cpu {
	bool online;
	bool loaded;
	struct kt_backtrace *bt;
	struct kt_error *error;
};

struct kt_findings_input {
	struct kt_program *prog;
	const char *dump_path;
	/* Each read once on first use; a part that fails keeps its error for every asker. */
	bool log_loaded;
	struct kt_log_line *log;
	size_t n_log, cap_log;
	struct kt_error *log_error;
	struct kt_input_cpu *cpus;
	unsigned int n_cpus;
	struct kt_error *cpus_error;
	bool cpus_counted;
	bool tasks_loaded;
	struct kt_task *tasks;
	size_t n_tasks, cap_tasks;
	struct kt_error *tasks_error;
	struct kt_sys_info sys;
	bool sys_loaded;
	struct kt_error *sys_error;
};

void kt_findings_input_init(struct kt_findings_input *in, struct kt_program *prog, const char *dump_path);
void kt_findings_input_deinit(struct kt_findings_input *in);
/* The kernel log, oldest first. The error is the input's (do not destroy it). */
const struct kt_error *kt_input_log(struct kt_findings_input *in, const struct kt_log_line **ret,
				    size_t *n_ret);
/* nr_cpu_ids (0 and an error if unknown); kt_input_cpu_online() says which are online. */
const struct kt_error *kt_input_nr_cpus(struct kt_findings_input *in, unsigned int *ret);
bool kt_input_cpu_online(struct kt_findings_input *in, unsigned int cpu);
/* CPU cpu's active task's backtrace (owned by the input), or NULL with *err_ret set. */
const struct kt_backtrace *kt_input_cpu_backtrace(struct kt_findings_input *in, unsigned int cpu,
						  const struct kt_error **err_ret);
/* Every task, as kt_task_for_each gives them. */
const struct kt_error *kt_input_tasks(struct kt_findings_input *in, const struct kt_task **ret,
				      size_t *n_ret);
const struct kt_error *kt_input_sys(struct kt_findings_input *in, const struct kt_sys_info **ret);

/* A new finding at the end of the list (zeroed but for cpu = -1); NULL without memory. */
struct kt_finding *kt_finding_add(struct kt_findings_list *list, const char *code, const char *title,
				  enum kt_severity severity);
/* A fact (key: value); false without memory. */
bool kt_finding_fact(struct kt_finding *f, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A command line: ktriage DUMP -c '<fmt>'. */
bool kt_finding_command(struct kt_finding *f, const struct kt_findings_list *list, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The findings of the list with this code, from index *i on (start at 0); NULL when done. */
const struct kt_finding *kt_findings_next(const struct kt_findings_list *list, const char *code, size_t *i);

/*
 * Signatures (signature.c, rules in signature_rules.def): f's signature is CLASS, then the key
 * frame and its module, from bt's verified frames starting at frame start, skipping the crash
 * machinery, names cut at the first '.'. Without a verified frame the signature is marked
 * corrupted. False without memory.
 */
bool kt_finding_sign(struct kt_finding *f, const char *class, const struct kt_backtrace *bt, size_t start);
/* The same when the key is a name, not a backtrace ("hung task on mutex ktest_vm_lock"). */
bool kt_finding_sign_text(struct kt_finding *f, const char *text);
/* A frame's function name as signatures use it: cut at the first '.'. */
void kt_signature_function(char *buf, size_t size, const char *function);
/* Whether function (NULL: no) is one of names, or starts with one of prefixes, once cut at its
 * first '.' (a .isra/.constprop/.cold clone is the function it was made from). */
bool kt_function_among(const char *function, const char *const *names, size_t n_names,
		       const char *const *prefixes, size_t n_prefixes);
/* True for crash machinery frames (panic, crash_kexec, NMI entry, ...) that signatures skip. */
bool kt_signature_skips(const char *function);

/* One check: adds its findings to list. Errors other than NOMEM are the check's to keep as
 * evidence gaps (as facts); a returned error ends the collection. */
typedef struct kt_error *kt_finding_check_fn(struct kt_findings_input *in, struct kt_findings_list *list);

kt_finding_check_fn kt_finding_panic_cause;
kt_finding_check_fn kt_finding_vmx_abort;
kt_finding_check_fn kt_finding_workqueue_stall;
kt_finding_check_fn kt_finding_nmi_silent;
kt_finding_check_fn kt_finding_hung_tasks;
kt_finding_check_fn kt_finding_lockup;
kt_finding_check_fn kt_finding_csd_wait;
kt_finding_check_fn kt_finding_workqueue_stall;

/* Runs every check of the table into list, then ranks it. */
struct kt_error *kt_findings_run(struct kt_findings_input *in, struct kt_findings_list *list);

#endif
