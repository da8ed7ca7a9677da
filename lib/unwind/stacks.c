// SPDX-License-Identifier: MIT
#include <string.h>

#include "core/error.h"
#include "kernel/percpu.h"
#include "kernel/tasks.h"
#include "unwind/stacks.h"

/* IRQ_STACK_SIZE: 16 KiB on x86-64 without KASAN (arch/x86/include/asm/page_64_types.h). */
static const uint64_t IRQ_STACK_SIZE = 16384;

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
	};
	return names[kind];
}

static void add(struct kt_stack_set *set, enum kt_stack_kind kind, uint64_t start, uint64_t end)
{
	if (set->n < KT_MAX_STACKS && start < end)
		set->stacks[set->n++] = (struct kt_stack){kind, start, end};
}

/* The IST stacks: member NAME_stack of struct cea_exception_stacks, its size from the types. */
static void add_ist_stacks(struct kt_program *prog, const struct kt_percpu *percpu, unsigned int cpu,
			   struct kt_stack_set *set)
{
	static const struct {
		const char *member;
		enum kt_stack_kind kind;
	} ist[] = {
		{"DF_stack", KT_STACK_DF},
		{"NMI_stack", KT_STACK_NMI},
		{"DB_stack", KT_STACK_DB},
		{"MCE_stack", KT_STACK_MCE},
		{"VC_stack", KT_STACK_VC},
	};
	uint64_t sym, addr, base;
	struct kt_types *types;
	struct kt_error *err;
	if ((err = kt_program_types(prog, &types)) ||
	    (err = kt_program_symbol_address(prog, "cea_exception_stacks", &sym)) ||
	    (err = kt_percpu_address(percpu, sym, cpu, &addr)) ||
	    (err = kt_read_u64(&prog->reader, addr, &base))) {
		kt_error_destroy(err);
		return;
	}
	for (size_t i = 0; i < sizeof(ist) / sizeof(ist[0]); i++) {
		struct kt_member_info m;
		if ((err = kt_types_member(types, "cea_exception_stacks", ist[i].member, &m))) {
			kt_error_destroy(err);  // no #VC stack without CONFIG_AMD_MEM_ENCRYPT
			continue;
		}
		add(set, ist[i].kind, base + m.offset, base + m.offset + m.size);
	}
}

/* The entry stack: the TSS's sp0 points at its top on x86-64 since the entry trampoline (4.15);
 * its size is struct entry_stack's. */
static void add_entry_stack(struct kt_program *prog, const struct kt_percpu *percpu, unsigned int cpu,
			    struct kt_stack_set *set)
{
	uint64_t sym, off, addr, top, size = 4096;
	struct kt_error *err;
	if ((err = kt_program_symbol_address(prog, "cpu_tss_rw", &sym)) ||
	    (err = kt_program_member_offset(prog, "tss_struct", "x86_tss.sp0", &off)) ||
	    (err = kt_percpu_address(percpu, sym, cpu, &addr)) ||
	    (err = kt_read_u64(&prog->reader, addr + off, &top))) {
		kt_error_destroy(err);
		return;
	}
	kt_error_destroy(kt_program_type_size(prog, "entry_stack", &size));
	if (top > size && size <= 65536)
		add(set, KT_STACK_ENTRY, top - size, top);
}

struct kt_error *kt_stacks_get(struct kt_program *prog, uint64_t task, int cpu,
			       struct kt_stack_set *ret)
{
	struct kt_stack_set set = {.n = 0};
	struct kt_error *err;
	uint64_t off, stack;
	if (task) {
		if ((err = kt_program_member_offset(prog, "task_struct", "stack", &off)) ||
		    (err = kt_read_u64(&prog->reader, task + off, &stack)))
			return kt_error_prefix(err, "stack of task 0x%llx", (unsigned long long)task);
		add(&set, KT_STACK_TASK, stack, stack + KT_THREAD_SIZE);
	}
	if (cpu >= 0) {
		struct kt_percpu percpu;
		if ((err = kt_percpu_init(prog, &percpu)))
			return err;
		uint64_t sym, addr, top;
		// hardirq_stack_ptr points at the top of the IRQ stack (its last 8 bytes in some versions).
		if (!(err = kt_program_symbol_address(prog, "hardirq_stack_ptr", &sym)) &&
		    !(err = kt_percpu_address(&percpu, sym, (unsigned int)cpu, &addr)) &&
		    !(err = kt_read_u64(&prog->reader, addr, &top)) && top) {
			top = (top + 4095) & ~4095ull;
			add(&set, KT_STACK_IRQ, top - IRQ_STACK_SIZE, top);
		}
		kt_error_destroy(err);
		add_ist_stacks(prog, &percpu, (unsigned int)cpu, &set);
		add_entry_stack(prog, &percpu, (unsigned int)cpu, &set);
		kt_percpu_deinit(&percpu);
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
