/* SPDX-License-Identifier: MIT */
/* The task of a struct pid: the first task of its PIDTYPE_PID list (pid_task()). */
#ifndef KT_KERNEL_PID_TASK_H
#define KT_KERNEL_PID_TASK_H

#include "program.h"

/* pid: a struct pid * value, or a struct pid in memory. *ret is 0 when no task uses it. */
struct kt_error *kt_pid_task(const struct kt_object *pid, uint64_t *ret);

#endif
