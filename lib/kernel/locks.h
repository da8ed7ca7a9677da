/* SPDX-License-Identifier: MIT */
/*
 * The kernel's sleeping locks read as data: struct mutex, struct rw_semaphore, struct semaphore
 * and struct completion, with their owner (flag bits masked) and the tasks on their wait lists.
 * Layouts are found by the dump's own member names (3.10..6.12); the lists are walked with
 * list.c's budget and cycle check, so a corrupted lock ends in an error naming where.
 */
#ifndef KT_KERNEL_LOCKS_H
#define KT_KERNEL_LOCKS_H

#include "kernel/object.h"

enum kt_lock_kind {
	KT_LOCK_MUTEX,
	KT_LOCK_RWSEM,
	KT_LOCK_SEMAPHORE,
	KT_LOCK_COMPLETION,
};

/* "mutex", "rwsem", "semaphore", "completion" (the finding codes' words). */
const char *kt_lock_kind_name(enum kt_lock_kind kind);
/* "struct mutex", "struct rw_semaphore", ... */
const char *kt_lock_type_name(enum kt_lock_kind kind);

/* How a kind's waiters hang on it: the list head in the lock, each waiter's type, the
 * list_head that links it and the member that names its task. */
struct kt_lock_layout {
	enum kt_lock_kind kind;
	struct kt_type_ref lock_type;
	const char *head_path;        /* "wait_list", "wait.task_list" (swait), "wait.head" */
	uint64_t head_offset;         /* in the lock */
	const char *waiter_type;      /* "struct mutex_waiter", "struct swait_queue", ... */
	const char *link_member;      /* "list", "task_list", "entry" */
	const char *task_member;      /* "task", or "private" of a wait_queue_entry */
	uint64_t link_offset, task_offset;  /* in the waiter */
};

struct kt_error *kt_lock_layout_get(struct kt_program *prog, enum kt_lock_kind kind,
				    struct kt_lock_layout *ret);

/* Every waiter is read, up to this many: a wait list longer than this is reported cut. */
enum { KT_LOCK_WAITERS_MAX = 4096 };

struct kt_lock_state {
	enum kt_lock_kind kind;
	uint64_t address;
	struct kt_lock_layout layout;
	/* mutex and rw_semaphore: the owner word as read, the task in it, its flag bits. */
	bool has_owner;
	const char *owner_member;     /* "owner.counter" (atomic_long_t) or "owner" (a pointer) */
	uint64_t owner_raw, owner_task, owner_flags;
	char owner_flags_text[160];   /* the bits by name, for this layout */
	bool reader_owned;            /* rw_semaphore: readers hold it (the task is only a hint) */
	/* rw_semaphore, semaphore: the count; completion: done. */
	bool has_count;
	const char *count_member;
	int64_t count;
	char count_text[160];         /* decoded where the layout says how */
	/* The tasks on the wait list, in list order. */
	uint64_t *waiters;
	size_t n_waiters;
	char waiters_error[200];      /* why the walk stopped early; "" if it reached the head */
};

/* The lock of kind at address; fields that cannot be read stay unset (their has_ false). An
 * error only when the type is unknown or the lock unreadable. Free with kt_lock_state_deinit(). */
struct kt_error *kt_lock_read(struct kt_program *prog, enum kt_lock_kind kind, uint64_t address,
			      struct kt_lock_state *ret);
void kt_lock_state_deinit(struct kt_lock_state *s);
/* Whether task is on s's wait list. */
bool kt_lock_has_waiter(const struct kt_lock_state *s, uint64_t task);

#endif
