// SPDX-License-Identifier: MIT
/* ps: the task list as crash's ps shows it; PIDs, task addresses and command names select tasks. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "numbers.h"

enum { PS_MAX_SELECTORS = 64, PS_MAX_FAMILIES = 1024 };

/* One argument: a pid, a task address or a command name, and whether any task matched it. */
struct selector {
	const char *arg;
	enum { BY_PID, BY_ADDRESS, BY_COMM } kind;
	uint64_t value;
	const char *comm;
	bool matched;
};

struct ps {
	struct kt_program *prog;
	struct kt_list_writer list;
	const char *state_filter;       /* --state=XX: only tasks in that state */
	char kind;                      /* -k kernel threads, -u user tasks, or 0 */
	bool leaders;                   /* -G: thread-group leaders only */
	struct kt_error *err;
	struct selector sel[PS_MAX_SELECTORS];
	size_t n_sel;
	bool summary;                   /* -S: how many tasks in each state */
	struct kt_task_state_count counts[KT_TASK_STATE_COUNT_MAX];
	size_t n_counts;
	uint64_t family[PS_MAX_FAMILIES];  /* -p, -c: the tasks selected */
	size_t n_family;
	size_t n_args;                  /* -a: tasks shown */
	int args_status;                /* -a: 1 once a task's arguments could not be read */
};

/*
 * As crash reads a ps argument: digits are a pid; a hexadecimal value (0x, or hex digits that
 * do not fit a pid) is a task address; anything else is a command name. "\NAME" is always a
 * name, for a command whose name is all digits.
 */
static void selector_parse(struct selector *s, const char *arg)
{
	*s = (struct selector){.arg = arg, .kind = BY_COMM, .comm = arg};
	if (arg[0] == '\\') {
		s->comm = arg + 1;
		return;
	}
	if (cli_parse_uint(arg, 10, INT32_MAX, &s->value)) {
		s->kind = BY_PID;
		return;
	}
	bool hex_prefix = arg[0] == '0' && (arg[1] == 'x' || arg[1] == 'X');
	if ((hex_prefix || strlen(arg) > 10) && cli_parse_uint(arg, 16, UINT64_MAX, &s->value))
		s->kind = BY_ADDRESS;
}

static bool selected(struct ps *p, const struct kt_task *t)
{
	bool any = !p->n_sel;
	for (size_t i = 0; i < p->n_sel; i++) {
		struct selector *s = &p->sel[i];
		bool match = s->kind == BY_PID ? (uint64_t)t->pid == s->value
			   : s->kind == BY_ADDRESS ? t->address == s->value : !strcmp(t->comm, s->comm);
		s->matched |= match;
		any |= match;
	}
	if (!any || (p->state_filter && strcmp(p->state_filter, t->state_name)) ||
	    (p->leaders && t->pid != t->tgid))
		return false;
	if (!p->kind)
		return true;
	// crash's is_kernel_thread(): PF_KTHREAD, which the idle tasks have too.
	struct kt_task_info info;
	struct kt_error *err = kt_task_info_read(p->prog, t, &info);
	if (err) {
		kt_error_destroy(p->err);
		p->err = err;
		return false;
	}
	return (p->kind == 'k') == (info.kthread || t->idle);
}

static void count_state(struct ps *p, const struct kt_task *t)
{
	// In the order the walk first meets each state, as crash's ps -S.
	for (size_t i = 0; i < p->n_counts; i++) {
		if (!strcmp(p->counts[i].state, t->state_name)) {
			p->counts[i].count++;
			return;
		}
	}
	if (p->n_counts < KT_TASK_STATE_COUNT_MAX)
		p->counts[p->n_counts++] = (struct kt_task_state_count){t->state_name, 1};
}

/* The error a task's details gave while selecting, now the caller's. */
static struct kt_error *take_error(struct ps *p)
{
	struct kt_error *err = p->err;
	p->err = NULL;
	return err;
}

static bool visit_task(const struct kt_task *t, void *arg)
{
	struct ps *p = arg;
	if (!selected(p, t))
		return !p->err;
	if (p->summary)
		count_state(p, t);
	else
		kt_task_render(&p->list, t);
	return true;
}

/* ps -l, ps -m: the selected tasks, most recently run first. */
static int show_runs(struct cli_context *ctx, struct ps *p, bool ago)
{
	struct kt_task_run *runs;
	size_t n, kept = 0;
	struct kt_error *err = kt_task_runs_read(ctx->prog, &runs, &n);
	if (err)
		return cli_report_error(err);
	for (size_t i = 0; i < n && !p->err; i++)
		if (selected(p, &runs[i].task))
			runs[kept++] = runs[i];
	if (!p->err)
		kt_task_runs_render(stdout, cli_format(ctx), runs, kept, ago);
	free(runs);
	return p->err ? cli_report_error(take_error(p)) : 0;
}

/* ps -t: the selected tasks' run, start, user and system times. */
static int show_times(struct cli_context *ctx, struct ps *p)
{
	struct kt_task_times *times;
	struct kt_error *err = kt_task_times_read(ctx->prog, &times);
	if (err)
		return cli_report_error(err);
	bool *keep = calloc(times->n ? times->n : 1, sizeof(*keep));
	if (!keep) {
		kt_task_times_destroy(times);
		fprintf(stderr, "ktriage: out of memory\n");
		return 1;
	}
	for (size_t i = 0; i < times->n && !p->err; i++)
		keep[i] = selected(p, &times->tasks[i].task);
	if (!p->err)
		kt_task_times_render(stdout, cli_format(ctx), times, keep);
	free(keep);
	kt_task_times_destroy(times);
	return p->err ? cli_report_error(take_error(p)) : 0;
}

/* ps -p, ps -c: each task its arguments select, with its ancestors or its children. */
static bool collect_selected(const struct kt_task *t, void *arg)
{
	struct ps *p = arg;
	if (!p->n_sel || !selected(p, t) || p->n_family == PS_MAX_FAMILIES)
		return !p->err;
	p->family[p->n_family++] = t->address;
	return true;
}

static int show_families(struct cli_context *ctx, struct ps *p, bool children)
{
	struct kt_error *err = kt_task_for_each(ctx->prog, collect_selected, p);
	if (err || p->err)
		return cli_report_error(err ? err : take_error(p));
	int status = 0;
	kt_list_begin(&p->list, stdout, cli_format(ctx), KT_LIST_FAMILIES);
	for (size_t i = 0; i < p->n_family; i++) {
		struct kt_task *tasks;
		size_t n;
		if ((err = kt_task_family_read(ctx->prog, p->family[i], children, &tasks, &n))) {
			status = cli_report_error(err);
			continue;
		}
		kt_task_family_render(&p->list, tasks, n, children);
		free(tasks);
	}
	kt_list_end(&p->list);
	return status;
}

/* ps -a: each selected task's command line and environment, from its user memory, shown as the
 * walk meets it. */
static bool visit_args(const struct kt_task *t, void *arg)
{
	struct ps *p = arg;
	if (!selected(p, t))
		return !p->err;
	if (p->n_args == PS_MAX_FAMILIES)
		return false;
	struct kt_task_args *args;
	struct kt_error *err = kt_task_args_read(p->prog, t, &args);
	if (err) {
		p->args_status = cli_report_error(err);
		return true;
	}
	kt_task_args_render(&p->list, args);
	p->n_args++;
	// Arguments that could not be read are a partial answer: exit 1, as for any read.
	if (args->args_error || args->env_error)
		p->args_status = 1;
	kt_task_args_destroy(args);
	return true;
}

static int show_args(struct cli_context *ctx, struct ps *p)
{
	kt_list_begin(&p->list, stdout, cli_format(ctx), KT_LIST_TASK_ARGS);
	struct kt_error *err = kt_task_for_each(ctx->prog, visit_args, p);
	if (!err && p->err)
		err = take_error(p);
	kt_list_end_incomplete(&p->list, err);
	if (err)
		return cli_report_error(err);
	if (p->n_args == PS_MAX_FAMILIES)
		fprintf(stderr, "ps -a: the first %d tasks only: name the tasks\n", PS_MAX_FAMILIES);
	return p->args_status;
}

const char cli_ps_help[] =
	"usage: ps [-S | -l | -m | -t | -p | -c | -a] [-k | -u] [-G] [--state=ST] [PID | TASK | COMMAND]...\n"
	"  (none)      every task: pid, ppid, cpu, task address, state, comm ('>' = on a CPU)\n"
	"  PID         the tasks with that pid (decimal)\n"
	"  TASK        the task_struct at that address (hexadecimal: 0x..., or 11+ hex digits)\n"
	"  COMMAND     the tasks with that command name (\\NAME for a name of digits)\n"
	"  -S          how many tasks are in each state, as crash's ps -S\n"
	"  -l          when each task last ran: sched_info.last_arrival in ns of the runqueue\n"
	"              clock, most recent first\n"
	"  -m          the same as days hh:mm:ss.ms before the clock of the task's CPU\n"
	"  -t          each task's RUN TIME (since its start_time, by the timekeeper's monotonic\n"
	"              clock), START TIME, UTIME and STIME (ns), as crash's ps -t\n"
	"  -p          each selected task's parents, up to swapper/0 (needs PID, TASK or COMMAND)\n"
	"  -c          each selected task's children (needs PID, TASK or COMMAND)\n"
	"  -a          each selected task's command line (ARG) and environment (ENV), read from\n"
	"              its user memory: most kdump dumps leave user pages out (makedumpfile -d 31)\n"
	"              and say so; QEMU's dump-guest-memory keeps them\n"
	"  -k, -u      kernel threads only (PF_KTHREAD, and the idle tasks), user tasks only\n"
	"  -G          thread-group leaders only (pid == tgid)\n"
	"  --state=ST  only tasks in state ST: RU IN UN ST TR DE ZO PA ID NE\n"
	"examples: ps 1 kthreadd;  ps --state=UN;  ps -S;  ps -m;  ps -t 1;  ps -p 107;  ps -c 2;  ps -k;\n"
	"          ps -a 1\n";

int cmd_ps(struct cli_context *ctx, int argc, char **argv)
{
	static const struct option options[] = {
		{"state", required_argument, NULL, 's'},
		{0},
	};
	struct ps *p = calloc(1, sizeof(*p));
	if (!p) {
		fprintf(stderr, "ktriage: out of memory\n");
		return 1;
	}
	p->prog = ctx->prog;
	char view = 0;  /* S l m t p c: one view at a time */
	int c;
	optind = 0;  // 0: GNU getopt starts over, permutation state included
	while ((c = getopt_long(argc, argv, "SlmtpcakuG", options, NULL)) != -1) {
		if (c == 's') {
			p->state_filter = optarg;
		} else if (c == 'k' || c == 'u') {
			if (p->kind && p->kind != c)
				goto bad;
			p->kind = (char)c;
		} else if (c == 'G') {
			p->leaders = true;
		} else if (strchr("Slmtpca", c) && c) {
			if (view && view != c)
				goto bad;
			view = (char)c;
		} else {
			goto bad;
		}
	}
	if (argc - optind > PS_MAX_SELECTORS) {
		fprintf(stderr, "ps: at most %d tasks at a time\n", PS_MAX_SELECTORS);
		free(p);
		return 2;
	}
	if ((view == 'p' || view == 'c') && optind == argc) {
		fprintf(stderr, "ps -%c: name the tasks (PID, TASK or COMMAND)\n", view);
		free(p);
		return 2;
	}
	for (int i = optind; i < argc; i++)
		selector_parse(&p->sel[p->n_sel++], argv[i]);
	p->summary = view == 'S';
	int status = 0;
	if (view == 'l' || view == 'm') {
		status = show_runs(ctx, p, view == 'm');
	} else if (view == 't') {
		status = show_times(ctx, p);
	} else if (view == 'p' || view == 'c') {
		status = show_families(ctx, p, view == 'c');
	} else if (view == 'a') {
		status = show_args(ctx, p);
	} else {
		if (!p->summary)
			kt_list_begin(&p->list, stdout, cli_format(ctx), KT_LIST_TASKS);
		struct kt_error *err = kt_task_for_each(ctx->prog, visit_task, p);
		if (!err && p->err)
			err = take_error(p);
		if (p->summary && !err)
			kt_task_state_counts_render(stdout, cli_format(ctx), p->counts, p->n_counts);
		else if (!p->summary)
			kt_list_end_incomplete(&p->list, err);
		status = err ? cli_report_error(err) : 0;
	}
	for (size_t i = 0; i < p->n_sel; i++) {
		if (!p->sel[i].matched) {
			fprintf(stderr, "ps: no task %s '%s'\n",
				p->sel[i].kind == BY_PID ? "has pid" : p->sel[i].kind == BY_ADDRESS
				? "is at" : "is named", p->sel[i].arg);
			status = status ? status : 1;
		}
	}
	kt_error_destroy(p->err);
	free(p);
	return status;
bad:
	fputs(cli_ps_help, stderr);
	free(p);
	return 2;
}
