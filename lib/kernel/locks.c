// SPDX-License-Identifier: MIT
/*
 * Sleeping locks as data (locks.h). What changed across 3.10..6.12, found by member names:
 *
 * mutex.owner: a struct task_struct * before 4.10 (set only with CONFIG_DEBUG_MUTEXES or
 *   CONFIG_MUTEX_SPIN_ON_OWNER; `count` says locked: 1 free, 0 locked, < 0 with waiters); an
 *   atomic_long_t since Linux kernel commit 3ca0ff571b09 ("locking/mutex: Rework mutex::owner")
 *   (in v4.10), whose low three bits are flags:
 *     bit 0  MUTEX_FLAG_WAITERS   the wait list is not empty
 *     bit 1  MUTEX_FLAG_HANDOFF   the first waiter asked for a hand-off
 *     bit 2  MUTEX_FLAG_PICKUP    the hand-off is done: the new owner must pick it up
 * rw_semaphore.owner:
 *   4.9-4.19  struct task_struct *: the writer, or RWSEM_READER_OWNED = (struct task_struct *)1
 *             (commit 19c5d690e416, "locking/rwsem: Add reader-owned state to the owner field")
 *   4.20-5.2  struct task_struct * with bit 0 RWSEM_READER_OWNED, bit 1 RWSEM_ANONYMOUSLY_OWNED;
 *             a reader leaves its own task pointer there (the last reader: a hint only)
 *   5.3-5.10  atomic_long_t, bit 0 RWSEM_READER_OWNED, bit 1 RWSEM_RD_NONSPINNABLE, bit 2
 *             RWSEM_WR_NONSPINNABLE (commit 94a9717b3c40, "locking/rwsem: Make rwsem->owner an
 *             atomic_long_t")
 *   5.11+     atomic_long_t, bit 0 RWSEM_READER_OWNED, bit 1 RWSEM_NONSPINNABLE (commit
 *             617f3ef95177, "locking/rwsem: Remove reader optimistic spinning")
 *   Task structs are cache-line aligned, so masking the low three bits is right for every era.
 * rw_semaphore.count since 5.3 (commit 64489e78004c, "locking/rwsem: Implement a new locking
 *   scheme"): bit 0 RWSEM_WRITER_LOCKED, bit 1 RWSEM_FLAG_WAITERS, bit 2 RWSEM_FLAG_HANDOFF,
 *   bits 8-62 the readers (RWSEM_READER_SHIFT 8), bit 63 RWSEM_FLAG_READFAIL. Before, the
 *   xadd biases: shown as read.
 * completion.wait: a struct swait_queue_head (task_list of struct swait_queue {task,
 *   task_list}) since commit a5c6234e1028 ("completion: Use simple wait queues") (in v5.7);
 *   before, a wait_queue_head_t: `head` of struct wait_queue_entry {private, entry} since 4.13,
 *   `task_list` of struct __wait_queue {private, task_list} before.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/util.h"
#include "kernel/locks.h"

const char *kt_lock_kind_name(enum kt_lock_kind kind)
{
	static const char *const names[] = {"mutex", "rwsem", "semaphore", "completion"};
	return (unsigned int)kind < KT_ARRAY_SIZE(names) ? names[kind] : "?";
}

const char *kt_lock_type_name(enum kt_lock_kind kind)
{
	static const char *const names[] = {"struct mutex", "struct rw_semaphore", "struct semaphore",
					    "struct completion"};
	return (unsigned int)kind < KT_ARRAY_SIZE(names) ? names[kind] : "?";
}

/* The name of a member's struct type ("swait_queue_head"), or "" if it is not a struct. */
static void member_struct_name(struct kt_program *prog, struct kt_type_ref type, const char *path,
			       char *buf, size_t size)
{
	uint64_t off;
	struct kt_type_ref member;
	buf[0] = '\0';
	struct kt_error *err = kt_object_member_offset(prog, type, path, &off, &member);
	if (err) {
		kt_error_destroy(err);
		return;
	}
	struct kt_object probe;
	kt_object_init(&probe, prog, NULL, member, 0);
	kt_object_type_name(&probe, buf, size);
}

struct kt_error *kt_lock_layout_get(struct kt_program *prog, enum kt_lock_kind kind,
				    struct kt_lock_layout *ret)
{
	struct kt_lock_layout l = {.kind = kind, .head_path = "wait_list", .link_member = "list",
				   .task_member = "task"};
	struct kt_error *err = kt_object_lookup_type(prog, kt_lock_type_name(kind), &l.lock_type);
	if (err)
		return err;
	switch (kind) {
	case KT_LOCK_MUTEX:
		l.waiter_type = "struct mutex_waiter";
		break;
	case KT_LOCK_RWSEM:
		l.waiter_type = "struct rwsem_waiter";
		break;
	case KT_LOCK_SEMAPHORE:
		l.waiter_type = "struct semaphore_waiter";
		break;
	case KT_LOCK_COMPLETION: {
		char wait[64];
		member_struct_name(prog, l.lock_type, "wait", wait, sizeof(wait));
		if (!strcmp(wait, "struct swait_queue_head")) {
			l.head_path = "wait.task_list";
			l.waiter_type = "struct swait_queue";
			l.link_member = "task_list";
		} else if (kt_object_type_has_member(prog, l.lock_type, "wait.head")) {
			l.head_path = "wait.head";
			l.waiter_type = "struct wait_queue_entry";
			l.link_member = "entry";
			l.task_member = "private";
		} else {
			l.head_path = "wait.task_list";
			l.waiter_type = "struct __wait_queue";
			l.link_member = "task_list";
			l.task_member = "private";
		}
		break;
	}
	default:
		return kt_error_create(KT_ERROR_INVALID_ARGUMENT, "lock kind %d", (int)kind);
	}
	struct kt_type_ref member, waiter;
	if ((err = kt_object_member_offset(prog, l.lock_type, l.head_path, &l.head_offset, &member)) ||
	    (err = kt_object_lookup_type(prog, l.waiter_type, &waiter)) ||
	    (err = kt_object_member_offset(prog, waiter, l.link_member, &l.link_offset, &member)) ||
	    (err = kt_object_member_offset(prog, waiter, l.task_member, &l.task_offset, &member)))
		return kt_error_prefix(err, "the waiters of %s", kt_lock_type_name(kind));
	*ret = l;
	return NULL;
}

/* An integer member, or the counter of an atomic_t / atomic_long_t one. */
static bool read_word(const struct kt_object *lock, const char *member, const char **path_ret,
		      uint64_t *ret)
{
	static const char *const suffix[] = {".counter", ""};
	for (size_t i = 0; i < KT_ARRAY_SIZE(suffix); i++) {
		char path[64];
		kt_textf(path, sizeof(path), "%s%s", member, suffix[i]);
		struct kt_object o;
		struct kt_error *err = kt_object_member(lock, path, &o);
		if (!err && kt_object_kind(&o) != KT_TYPE_STRUCT)
			err = kt_object_read_unsigned(&o, ret);
		else if (!err)
			err = kt_error_create(KT_ERROR_INVALID_ARGUMENT, "a struct");
		if (!err) {
			*path_ret = i ? member : (!strcmp(member, "owner") ? "owner.counter" : "count.counter");
			return true;
		}
		kt_error_destroy(err);
	}
	return false;
}

static void flags_text(char *buf, size_t size, uint64_t flags, const char *const names[3])
{
	size_t n = 0;
	buf[0] = '\0';
	for (unsigned int b = 0; b < 3 && n < size; b++)
		if (flags & (1u << b))
			n += (size_t)snprintf(buf + n, size - n, "%s%s", n ? "|" : "", names[b]);
	if (!n)
		kt_textf(buf, size, "none");
}

static void mutex_owner(const struct kt_object *lock, struct kt_lock_state *s)
{
	static const char *const bits[3] = {"MUTEX_FLAG_WAITERS", "MUTEX_FLAG_HANDOFF", "MUTEX_FLAG_PICKUP"};
	s->has_owner = read_word(lock, "owner", &s->owner_member, &s->owner_raw);
	if (s->has_owner && !strcmp(s->owner_member, "owner.counter")) {
		s->owner_task = s->owner_raw & ~(uint64_t)7;
		s->owner_flags = s->owner_raw & 7;
		flags_text(s->owner_flags_text, sizeof(s->owner_flags_text), s->owner_flags, bits);
	} else if (s->has_owner) {
		s->owner_task = s->owner_raw;  // before 4.10: the task itself
	}
	uint64_t count;
	if (read_word(lock, "count", &s->count_member, &count)) {  // before 4.10
		s->has_count = true;
		s->count = (int32_t)count;
		kt_textf(s->count_text, sizeof(s->count_text), "%s", s->count == 1 ? "unlocked"
				 : s->count == 0 ? "locked, no waiters" : "locked, waiters may be queued");
	}
}

static void rwsem_state(const struct kt_object *lock, struct kt_lock_state *s)
{
	static const char *const bits_atomic[3] = {"RWSEM_READER_OWNED", "RWSEM_NONSPINNABLE",
						   "RWSEM_WR_NONSPINNABLE (5.3-5.10)"};
	static const char *const bits_pointer[3] = {"RWSEM_READER_OWNED", "RWSEM_ANONYMOUSLY_OWNED",
						    "bit 2"};
	s->has_owner = read_word(lock, "owner", &s->owner_member, &s->owner_raw);
	bool atomic_owner = s->has_owner && !strcmp(s->owner_member, "owner.counter");
	if (s->has_owner) {
		s->reader_owned = s->owner_raw & 1;
		s->owner_flags = s->owner_raw & 7;
		s->owner_task = s->owner_raw & ~(uint64_t)7;
		if (!atomic_owner && s->owner_raw == 1)
			s->owner_task = 0;  // 4.9-4.19: RWSEM_READER_OWNED alone
		flags_text(s->owner_flags_text, sizeof(s->owner_flags_text), s->owner_flags,
			   atomic_owner ? bits_atomic : bits_pointer);
	}
	uint64_t count;
	if (!read_word(lock, "count", &s->count_member, &count))
		return;
	s->has_count = true;
	s->count = (int64_t)count;
	if (atomic_owner)  // the 5.3+ count layout came with the atomic owner
		kt_textf(s->count_text, sizeof(s->count_text), "%s%" PRIu64 " reader(s)%s%s%s",
			 count & 1 ? "writer-locked, " : "", (uint64_t)((count >> 8) & ((UINT64_C(1) << 55) - 1)),
			 count & 2 ? ", RWSEM_FLAG_WAITERS" : "", count & 4 ? ", RWSEM_FLAG_HANDOFF" : "",
			 count >> 63 ? ", RWSEM_FLAG_READFAIL" : "");
	else
		kt_textf(s->count_text, sizeof(s->count_text), "xadd count (biases, before 5.3)");
}

struct waiter_walk {
	struct kt_lock_state *s;
	struct kt_object_field task;
	struct kt_error *err;
	size_t cap;
};

static bool waiter_visit(const struct kt_object *entry, void *arg)
{
	struct waiter_walk *w = arg;
	struct kt_object t;
	uint64_t task = 0;
	kt_object_field(entry, &w->task, &t);
	struct kt_error *err = kt_object_read_unsigned(&t, &task);
	if (err) {
		w->err = err;
		return false;
	}
	if (!kt_grow((void **)&w->s->waiters, &w->cap, w->s->n_waiters, sizeof(uint64_t), 8)) {
		w->err = &kt_enomem;
		return false;
	}
	w->s->waiters[w->s->n_waiters++] = task;
	return true;
}

static struct kt_error *waiters_read(const struct kt_object *lock, struct kt_lock_state *s)
{
	struct kt_object head;
	struct kt_type_ref waiter;
	struct waiter_walk w = {.s = s};
	struct kt_error *err;
	if ((err = kt_object_member(lock, s->layout.head_path, &head)) ||
	    (err = kt_object_lookup_type(lock->prog, s->layout.waiter_type, &waiter)) ||
	    (err = kt_object_field_resolve(lock->prog, waiter, s->layout.task_member, &w.task)))
		return err;
	err = kt_object_list_for_each(&head, s->layout.waiter_type, s->layout.link_member,
				      KT_LOCK_WAITERS_MAX, waiter_visit, &w);
	if (!err)
		err = w.err;
	else
		kt_error_destroy(w.err);
	return err;
}

struct kt_error *kt_lock_read(struct kt_program *prog, enum kt_lock_kind kind, uint64_t address,
			      struct kt_lock_state *ret)
{
	struct kt_lock_state s = {.kind = kind, .address = address};
	struct kt_object lock;
	struct kt_error *err;
	if ((err = kt_lock_layout_get(prog, kind, &s.layout)) ||
	    (err = kt_object_from_address(prog, kt_lock_type_name(kind), address, &lock)))
		return err;
	uint64_t probe;
	const char *member;
	switch (kind) {
	case KT_LOCK_MUTEX:
		mutex_owner(&lock, &s);
		break;
	case KT_LOCK_RWSEM:
		rwsem_state(&lock, &s);
		break;
	case KT_LOCK_SEMAPHORE:
		if ((s.has_count = read_word(&lock, "count", &s.count_member, &probe)))
			s.count = (int64_t)(uint32_t)probe;
		break;
	case KT_LOCK_COMPLETION:
		if ((s.has_count = read_word(&lock, "done", &member, &probe))) {
			s.count_member = "done";
			s.count = (int64_t)(uint32_t)probe;
		}
		break;
	}
	err = waiters_read(&lock, &s);
	if (err == &kt_enomem) {
		kt_lock_state_deinit(&s);
		return err;
	}
	if (err) {
		kt_textf(s.waiters_error, sizeof(s.waiters_error), "%s", kt_error_message(err));
		kt_error_destroy(err);
	}
	*ret = s;
	return NULL;
}

void kt_lock_state_deinit(struct kt_lock_state *s)
{
	free(s->waiters);
	s->waiters = NULL;
	s->n_waiters = 0;
}

bool kt_lock_has_waiter(const struct kt_lock_state *s, uint64_t task)
{
	for (size_t i = 0; i < s->n_waiters; i++)
		if (s->waiters[i] == task)
			return true;
	return false;
}
