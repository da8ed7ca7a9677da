/* SPDX-License-Identifier: MIT */
/* The ktriage commands: each parses its own arguments and prints; the work is in libktriage. */
#ifndef KTRIAGE_CLI_COMMANDS_H
#define KTRIAGE_CLI_COMMANDS_H

#include <stdbool.h>
#include <stddef.h>

#include "ktriage.h"

struct cli_context {
	struct kt_program *prog;
	bool json;
	const char *dump_path;   /* as given on the command line (findings name it in commands) */
	bool no_color;           /* --no-color: plain text even on a terminal */
	const struct kt_known_issues *known;  /* --known FILE: matched in the report */
	uint64_t context_task;   /* set PID|TASK|-c CPU: what bt and task show without an argument
				  * (0: the panicking task) */
	struct cli_alias *aliases;  /* alias NAME COMMAND...: in the shell and -c lists */
	size_t n_aliases;
};

struct cli_alias {
	char *name;
	char *command;           /* what NAME stands for, its arguments after it */
};

struct cli_command {
	const char *name;
	const char *usage;
	const char *summary;
	/* Returns the process exit status: 0 ok, 1 the analysis failed, 2 bad usage. */
	int (*run)(struct cli_context *ctx, int argc, char **argv);
	/* help CMD, CMD --help: every option with examples; NULL: usage and summary. */
	const char *help;
};

extern const char cli_bt_help[], cli_ps_help[], cli_dis_help[], cli_foreach_help[], cli_runq_help[],
	cli_sym_help[], cli_log_help[], cli_p_help[], cli_struct_help[], cli_rd_help[];
/* help.c: the help of the commands whose own file does not carry it. */
extern const char cli_report_help[], cli_sys_help[], cli_mod_help[], cli_percpu_help[],
	cli_callsite_help[], cli_complete_help[], cli_task_help[], cli_whatis_help[],
	cli_member_at_help[], cli_kvm_help[], cli_vmx_help[], cli_svm_help[],
	cli_findings_help[], cli_set_help[], cli_alias_help[];

int cmd_sys(struct cli_context *ctx, int argc, char **argv);
int cmd_log(struct cli_context *ctx, int argc, char **argv);
int cmd_ps(struct cli_context *ctx, int argc, char **argv);
int cmd_bt(struct cli_context *ctx, int argc, char **argv);
int cmd_mod(struct cli_context *ctx, int argc, char **argv);
int cmd_sym(struct cli_context *ctx, int argc, char **argv);
int cmd_dis(struct cli_context *ctx, int argc, char **argv);
int cmd_struct(struct cli_context *ctx, int argc, char **argv);
int cmd_union(struct cli_context *ctx, int argc, char **argv);
int cmd_whatis(struct cli_context *ctx, int argc, char **argv);
int cmd_member_at(struct cli_context *ctx, int argc, char **argv);
int cmd_p(struct cli_context *ctx, int argc, char **argv);
int cmd_eval(struct cli_context *ctx, int argc, char **argv);
extern const char cli_eval_help[];
int cmd_rd(struct cli_context *ctx, int argc, char **argv);
int cmd_percpu(struct cli_context *ctx, int argc, char **argv);
int cmd_task(struct cli_context *ctx, int argc, char **argv);
int cmd_callsite(struct cli_context *ctx, int argc, char **argv);
int cmd_complete(struct cli_context *ctx, int argc, char **argv);
int cmd_kvm(struct cli_context *ctx, int argc, char **argv);
int cmd_vmx(struct cli_context *ctx, int argc, char **argv);
int cmd_svm(struct cli_context *ctx, int argc, char **argv);
int cmd_findings(struct cli_context *ctx, int argc, char **argv);
int cmd_report(struct cli_context *ctx, int argc, char **argv);
int cmd_foreach(struct cli_context *ctx, int argc, char **argv);
int cmd_runq(struct cli_context *ctx, int argc, char **argv);
int cmd_set(struct cli_context *ctx, int argc, char **argv);
int cmd_alias(struct cli_context *ctx, int argc, char **argv);
int cmd_kmem(struct cli_context *ctx, int argc, char **argv);
int cmd_search(struct cli_context *ctx, int argc, char **argv);
extern const char cli_kmem_help[], cli_search_help[];
/* crash's files, mount, sig, vm, ... (cmd_NAME.c, each carrying its help). */
extern const char cli_files_help[];
int cmd_files(struct cli_context *ctx, int argc, char **argv);
extern const char cli_mount_help[];
int cmd_mount(struct cli_context *ctx, int argc, char **argv);
extern const char cli_sig_help[];
int cmd_sig(struct cli_context *ctx, int argc, char **argv);
extern const char cli_net_help[];
int cmd_net(struct cli_context *ctx, int argc, char **argv);
extern const char cli_waitq_help[];
int cmd_waitq(struct cli_context *ctx, int argc, char **argv);
int cmd_list(struct cli_context *ctx, int argc, char **argv);
int cmd_tree(struct cli_context *ctx, int argc, char **argv);
extern const char cli_list_help[], cli_tree_help[];
extern const char cli_timer_help[];
int cmd_timer(struct cli_context *ctx, int argc, char **argv);
extern const char cli_dev_help[];
int cmd_dev(struct cli_context *ctx, int argc, char **argv);
extern const char cli_swap_help[];
int cmd_swap(struct cli_context *ctx, int argc, char **argv);
extern const char cli_vm_help[];
int cmd_vm(struct cli_context *ctx, int argc, char **argv);
extern const char cli_irq_help[];
int cmd_irq(struct cli_context *ctx, int argc, char **argv);
extern const char cli_vtop_help[];
int cmd_vtop(struct cli_context *ctx, int argc, char **argv);
/* The aliases' memory. */
void cli_aliases_free(struct cli_context *ctx);
/* If argv[0] is an alias (not one being expanded already), runs what it stands for with the
 * arguments after it, sets *status and returns true. */
bool cli_alias_run(struct cli_context *ctx, int argc, char **argv, int *status);
/* Splits a command into words (quotes group), NUL-terminating them in line; at most max - 1. */
int cli_split_words(char *line, char **argv, int max);
/* Clears the progress line on stderr, if one is shown. */
void cli_progress_clear(void);

extern const struct cli_command cli_commands[];
extern const size_t cli_n_commands;
const struct cli_command *cli_find_command(const char *name);
/* crash's TYPE ADDR shorthand: "struct" or "union" if word (TYPE or TYPE.member) names one. */
const char *cli_type_keyword(struct kt_program *prog, const char *word);
/* Whether word could be such a type name (checked once the dump is open). */
bool cli_may_be_type(const char *word);
/* Runs one command (argv[0] is its name; --json and --help are handled here). */
int cli_run_argv(struct cli_context *ctx, int argc, char **argv);
/* Runs "cmd args; cmd args; ...". */
int cli_run_line(struct cli_context *ctx, const char *line);
int cli_shell(struct cli_context *ctx);
int cli_help(void);
/* An offset: a number, or TYPE.member (struct -l, list -o, tree -o/-r); 0, or the status after
 * saying why not, as cmd. */
int cli_member_offset(struct cli_context *ctx, const char *cmd, const char *arg, uint64_t *ret);
/* "unknown command" on stderr, with the nearest command name when it is likely a typo. */
void cli_unknown_command(const char *name);

static inline enum kt_format cli_format(const struct cli_context *ctx)
{
	return ctx->json ? KT_FORMAT_JSON : KT_FORMAT_TEXT;
}

/* ktriage batch ... and ktriage store ...: argv[0] is the subcommand. */
int cli_batch(int argc, char **argv);
int cli_store(int argc, char **argv);

/* Prints "ktriage: MESSAGE" to stderr and frees err; returns 1. An unknown symbol is followed by
 * the nearest names of the program cli_set_error_program() gave. */
int cli_report_error(struct kt_error *err);
/* The same as "ktriage: CONTEXT: MESSAGE". */
int cli_report_error_in(const char *context, struct kt_error *err);
void cli_set_error_program(struct kt_program *prog);

#endif
