// SPDX-License-Identifier: MIT
/* ps: the task list as crash's ps shows it; PIDs, task addresses and command names select tasks. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "numbers.h"

enum { PS_MAX_SELECTORS = 64 };

/* One argument: a pid, a task address or a command name, and whether any task matched it. */
struct selector {
	const char *arg;
	enum { BY_PID, BY_ADDRESS, BY_COMM } kind;
	uint64_t value;
	const char *comm;
	bool matched;
};

struct ps {
	struct kt_list_writer list;
	const char *state_filter;       /* --state=XX: only tasks in that state */
	struct selector sel[PS_MAX_SELECTORS];
	size_t n_sel;
	bool summary;                   /* -S: how many tasks in each state */
	struct kt_task_state_count counts[KT_TASK_STATE_COUNT_MAX];
	size_t n_counts;
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
	return any && (!p->state_filter || !strcmp(p->state_filter, t->state_name));
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

static bool visit_task(const struct kt_task *t, void *arg)
{
	struct ps *p = arg;
	if (!selected(p, t))
		return true;
	if (p->summary)
		count_state(p, t);
	else
		kt_task_render(&p->list, t);
	return true;
}

static const char usage[] =
	"usage: ps [-S] [--state=ST] [PID | TASK | COMMAND]...\n"
	"  (none)      every task: pid, ppid, cpu, task address, state, comm ('>' = on a CPU)\n"
	"  PID         the tasks with that pid (decimal)\n"
	"  TASK        the task_struct at that address (hexadecimal: 0x..., or 11+ hex digits)\n"
	"  COMMAND     the tasks with that command name (\\NAME for a name of digits)\n"
	"  -S          how many tasks are in each state, as crash's ps -S\n"
	"  --state=ST  only tasks in state ST: RU IN UN ST TR DE ZO PA ID NE\n"
	"examples: ps 1 kthreadd;  ps --state=UN;  ps -S\n";

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
	int c;
	optind = 0;  // 0: GNU getopt starts over, permutation state included
	while ((c = getopt_long(argc, argv, "S", options, NULL)) != -1) {
		if (c == 'S') {
			p->summary = true;
		} else if (c == 's') {
			p->state_filter = optarg;
		} else {
			fputs(usage, stderr);
			free(p);
			return 2;
		}
	}
	if (argc - optind > PS_MAX_SELECTORS) {
		fprintf(stderr, "ps: at most %d tasks at a time\n", PS_MAX_SELECTORS);
		free(p);
		return 2;
	}
	for (int i = optind; i < argc; i++)
		selector_parse(&p->sel[p->n_sel++], argv[i]);
	if (!p->summary)
		kt_list_begin(&p->list, stdout, cli_format(ctx), KT_LIST_TASKS);
	struct kt_error *err = kt_task_for_each(ctx->prog, visit_task, p);
	if (p->summary && !err)
		kt_task_state_counts_render(stdout, cli_format(ctx), p->counts, p->n_counts);
	else if (!p->summary)
		kt_list_end(&p->list);
	int status = err ? cli_report_error(err) : 0;
	for (size_t i = 0; i < p->n_sel; i++) {
		if (!p->sel[i].matched) {
			fprintf(stderr, "ps: no task %s '%s'\n",
				p->sel[i].kind == BY_PID ? "has pid" : p->sel[i].kind == BY_ADDRESS
				? "is at" : "is named", p->sel[i].arg);
			status = 1;
		}
	}
	free(p);
	return status;
}
