/* SPDX-License-Identifier: MIT */
/*
 * The stacks a CPU or task can be running on, so that the unwinder knows where a frame lives, when
 * it crosses from one stack to another, and what may never be read as a frame:
 *   task stack   task->stack, THREAD_SIZE bytes (kt_task_stack_size)
 *   IRQ stack    the per-CPU IRQ stack, as this kernel finds it (stack_layout.h)
 *   IST stacks   #DF, NMI, #DB, #MC (and #VC, or #SS before v3.18) stacks: cpu_entry_area's
 *                cea_exception_stacks, or before v5.2 the tops in orig_ist (stack_layout.h)
 *   entry stack  cpu_entry_area.entry_stack_page (SYSCALL entry and the trampoline)
 */
#ifndef KT_UNWIND_STACKS_H
#define KT_UNWIND_STACKS_H

#include "program.h"

enum kt_stack_kind {
	KT_STACK_UNKNOWN,
	KT_STACK_TASK,
	KT_STACK_IRQ,
	KT_STACK_NMI,
	KT_STACK_DF,
	KT_STACK_DB,
	KT_STACK_MCE,
	KT_STACK_VC,
	KT_STACK_ENTRY,
	KT_STACK_SS,
};

struct kt_stack {
	enum kt_stack_kind kind;
	uint64_t start, end;      /* [start, end) */
};

enum { KT_MAX_STACKS = 12, KT_STACKS_MISSING_MAX = 320 };

struct kt_stack_set {
	struct kt_stack stacks[KT_MAX_STACKS];
	size_t n;
	char missing[KT_STACKS_MISSING_MAX]; /* why a stack of the CPU is not here ("" if none) */
};

/* crash's names: "NMI exception stack", "IRQ stack", ... */
const char *kt_stack_name(enum kt_stack_kind kind);
/* The stacks of task (its own) and of cpu (IRQ, IST, entry; cpu < 0: none). Stacks whose
 * location cannot be found or read are left out, and missing says why. Fails without the task
 * stack. */
struct kt_error *kt_stacks_get(struct kt_program *prog, uint64_t task, int cpu,
			       struct kt_stack_set *ret);
const struct kt_stack *kt_stacks_find(const struct kt_stack_set *set, uint64_t addr);

#endif
