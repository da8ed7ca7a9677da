// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "core/util.h"
#include "kernel/percpu.h"
#include "unwind/stack_layout.h"
#include "unwind/stacks.h"

const char *kt_stack_name(enum kt_stack_kind kind)
{
	static const char *const names[] = {
		[KT_STACK_UNKNOWN] = "unknown stack",
		[KT_STACK_TASK] = "task stack",
		[KT_STACK_IRQ] = "IRQ stack",
		[KT_STACK_NMI] = "NMI exception stack",
		[KT_STACK_DF] = "double fault exception stack",
		[KT_STACK_DB] = "debug exception stack",
		[KT_STACK_MCE] = "machine check exception stack",
		[KT_STACK_VC] = "VC exception stack",
		[KT_STACK_ENTRY] = "entry trampoline stack",
		[KT_STACK_SS] = "stack fault exception stack",
	};
	return (unsigned int)kind < KT_ARRAY_SIZE(names) && names[kind] ? names[kind] : "?";
}

static void add(struct kt_stack_set *set, enum kt_stack_kind kind, uint64_t start, uint64_t end)
{
	if (set->n < KT_MAX_STACKS && start < end)
		set->stacks[set->n++] = (struct kt_stack){kind, start, end};
}

/* Says why a stack of the CPU is not in the set; the first few reasons are kept. */
__attribute__((format(printf, 2, 3)))
static void missing(struct kt_stack_set *set, const char *fmt, ...)
{
	size_t n = strnlen(set->missing, sizeof(set->missing));
	if (n + 4 >= sizeof(set->missing))
		return;
	if (n)
		n += (size_t)snprintf(set->missing + n, sizeof(set->missing) - n, "; ");
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(set->missing + n, sizeof(set->missing) - n, fmt, ap);
	va_end(ap);
}

static void add_irq_stack(struct kt_program *prog, const struct kt_stack_layout *l,
			  const struct kt_percpu *percpu, unsigned int cpu, struct kt_stack_set *set)
{
	if (l->irq_how == KT_IRQ_STACK_NONE) {
		missing(set, "IRQ stack: %s", l->irq_missing);
		return;
	}
	uint64_t sym, addr, top = 0;
	struct kt_error *err;
	if ((err = kt_program_symbol_address(prog, l->irq_symbol, &sym)) ||
	    (err = kt_percpu_address(percpu, sym, cpu, &addr)) ||
	    (l->irq_how == KT_IRQ_STACK_POINTER &&
	     (err = kt_read_u64(&prog->reader, addr + l->irq_member, &top)))) {
		missing(set, "IRQ stack: %s", kt_error_message(err));
		kt_error_destroy(err);
		return;
	}
	if (l->irq_how == KT_IRQ_STACK_OBJECT) {
		add(set, KT_STACK_IRQ, addr, addr + l->irq_size);
		return;
	}
	if (!top) {
		missing(set, "IRQ stack: CPU %u's %s is NULL (never set up)", cpu, l->irq_symbol);
		return;
	}
	// The pointer is at most 64 bytes below the top of the stack (top - 8 since v5.2, - 64
	// before), which is page aligned.
	top = (top + 4095) & ~4095ull;
	if (top < 0xffff800000000000ull || top - 0xffff800000000000ull < l->irq_size) {
		missing(set, "IRQ stack: CPU %u's %s is 0x%016llx, not a kernel address", cpu, l->irq_symbol,
			(unsigned long long)top);
		return;
	}
	add(set, KT_STACK_IRQ, top - l->irq_size, top);
}

static void add_cea_stacks(struct kt_program *prog, const struct kt_stack_layout *l, uint64_t addr,
			   struct kt_stack_set *set)
{
	uint64_t base;
	struct kt_error *err = kt_read_u64(&prog->reader, addr, &base);
	if (err) {
		missing(set, "IST stacks: %s", kt_error_message(err));
		kt_error_destroy(err);
		return;
	}
	for (size_t i = 0; i < l->n_ist; i++)
		add(set, l->ist[i].kind, base + l->ist[i].offset, base + l->ist[i].offset + l->ist[i].size);
}

/*
 * Before v5.2 orig_ist.ist[] holds the top of each IST stack, the stacks one after the other in
 * IST order (cpu_init(), arch/x86/kernel/cpu/common.c). Which stack is which (IST indexes in
 * arch/x86/include/asm/page_64_types.h): with 5 stacks STACKFAULT 1, DOUBLEFAULT 2, NMI 3, DEBUG 4,
 * MCE 5 (until v3.17); with 4, DOUBLEFAULT 1, NMI 2, DEBUG 3, MCE 4 (v3.18, "x86_64, traps: Stop
 * using IST for #SS"). The #DB stack is the one twice as large (DEBUG_STKSZ), which the sizes
 * the tops give must confirm.
 */
size_t kt_ist_stacks_from_tops(const uint64_t *tops, size_t n_tops, uint64_t total,
			       struct kt_stack *out, char *why, size_t why_size)
{
	static const enum kt_stack_kind four[] = {KT_STACK_DF, KT_STACK_NMI, KT_STACK_DB, KT_STACK_MCE};
	static const enum kt_stack_kind five[] = {KT_STACK_SS, KT_STACK_DF, KT_STACK_NMI, KT_STACK_DB,
						  KT_STACK_MCE};
	size_t n = 0;
	while (n < n_tops && tops[n] && (!n || tops[n] > tops[n - 1]))
		n++;  // the unused entries are zero
	if (n != 4 && n != 5) {
		snprintf(why, why_size, "orig_ist holds %zu stack tops, not 4 or 5", n);
		return 0;
	}
	const enum kt_stack_kind *kinds = n == 4 ? four : five;
	uint64_t base = tops[n - 1] - total, widest = 0;
	size_t db = 0;
	for (size_t i = 0; i < n; i++) {
		uint64_t start = i ? tops[i - 1] : base;
		if (tops[n - 1] < total || tops[i] <= start) {
			snprintf(why, why_size, "orig_ist's stack tops do not fit %llu bytes of stacks",
				 (unsigned long long)total);
			return 0;
		}
		if (tops[i] - start > widest) {
			widest = tops[i] - start;
			db = i;
		}
	}
	if (kinds[db] != KT_STACK_DB) {
		snprintf(why, why_size, "the widest IST stack is number %zu of %zu, not the #DB one",
			 db + 1, n);
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		out[i] = (struct kt_stack){kinds[i], i ? tops[i - 1] : base, tops[i]};
	return n;
}

static void add_orig_ist_stacks(struct kt_program *prog, const struct kt_stack_layout *l,
				uint64_t addr, unsigned int cpu, struct kt_stack_set *set)
{
	uint64_t tops[KT_IST_MAX];
	for (size_t i = 0; i < l->n_ist; i++) {
		struct kt_error *err = kt_read_u64(&prog->reader, addr + l->ist[i].offset, &tops[i]);
		if (err) {
			missing(set, "IST stacks: %s", kt_error_message(err));
			kt_error_destroy(err);
			return;
		}
	}
	struct kt_stack stacks[KT_IST_MAX];
	char why[128];
	size_t n = kt_ist_stacks_from_tops(tops, l->n_ist, l->ist_total, stacks, why, sizeof(why));
	if (!n)
		missing(set, "IST stacks: CPU %u's %s", cpu, why);
	for (size_t i = 0; i < n; i++)
		add(set, stacks[i].kind, stacks[i].start, stacks[i].end);
}

static void add_ist_stacks(struct kt_program *prog, const struct kt_stack_layout *l,
			   const struct kt_percpu *percpu, unsigned int cpu, struct kt_stack_set *set)
{
	if (l->ist_how == KT_IST_NONE) {
		missing(set, "IST stacks: %s", l->ist_missing);
		return;
	}
	uint64_t sym, addr;
	struct kt_error *err;
	if ((err = kt_program_symbol_address(prog, l->ist_symbol, &sym)) ||
	    (err = kt_percpu_address(percpu, sym, cpu, &addr))) {
		missing(set, "IST stacks: %s", kt_error_message(err));
		kt_error_destroy(err);
		return;
	}
	if (l->ist_how == KT_IST_CEA)
		add_cea_stacks(prog, l, addr, set);
	else
		add_orig_ist_stacks(prog, l, addr, cpu, set);
}

/* The entry stack: the TSS's sp0 points at its top on x86-64 since the entry trampoline (4.15);
 * its size is struct entry_stack's. Kernels without one need no entry: nothing is missing. */
static void add_entry_stack(struct kt_program *prog, const struct kt_percpu *percpu, unsigned int cpu,
			    struct kt_stack_set *set)
{
	uint64_t sym, off, addr, top, size;
	struct kt_error *err;
	if ((err = kt_program_type_size(prog, "entry_stack", &size)) ||
	    (err = kt_program_symbol_address(prog, "cpu_tss_rw", &sym)) ||
	    (err = kt_program_member_offset(prog, "tss_struct", "x86_tss.sp0", &off)) ||
	    (err = kt_percpu_address(percpu, sym, cpu, &addr)) ||
	    (err = kt_read_u64(&prog->reader, addr + off, &top))) {
		kt_error_destroy(err);
		return;
	}
	if (top > size && size <= 65536)
		add(set, KT_STACK_ENTRY, top - size, top);
}

struct kt_error *kt_stacks_get(struct kt_program *prog, uint64_t task, int cpu,
			       struct kt_stack_set *ret)
{
	struct kt_stack_set set = {.n = 0};
	const struct kt_stack_layout *l;
	struct kt_error *err;
	uint64_t off, stack;
	if ((err = kt_program_stack_layout(prog, &l)))
		return err;
	if (task) {
		if ((err = kt_program_member_offset(prog, "task_struct", "stack", &off)) ||
		    (err = kt_read_u64(&prog->reader, task + off, &stack)))
			return kt_error_prefix(err, "stack of task 0x%llx", (unsigned long long)task);
		add(&set, KT_STACK_TASK, stack, stack + l->thread_size);
	}
	if (cpu >= 0) {
		const struct kt_percpu *percpu;
		if ((err = kt_percpu_get(prog, &percpu)))
			return err;
		add_irq_stack(prog, l, percpu, (unsigned int)cpu, &set);
		add_ist_stacks(prog, l, percpu, (unsigned int)cpu, &set);
		add_entry_stack(prog, percpu, (unsigned int)cpu, &set);
	}
	*ret = set;
	return NULL;
}

const struct kt_stack *kt_stacks_find(const struct kt_stack_set *set, uint64_t addr)
{
	for (size_t i = 0; i < set->n; i++)
		if (addr >= set->stacks[i].start && addr < set->stacks[i].end)
			return &set->stacks[i];
	return NULL;
}
