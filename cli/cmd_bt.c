// SPDX-License-Identifier: MIT
/* bt: backtraces with the status and evidence of every frame (text like crash, or JSON). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"

struct bt_options {
	bool json, reasons, stale, slots;
	bool first;  /* JSON: no comma before the first stack */
};

static void print_symbol(const struct kt_frame *f)
{
	if (f->function)
		printf("%s+0x%llx", f->function, (unsigned long long)f->offset);
	else
		printf("?");
	if (f->module)
		printf(" [%s]", f->module);
}

static void print_pt_regs(const struct kt_frame *f)
{
	for (unsigned int r = 0; r < KT_PT_REGS_COUNT; r++)
		printf("%s%8s: %016llx", r % 3 ? "  " : "\n    ", kt_pt_regs_name(r),
		       (unsigned long long)f->pt_regs[r]);
	printf("\n");
}

/* Every stack slot from a frame's sp up to the next frame's return address slot. */
static void print_slots(struct kt_program *prog, const struct kt_backtrace *bt, size_t i)
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
		const char *name, *module;
		uint64_t off;
		if (v >= 0xffffffff80000000ull && !(err = kt_program_symbolize(prog, v, &name, &off, &module)))
			printf("  %s+0x%llx%s%s%s", name, (unsigned long long)off, module ? " [" : "",
			       module ? module : "", module ? "]" : "");
		kt_error_destroy(err);
		printf("\n");
	}
}

static void print_text(struct kt_program *prog, const struct kt_backtrace *bt, const struct bt_options *o)
{
	char cpu[16] = "-";
	if (bt->cpu >= 0)
		snprintf(cpu, sizeof(cpu), "%d", bt->cpu);
	printf("PID: %-7d TASK: %016llx  CPU: %-3s COMMAND: \"%s\"\n", bt->pid,
	       (unsigned long long)bt->task, cpu, bt->comm);
	if (bt->cpu >= 0)
		printf("  CPU %d, registers: %s\n", bt->cpu, bt->registers_source);
	else
		printf("  not running; registers: %s\n", bt->registers_source);
	const char *stack = NULL;
	for (size_t i = 0; i < bt->n_frames; i++) {
		const struct kt_frame *f = &bt->frames[i];
		if (stack && f->stack && strcmp(stack, f->stack))
			printf(" --- <%s> ---\n", stack);
		if (f->has_pt_regs) {
			printf("    [exception frame: pt_regs at %016llx]", (unsigned long long)f->pt_regs_address);
			print_pt_regs(f);
		}
		stack = f->stack;
		printf(" #%-2zu [%016llx] ", i, (unsigned long long)(f->slot ? f->slot : f->sp));
		print_symbol(f);
		if (f->pc)
			printf(" at %016llx", (unsigned long long)f->pc);
		else
			printf(" (pc unknown)");
		printf("  %s\n", kt_frame_status_name(f->status));
		if (o->reasons || f->status != KT_FRAME_VERIFIED)
			printf("       %s\n", f->reason);
		if (o->slots)
			print_slots(prog, bt, i);
	}
	if (bt->note[0])
		printf("  (%s)\n", bt->note);
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

static void json_frame(const struct kt_frame *f)
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
	printf("}");
}

static void print_json(const struct kt_backtrace *bt, struct bt_options *o)
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
		json_frame(&bt->frames[i]);
	}
	printf("],\n   \"stale\": [");
	for (size_t i = 0; i < bt->n_stale; i++) {
		printf("%s\n    ", i ? "," : "");
		json_frame(&bt->stale[i]);
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
	if (o->json)
		print_json(bt, o);
	else
		print_text(ctx->prog, bt, o);
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

static const char usage[] =
	"usage: bt [-a | -c CPU | --all-tasks | PID | TASKADDR] [-r] [-f] [--stale]\n"
	"  (none)       the task that panicked (or the first CPU with registers)\n"
	"  -a           the active task of every CPU\n"
	"  -c CPU       the active task of one CPU\n"
	"  --all-tasks  every task\n"
	"  -r           the evidence (reason) of every frame, not only of unverified ones\n"
	"  -f           every stack slot of each frame, annotated\n"
	"  --stale      code addresses on the stack that are not frames, with the reason\n";

int cmd_bt(struct cli_context *ctx, int argc, char **argv)
{
	static const struct option options[] = {
		{"all-tasks", no_argument, NULL, 'A'},
		{"stale", no_argument, NULL, 's'},
		{0},
	};
	struct bt_options o = {.json = ctx->json, .first = true};
	bool all_cpus = false, all_tasks = false;
	long cpu = -1;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "ac:rf", options, NULL)) != -1) {
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
		case 's':
			o.stale = true;
			break;
		case 'A':
			all_tasks = true;
			break;
		default:
			fputs(usage, stderr);
			return 2;
		}
	}
	struct kt_program *prog = ctx->prog;
	struct kt_backtrace *bt = NULL;
	int status = 0;
	if (o.json)
		printf("[");
	if (all_cpus || cpu >= 0) {
		unsigned int n = kt_program_nr_cpus(prog);
		for (unsigned int i = 0; i < n; i++)
			if (all_cpus || (long)i == cpu)
				status |= show(ctx, kt_backtrace_cpu(prog, i, &bt), &bt, &o);
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
		struct kt_error *err = addr ? NULL : kt_task_for_each(prog, collect, &l);
		if (err || l.nomem) {
			free(l.tasks);
			return cli_report_error(err);
		}
		if (addr) {
			status |= show(ctx, kt_backtrace_task(prog, addr, &bt), &bt, &o);
		} else if (!l.n) {
			fprintf(stderr, "ktriage: no task with pid %d\n", l.pid);
			status = 1;
		}
		for (size_t i = 0; i < l.n; i++)
			status |= show(ctx, kt_backtrace_task(prog, l.tasks[i], &bt), &bt, &o);
		free(l.tasks);
	} else {
		status = show(ctx, kt_backtrace_panic(prog, &bt), &bt, &o);
	}
	if (o.json)
		printf("\n]\n");
	return status;
}
