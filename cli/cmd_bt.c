// SPDX-License-Identifier: MIT
/* bt: backtraces with the status and evidence of every frame; rendered by lib/report. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "numbers.h"

struct bt_options {
	enum kt_format format;
	bool explain;  /* the call site of every called frame */
	bool slots;    /* -f: every stack slot */
	bool slab_objects;  /* -F: slots into slab objects named by their cache */
	bool raw;      /* -r: the raw stack, as crash's bt -r */
	bool scan;     /* -t, -T, -e: the stack searched word by word */
	enum kt_stack_scan_kind scan_kind;
	struct kt_backtrace_groups *groups;  /* -g: backtraces collected here, printed at the end */
	struct kt_backtrace_render_options render;
	struct kt_backtrace_options lib;  /* the unwinder */
	struct kt_list_writer list;
};

static void list_begin(struct bt_options *o)
{
	enum kt_list_kind kind = o->raw ? KT_LIST_RAW_STACKS
				 : o->scan ? KT_LIST_STACK_SCANS
				 : o->groups ? KT_LIST_BACKTRACE_GROUPS
					     : KT_LIST_BACKTRACES;
	kt_list_begin(&o->list, stdout, o->format, kind);
}

/* Ends the list; with -g, the groups are its items, largest first. A walk that stopped early
 * (err) says so in the document too. */
static void list_end_after(struct bt_options *o, const struct kt_error *err)
{
	if (o->groups) {
		kt_backtrace_groups_sort(o->groups);
		for (size_t i = 0; i < o->groups->n; i++)
			kt_backtrace_group_render(&o->list, &o->groups->groups[i], &o->render);
		kt_backtrace_groups_clear(o->groups);
	}
	kt_list_end_incomplete(&o->list, err);
}

static void list_end(struct bt_options *o)
{
	list_end_after(o, NULL);
}

/* bt -t, -T, -e: the stack of bt's task searched; takes bt. */
static int show_scan(struct cli_context *ctx, struct kt_backtrace *bt, struct bt_options *o)
{
	struct kt_stack_scan *scan;
	struct kt_error *err = kt_stack_scan(ctx->prog, bt, o->scan_kind, &scan);
	kt_backtrace_destroy(bt);
	if (err)
		return cli_report_error(err);
	kt_stack_scan_render(&o->list, scan);
	kt_stack_scan_destroy(scan);
	return 0;
}

/* Renders *btp (made by the call in the argument before it, which runs first), or the error. */
static int show(struct cli_context *ctx, struct kt_error *err, struct kt_backtrace **btp,
		struct bt_options *o)
{
	struct kt_backtrace *bt = *btp;
	*btp = NULL;
	if (err)
		return cli_report_error(err);
	if (o->scan)
		return show_scan(ctx, bt, o);
	if (o->groups) {
		// The groups own bt from here on, also when adding fails.
		if ((err = kt_backtrace_groups_add(o->groups, bt)))
			return cli_report_error(err);
		return 0;
	}
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
	if (slots && o->slab_objects && (err = kt_stack_slots_name_slab_objects(ctx->prog, slots))) {
		fprintf(stderr, "ktriage: %s\n", kt_error_message(err));
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

/* bt -r: the task's whole stack as memory. */
static int show_raw(struct cli_context *ctx, const struct kt_task *t, struct bt_options *o)
{
	struct kt_raw_stack *s;
	struct kt_error *err = kt_raw_stack_read(ctx->prog, t, &s);
	if (err)
		return cli_report_error(err);
	kt_raw_stack_render(&o->list, s);
	int status = s->rows->error ? 1 : 0;
	if (status)
		fprintf(stderr, "ktriage: bt -r: the stack of pid %d is incomplete: %s\n", t->pid,
			s->rows->error);
	kt_raw_stack_destroy(s);
	return status;
}

/* The task of kt_task_info_find(key, value), raw. */
static int show_raw_found(struct cli_context *ctx, enum kt_task_key key, uint64_t value,
			  struct bt_options *o)
{
	struct kt_task_info info;
	struct kt_error *err = kt_task_info_find(ctx->prog, key, value, &info);
	return err ? cli_report_error(err) : show_raw(ctx, &info.task, o);
}

/* One PID or TASK argument, and the tasks that match it. */
struct task_arg {
	const char *arg;
	bool is_address;
	uint64_t value;
	bool matched;
};

struct task_args {
	struct task_arg *args;
	size_t n_args;
	struct kt_task *tasks;   /* matched, in the walk's order */
	size_t n;
	bool nomem;
};

static int by_value(const void *a, const void *b)
{
	const struct task_arg *x = a, *y = b;
	return x->value < y->value ? -1 : x->value > y->value;
}

/* Marks the arguments (sorted by value) equal to value of that kind; whether there was one. */
static bool match_args(struct task_args *l, uint64_t value, bool is_address)
{
	size_t lo = 0, hi = l->n_args;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (l->args[mid].value < value)
			lo = mid + 1;
		else
			hi = mid;
	}
	bool match = false;
	for (; lo < l->n_args && l->args[lo].value == value; lo++) {
		if (l->args[lo].is_address == is_address) {
			l->args[lo].matched = true;
			match = true;
		}
	}
	return match;
}

static bool collect(const struct kt_task *t, void *arg)
{
	struct task_args *l = arg;
	// A pid names the tasks of that pid; a CPU's idle task only by its address.
	bool by_address = match_args(l, t->address, true);
	bool by_pid = !t->idle && match_args(l, (uint64_t)t->pid, false);
	if (!by_address && !by_pid)
		return true;
	struct kt_task *grown = realloc(l->tasks, (l->n + 1) * sizeof(*grown));
	if (!grown) {
		l->nomem = true;
		return false;
	}
	l->tasks = grown;
	l->tasks[l->n++] = *t;
	return true;
}

struct all_tasks {
	struct cli_context *ctx;
	struct bt_options *o;
	int status;
};

static bool show_task(const struct kt_task *t, void *arg)
{
	struct all_tasks *all = arg;
	if (all->o->raw) {
		all->status |= show_raw(all->ctx, t, all->o);
		return true;
	}
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

const char cli_bt_help[] =
	"usage: bt [-a | -c CPUS | --all-tasks | PID... | TASK...] [-r | -t | -T | -e] [-f | -F[F]]\n"
	"          [-s | -x] [-g] [-l] [--reasons] [--stale] [--explain] [--unwinder=auto|orc|cfi|fp]\n"
	"       bt -E\n"
	"  (none)       the task that panicked (or the first CPU with registers)\n"
	"  -a           the active task of every CPU\n"
	"  -c CPUS      the active task of these CPUs, as crash lists them: 1, 0,1, 0-3, 0,2-3\n"
	"  PID          the tasks with that pid (decimal); several may be given\n"
	"  TASK         the task_struct at that address (hexadecimal: 0x..., or 11+ hex digits)\n"
	"  --all-tasks  every task\n"
	"  -r           the raw stack, as crash's bt -r: every word of the task's kernel stack\n"
	"               (task->stack, THREAD_SIZE bytes) with the symbol it points into\n"
	"  -f           every stack slot of each frame, annotated\n"
	"  -F           as -f, with each slot that points into a symbol shown as that symbol and\n"
	"               each slot that points into a slab object as its cache ([kmalloc-64]), as\n"
	"               crash's bt -F; -FF shows such a slot as [VALUE:cache]\n"
	"  -s, -x       the offset in each frame's function in decimal (-s: schedule+45) or\n"
	"               hexadecimal (-x, the default: schedule+0x2d); every frame line has it\n"
	"  -t           every kernel or module code address on the task's stack from the stack\n"
	"               pointer up, as crash's bt -t; those that are frames say which, with status\n"
	"  -T           the same from the start of the task's stack (crash's bt -T)\n"
	"  -e           struct pt_regs anywhere on the task's stack, as crash's bt -e: user-mode\n"
	"               ones by their shape (user segments, flags, pc and sp), kernel-mode ones by\n"
	"               their shape and the entry code's return address below them; each says why\n"
	"  -g, --group  backtraces with the same frames (function, module and status of each, and\n"
	"               the same end) shown once, with how many tasks and which; largest group\n"
	"               first. Off unless asked for: crash prints every task (foreach bt -g too)\n"
	"  -l           each frame's source file and line, and the functions inlined there as\n"
	"               their own (inlined) lines, from DWARF (the debug vmlinux, module debug files)\n"
	"  --reasons    the evidence (reason) of every frame, not only of unverified ones\n"
	"  --stale      code addresses on the stack that are not frames, with the reason\n"
	"  --explain    the call that entered each frame, proven from the code (see callsite)\n"
	"  --unwinder=U only this unwinder: orc, cfi (the vmlinux's DWARF CFI), fp (the rbp\n"
	"               chain); auto (default) uses each where the one before has nothing\n"
	"  -E           every exception frame (pt_regs) on every stack of every CPU\n"
	"examples: bt -a;  bt -c 0,1;  bt 107;  bt -r 107;  bt --reasons --stale -a;  bt -t 1;\n"
	"          bt -e 1;  bt -F 1;  bt -s -a;  bt --all-tasks -g;  foreach UN bt -g\n";

/* PID (decimal) or TASK (hex), as crash tells them apart; false if it is neither. */
static bool task_arg_parse(const char *s, struct task_arg *ret)
{
	*ret = (struct task_arg){.arg = s};
	if (cli_parse_uint(s, 10, INT32_MAX, &ret->value))
		return true;
	bool hex_prefix = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	ret->is_address = true;
	return (hex_prefix || strlen(s) > 10 || strpbrk(s, "abcdefABCDEF")) &&
	       cli_parse_uint(s, 16, UINT64_MAX, &ret->value);
}

static int backtrace_cpus(struct cli_context *ctx, struct bt_options *o, const char *cpu_list)
{
	unsigned int n;
	struct kt_error *err = kt_program_cpu_count(ctx->prog, &n);
	if (err)
		return cli_report_error(err);
	bool *cpus = NULL;
	if (cpu_list && !cli_parse_cpu_list("bt", cpu_list, n, &cpus))
		return 2;
	int status = 0;
	list_begin(o);
	for (unsigned int i = 0; i < n; i++) {
		if (cpus && !cpus[i])
			continue;
		struct kt_backtrace *bt = NULL;
		status |= o->raw ? show_raw_found(ctx, KT_TASK_ACTIVE_ON_CPU, i, o)
				 : show(ctx, kt_backtrace_cpu_with(ctx->prog, i, &o->lib, &bt), &bt, o);
	}
	list_end(o);
	free(cpus);
	return status;
}

static int backtrace_tasks(struct cli_context *ctx, struct bt_options *o, int argc, char **argv)
{
	struct task_args l = {.args = calloc((size_t)argc, sizeof(*l.args)), .n_args = (size_t)argc};
	if (!l.args) {
		fprintf(stderr, "ktriage: out of memory\n");
		return 1;
	}
	for (int i = 0; i < argc; i++) {
		if (!task_arg_parse(argv[i], &l.args[i])) {
			fprintf(stderr, "bt: '%s' is neither a pid (decimal) nor a task address "
				"(hexadecimal)\n", argv[i]);
			free(l.args);
			return 2;
		}
	}
	// Sorted, so that a walk over many tasks with many arguments (foreach) stays fast.
	qsort(l.args, l.n_args, sizeof(*l.args), by_value);
	struct kt_error *err = kt_task_for_each(ctx->prog, collect, &l);
	int status = 0;
	if (err || l.nomem) {
		status = err ? cli_report_error(err) : (fprintf(stderr, "ktriage: out of memory\n"), 1);
		goto out;
	}
	for (size_t i = 0; i < l.n_args; i++) {
		const struct task_arg *a = &l.args[i];
		if (a->matched)
			continue;
		if (a->is_address)
			fprintf(stderr, "bt: 0x%016llx is not a task_struct: no task on the kernel's task "
				"list, nor a CPU's idle task, is at that address\n",
				(unsigned long long)a->value);
		else
			fprintf(stderr, "bt: no task with pid %llu\n", (unsigned long long)a->value);
		status = 1;
	}
	list_begin(o);
	for (size_t i = 0; i < l.n; i++) {
		struct kt_backtrace *bt = NULL;
		status |= o->raw ? show_raw(ctx, &l.tasks[i], o)
				 : show(ctx, kt_backtrace_task_with(ctx->prog, l.tasks[i].address, &o->lib,
								    &bt), &bt, o);
	}
	list_end(o);
out:
	free(l.tasks);
	free(l.args);
	return status;
}

int cmd_bt(struct cli_context *ctx, int argc, char **argv)
{
	enum { OPT_STALE = 256, OPT_EXPLAIN, OPT_REASONS, OPT_UNWINDER, OPT_ALL_TASKS };
	static const struct option options[] = {
		{"all-tasks", no_argument, NULL, OPT_ALL_TASKS},
		{"stale", no_argument, NULL, OPT_STALE},
		{"explain", no_argument, NULL, OPT_EXPLAIN},
		{"reasons", no_argument, NULL, OPT_REASONS},
		{"unwinder", required_argument, NULL, OPT_UNWINDER},
		{"group", no_argument, NULL, 'g'},
		{0},
	};
	struct kt_backtrace_groups groups = {0};
	int symbolic = 0, scans = 0;
	struct bt_options o = {.format = ctx->json ? KT_FORMAT_JSON : KT_FORMAT_TEXT};
	bool all_cpus = false, all_tasks = false, exceptions = false;
	const char *cpu_list = NULL;
	int c;
	optind = 0;  // 0: GNU getopt starts over, permutation state included
	while ((c = getopt_long(argc, argv, "ac:rfEFlsxtTeg", options, NULL)) != -1) {
		switch (c) {
		case 'a':
			all_cpus = true;
			break;
		case 'c':
			cpu_list = optarg;
			break;
		case 'r':
			o.raw = true;
			break;
		case OPT_REASONS:
			o.render.reasons = true;
			break;
		case 'f':
			o.slots = true;
			break;
		case 'l':
			o.render.lines = true;
			break;
		case OPT_STALE:
			o.render.stale = true;
			break;
		case OPT_ALL_TASKS:
			all_tasks = true;
			break;
		case OPT_EXPLAIN:
			o.explain = true;
			break;
		case 'E':
			exceptions = true;
			break;
		case 'F':
			symbolic++;
			break;
		case 's':
			o.render.decimal_offsets = true;
			break;
		case 'x':
			o.render.decimal_offsets = false;
			break;
		case 't':
		case 'T':
		case 'e':
			o.scan = true;
			o.scan_kind = c == 't' ? KT_STACK_SCAN_TEXT_FROM_SP
				      : c == 'T' ? KT_STACK_SCAN_TEXT_ALL
						 : KT_STACK_SCAN_EXCEPTION_FRAMES;
			scans++;
			break;
		case 'g':
			o.groups = &groups;
			break;
		case OPT_UNWINDER:
			if (!kt_unwinder_parse(optarg, &o.lib.unwinder)) {
				fprintf(stderr, "ktriage: bt: unknown unwinder '%s' (auto, orc, cfi, fp)\n", optarg);
				return 2;
			}
			break;
		default:
			fputs(cli_bt_help, stderr);
			return 2;
		}
	}
	int n_args = argc - optind;
	int selections = all_cpus + (cpu_list != NULL) + all_tasks + (n_args > 0) + exceptions;
	if (selections > 1) {
		fprintf(stderr, "bt: -a, -c, --all-tasks, -E and PID/TASK arguments each choose what to "
			"show: give one\n");
		return 2;
	}
	if (o.raw && (o.slots || symbolic || o.explain || o.render.lines || o.render.reasons || o.render.stale ||
		      o.lib.unwinder != KT_UNWINDER_AUTO)) {
		fprintf(stderr, "bt: -r dumps the raw stack; it takes no -f, -F, -l, --reasons, --stale, "
			"--explain or --unwinder\n");
		return 2;
	}
	if (scans > 1) {
		fprintf(stderr, "bt: -t, -T and -e each search the stack their own way: give one\n");
		return 2;
	}
	if (o.scan && (o.raw || o.slots || symbolic || o.explain || o.render.lines || o.groups)) {
		fprintf(stderr, "bt: -t, -T and -e search the stack; they take no -r, -f, -F, -l, -g or "
			"--explain\n");
		return 2;
	}
	if (o.groups && (o.raw || o.slots || symbolic || o.explain || o.render.lines)) {
		fprintf(stderr, "bt: -g groups backtraces by their frames; it takes no -r, -f, -F, -l or "
			"--explain\n");
		return 2;
	}
	if (symbolic) {
		// -F is -f with the slots named by symbol or slab cache; -FF adds the value to a cache.
		o.slots = true;
		o.slab_objects = true;
		o.render.slot_symbols = true;
		o.render.slot_slab_values = symbolic > 1;
	}
	if (exceptions && (o.scan || o.groups || o.slots || o.raw)) {
		fprintf(stderr, "bt: -E searches every CPU's stacks; it takes no -t, -T, -e, -g, -f, -F "
			"or -r\n");
		return 2;
	}
	if (exceptions)
		return print_exception_frames(ctx->prog, o.format);
	if (all_cpus || cpu_list)
		return backtrace_cpus(ctx, &o, cpu_list);
	if (n_args)
		return backtrace_tasks(ctx, &o, n_args, argv + optind);
	if (!all_tasks && ctx->context_task) {
		// The task `set` chose, as crash's bt without arguments.
		char addr[20], *arg = addr;
		snprintf(addr, sizeof(addr), "0x%llx", (unsigned long long)ctx->context_task);
		return backtrace_tasks(ctx, &o, 1, &arg);
	}
	int status;
	list_begin(&o);
	if (all_tasks) {
		// Each task's backtrace right after the walk read it, while its pages are cached.
		struct all_tasks all = {ctx, &o, 0};
		struct kt_task_walk_options walk = {.stacks = true};
		struct kt_error *err = kt_task_for_each_with(ctx->prog, &walk, show_task, &all);
		list_end_after(&o, err);
		return err ? cli_report_error(err) : all.status;
	} else if (o.raw) {
		// The task bt shows without arguments: the panicking one, or on a dump without a
		// panic the first CPU with registers.
		struct kt_backtrace *bt = NULL;
		struct kt_error *err = kt_backtrace_panic_with(ctx->prog, &o.lib, &bt);
		status = err ? cli_report_error(err) : show_raw_found(ctx, KT_TASK_BY_ADDRESS, bt->task, &o);
		kt_backtrace_destroy(bt);
	} else {
		struct kt_backtrace *bt = NULL;
		status = show(ctx, kt_backtrace_panic_with(ctx->prog, &o.lib, &bt), &bt, &o);
	}
	list_end(&o);
	return status;
}
