/* SPDX-License-Identifier: MIT */
/*
 * A task's user address space resolved once (its mm's pgd), for walks that read it page by page
 * (rd -u, search -u): kt_task_read_user() (ktriage.h) opens it for every read.
 */
#ifndef KT_KERNEL_USER_MEMORY_H
#define KT_KERNEL_USER_MEMORY_H

#include "dump/pgtable.h"
#include "program.h"

struct kt_user_space {
	uint64_t task;           /* the task_struct, for the errors */
	struct kt_pgtable pt;    /* its page tables, with their one-entry cache */
};

/* The end of the user half of the address space: 47 bits, 56 with 5-level paging. */
uint64_t kt_user_space_end(struct kt_program *prog);
/* The physical address of task's top-level page table (its mm's pgd); NOT_FOUND for a task
 * without an mm, BAD_DATA for a pgd outside the direct map. */
struct kt_error *kt_user_root(struct kt_program *prog, uint64_t task, uint64_t *ret);
/* NOT_FOUND for a task without an mm (a kernel thread), BAD_DATA for a pgd outside the direct map. */
struct kt_error *kt_user_space_open(struct kt_program *prog, uint64_t task,
				    struct kt_user_space *ret);
/* FAULT where a page is not mapped or not in the dump, naming the user address. */
struct kt_error *kt_user_space_read(struct kt_program *prog, struct kt_user_space *us,
				    uint64_t addr, void *buf, size_t len);

#endif
