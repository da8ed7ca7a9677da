// SPDX-License-Identifier: MIT
/*
 * ps -p / ps -c: a task's ancestors by task->real_parent, as crash's ps -p, and its children:
 * the thread-group leaders whose real_parent it is (the kernel's task->children list holds the
 * leaders only: copy_process() links a new thread group's leader alone). Found through the task
 * walk, so only tasks the kernel lists; a parent chain that loops ends with an error.
 */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/util.h"
#include "kernel/object.h"
#include "ktriage.h"

enum { FAMILY_DEPTH_MAX = 256 };  /* no process tree is this deep: a longer chain loops */

struct member {
	struct kt_task task;
	uint64_t parent;                 /* real_parent */
};

struct family {
	struct kt_program *prog;
	struct member *all;
	size_t n, cap;
	struct kt_error *err;
};

static bool add_task(const struct kt_task *t, void *arg)
{
	struct family *f = arg;
	struct kt_object task;
	uint64_t parent = 0;
	struct kt_error *err = kt_object_from_address(f->prog, "struct task_struct", t->address, &task);
	if (!err && !kt_object_member_u64(&task, "real_parent", &parent))
		err = kt_error_create(KT_ERROR_FAULT, "task 0x%llx: real_parent cannot be read",
				      (unsigned long long)t->address);
	if (err) {
		f->err = err;
		return false;
	}
	if (!kt_grow((void **)&f->all, &f->cap, f->n, sizeof(*f->all), 256)) {
		f->err = &kt_enomem;
		return false;
	}
	f->all[f->n++] = (struct member){*t, parent};
	return true;
}

static const struct member *find(const struct family *f, uint64_t address)
{
	for (size_t i = 0; i < f->n; i++)
		if (f->all[i].task.address == address)
			return &f->all[i];
	return NULL;
}

/* Appends t to *ret (n of them, room for cap). */
static bool append(struct kt_task **ret, size_t *n, size_t *cap, const struct kt_task *t)
{
	if (!kt_grow((void **)ret, cap, *n, sizeof(**ret), 16))
		return false;
	(*ret)[(*n)++] = *t;
	return true;
}

struct kt_error *kt_task_family_read(struct kt_program *prog, uint64_t task, bool children,
				     struct kt_task **ret, size_t *n_ret)
{
	struct family f = {.prog = prog};
	struct kt_error *err = kt_task_for_each(prog, add_task, &f);
	if (!err)
		err = f.err;
	const struct member *m = err ? NULL : find(&f, task);
	if (!err && !m)
		err = kt_error_create(KT_ERROR_NOT_FOUND, "0x%016llx is not a task (neither on the task "
				      "list nor a CPU's idle task)", (unsigned long long)task);
	struct kt_task *out = NULL;
	size_t n = 0, cap = 0;
	if (!err && !append(&out, &n, &cap, &m->task))
		err = &kt_enomem;
	if (!err && children) {
		for (size_t i = 0; i < f.n && !err; i++)
			if (f.all[i].parent == task && f.all[i].task.address != task &&
			    f.all[i].task.pid == f.all[i].task.tgid && !append(&out, &n, &cap, &f.all[i].task))
				err = &kt_enomem;
	} else if (!err) {
		// Up to the idle task of CPU 0, which is its own parent.
		while (m->parent != m->task.address && !err) {
			const struct member *p = find(&f, m->parent);
			if (!p)
				err = kt_error_create(KT_ERROR_BAD_DATA, "task 0x%llx (pid %d): its real_parent "
						      "0x%llx is on no task list", (unsigned long long)m->task.address,
						      m->task.pid, (unsigned long long)m->parent);
			else if (n >= FAMILY_DEPTH_MAX)
				err = kt_error_create(KT_ERROR_LIMIT, "task 0x%llx: more than %d ancestors: the "
						      "real_parent chain loops", (unsigned long long)task,
						      FAMILY_DEPTH_MAX);
			else if (!append(&out, &n, &cap, &p->task))
				err = &kt_enomem;
			m = p;
		}
	}
	free(f.all);
	if (err) {
		free(out);
		return err;
	}
	*ret = out;
	*n_ret = n;
	return NULL;
}
