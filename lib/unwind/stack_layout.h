/* SPDX-License-Identifier: MIT */
/*
 * Where this kernel keeps a CPU's IRQ and exception (IST) stacks and how big they are, detected
 * from its own types and symbols, never from its version:
 *
 *   IRQ stack    per-CPU union irq_stack_union, the stack itself (v2.6.30 - v4.20)
 *                per-CPU irq_stack_ptr, near the top of it (v4.x - v5.1)
 *                per-CPU hardirq_stack_ptr, its top - 8 (v5.2 - v6.1, again from v6.15)
 *                per-CPU pcpu_hot.hardirq_stack_ptr (v6.2 - v6.14)
 *                size: struct irq_stack (v5.2+) or union irq_stack_union
 *   IST stacks   per-CPU cea_exception_stacks, a struct of NAME_stack members between guard
 *                pages (v5.2+, arch/x86/include/asm/cpu_entry_area.h)
 *                per-CPU orig_ist.ist[], the top of each stack (before v5.2); the stacks lie
 *                one after the other, the first at the top of the last minus the size of the
 *                per-CPU exception_stacks array (cpu_entry_area.exception_stacks from v4.15)
 */
#ifndef KT_UNWIND_STACK_LAYOUT_H
#define KT_UNWIND_STACK_LAYOUT_H

#include "kernel/tasks.h"
#include "unwind/stacks.h"

enum kt_irq_stack_how {
	KT_IRQ_STACK_NONE,     /* irq_missing says what was looked for */
	KT_IRQ_STACK_OBJECT,   /* the per-CPU object irq_symbol is the stack */
	KT_IRQ_STACK_POINTER,  /* irq_symbol + irq_member holds a pointer into its top page */
};

enum kt_ist_how {
	KT_IST_NONE,           /* ist_missing says what was looked for */
	KT_IST_CEA,            /* *cea_exception_stacks + ist[i].offset, ist[i].size bytes */
	KT_IST_ORIG_IST,       /* orig_ist + ist[i].offset holds stack i's top */
};

enum { KT_IST_MAX = 8, KT_LAYOUT_MISSING_MAX = 224 };

struct kt_stack_layout {
	uint64_t thread_size;           /* THREAD_SIZE: the task stack (kt_task_stack_size) */

	enum kt_irq_stack_how irq_how;
	const char *irq_symbol;
	uint64_t irq_member;            /* offset of the pointer in irq_symbol */
	uint64_t irq_size;

	enum kt_ist_how ist_how;
	const char *ist_symbol;
	struct kt_ist_slot {
		enum kt_stack_kind kind;
		uint64_t offset, size;     /* KT_IST_ORIG_IST: size unused (from the tops) */
	} ist[KT_IST_MAX];
	size_t n_ist;
	uint64_t ist_total;             /* KT_IST_ORIG_IST: all IST stacks together */

	char irq_missing[KT_LAYOUT_MISSING_MAX], ist_missing[KT_LAYOUT_MISSING_MAX];
};

/* Detects the IRQ and IST layout (irq_missing and ist_missing say what was looked for when
 * they are absent); types may be NULL. */
void kt_stack_layout_detect(struct kt_types *types, const struct kt_symbol_source *syms,
			    uint64_t thread_size, struct kt_stack_layout *ret);
/* The IST stacks orig_ist's tops (n_tops entries, unused ones zero) describe, total bytes of
 * them together: how many were written to out (0, why says why, if they make no sense). */
size_t kt_ist_stacks_from_tops(const uint64_t *tops, size_t n_tops, uint64_t total,
			       struct kt_stack *out, char *why, size_t why_size);
/* The program's layout, detected once; fails only without a task stack size. */
struct kt_error *kt_program_stack_layout(struct kt_program *prog, const struct kt_stack_layout **ret);

#endif
