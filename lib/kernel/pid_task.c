// SPDX-License-Identifier: MIT
/*
 * pid_task(pid, PIDTYPE_PID) (kernel/pid.c): pid->tasks[PIDTYPE_PID].first links the task
 * through task_struct.pid_links[PIDTYPE_PID] (newer kernels) or task_struct.pids[PIDTYPE_PID].node
 * (older ones, v3.10 among them), told apart by member name; PIDTYPE_PID is 0 in both.
 */
#include "core/error.h"
#include "kernel/object.h"
#include "kernel/pid_task.h"

struct kt_error *kt_pid_task(const struct kt_object *pid, uint64_t *ret)
{
	struct kt_program *prog = pid->prog;
	struct kt_object first;
	uint64_t node, offset;
	struct kt_type_ref task_type, member_type;
	struct kt_error *err;
	if ((err = kt_object_member(pid, "tasks[0].first", &first)) ||
	    (err = kt_object_read_unsigned(&first, &node)))
		return kt_error_prefix(err, "struct pid");
	if (!node) {
		*ret = 0;
		return NULL;
	}
	if ((err = kt_object_lookup_type(prog, "struct task_struct", &task_type)))
		return err;
	const char *member = kt_object_type_has_member(prog, task_type, "pid_links")
		? "pid_links[0]" : "pids[0].node";
	if ((err = kt_object_member_offset(prog, task_type, member, &offset, &member_type)))
		return kt_error_prefix(err, "task_struct");
	*ret = node - offset;
	return NULL;
}
