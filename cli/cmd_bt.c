// SPDX-License-Identifier: MIT
/* bt: backtraces with the status and evidence of every frame; rendered by lib/report. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"

struct bt_options {
	enum kt_format format;
	bool explain;  /* the call site of every called frame */
	bool slots;    /* -f: every stack slot */
	struct kt_backtrace_render_options render;
	struct kt_backtrace_options lib;  /* the unwinder */
	struct kt_list_writer list;
};

/* Renders *btp (made by the call in the argument before it, which runs first), or the error. */
static int show(struct cli_context *ctx, struct kt_error *err, struct kt_backtrace **btp,
		struct bt_options *o)
{
	struct kt_backtrace *bt = *btp;
	*btp = NULL;
	if (err)
		return cli_report_error(err);
	struct kt_call_site *sites = NULL;
	struct kt_stack_slots *slots = NULL;
	if (o->explain && (err = kt_backtrace_explain(ctx->prog, bt, &sites))) {
		fprintf(stderr, "ktriage: call sites: %s\n", kt_error_message(err));
		kt_error_destroy(err);
	}
	if (o->slots && (err = kt_backtrace_stack_slots(ctx->prog, bt, &slots))) {
		fprintf(stderr, "ktriage: stack slots: %s\n", kt_error_message(err));
		kt_error_destroy(err);
	}
	struct kt_backtrace_render_options render = o->render;
	render.call_sites = sites;
	render.slots = slots;
	kt_backtrace_render(&o->list, ctx->prog, bt, &render);
	kt_stack_slots_destroy(slots);
	kt_call_sites_destroy(sites, bt->n_frames);
	kt_backtrace_destroy(bt);
	return 0;
}

struct task_list {
	uint64_t *tasks;
	size_t n;
	int32_t pid;         /* looking for one pid, or -1 for all */
	bool nomem;
};

static bool collect(const struct kt_task *t, void *arg)
{
	struct task_list *l = arg;
	if (l->pid >= 0 && (t->pid != l->pid || t->idle))
		return true;
	uint64_t *grown = realloc(l->tasks, (l->n + 1) * sizeof(*grown));
	if (!grown) {
		l->nomem = true;
		return false;
	}
	l->tasks = grown;
	l->tasks[l->n++] = t->address;
	return l->pid < 0;
}

struct all_tasks {
	struct cli_context *ctx;
	struct bt_options *o;
	int status;
};

static bool show_task(const struct kt_task *t, void *arg)
{
	struct all_tasks *all = arg;
	struct kt_backtrace *bt = NULL;
	struct kt_backtrace_options *lib = &all->o->lib;
	all->status |= show(all->ctx, kt_backtrace_of_task(all->ctx->prog, t, lib, &bt), &bt, all->o);
	return true;
}

/* bt -E: the exception frames on every stack of every CPU. */
static int print_exception_frames(struct kt_program *prog, enum kt_format format)
{
	struct kt_stack_search *stacks;
	size_t n;
	struct kt_error *err = kt_exception_frames_search(prog, &stacks, &n);
	if (err)
		return cli_report_error(err);
	struct kt_list_writer list;
	kt_list_begin(&list, stdout, format, KT_LIST_EXCEPTION_STACKS);
	for (size_t i = 0; i < n; i++)
		kt_stack_search_render(&list, &stacks[i]);
	kt_list_end(&list);
	kt_stack_search_destroy(stacks, n);
	return 0;
}

static const char usage[] =
	"usage: bt [-a | -c CPU | --all-tasks | PID | TASKADDR] [-r] [-f] [-l] [--stale] [--explain]\n"
	"          [--unwinder=auto|orc|cfi|fp]\n"
	"       bt -E\n"
	"  (none)       the task that panicked (or the first CPU with registers)\n"
	"  -a           the active task of every CPU\n"
	"  -c CPU       the active task of one CPU\n"
	"  --all-tasks  every task\n"
	"  -r           the evidence (reason) of every frame, not only of unverified ones\n"
	"  -f           every stack slot of each frame, annotated\n"
	"  -l           each frame's source file and line, and the functions inlined there as\n"
	"               their own (inlined) lines, from DWARF (the debug vmlinux, module debug files)\n"
	"  --stale      code addresses on the stack that are not frames, with the reason\n"
	"  --unwinder=U only this unwinder: orc, cfi (the vmlinux's DWARF CFI), fp (the rbp\n"
	"               chain); auto (default) uses each where the one before has nothing\n"
	"  -E           every exception frame (pt_regs) on every stack of every CPU\n";

int cmd_bt(struct cli_context *ctx, int argc, char **argv)
{
	static const struct option options[] = {
		{"all-tasks", no_argument, NULL, 'A'},
		{"stale", no_argument, NULL, 's'},
		{"explain", no_argument, NULL, 'X'},
		{"unwinder", required_argument, NULL, 'U'},
		{0},
	};
	struct bt_options o = {.format = ctx->json ? KT_FORMAT_JSON : KT_FORMAT_TEXT};
	bool all_cpus = false, all_tasks = false, exceptions = false;
	long cpu = -1;
	int c;
	optind = 0;  // 0: GNU getopt starts over, permutation state included
	while ((c = getopt_long(argc, argv, "ac:rfEl", options, NULL)) != -1) {
		switch (c) {
		case 'a':
			all_cpus = true;
			break;
		case 'c':
			cpu = strtol(optarg, NULL, 10);
			break;
		case 'r':
			o.render.reasons = true;
			break;
		case 'f':
			o.slots = true;
			break;
		case 'l':
			o.render.lines = true;
			break;
		case 's':
			o.render.stale = true;
			break;
		case 'A':
			all_tasks = true;
			break;
		case 'X':
			o.explain = true;
			break;
		case 'E':
			exceptions = true;
			break;
		case 'U':
			if (!kt_unwinder_parse(optarg, &o.lib.unwinder)) {
				fprintf(stderr, "ktriage: bt: unknown unwinder '%s' (auto, orc, cfi, fp)\n", optarg);
				return 2;
			}
			break;
		default:
			fputs(usage, stderr);
			return 2;
		}
	}
	struct kt_program *prog = ctx->prog;
	struct kt_backtrace *bt = NULL;
	int status = 0;
	if (exceptions)
		return print_exception_frames(prog, o.format);
	kt_list_begin(&o.list, stdout, o.format, KT_LIST_BACKTRACES);
	if (all_cpus || cpu >= 0) {
		unsigned int n = kt_program_nr_cpus(prog);
		for (unsigned int i = 0; i < n; i++)
			if (all_cpus || (long)i == cpu)
				status |= show(ctx, kt_backtrace_cpu_with(prog, i, &o.lib, &bt), &bt, &o);
	} else if (all_tasks || optind < argc) {
		struct task_list l = {.pid = -1};
		uint64_t addr = 0;
		if (optind < argc) {
			// As in crash: a task address is hex (with or without 0x), a pid is decimal.
			const char *arg = argv[optind];
			bool hex = !strncmp(arg, "0x", 2) || strlen(arg) > 10 || strpbrk(arg, "abcdefABCDEF");
			char *end;
			errno = 0;
			unsigned long long v = strtoull(arg, &end, hex ? 16 : 10);
			if (errno || *end || end == arg) {
				fputs(usage, stderr);
				return 2;
			}
			if (hex)
				addr = v;
			else
				l.pid = (int32_t)v;
		}
		if (all_tasks && !addr && l.pid < 0) {
			// Each task's backtrace right after the walk read it, while its pages are cached.
			struct all_tasks all = {ctx, &o, 0};
			struct kt_task_walk_options walk = {.stacks = true};
			struct kt_error *err = kt_task_for_each_with(prog, &walk, show_task, &all);
			kt_list_end(&o.list);
			return err ? cli_report_error(err) : all.status;
		}
		struct kt_error *err = addr ? NULL : kt_task_for_each(prog, collect, &l);
		if (err || l.nomem) {
			free(l.tasks);
			kt_list_end(&o.list);
			return cli_report_error(err);
		}
		if (addr) {
			status |= show(ctx, kt_backtrace_task_with(prog, addr, &o.lib, &bt), &bt, &o);
		} else if (!l.n) {
			fprintf(stderr, "ktriage: no task with pid %d\n", l.pid);
			status = 1;
		}
		for (size_t i = 0; i < l.n; i++)
			status |= show(ctx, kt_backtrace_task_with(prog, l.tasks[i], &o.lib, &bt), &bt, &o);
		free(l.tasks);
	} else {
		status = show(ctx, kt_backtrace_panic_with(prog, &o.lib, &bt), &bt, &o);
	}
	kt_list_end(&o.list);
	return status;
}
