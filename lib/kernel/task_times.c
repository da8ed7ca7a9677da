// SPDX-License-Identifier: MIT
/*
 * ps -t: when each task was forked and how much CPU it has used, as crash's ps -t shows them:
 * task->start_time (CLOCK_MONOTONIC ns, a u64 since v3.17; a struct timespec before), utime and
 * stime (ns since v4.11's u64 cputime; cputime_t, in jiffies on most configurations, before: read
 * as they are). The run time is measured against the timekeeper's monotonic clock at its last
 * tick, the clock start_time was read from.
 */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/util.h"
#include "kernel/log_time.h"
#include "kernel/object.h"
#include "ktriage.h"

struct times_walk {
	struct kt_program *prog;
	struct kt_task_times *times;
	size_t cap;
	struct kt_error *err;
};

/* start_time as nanoseconds: a u64, or a struct timespec (tv_sec, tv_nsec) before v3.17. */
static bool start_time(const struct kt_object *task, uint64_t *ret)
{
	struct kt_object st;
	uint64_t sec, nsec;
	if (!kt_error_none(kt_object_member(task, "start_time", &st)))
		return false;
	if (kt_object_kind(&st) != KT_TYPE_STRUCT)
		return kt_error_none(kt_object_read_unsigned(&st, ret));
	if (!kt_object_member_u64(&st, "tv_sec", &sec) || !kt_object_member_u64(&st, "tv_nsec", &nsec))
		return false;
	*ret = sec * 1000000000ull + nsec;
	return true;
}

static bool add_task(const struct kt_task *t, void *arg)
{
	struct times_walk *w = arg;
	struct kt_task_time tt = {.task = *t};
	struct kt_object task;
	struct kt_error *err = kt_object_from_address(w->prog, "struct task_struct", t->address, &task);
	if (!err && (!start_time(&task, &tt.start_time) || !kt_object_member_u64(&task, "utime", &tt.utime) ||
		     !kt_object_member_u64(&task, "stime", &tt.stime)))
		err = kt_error_create(KT_ERROR_NOT_FOUND, "task 0x%llx: start_time, utime or stime cannot "
				      "be read", (unsigned long long)t->address);
	if (err) {
		w->err = err;
		return false;
	}
	struct kt_task_times *times = w->times;
	if (!kt_grow((void **)&times->tasks, &w->cap, times->n, sizeof(*times->tasks), 256)) {
		w->err = &kt_enomem;
		return false;
	}
	times->tasks[times->n++] = tt;
	return true;
}

void kt_task_times_destroy(struct kt_task_times *times)
{
	if (!times)
		return;
	free(times->tasks);
	free(times->now_error);
	free(times);
}

struct kt_error *kt_task_times_read(struct kt_program *prog, struct kt_task_times **ret)
{
	struct kt_task_times *times = calloc(1, sizeof(*times));
	if (!times)
		return &kt_enomem;
	struct times_walk w = {.prog = prog, .times = times};
	struct kt_error *err = kt_timekeeper_monotonic(prog, &times->now);
	times->has_now = !err;
	if (err) {
		times->now_error = strdup(kt_error_message(err));
		kt_error_destroy(err);
		if (!times->now_error) {
			kt_task_times_destroy(times);
			return &kt_enomem;
		}
	}
	if (!(err = kt_task_for_each(prog, add_task, &w)))
		err = w.err;
	if (err) {
		kt_task_times_destroy(times);
		return err;
	}
	*ret = times;
	return NULL;
}
