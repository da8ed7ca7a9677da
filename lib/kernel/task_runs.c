// SPDX-License-Identifier: MIT
/*
 * ps -l / ps -m: when each task last ran, as crash shows it: task->sched_info.last_arrival (the
 * runqueue clock when it last went on a CPU; CONFIG_SCHED_INFO, which every distribution kernel
 * has) and the clock of the runqueue of the task's CPU at the time of the dump (rq->clock), most
 * recent first.
 */
#include <stdlib.h>

#include "core/error.h"
#include "core/util.h"
#include "kernel/object.h"
#include "ktriage.h"

struct runs {
	struct kt_program *prog;
	struct kt_object rq;           /* runqueues, per CPU */
	struct kt_task_run *runs;
	size_t n, cap;
	struct kt_error *err;
};

static bool add_run(const struct kt_task *t, void *arg)
{
	struct runs *r = arg;
	struct kt_task_run run = {.task = *t};
	struct kt_object task, rq;
	struct kt_error *err = kt_object_from_address(r->prog, "struct task_struct", t->address, &task);
	if (!err && !kt_object_member_u64(&task, "sched_info.last_arrival", &run.last_arrival))
		err = kt_error_create(KT_ERROR_NOT_FOUND, "task 0x%llx: sched_info.last_arrival cannot be "
				      "read (a kernel without CONFIG_SCHED_INFO has none)",
				      (unsigned long long)t->address);
	if (err) {
		r->err = err;
		return false;
	}
	// A task whose CPU has no readable clock keeps clock 0: the text then says so.
	run.has_clock = t->cpu >= 0 && kt_error_none(kt_object_per_cpu(&r->rq, (unsigned int)t->cpu, &rq)) &&
			kt_object_member_u64(&rq, "clock", &run.clock);
	if (!kt_grow((void **)&r->runs, &r->cap, r->n, sizeof(*r->runs), 256)) {
		r->err = &kt_enomem;
		return false;
	}
	r->runs[r->n++] = run;
	return true;
}

static int by_last_arrival(const void *a, const void *b)
{
	const struct kt_task_run *x = a, *y = b;
	return x->last_arrival < y->last_arrival ? 1 : x->last_arrival > y->last_arrival ? -1 : 0;
}

struct kt_error *kt_task_runs_read(struct kt_program *prog, struct kt_task_run **ret, size_t *n_ret)
{
	struct runs r = {.prog = prog};
	struct kt_error *err = kt_object_from_symbol(prog, "runqueues", &r.rq);
	if (err)
		return kt_error_prefix(err, "the runqueues (their clocks)");
	if (!(err = kt_task_for_each(prog, add_run, &r)))
		err = r.err;
	if (err) {
		free(r.runs);
		return err;
	}
	if (r.n)
		qsort(r.runs, r.n, sizeof(*r.runs), by_last_arrival);
	*ret = r.runs;
	*n_ret = r.n;
	return NULL;
}
