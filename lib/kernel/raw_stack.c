// SPDX-License-Identifier: MIT
/*
 * bt -r: a task's whole kernel stack as memory, as crash's `bt -r` dumps it: every word from
 * task->stack to task->stack + THREAD_SIZE, with the symbol each points into. The reading is
 * kt_memory_rows_read's, so a page missing from the dump ends the rows with its reason.
 */
#include <stdlib.h>

#include "core/error.h"
#include "kernel/object.h"
#include "kernel/tasks.h"
#include "ktriage.h"

struct kt_error *kt_raw_stack_read(struct kt_program *prog, const struct kt_task *task,
				   struct kt_raw_stack **ret)
{
	struct kt_object t, stack;
	uint64_t base, size;
	struct kt_error *err;
	if ((err = kt_object_from_address(prog, "struct task_struct", task->address, &t)) ||
	    (err = kt_object_member(&t, "stack", &stack)) ||
	    (err = kt_object_read_unsigned(&stack, &base)))
		return kt_error_prefix(err, "task 0x%llx: stack", (unsigned long long)task->address);
	if ((err = kt_task_stack_size(prog, &size)))
		return err;
	if (!base || base % 8)
		return kt_error_create(KT_ERROR_BAD_DATA, "task 0x%llx: stack pointer 0x%llx is not "
				       "a stack", (unsigned long long)task->address,
				       (unsigned long long)base);
	struct kt_raw_stack *s = calloc(1, sizeof(*s));
	if (!s)
		return &kt_enomem;
	*s = (struct kt_raw_stack){.task = *task, .base = base, .size = size};
	if ((err = kt_memory_rows_read(prog, base, KT_KVADDR, 8, size / 8, true, &s->rows))) {
		free(s);
		return err;
	}
	*ret = s;
	return NULL;
}

void kt_raw_stack_destroy(struct kt_raw_stack *s)
{
	if (!s)
		return;
	kt_memory_rows_destroy(s->rows);
	free(s);
}
