// SPDX-License-Identifier: MIT
/*
 * foreach: crash's `foreach [PID | TASK | NAME | STATE | kernel | user]... COMMAND [ARGS]`: the
 * tasks the selectors pick (all of them without one), each given to the command: bt (with its
 * options), task (each task's details) or ps. Each selector must match a task, as in ps.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "numbers.h"

enum { FOREACH_MAX_SELECTORS = 64 };

static const char *const states[] = {"RU", "IN", "UN", "ST", "TR", "DE", "ZO", "PA", "ID", "NE"};

const char cli_foreach_help[] =
	"usage: foreach [PID | TASK | NAME | STATE | kernel | user]... bt|task|ps [OPTIONS]\n"
	"  PID       the tasks with that pid (decimal)\n"
	"  TASK      the task_struct at that address (hexadecimal: 0x..., or 11+ hex digits)\n"
	"  NAME      the tasks with that command name (\\NAME for a name of digits)\n"
	"  STATE     the tasks in that state: RU IN UN ST TR DE ZO PA ID NE\n"
	"  kernel    kernel threads (PF_KTHREAD, and the idle tasks); user: the others\n"
	"  (none)    every task; named tasks and states add to the choice, kernel and user narrow it\n"
	"  bt ...    each task's backtrace, with bt's options (-f, -l, -r, --reasons, ...)\n"
	"  task      each task's details, as task PID prints them\n"
	"  ps ...    the tasks as ps lists them\n"
	"examples: foreach UN bt;  foreach ktest_dlA ktest_dlB bt -f;  foreach kernel RU ps;\n"
	"          foreach UN task\n";

struct selector {
	const char *arg;
	enum { BY_PID, BY_ADDRESS, BY_NAME, BY_STATE, BY_KERNEL, BY_USER } kind;
	uint64_t value;
	const char *name;
	bool matched;
};

struct foreach {
	struct kt_program *prog;
	struct selector sel[FOREACH_MAX_SELECTORS];
	size_t n_sel;
	bool need_info;           /* kernel/user: PF_KTHREAD from the task's details */
	struct kt_task *tasks;
	size_t n, cap;
	struct kt_error *err;
	bool nomem;
};

static void selector_parse(struct selector *s, const char *arg)
{
	*s = (struct selector){.arg = arg, .kind = BY_NAME, .name = arg};
	if (arg[0] == '\\') {
		s->name = arg + 1;
		return;
	}
	if (cli_parse_uint(arg, 10, INT32_MAX, &s->value)) {
		s->kind = BY_PID;
		return;
	}
	for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++)
		if (!strcmp(arg, states[i]))
			s->kind = BY_STATE;
	if (s->kind == BY_STATE)
		return;
	if (!strcmp(arg, "kernel") || !strcmp(arg, "user")) {
		s->kind = arg[0] == 'k' ? BY_KERNEL : BY_USER;
		return;
	}
	bool hex_prefix = arg[0] == '0' && (arg[1] == 'x' || arg[1] == 'X');
	if ((hex_prefix || strlen(arg) > 10) && cli_parse_uint(arg, 16, UINT64_MAX, &s->value))
		s->kind = BY_ADDRESS;
}

static bool visit(const struct kt_task *t, void *arg)
{
	struct foreach *f = arg;
	bool kthread = false;
	if (f->need_info) {
		struct kt_task_info info;
		if ((f->err = kt_task_info_read(f->prog, t, &info)))
			return false;
		kthread = info.kthread || t->idle;
	}
	// As crash: the tasks named (pid, address, name) and the states each widen the choice;
	// kernel and user narrow it.
	bool named = false, any_named = false, in_state = false, any_state = false, kind = true;
	for (size_t i = 0; i < f->n_sel; i++) {
		struct selector *s = &f->sel[i];
		bool m;
		if (s->kind == BY_STATE) {
			any_state = true;
			in_state |= m = !strcmp(t->state_name, s->name);
		} else if (s->kind == BY_KERNEL || s->kind == BY_USER) {
			kind &= m = s->kind == BY_KERNEL ? kthread : !kthread;
		} else {
			any_named = true;
			named |= m = s->kind == BY_PID ? (uint64_t)t->pid == s->value
				   : s->kind == BY_ADDRESS ? t->address == s->value : !strcmp(t->comm, s->name);
		}
		s->matched |= m;
	}
	bool any = (!any_named || named) && (!any_state || in_state) && kind;
	if (!any)
		return true;
	if (f->n == f->cap) {
		size_t cap = f->cap ? 2 * f->cap : 64;
		struct kt_task *grown = realloc(f->tasks, cap * sizeof(*grown));
		if (!grown) {
			f->nomem = true;
			return false;
		}
		f->tasks = grown;
		f->cap = cap;
	}
	f->tasks[f->n++] = *t;
	return true;
}

/* foreach ... task: each selected task's details, one document. */
static int each_task(struct cli_context *ctx, struct foreach *f, int n_args)
{
	if (n_args > 1) {
		fprintf(stderr, "foreach: task takes no options here\n");
		return 2;
	}
	int status = 0;
	struct kt_list_writer list;
	kt_list_begin(&list, stdout, cli_format(ctx), KT_LIST_TASK_DETAILS);
	for (size_t k = 0; k < f->n; k++) {
		struct kt_task_info info;
		struct kt_error *err = kt_task_info_read(ctx->prog, &f->tasks[k], &info);
		if (err) {
			fprintf(stderr, "foreach: task 0x%llx: %s\n", (unsigned long long)f->tasks[k].address,
				kt_error_message(err));
			kt_error_destroy(err);
			status = 1;
			continue;
		}
		kt_task_info_item_render(&list, &info);
	}
	kt_list_end(&list);
	return status;
}

int cmd_foreach(struct cli_context *ctx, int argc, char **argv)
{
	int i = 1;
	while (i < argc && strcmp(argv[i], "bt") && strcmp(argv[i], "ps") && strcmp(argv[i], "task"))
		i++;
	if (i == argc || i - 1 > FOREACH_MAX_SELECTORS) {
		fputs(cli_foreach_help, stderr);
		return 2;
	}
	struct foreach *f = calloc(1, sizeof(*f));
	if (!f) {
		fprintf(stderr, "ktriage: out of memory\n");
		return 1;
	}
	f->prog = ctx->prog;
	for (int k = 1; k < i; k++) {
		selector_parse(&f->sel[f->n_sel], argv[k]);
		f->need_info |= f->sel[f->n_sel].kind >= BY_KERNEL;
		f->n_sel++;
	}
	struct kt_error *err = kt_task_for_each(ctx->prog, visit, f);
	int status = 0;
	if (err || f->err || f->nomem) {
		status = f->nomem && !err && !f->err ? (fprintf(stderr, "ktriage: out of memory\n"), 1)
						    : cli_report_error(err ? err : f->err);
		kt_error_destroy(err ? f->err : NULL);
		goto out;
	}
	for (size_t k = 0; k < f->n_sel; k++) {
		if (!f->sel[k].matched) {
			fprintf(stderr, "foreach: no task matches '%s'\n", f->sel[k].arg);
			status = 1;
		}
	}
	if (!f->n) {
		fprintf(stderr, "foreach: no task selected\n");
		status = 1;
		goto out;
	}
	if (!strcmp(argv[i], "task")) {
		status = each_task(ctx, f, argc - i);
		goto out;
	}
	if (!strcmp(argv[i], "ps")) {
		if (argc - i > 1) {
			fprintf(stderr, "foreach: ps takes no options here\n");
			status = 2;
			goto out;
		}
		struct kt_list_writer list;
		kt_list_begin(&list, stdout, cli_format(ctx), KT_LIST_TASKS);
		for (size_t k = 0; k < f->n; k++)
			kt_task_render(&list, &f->tasks[k]);
		kt_list_end(&list);
		goto out;
	}
	// bt with its own options, then every selected task by address.
	int n_cmd = argc - i;
	char **args = calloc((size_t)n_cmd + f->n + 1, sizeof(*args));
	char (*addrs)[20] = calloc(f->n, sizeof(*addrs));
	if (!args || !addrs) {
		free(args);
		free(addrs);
		fprintf(stderr, "ktriage: out of memory\n");
		status = 1;
		goto out;
	}
	for (int k = 0; k < n_cmd; k++)
		args[k] = argv[i + k];
	for (size_t k = 0; k < f->n; k++) {
		snprintf(addrs[k], sizeof(addrs[k]), "0x%llx", (unsigned long long)f->tasks[k].address);
		args[n_cmd + k] = addrs[k];
	}
	status |= cli_run_argv(ctx, n_cmd + (int)f->n, args);
	free(args);
	free(addrs);
out:
	free(f->tasks);
	free(f);
	return status;
}
