// SPDX-License-Identifier: MIT
#include <string.h>

#include "core/error.h"
#include "dump/reader.h"
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

static struct kt_error *read_member(struct kt_program *prog, uint64_t task, const char *member,
				    void *buf, size_t len)
{
	uint64_t off;
	struct kt_error *err = kt_program_member_offset(prog, "task_struct", member, &off);
	if (!err)
		err = kt_read(&prog->reader, task + off, buf, len);
	return err ? kt_error_prefix(err, "task 0x%llx: %s", (unsigned long long)task, member) : NULL;
}

struct kt_error *kt_task_info_read(struct kt_program *prog, const struct kt_task *task,
				   struct kt_task_info *ret)
{
	struct kt_task_info info = {.task = *task};
	uint64_t a = task->address;
	struct kt_error *err;
	if ((err = read_member(prog, a, "flags", &info.flags, 4)) ||
	    (err = read_member(prog, a, "stack", &info.stack, 8)) ||
	    (err = read_member(prog, a, "thread.sp", &info.sp, 8)) ||
	    (err = read_member(prog, a, "mm", &info.mm, 8)) ||
	    (err = read_member(prog, a, "active_mm", &info.active_mm, 8)) ||
	    (err = read_member(prog, a, "real_parent", &info.parent, 8)))
		return err;
	info.kthread = info.flags & KT_PF_KTHREAD;
	if (info.parent &&
	    (err = read_member(prog, info.parent, "comm", info.parent_comm, 16)))
		return kt_error_prefix(err, "parent of task 0x%llx", (unsigned long long)a);
	info.parent_comm[16] = '\0';
	*ret = info;
	return NULL;
}

/* The CPU that called panic() (or crash_kexec() after an oops): atomic_t panic_cpu, v4.5+. */
static struct kt_error *panic_cpu(struct kt_program *prog, int32_t *ret)
{
	uint64_t addr;
	struct kt_error *err = kt_program_symbol_address(prog, "panic_cpu", &addr);
	if (!err)
		err = kt_read(&prog->reader, addr, ret, 4);
	return err ? kt_error_prefix(err, "panic_cpu") : NULL;
}

struct kt_error *kt_task_info_find(struct kt_program *prog, enum kt_task_key key, uint64_t value,
				   struct kt_task_info *ret)
{
	struct task_search s = {.key = key, .value = value};
	struct kt_error *err;
	if (key == KT_TASK_PANICKING) {
		int32_t cpu;
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
