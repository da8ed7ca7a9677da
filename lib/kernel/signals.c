// SPDX-License-Identifier: MIT
/*
 * sig: a task's signal state, read as crash's sig reads it (crash's task.c, dump_signal_data()):
 * the thread group's handlers (task->sighand->action[]: struct k_sigaction), its signal_struct
 * and shared pending set, the task's own pending set and blocked mask, and TIF_SIGPENDING.
 */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/util.h"
#include "kernel/object.h"
#include "ktriage.h"

/* arch/x86/include/asm/thread_info.h: TIF_SIGPENDING is bit 2 of thread_info.flags. */
enum { X86_TIF_SIGPENDING = 2 };
/* Queued signals per list before it is a loop: RLIMIT_SIGPENDING is far below this. */
enum { SIGQUEUE_MAX = 1 << 20 };

static struct kt_error *unsigned_member(const struct kt_object *obj, const char *path, uint64_t *ret)
{
	struct kt_object o;
	struct kt_error *err = kt_object_member(obj, path, &o);
	return err ? err : kt_object_read_unsigned(&o, ret);
}

struct queue_walk {
	struct kt_sigqueued *entries;
	size_t n, cap;
	struct kt_error *err;
};

static bool add_queued(const struct kt_object *q, void *arg)
{
	struct queue_walk *w = arg;
	struct kt_object info;
	int64_t signo;
	struct kt_error *err = kt_object_member(q, "info", &info);
	struct kt_object o;
	if (!err && !(err = kt_object_member(&info, "si_signo", &o)))
		err = kt_object_read_signed(&o, &signo);
	if (err) {
		w->err = err;
		return false;
	}
	if (!kt_grow((void **)&w->entries, &w->cap, w->n, sizeof(*w->entries), 4)) {
		w->err = &kt_enomem;
		return false;
	}
	w->entries[w->n++] = (struct kt_sigqueued){.signo = (int)signo, .info = info.address};
	return true;
}

/* A struct sigpending: its first word of signals and its queue. */
static struct kt_error *pending_read(const struct kt_object *pending, uint64_t *signal,
				     struct kt_sigqueued **queue, size_t *n)
{
	struct kt_object list;
	struct queue_walk w = {0};
	struct kt_error *err = unsigned_member(pending, "signal.sig[0]", signal);
	if (!err && !(err = kt_object_member(pending, "list", &list)))
		err = kt_object_list_for_each(&list, "struct sigqueue", "list", SIGQUEUE_MAX, add_queued, &w);
	if (!err)
		err = w.err;
	else
		kt_error_destroy(w.err);
	*queue = w.entries;
	*n = w.n;
	return err;
}

static struct kt_error *actions_read(struct kt_program *prog, struct kt_signals *s)
{
	struct kt_object hand, action, k;
	struct kt_error *err;
	uint64_t size, each;
	if ((err = kt_object_from_address(prog, "struct sighand_struct", s->sighand, &hand)) ||
	    (err = kt_object_member(&hand, "action", &action)) || (err = kt_object_size(&action, &size)) ||
	    (err = kt_object_subscript(&action, 0, &k)) || (err = kt_object_size(&k, &each)))
		return err;
	size_t n = each ? size / each : 0;
	if (!(s->actions = calloc(n ? n : 1, sizeof(*s->actions))))
		return &kt_enomem;
	for (size_t i = 0; i < n; i++) {
		struct kt_sigaction *a = &s->actions[i];
		if ((err = kt_object_subscript(&action, i, &k)) ||
		    (err = unsigned_member(&k, "sa.sa_handler", &a->handler)) ||
		    (err = unsigned_member(&k, "sa.sa_mask.sig[0]", &a->mask)) ||
		    (err = unsigned_member(&k, "sa.sa_flags", &a->flags)))
			return kt_error_prefix(err, "sighand 0x%llx: action[%zu]", (unsigned long long)s->sighand, i);
		a->address = k.address;
		s->n_actions = i + 1;
	}
	return NULL;
}

static struct kt_error *signals_fill(struct kt_program *prog, const struct kt_object *t,
				     struct kt_signals *s)
{
	struct kt_object o, sig;
	uint64_t v;
	struct kt_error *err;
	if ((err = unsigned_member(t, "signal", &s->signal_struct)) ||
	    (err = unsigned_member(t, "sighand", &s->sighand)))
		return err;
	if (s->signal_struct) {
		if ((err = kt_object_from_address(prog, "struct signal_struct", s->signal_struct, &sig)) ||
		    (err = unsigned_member(&sig, "nr_threads", &v)))
			return err;
		s->nr_threads = (int)v;
	}
	if (s->sighand && (err = actions_read(prog, s)))
		return err;
	if (kt_object_member_u64(t, "thread_info.flags", &v))
		s->sigpending = v >> X86_TIF_SIGPENDING & 1;
	if ((err = unsigned_member(t, "blocked.sig[0]", &s->blocked)) ||
	    (err = kt_object_member(t, "pending", &o)) ||
	    (err = pending_read(&o, &s->private_signal, &s->private_queue, &s->n_private)))
		return err;
	if (s->signal_struct && (!(err = kt_object_member(&sig, "shared_pending", &o))))
		err = pending_read(&o, &s->shared_signal, &s->shared_queue, &s->n_shared);
	return err;
}

struct kt_error *kt_signals_read(struct kt_program *prog, const struct kt_task *task,
				 struct kt_signals **ret)
{
	struct kt_object t;
	struct kt_error *err = kt_object_from_address(prog, "struct task_struct", task->address, &t);
	if (err)
		return err;
	struct kt_signals *s = calloc(1, sizeof(*s));
	if (!s)
		return &kt_enomem;
	s->task = *task;
	if ((err = signals_fill(prog, &t, s))) {
		enum kt_error_code code = kt_error_code(err);
		if (code == KT_ERROR_NOMEM || code == KT_ERROR_NOT_FOUND) {
			kt_signals_destroy(s);
			return err;
		}
		s->error = strdup(kt_error_message(err));
		s->error_code = code;
		kt_error_destroy(err);
	}
	*ret = s;
	return NULL;
}

void kt_signals_destroy(struct kt_signals *s)
{
	if (!s)
		return;
	free(s->actions);
	free(s->private_queue);
	free(s->shared_queue);
	free(s->error);
	free(s);
}
