// SPDX-License-Identifier: MIT
/* bt: backtraces with the status and evidence of every frame (text like crash, or JSON). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callsite_out.h"
#include "core/text.h"
#include "commands.h"
#include "source_out.h"

struct bt_options {
	bool json, reasons, stale, slots;
	bool lines;    /* -l: source lines and inlined frames (DWARF) */
	bool explain;  /* the call site of every called frame */
	struct kt_backtrace_options lib;  /* the unwinder */
	bool first;  /* JSON: no comma before the first stack */
};

/* Lines printed once per frame of every task are built without printf (core/text.h). */
enum { BT_LINE_MAX = 1024 };

static void text_symbol(struct kt_text *t, const struct kt_frame *f)
{
	if (f->function) {
		kt_text_str(t, f->function);
		kt_text_str(t, "+0x");
		kt_text_hex(t, f->offset, 0);
	} else {
		kt_text_str(t, "?");
	}
	if (f->module) {
		kt_text_str(t, " [");
		kt_text_str(t, f->module);
		kt_text_str(t, "]");
	}
}

static void print_symbol(const struct kt_frame *f)
{
	char line[BT_LINE_MAX];
	struct kt_text t = kt_text_start(line, sizeof(line));
	text_symbol(&t, f);
	fputs(line, stdout);
}

/* " #N  [slot] function+0xOFF [module] at PC  status" */
static void print_frame_line(size_t i, const struct kt_frame *f)
{
	char line[BT_LINE_MAX];
	struct kt_text t = kt_text_start(line, sizeof(line));
	kt_text_str(&t, " #");
	kt_text_dec(&t, (int64_t)i, -2);
	kt_text_str(&t, " [");
	kt_text_hex(&t, f->slot ? f->slot : f->sp, 16);
	kt_text_str(&t, "] ");
	text_symbol(&t, f);
	if (f->pc) {
		kt_text_str(&t, " at ");
		kt_text_hex(&t, f->pc, 16);
	} else {
		kt_text_str(&t, " (pc unknown)");
	}
	kt_text_str(&t, "  ");
	kt_text_str(&t, kt_frame_status_name(f->status));
	kt_text_str(&t, "\n");
	fputs(line, stdout);
}

/* "PID: N  TASK: ADDR  CPU: N  COMMAND: "comm"" and where the registers came from. */
static void print_task_header(const struct kt_backtrace *bt)
{
	char line[BT_LINE_MAX];
	struct kt_text t = kt_text_start(line, sizeof(line));
	kt_text_str(&t, "PID: ");
	kt_text_dec(&t, bt->pid, -7);
	kt_text_str(&t, " TASK: ");
	kt_text_hex(&t, bt->task, 16);
	kt_text_str(&t, "  CPU: ");
	if (bt->cpu >= 0)
		kt_text_dec(&t, bt->cpu, -3);
	else
		kt_text_str(&t, "-  ");
	kt_text_str(&t, " COMMAND: \"");
	kt_text_str(&t, bt->comm);
	kt_text_str(&t, "\"\n");
	fputs(line, stdout);
	if (bt->cpu >= 0)
		printf("  CPU %d, registers: %s\n", bt->cpu, bt->registers_source);
	else
		printf("  not running; registers: %s\n", bt->registers_source);
}

static void print_pt_regs(const struct kt_frame *f)
{
	for (unsigned int r = 0; r < KT_PT_REGS_COUNT; r++)
		printf("%s%8s: %016llx", r % 3 ? "  " : "\n    ", kt_pt_regs_name(r),
		       (unsigned long long)f->pt_regs[r]);
	printf("\n");
}

/* The arguments of one frame that sit in stack slots (kt_backtrace_frame_arguments()). */
struct frame_args {
	char names[8][64];
	uint64_t at[8];
	size_t n;
};

static void frame_args_get(struct kt_program *prog, const struct kt_backtrace *bt, size_t i,
			   struct frame_args *ret)
{
	ret->n = i < bt->n_frames ? kt_backtrace_frame_arguments(prog, bt, i, ret->names, ret->at, 8) : 0;
}

/* Every stack slot from a frame's sp up to the next frame's return address slot. A slot can
 * hold an argument of the frame itself or of its caller (a register the frame saved). */
static void print_slots(struct kt_program *prog, const struct kt_backtrace *bt, size_t i,
			const struct frame_args *own, const struct frame_args *caller)
{
	const struct kt_frame *f = &bt->frames[i];
	uint64_t end = i + 1 < bt->n_frames ? bt->frames[i + 1].slot : f->sp + 64;
	if (!f->sp || end <= f->sp || end - f->sp > 4096)
		return;
	const char *saved_names[8];
	uint64_t saved_at[8];
	size_t n_saved = kt_backtrace_saved_registers(prog, bt, i, saved_names, saved_at, 8);
	for (uint64_t a = f->sp; a < end; a += 8) {
		uint64_t v;
		struct kt_error *err = kt_program_read(prog, a, KT_KVADDR, &v, 8);
		if (err) {
			printf("    %016llx: <%s>\n", (unsigned long long)a, kt_error_message(err));
			kt_error_destroy(err);
			break;
		}
		printf("    %016llx: %016llx", (unsigned long long)a, (unsigned long long)v);
		for (size_t s = 0; s < bt->n_stale; s++)
			if (bt->stale[s].slot == a)
				printf("  stale return address");
		for (size_t s = 0; s < n_saved; s++)
			if (saved_at[s] == a)
				printf("  saved %s", saved_names[s]);
		for (size_t s = 0; s < own->n; s++)
			if (own->at[s] == a)
				printf("  %s of %s", own->names[s], bt->frames[i].function);
		for (size_t s = 0; s < caller->n; s++)
			if (caller->at[s] == a)
				printf("  %s of %s", caller->names[s], bt->frames[i + 1].function);
		const char *name, *module;
		uint64_t off;
		if (v >= 0xffffffff80000000ull && !(err = kt_program_symbolize(prog, v, &name, &off, &module)))
			printf("  %s+0x%llx%s%s%s", name, (unsigned long long)off, module ? " [" : "",
			       module ? module : "", module ? "]" : "");
		kt_error_destroy(err);
		printf("\n");
	}
}

/* The call sites of bt's frames for --explain (NULL: not asked, or the error was printed). */
static struct kt_call_site *call_sites(struct kt_program *prog, struct kt_backtrace *bt,
				       const struct bt_options *o)
{
	struct kt_call_site *sites = NULL;
	struct kt_error *err = o->explain ? kt_backtrace_explain(prog, bt, &sites) : NULL;
	if (err) {
		fprintf(stderr, "ktriage: call sites: %s\n", kt_error_message(err));
		kt_error_destroy(err);
	}
	return sites;
}

static void print_text(struct kt_program *prog, const struct kt_backtrace *bt,
		       const struct kt_call_site *sites, const struct bt_options *o)
{
	print_task_header(bt);
	const char *stack = NULL;
	struct frame_args args[2];  /* -f: frame i's and its caller's, by i % 2 */
	for (size_t i = 0; i < bt->n_frames; i++) {
		const struct kt_frame *f = &bt->frames[i];
		if (stack && f->stack && strcmp(stack, f->stack))
			printf(" --- <%s> ---\n", stack);
		if (f->has_pt_regs) {
			printf("    [exception frame: pt_regs at %016llx]", (unsigned long long)f->pt_regs_address);
			print_pt_regs(f);
		}
		stack = f->stack;
		if (o->lines)
			cli_source_inlined_text(prog, f, "       ");
		print_frame_line(i, f);
		if (o->lines)
			cli_source_text(prog, f, "       ");
		if (o->reasons || f->status != KT_FRAME_VERIFIED) {
			fputs("       ", stdout);
			fputs(f->reason, stdout);
			fputc('\n', stdout);
		}
		if (sites && sites[i].kind != KT_CALL_NONE)
			cli_call_site_text(&sites[i], "       ");
		if (o->slots) {
			// The caller's arguments now are this frame's own at the next one.
			if (i == 0)
				frame_args_get(prog, bt, 0, &args[0]);
			frame_args_get(prog, bt, i + 1, &args[(i + 1) % 2]);
			print_slots(prog, bt, i, &args[i % 2], &args[(i + 1) % 2]);
		}
	}
	if (bt->note[0])
		printf("  (%s)\n", bt->note);
	if (o->lines)
		cli_source_notices(prog, bt->frames, bt->n_frames, "  ");
	if ((o->stale || o->slots) && bt->n_stale) {
		printf("  stale values on the stack, not frames:\n");
		for (size_t i = 0; i < bt->n_stale; i++) {
			const struct kt_frame *f = &bt->stale[i];
			printf("    [%016llx] ", (unsigned long long)f->slot);
			print_symbol(f);
			printf(" at %016llx\n       %s\n", (unsigned long long)f->pc, f->reason);
		}
	}
	printf("\n");
}

static void json_frame(struct kt_program *prog, size_t i, const struct kt_frame *f,
		       const struct kt_call_site *site, bool lines)
{
	printf("{\"pc\": ");
	if (f->pc)
		printf("\"0x%016llx\"", (unsigned long long)f->pc);
	else
		printf("null");
	printf(", \"function\": ");
	cli_json_string(f->function);
	printf(", \"offset\": %llu, \"module\": ", (unsigned long long)f->offset);
	cli_json_string(f->module);
	printf(", \"sp\": \"0x%016llx\", \"slot\": ", (unsigned long long)f->sp);
	if (f->slot)
		printf("\"0x%016llx\"", (unsigned long long)f->slot);
	else
		printf("null");
	printf(", \"stack\": ");
	cli_json_string(f->stack);
	printf(", \"status\": \"%s\", \"reason\": ", kt_frame_status_name(f->status));
	cli_json_string(f->reason);
	if (f->has_pt_regs) {
		printf(", \"pt_regs\": {\"address\": \"0x%016llx\"", (unsigned long long)f->pt_regs_address);
		for (unsigned int r = 0; r < KT_PT_REGS_COUNT; r++)
			printf(", \"%s\": \"0x%llx\"", kt_pt_regs_name(r), (unsigned long long)f->pt_regs[r]);
		printf("}");
	}
	if (lines)
		cli_source_json(prog, f);
	if (site) {
		printf(", \"call_site\": ");
		if (site->kind == KT_CALL_NONE && i == 0)
			printf("null");
		else
			cli_call_site_json(site);
	}
	printf("}");
}

static void print_json(struct kt_program *prog, const struct kt_backtrace *bt,
		       const struct kt_call_site *sites, struct bt_options *o)
{
	printf("%s\n  {\"cpu\": ", o->first ? "" : ",");
	o->first = false;
	if (bt->cpu >= 0)
		printf("%d", bt->cpu);
	else
		printf("null");
	printf(", \"task\": {\"pid\": %d, \"comm\": ", bt->pid);
	cli_json_string(bt->comm);
	printf(", \"address\": \"0x%016llx\"}, \"registers_source\": ", (unsigned long long)bt->task);
	cli_json_string(bt->registers_source);
	printf(", \"note\": ");
	cli_json_string(bt->note);
	printf(",\n   \"frames\": [");
	for (size_t i = 0; i < bt->n_frames; i++) {
		printf("%s\n    ", i ? "," : "");
		json_frame(prog, i, &bt->frames[i], sites ? &sites[i] : NULL, o->lines);
	}
	printf("],\n   \"stale\": [");
	for (size_t i = 0; i < bt->n_stale; i++) {
		printf("%s\n    ", i ? "," : "");
		json_frame(prog, i, &bt->stale[i], NULL, false);
	}
	printf("]}");
}

/* Prints *btp (made by the call in the argument before it, which runs first), or the error. */
static int show(struct cli_context *ctx, struct kt_error *err, struct kt_backtrace **btp,
		struct bt_options *o)
{
	struct kt_backtrace *bt = *btp;
	*btp = NULL;
	if (err)
		return cli_report_error(err);
	struct kt_call_site *sites = call_sites(ctx->prog, bt, o);
	if (o->json)
		print_json(ctx->prog, bt, sites, o);
	else
		print_text(ctx->prog, bt, sites, o);
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
static int print_exception_frames(struct kt_program *prog, bool json)
{
	struct kt_stack_search *stacks;
	size_t n;
	struct kt_error *err = kt_exception_frames_search(prog, &stacks, &n);
	if (err)
		return cli_report_error(err);
	if (json)
		printf("[");
	for (size_t i = 0; i < n; i++) {
		const struct kt_stack_search *s = &stacks[i];
		if (json) {
			printf("%s\n  {\"cpu\": %d, \"stack\": ", i ? "," : "", s->cpu);
			cli_json_string(s->stack);
			printf(", \"start\": \"0x%016llx\", \"end\": \"0x%016llx\", \"task\": ",
			       (unsigned long long)s->start, (unsigned long long)s->end);
			if (s->task)
				printf("\"0x%016llx\"", (unsigned long long)s->task);
			else
				printf("null");
			printf(", \"error\": ");
			cli_json_string(s->error[0] ? s->error : NULL);
			printf(", \"frames\": [");
		} else {
			printf("CPU %d %s [%016llx-%016llx]", s->cpu, s->stack, (unsigned long long)s->start,
			       (unsigned long long)s->end);
			if (s->task)
				printf(" of task %016llx", (unsigned long long)s->task);
			if (s->error[0])
				printf(": not searched (%s)\n", s->error);
			else if (!s->n_frames)
				printf(": no exception frames\n");
			else
				printf(":\n");
		}
		for (size_t j = 0; j < s->n_frames; j++) {
			const struct kt_exception_frame *f = &s->frames[j];
			struct kt_frame regs = {.pt_regs_address = f->address};
			memcpy(regs.pt_regs, f->regs, sizeof(regs.pt_regs));
			if (json) {
				printf("%s\n    {\"address\": \"0x%016llx\", \"mode\": \"%s\", \"pc\": "
				       "\"0x%016llx\", \"function\": ", j ? "," : "", (unsigned long long)f->address,
				       f->user_mode ? "user" : "kernel", (unsigned long long)f->regs[16]);
				cli_json_string(f->function);
				printf(", \"offset\": %llu, \"module\": ", (unsigned long long)f->offset);
				cli_json_string(f->module);
				printf(", \"proof\": ");
				cli_json_string(f->proof);
				printf(", \"pt_regs\": {");
				for (unsigned int r = 0; r < KT_PT_REGS_COUNT; r++)
					printf("%s\"%s\": \"0x%llx\"", r ? ", " : "", kt_pt_regs_name(r),
					       (unsigned long long)f->regs[r]);
				printf("}}");
				continue;
			}
			printf("  %s-mode exception frame: pt_regs at %016llx\n    [exception RIP: ",
			       f->user_mode ? "user" : "kernel", (unsigned long long)f->address);
			struct kt_frame at = {.function = f->function, .offset = f->offset, .module = f->module};
			if (f->function)
				print_symbol(&at);
			else
				printf("%016llx", (unsigned long long)f->regs[16]);
			printf("]\n    %s", f->proof);
			print_pt_regs(&regs);
		}
		if (json)
			printf("]}");
	}
	printf(json ? "\n]\n" : "");
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
	struct bt_options o = {.json = ctx->json, .first = true};
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
			o.reasons = true;
			break;
		case 'f':
			o.slots = true;
			break;
		case 'l':
			o.lines = true;
			break;
		case 's':
			o.stale = true;
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
		return print_exception_frames(prog, o.json);
	if (o.json)
		printf("[");
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
			if (err)
				return cli_report_error(err);
			if (o.json)
				printf("\n]\n");
			return all.status;
		}
		struct kt_error *err = addr ? NULL : kt_task_for_each(prog, collect, &l);
		if (err || l.nomem) {
			free(l.tasks);
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
	if (o.json)
		printf("\n]\n");
	return status;
}
