/* SPDX-License-Identifier: MIT */
/* Single-task reads for the layers that start from one task (backtraces, findings). */
#ifndef KT_KERNEL_TASKS_H
#define KT_KERNEL_TASKS_H

#include "program.h"
#include "sym/types.h"

/* Symbols by name for layout detection: the program's (kt_program_symbols), or a test's table.
 * address fails with NOT_FOUND for a symbol the kernel does not have. */
struct kt_symbol_source {
	struct kt_error *(*address)(void *arg, const char *name, uint64_t *ret);
	void *arg;
};

/* The program's own symbols (kernel and modules) as a kt_symbol_source. */
struct kt_symbol_source kt_program_symbols(struct kt_program *prog);

/*
 * THREAD_SIZE, a task's stack, as this kernel has it (16 KiB on x86-64, 32 KiB with KASAN:
 * arch/x86/include/asm/page_64_types.h), from its own types and symbols: the size of union
 * thread_union, else __end_init_task - __start_init_task (__end_init_stack - __start_init_stack
 * in v6.x: the init task's stack, laid out by INIT_TASK_DATA in include/asm-generic/vmlinux.lds.h),
 * else the size of the typed variable init_thread_union or init_stack. *from_ret (may be NULL)
 * names which.
 */
struct kt_error *kt_task_stack_size_detect(struct kt_types *types, const struct kt_symbol_source *syms,
					   uint64_t *ret, const char **from_ret);
/* The same for the program, looked up once. */
struct kt_error *kt_task_stack_size(struct kt_program *prog, uint64_t *ret);

/* pid, comm, state, cpu of the task at addr (active is left false). */
struct kt_error *kt_task_read_one(struct kt_program *prog, uint64_t addr, struct kt_task *ret);
/* A task of a CPU's runqueue: member "curr" or "idle". */
struct kt_error *kt_cpu_runqueue_task(struct kt_program *prog, unsigned int cpu,
				      const char *member, uint64_t *ret);
/* rq->curr of a CPU. */
struct kt_error *kt_cpu_current_task(struct kt_program *prog, unsigned int cpu, uint64_t *ret);

#endif
