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
	/* From the frames: the lock function's parameter by DWARF, the caller's %rdi at the call. */
	struct kt_hung_evidence from_dwarf, from_call_site;
	struct kt_hung_evidence from_stack;  /* the waiter structure and the list it is on */
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

/* How far a chain of holders is followed, how many candidate readers are named, how many
 * frames a task's facts show. */
enum { KT_HUNG_CHAIN_MAX = 16, KT_HUNG_READERS_MAX = 8, KT_HUNG_FRAMES_SHOWN = 8 };

/* Every D task of the dump, what each waits on, and who holds it. */
struct kt_hung_set {
	struct kt_findings_input *in;
	struct kt_findings_list *list;
	struct kt_hung_task *h;
	size_t n;
	int *next;           /* the blocked task holding h[i]'s lock, or -1 */
	bool *in_cycle;
	uint64_t timeout;    /* seconds a task must have waited to be reported */
	char timeout_source[120];
};

/* hung_facts.c: the facts of one blocked task under key prefix p ("waiter", "task.0"). */
bool kt_hung_task_facts(struct kt_finding *f, struct kt_hung_set *s, const char *p, const struct kt_hung_task *h);
/* The lock: its address with the two ways it was found, owner, count and wait list. */
bool kt_hung_lock_facts(struct kt_finding *f, struct kt_hung_set *s, const char *p, const struct kt_hung_task *h);
/* The holder of h's lock with its state and frames; *bt_ret its backtrace (NULL if none). */
struct kt_error *kt_hung_holder_facts(struct kt_finding *f, struct kt_hung_set *s, const char *p,
				      const struct kt_hung_task *h, struct kt_backtrace **bt_ret);
/* Candidate readers of a reader-owned rw_semaphore; *first_ret the first one (0: none). */
struct kt_error *kt_hung_reader_facts(struct kt_finding *f, struct kt_hung_set *s, const char *p,
				      const struct kt_hung_task *h, uint64_t *first_ret);
/* The lock's name for signatures: its symbol, else its type and the function that took it. */
void kt_hung_lock_label(struct kt_hung_set *s, const struct kt_hung_task *h, char *buf, size_t size);
/* bt of the task, bt of the holder (0: none), struct TYPE of the lock. */
bool kt_hung_commands(struct kt_finding *f, struct kt_hung_set *s, const struct kt_hung_task *h, uint64_t holder);
/* "running on CPU 1", "state IN, last on CPU 0". */
const char *kt_hung_task_where(const struct kt_task *t, char *buf, size_t size);
/* The task holding h's lock: a mutex's owner, an rw_semaphore's writer; 0 if none is recorded. */
uint64_t kt_hung_holder_of(const struct kt_hung_task *h);

#endif
