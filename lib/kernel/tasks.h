/* SPDX-License-Identifier: MIT */
/* Single-task reads for the layers that start from one task (backtraces, findings). */
#ifndef KT_KERNEL_TASKS_H
#define KT_KERNEL_TASKS_H

#include "program.h"

/* THREAD_SIZE: a task's stack, 16 KiB on x86-64 without KASAN (arch/x86/include/asm/page_64_types.h). */
#define KT_THREAD_SIZE 16384ull

/* pid, comm, state, cpu of the task at addr (active is left false). */
struct kt_error *kt_task_read_one(struct kt_program *prog, uint64_t addr, struct kt_task *ret);
/* A task of a CPU's runqueue: member "curr" or "idle". */
struct kt_error *kt_cpu_runqueue_task(struct kt_program *prog, unsigned int cpu,
				      const char *member, uint64_t *ret);
/* rq->curr of a CPU. */
struct kt_error *kt_cpu_current_task(struct kt_program *prog, unsigned int cpu, uint64_t *ret);

#endif
