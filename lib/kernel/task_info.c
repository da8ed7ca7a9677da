// SPDX-License-Identifier: MIT
#include <string.h>

#include "core/error.h"
#include "dump/reader.h"
#include "kernel/object.h"
#include "kernel/task_info.h"

/* panic_cpu when no CPU has panicked (PANIC_CPU_INVALID, kernel/panic.c). */
static const int32_t PANIC_CPU_INVALID = -1;

struct task_search {
	enum kt_task_key key;
	uint64_t value;
	bool found;
	struct kt_task task;
};

static bool task_matches(const struct kt_task *t, void *arg)
{
	struct task_search *s = arg;
	bool match;
	switch (s->key) {
	case KT_TASK_BY_PID:
		match = (uint64_t)(int64_t)t->pid == s->value;
		break;
	case KT_TASK_BY_ADDRESS:
		match = t->address == s->value;
		break;
	default:  // KT_TASK_ACTIVE_ON_CPU, and KT_TASK_PANICKING once the CPU is known
		match = t->active && (uint64_t)(int64_t)t->cpu == s->value;
		break;
	}
	if (match) {
		s->task = *t;
		s->found = true;
	}
	return !match;
}

/* task's member path as an unsigned integer (flags, pointers). */
static struct kt_error *read_member(const struct kt_object *task, const char *path, uint64_t *ret)
{
	struct kt_object o;
	struct kt_error *err = kt_object_member(task, path, &o);
	if (!err)
		err = kt_object_read_unsigned(&o, ret);
	return err ? kt_error_prefix(err, "task 0x%llx: %s", (unsigned long long)task->address, path)
		   : NULL;
}

struct kt_error *kt_task_info_read(struct kt_program *prog, const struct kt_task *task,
				   struct kt_task_info *ret)
{
	struct kt_task_info info = {.task = *task};
	struct kt_object t, comm;
	uint64_t flags;
	struct kt_error *err;
	if ((err = kt_object_from_address(prog, "struct task_struct", task->address, &t)) ||
	    (err = read_member(&t, "flags", &flags)) ||
	    (err = read_member(&t, "stack", &info.stack)) ||
	    (err = read_member(&t, "thread.sp", &info.sp)) ||
	    (err = read_member(&t, "mm", &info.mm)) ||
	    (err = read_member(&t, "active_mm", &info.active_mm)) ||
	    (err = read_member(&t, "real_parent", &info.parent)))
		return err;
	info.flags = (uint32_t)flags;
	info.kthread = info.flags & KT_PF_KTHREAD;
	if (info.parent && ((err = kt_object_member(&t, "real_parent->comm", &comm)) ||
			    (err = kt_object_read_string(&comm, info.parent_comm,
							 sizeof(info.parent_comm)))))
		return kt_error_prefix(err, "parent of task 0x%llx", (unsigned long long)task->address);
	*ret = info;
	return NULL;
}

/* The CPU that called panic() (or crash_kexec() after an oops): atomic_t panic_cpu, v4.5+. */
static struct kt_error *panic_cpu(struct kt_program *prog, int32_t *ret)
{
	struct kt_object o;
	int64_t cpu;
	struct kt_error *err = kt_object_symbol(prog, "panic_cpu", "atomic_t", &o, NULL);
	if (!err && !(err = kt_object_member(&o, "counter", &o)) &&
	    !(err = kt_object_read_signed(&o, &cpu)))
		*ret = (int32_t)cpu;
	return err ? kt_error_prefix(err, "panic_cpu") : NULL;
}

struct kt_error *kt_task_info_find(struct kt_program *prog, enum kt_task_key key, uint64_t value,
				   struct kt_task_info *ret)
{
	struct task_search s = {.key = key, .value = value};
	struct kt_error *err;
	if (key == KT_TASK_PANICKING) {
		int32_t cpu = 0;
		if ((err = panic_cpu(prog, &cpu)))
			return err;
		if (cpu == PANIC_CPU_INVALID)
			return kt_error_create(KT_ERROR_NOT_FOUND,
					       "no CPU panicked (panic_cpu is -1): name a task");
		s.value = (uint64_t)(int64_t)cpu;
	}
	if ((err = kt_task_for_each(prog, task_matches, &s)))
		return err;
	if (s.found)
		return kt_task_info_read(prog, &s.task, ret);
	if (key == KT_TASK_BY_ADDRESS)
		return kt_error_create(KT_ERROR_NOT_FOUND, "0x%016llx is not a task (neither on the "
				       "task list nor a CPU's idle task)", (unsigned long long)value);
	if (key == KT_TASK_BY_PID)
		return kt_error_create(KT_ERROR_NOT_FOUND, "no task with pid %lld", (long long)value);
	return kt_error_create(KT_ERROR_NOT_FOUND, "no task is current on CPU %lld",
			       (long long)s.value);
}
