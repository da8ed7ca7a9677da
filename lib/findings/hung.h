/* SPDX-License-Identifier: MIT */
/*
 * Hung tasks (hung_block.c, hung_tasks.c): what one task in D state is blocked on, found twice
 * and compared: from its frames (the lock function's argument, by DWARF location or by the
 * caller's call site) and from its stack (the waiter structure naming it, and the wait list
 * that links it); then the lock as data, its holder, and how long the task has waited.
 */
#ifndef KT_FINDINGS_HUNG_H
#define KT_FINDINGS_HUNG_H

#include "findings/findings.h"
#include "kernel/locks.h"

/* One way the lock's address was found. */
struct kt_hung_evidence {
	bool found;
	uint64_t address;
	char how[480];
};

struct kt_hung_task {
	const struct kt_task *task;
	struct kt_backtrace *bt;          /* NULL: bt_error says why */
	char bt_error[200];
	bool has_primitive;
	enum kt_lock_kind kind;
	bool rwsem_write;                 /* down_write*, rwsem_down_write_* */
	const char *primitive;            /* the outermost lock function among its frames */
	size_t primitive_frame;           /* its index; the caller is the next frame */
	struct kt_hung_evidence from_frames, from_stack;
	uint64_t lock;                    /* the address both agree on, or the one found; 0 none */
	bool has_lock_state;
	struct kt_lock_state lock_state;
	char lock_error[200];
	/* How long it has waited: now - sched_info.last_arrival (ns), with what "now" was. */
	bool has_wait;
	uint64_t last_arrival, now;
	char now_source[120];
	bool has_last_switch;             /* the hung-task detector's last_switch_time (jiffies) */
	uint64_t last_switch_time, jiffies;
};

/* Everything hung_block.c finds for task (state D); *ret is owned by the caller:
 * kt_hung_task_deinit(). Only NOMEM is returned; the rest is kept as evidence. */
struct kt_error *kt_hung_task_analyse(struct kt_findings_input *in, const struct kt_task *task,
				      struct kt_hung_task *ret);
void kt_hung_task_deinit(struct kt_hung_task *h);
/* The task with this address among the input's tasks, or NULL. */
const struct kt_task *kt_hung_task_by_address(struct kt_findings_input *in, uint64_t address);
/* The first frame from the innermost that is not scheduler or lock machinery (the key frame
 * of a sleeping task), or bt->n_frames. */
size_t kt_hung_first_own_frame(const struct kt_backtrace *bt);
/* Each kernel stack slot of task's live stack that holds value: the first max addresses, and
 * how many there are. */
size_t kt_hung_stack_find(struct kt_program *prog, const struct kt_task *task, uint64_t value,
			  uint64_t *ret, size_t max);

#endif
