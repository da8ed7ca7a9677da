/* SPDX-License-Identifier: MIT */
/* A task's address space (vm.c) for the library's own walks over user memory. */
#ifndef KT_KERNEL_VM_H
#define KT_KERNEL_VM_H

#include <stdint.h>

#include "ktriage.h"

/*
 * Only the VMAs of task's address space (a task_struct address), in address order, as
 * kt_vm_read finds them: no sizes (mm->pgd, total_vm, rss), no file paths, and of vm->task only
 * its address. What search -u walks; a damaged tree or list is in vm->error as for kt_vm_read.
 */
struct kt_error *kt_vm_areas_read(struct kt_program *prog, uint64_t task, struct kt_vm **ret);

#endif
