// SPDX-License-Identifier: MIT
/*
 * waitq: who waits on a wait queue, as crash's waitq. A struct wait_queue_head (named so since
 * v4.13; __wait_queue_head before) links struct wait_queue_entry by entry, the waiting task in
 * private; a struct swait_queue_head (completions since v4.19) links struct swait_queue by
 * task_list, the task in task. Each task pointer is checked against the task walk.
 */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/util.h"
#include "kernel/object.h"
#include "kernel/tasks.h"
#include "ktriage.h"

/* Waiters before it is a loop: more than PID_MAX_LIMIT tasks cannot wait. */
enum { WAITQ_MAX = 4 << 20 };

struct waitq_walk {
	struct kt_waitq *q;
	size_t cap;
	const char *task_member;
	struct kt_error *fatal;
};

static bool task_is_listed(const struct kt_task *t, void *arg)
{
	struct kt_waitq_entry *e = arg;
	if (t->address != e->private)
		return true;
	e->task = *t;
	e->is_task = true;
	return false;
}

static bool add_entry(const struct kt_object *entry, void *arg)
{
	struct waitq_walk *w = arg;
	if (!kt_grow((void **)&w->q->entries, &w->cap, w->q->n_entries, sizeof(*w->q->entries), 8)) {
		w->fatal = &kt_enomem;
		return false;
	}
	struct kt_waitq_entry *e = &w->q->entries[w->q->n_entries++];
	*e = (struct kt_waitq_entry){.entry = entry->address};
	if (!kt_object_member_u64(entry, w->task_member, &e->private))
		e->private = 0;
	return true;
}

struct kt_error *kt_waitq_read(const struct kt_object *head_in, struct kt_waitq **ret)
{
	struct kt_object head = *head_in;
	struct kt_error *err;
	char type[128];
	kt_object_type_name(&head, type, sizeof(type));
	enum kt_type_kind kind = kt_object_kind(&head);
	if (kind == KT_TYPE_POINTER && (err = kt_object_deref(&head, &head)))
		return err;
	kt_object_type_name(&head, type, sizeof(type));
	bool simple = !strcmp(type, "struct swait_queue_head");
	if (kt_object_kind(&head) != KT_TYPE_STRUCT) {
		uint64_t address = head.address;
		if (head.is_value && (err = kt_object_read_unsigned(&head, &address)))
			return err;
		if ((err = kt_object_from_address(head.prog, "struct wait_queue_head", address, &head)))
			return kt_error_prefix(err, "a wait queue (struct wait_queue_head, since Linux 4.13)");
		simple = false;
	} else if (!simple && strcmp(type, "struct wait_queue_head")) {
		return kt_error_create(KT_ERROR_INVALID_ARGUMENT, "%s is not a wait queue (struct "
				       "wait_queue_head or struct swait_queue_head)", type);
	}
	struct kt_waitq *q = calloc(1, sizeof(*q));
	if (!q)
		return &kt_enomem;
	q->head = head.address;
	q->simple = simple;
	struct waitq_walk w = {.q = q, .task_member = simple ? "task" : "private"};
	struct kt_object list;
	err = kt_object_member(&head, simple ? "task_list" : "head", &list);
	if (!err)
		err = kt_object_list_for_each(&list, simple ? "struct swait_queue" : "struct wait_queue_entry",
					      simple ? "task_list" : "entry", WAITQ_MAX, add_entry, &w);
	if (w.fatal) {
		kt_error_destroy(err);
		err = w.fatal;
	}
	if (err && (kt_error_code(err) == KT_ERROR_NOMEM || kt_error_code(err) == KT_ERROR_NOT_FOUND)) {
		kt_waitq_destroy(q);
		return err;
	}
	if (err) {
		q->error = strdup(kt_error_message(err));
		q->error_code = kt_error_code(err);
		kt_error_destroy(err);
	}
	for (size_t i = 0; i < q->n_entries; i++) {
		if (!q->entries[i].private)
			continue;
		if ((err = kt_task_for_each(head.prog, task_is_listed, &q->entries[i]))) {
			kt_waitq_destroy(q);
			return err;
		}
	}
	*ret = q;
	return NULL;
}

void kt_waitq_destroy(struct kt_waitq *q)
{
	if (!q)
		return;
	free(q->entries);
	free(q->error);
	free(q);
}
