// SPDX-License-Identifier: MIT
/*
 * hung.*: tasks in D state (TASK_UNINTERRUPTIBLE, not the TASK_NOLOAD idle kworkers, which ps
 * shows as ID), each with how long it has waited, the lock it waits on (hung_block.c: found from
 * its frames and from its stack, confirmed on the lock's wait list), the lock's holder with its
 * own state and frames, and the chain of holders that are blocked in turn. A chain that comes
 * back to a task in it is a deadlock: one hung.deadlock finding names every task and lock of the
 * cycle; every other D task gets one finding of its lock's kind (hung.mutex, hung.rwsem,
 * hung.semaphore, hung.completion) or hung.unknown when no lock function is among its frames.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "callsite/code_refs.h"
#include "core/error.h"
#include "core/util.h"
#include "findings/hung.h"
#include "kernel/object.h"

/* How far a chain of holders is followed: past this, the report says it was cut. */
enum { CHAIN_MAX = 16, READER_CANDIDATES_MAX = 8, FRAMES_SHOWN = 8 };

struct hung_set {
	struct kt_findings_input *in;
	struct kt_findings_list *list;
	struct kt_hung_task *h;
	size_t n;
	int *next;           /* the blocked task holding h[i]'s lock, or -1 */
	bool *in_cycle;
	uint64_t timeout;    /* seconds a task must have waited to be reported */
	char timeout_source[120];
};

/* The hung-task detector's threshold, as the kernel had it (0 there disables the detector, and
 * CONFIG_DETECT_HUNG_TASK=n has none): otherwise its default, CONFIG_DEFAULT_HUNG_TASK_TIMEOUT. */
static void read_timeout(struct hung_set *s)
{
	struct kt_object o;
	uint64_t v = 0;
	// unsigned long in every version (kernel/hung_task.c); typed here, as BTF types no global.
	struct kt_error *err = kt_object_symbol(s->in->prog, "sysctl_hung_task_timeout_secs", "unsigned long",
						&o, NULL);
	if (!err)
		err = kt_object_read_unsigned(&o, &v);
	kt_error_destroy(err);
	s->timeout = !err && v ? v : 120;
	if (!err && v)
		kt_textf(s->timeout_source, sizeof(s->timeout_source), "sysctl_hung_task_timeout_secs = %" PRIu64, v);
	else
		kt_textf(s->timeout_source, sizeof(s->timeout_source), "120 s, the kernel's default (%s)",
			 err ? "sysctl_hung_task_timeout_secs unreadable" : "the detector was disabled");
}

/* Waited at least the detector's threshold (or for a time the dump does not tell). */
static bool long_enough(const struct hung_set *s, const struct kt_hung_task *h)
{
	return !h->has_wait || h->now - h->last_arrival >= s->timeout * 1000000000ull;
}

static bool is_d_state(const struct kt_task *t)
{
	return t->state_name && !strcmp(t->state_name, "UN") && !t->idle;
}

/* "ktest_m2 [ktest_hunglocks]", "sym+0x40", or "" for memory no symbol covers. */
static void lock_symbol(struct kt_program *prog, uint64_t addr, char *buf, size_t size, bool bare)
{
	const char *name = NULL, *module = NULL;
	uint64_t off = 0;
	buf[0] = '\0';
	struct kt_error *err = kt_program_symbolize(prog, addr, &name, &off, &module);
	if (err || !name) {
		kt_error_destroy(err);
		return;
	}
	if (off)
		kt_textf(buf, size, "%s+0x%" PRIx64 "%s%s%s", name, off, module && !bare ? " [" : "",
			 module && !bare ? module : "", module && !bare ? "]" : "");
	else
		kt_textf(buf, size, "%s%s%s%s", name, module && !bare ? " [" : "", module && !bare ? module : "",
			 module && !bare ? "]" : "");
}

/* The verified and inferred frames of bt from the first one that is the task's own code. */
static void frames_text(const struct kt_backtrace *bt, char *buf, size_t size)
{
	size_t n = 0;
	buf[0] = '\0';
	if (!bt)
		return;
	for (size_t i = 0, shown = 0; i < bt->n_frames && shown < FRAMES_SHOWN && n < size; i++, shown++) {
		const struct kt_frame *fr = &bt->frames[i];
		n += (size_t)snprintf(buf + n, size - n, "%s#%zu %s+0x%" PRIx64 "%s%s%s (%s)", i ? " < " : "", i,
				      fr->function ? fr->function : "?", fr->offset, fr->module ? " [" : "",
				      fr->module ? fr->module : "", fr->module ? "]" : "",
				      kt_frame_status_name(fr->status));
	}
}

static const char *task_where(const struct kt_task *t, char *buf, size_t size)
{
	if (t->active)
		kt_textf(buf, size, "running on CPU %d", t->cpu);
	else
		kt_textf(buf, size, "state %s, last on CPU %d", t->state_name ? t->state_name : "?", t->cpu);
	return buf;
}

/* The task holding h's lock: a mutex's owner, an rw_semaphore's writer. */
static uint64_t holder_of(const struct kt_hung_task *h)
{
	if (!h->has_lock_state || !h->lock_state.has_owner)
		return 0;
	if (h->kind == KT_LOCK_MUTEX || (h->kind == KT_LOCK_RWSEM && !h->lock_state.reader_owned))
		return h->lock_state.owner_task;
	return 0;
}

static bool lock_facts(struct kt_finding *f, struct hung_set *s, const char *p, const struct kt_hung_task *h)
{
	struct kt_program *prog = s->in->prog;
	const struct kt_lock_state *l = &h->lock_state;
	char sym[160], key[48];
	lock_symbol(prog, h->lock, sym, sizeof(sym), false);
	bool agree = h->from_frames.found && h->from_stack.found &&
		     h->from_frames.address == h->from_stack.address;
	kt_textf(key, sizeof(key), "%s.lock", p);
	bool ok = kt_finding_fact(f, key, "%s 0x%" PRIx64 "%s%s%s", kt_lock_type_name(h->kind), h->lock,
				  sym[0] ? " (" : "", sym, sym[0] ? ")" : "");
	kt_textf(key, sizeof(key), "%s.lock.from_frames", p);
	ok = ok && kt_finding_fact(f, key, "%s", h->from_frames.found || h->from_frames.how[0]
					      ? h->from_frames.how : "no argument location or call site gives it");
	kt_textf(key, sizeof(key), "%s.lock.from_stack", p);
	ok = ok && kt_finding_fact(f, key, "%s", h->from_stack.how);
	kt_textf(key, sizeof(key), "%s.lock.agree", p);
	ok = ok && kt_finding_fact(f, key, "%s", agree ? "yes: the frames and the waiter on the stack name the same lock"
					  : h->from_frames.found && h->from_stack.found
					  ? "no: the frames and the stack name different locks (the one whose wait list holds the task is kept)"
					  : "only one way found it");
	if (!ok || !h->has_lock_state) {
		kt_textf(key, sizeof(key), "%s.lock.read", p);
		return ok && (!h->lock_error[0] || kt_finding_fact(f, key, "%s", h->lock_error));
	}
	if (l->has_owner) {
		kt_textf(key, sizeof(key), "%s.lock.owner", p);
		ok = kt_finding_fact(f, key, "%s = 0x%" PRIx64 ": task 0x%" PRIx64 ", flag bits 0x%" PRIx64
				     " (%s)%s", l->owner_member, l->owner_raw, l->owner_task, l->owner_flags,
				     l->owner_flags_text[0] ? l->owner_flags_text : "none",
				     h->kind == KT_LOCK_RWSEM && l->reader_owned
				     ? "; reader-owned: the task there is the last reader to take it, a hint only"
				     : "");
	}
	if (ok && l->has_count) {
		kt_textf(key, sizeof(key), "%s.lock.count", p);
		ok = kt_finding_fact(f, key, "%s = %" PRId64 " (0x%" PRIx64 ")%s%s", l->count_member, l->count,
				     (uint64_t)l->count, l->count_text[0] ? ": " : "", l->count_text);
	}
	char pids[256];
	size_t n = 0;
	pids[0] = '\0';
	for (size_t i = 0; i < l->n_waiters && n < sizeof(pids); i++) {
		const struct kt_task *t = kt_hung_task_by_address(s->in, l->waiters[i]);
		if (t)
			n += (size_t)snprintf(pids + n, sizeof(pids) - n, "%spid %d", i ? ", " : "", t->pid);
		else
			n += (size_t)snprintf(pids + n, sizeof(pids) - n, "%stask 0x%" PRIx64, i ? ", " : "",
					      l->waiters[i]);
	}
	kt_textf(key, sizeof(key), "%s.lock.waiters", p);
	return ok && kt_finding_fact(f, key, "%zu on %s (%s): %s; this task is %son it%s%s", l->n_waiters,
				     l->layout.head_path, l->layout.waiter_type, pids,
				     kt_lock_has_waiter(l, h->task->address) ? "" : "NOT ",
				     l->waiters_error[0] ? "; the walk stopped: " : "", l->waiters_error);
}

static bool wait_facts(struct kt_finding *f, const char *p, const struct kt_hung_task *h)
{
	char key[48];
	bool ok = true;
	if (h->has_wait) {
		kt_textf(key, sizeof(key), "%s.waited", p);
		ok = kt_finding_fact(f, key, "%.1f s since it last went on a CPU: %s = %" PRIu64 " ns, "
				     "sched_info.last_arrival = %" PRIu64 " ns", (double)(h->now - h->last_arrival) / 1e9,
				     h->now_source, h->now, h->last_arrival);
	}
	if (ok && h->has_last_switch) {
		kt_textf(key, sizeof(key), "%s.last_switch_time", p);
		ok = kt_finding_fact(f, key, "%" PRIu64 " (jiffies now %" PRIu64 ", %" PRIu64 " ago): when the hung-task "
				     "detector last saw its switch count change", h->last_switch_time, h->jiffies,
				     h->jiffies - h->last_switch_time);
	}
	return ok;
}

/* The holder of h's lock: who, its state and its first frames. */
static struct kt_error *holder_facts(struct kt_finding *f, struct hung_set *s, const char *p,
				     const struct kt_hung_task *h, struct kt_backtrace **bt_ret)
{
	struct kt_program *prog = s->in->prog;
	char key[48], where[64], frames[560];
	uint64_t holder = holder_of(h);
	*bt_ret = NULL;
	kt_textf(key, sizeof(key), "%s.holder", p);
	if (!holder) {
		const char *why = !h->has_lock_state ? "the lock could not be read"
			: h->kind == KT_LOCK_COMPLETION ? "a completion has no holder: whoever should call complete() has not"
			: h->kind == KT_LOCK_SEMAPHORE ? "a semaphore records no holder"
			: h->lock_state.reader_owned ? "reader-owned: readers are not recorded (candidates below)"
			: "the owner field is empty";
		return kt_finding_fact(f, key, "%s", why) ? NULL : &kt_enomem;
	}
	const struct kt_task *t = kt_hung_task_by_address(s->in, holder);
	if (!t)
		return kt_finding_fact(f, key, "task 0x%" PRIx64 " is in no task list (exited, or the owner word is "
				       "corrupt)", holder) ? NULL : &kt_enomem;
	struct kt_error *err = kt_backtrace_of_task(prog, t, NULL, bt_ret);
	if (err == &kt_enomem)
		return err;
	if (err) {
		kt_textf(frames, sizeof(frames), "no backtrace: %s", kt_error_message(err));
		kt_error_destroy(err);
	} else {
		frames_text(*bt_ret, frames, sizeof(frames));
	}
	bool ok = kt_finding_fact(f, key, "pid %d \"%s\" task 0x%" PRIx64 ", %s", t->pid, t->comm, t->address,
				  task_where(t, where, sizeof(where)));
	kt_textf(key, sizeof(key), "%s.holder.frames", p);
	return ok && kt_finding_fact(f, key, "%s", frames) ? NULL : &kt_enomem;
}

/* A frame of t whose function's code names the lock (down_read(&sem) with a global sem). */
static struct kt_error *code_evidence(struct hung_set *s, const struct kt_task *t, uint64_t lock, char *buf,
				      size_t size)
{
	struct kt_backtrace *bt;
	buf[0] = '\0';
	struct kt_error *err = kt_backtrace_of_task(s->in->prog, t, NULL, &bt);
	if (err)
		return err == &kt_enomem ? err : (kt_error_destroy(err), NULL);
	for (size_t i = 0; i < bt->n_frames; i++) {
		const struct kt_frame *fr = &bt->frames[i];
		uint64_t insn;
		if (fr->function && fr->pc &&
		    kt_function_refers_to(s->in->prog, fr->exact ? fr->pc : fr->pc - 1, lock, &insn)) {
			kt_textf(buf, size, "its frame #%zu %s (%s) has code that names the lock (the instruction at "
				 "0x%" PRIx64 ")", i, fr->function, kt_frame_status_name(fr->status), insn);
			break;
		}
	}
	kt_backtrace_destroy(bt);
	return NULL;
}

/* Candidate readers of a reader-owned rw_semaphore: tasks whose live stack holds its address,
 * whose frames' code names it, or that the owner word names as the last reader to take it. */
static struct kt_error *reader_facts(struct kt_finding *f, struct hung_set *s, const char *p,
				     const struct kt_hung_task *h, uint64_t *first_ret)
{
	const struct kt_task *tasks;
	size_t n, found = 0;
	*first_ret = 0;
	kt_input_tasks(s->in, &tasks, &n);
	uint64_t hint = h->lock_state.owner_task;
	for (size_t i = 0; i < n && found < READER_CANDIDATES_MAX; i++) {
		const struct kt_task *t = &tasks[i];
		if (kt_lock_has_waiter(&h->lock_state, t->address) || t->idle)
			continue;
		uint64_t slots[4];
		char code[240], evidence[560];
		size_t k = kt_hung_stack_find(s->in->prog, t, h->lock, slots, 4), len = 0;
		struct kt_error *err = code_evidence(s, t, h->lock, code, sizeof(code));
		if (err)
			return err;
		evidence[0] = '\0';
		if (t->address == hint)
			len += (size_t)snprintf(evidence + len, sizeof(evidence) - len, "the owner word names it as the "
						"last reader to take the lock");
		if (k && len < sizeof(evidence))
			len += (size_t)snprintf(evidence + len, sizeof(evidence) - len, "%s%zu slot(s) of its live stack "
						"hold the lock's address, the first at 0x%" PRIx64, len ? "; " : "", k,
						slots[0]);
		if (code[0] && len < sizeof(evidence))
			len += (size_t)snprintf(evidence + len, sizeof(evidence) - len, "%s%s", len ? "; " : "", code);
		if (!len)
			continue;
		char key[48], where[64];
		kt_textf(key, sizeof(key), "%s.reader_candidate.%zu", p, found++);
		if (!*first_ret)
			*first_ret = t->address;
		if (!kt_finding_fact(f, key, "pid %d \"%s\" task 0x%" PRIx64 " (%s): a candidate, not proven: %s",
				     t->pid, t->comm, t->address, task_where(t, where, sizeof(where)), evidence))
			return &kt_enomem;
	}
	return NULL;
}

/* The hung-task detector's own report of the task in the log (kernel/hung_task.c:
 * "INFO: task %s:%d blocked for more than %ld seconds."), if it made one. */
static bool log_fact(struct kt_finding *f, struct hung_set *s, const char *p, const struct kt_hung_task *h)
{
	const struct kt_log_line *lines;
	size_t n;
	if (kt_input_log(s->in, &lines, &n) == &kt_enomem)
		return false;
	char needle[64], key[48];
	kt_textf(needle, sizeof(needle), "task %s:%d blocked for more than", h->task->comm, h->task->pid);
	kt_textf(key, sizeof(key), "%s.log", p);
	for (size_t i = n; i-- > 0;)
		if (strstr(lines[i].text, needle))
			return kt_finding_fact(f, key, "[%5" PRIu64 ".%06" PRIu64 "] %s", lines[i].ts_nsec / 1000000000,
					       lines[i].ts_nsec % 1000000000 / 1000, lines[i].text);
	return kt_finding_fact(f, key, "the hung-task detector did not report it in the log");
}

static bool task_fact(struct kt_finding *f, struct hung_set *s, const char *p, const struct kt_hung_task *h)
{
	char frames[560];
	if (h->bt)
		frames_text(h->bt, frames, sizeof(frames));
	else
		kt_textf(frames, sizeof(frames), "no backtrace: %s", h->bt_error);
	char key[48];
	kt_textf(key, sizeof(key), "%s.frames", p);
	bool ok = kt_finding_fact(f, p, "pid %d \"%s\" task 0x%" PRIx64 ", state %s (D: TASK_UNINTERRUPTIBLE, "
				  "state 0x%" PRIx64 "), last on CPU %d", h->task->pid, h->task->comm,
				  h->task->address, h->task->state_name, h->task->state, h->task->cpu) &&
		  kt_finding_fact(f, key, "%s", frames);
	kt_textf(key, sizeof(key), "%s.blocked_in", p);
	if (ok && h->has_primitive)
		ok = kt_finding_fact(f, key, "%s (frame #%zu): %s%s", h->primitive, h->primitive_frame,
				     kt_lock_type_name(h->kind), h->kind != KT_LOCK_RWSEM ? ""
				     : h->rwsem_write ? ", for writing" : ", for reading");
	else if (ok)
		ok = kt_finding_fact(f, key, "no lock function (mutex, rw_semaphore, semaphore, completion) "
				     "among its frames");
	return ok && wait_facts(f, p, h) && log_fact(f, s, p, h);
}

/* The lock's name for signatures and titles: its symbol, else its type and the function that
 * took it. */
static void lock_label(struct hung_set *s, const struct kt_hung_task *h, char *buf, size_t size)
{
	char sym[128];
	lock_symbol(s->in->prog, h->lock, sym, sizeof(sym), true);
	if (sym[0]) {
		kt_textf(buf, size, "%s", sym);
		return;
	}
	size_t own = h->bt ? kt_hung_first_own_frame(h->bt) : 0;
	char fn[96] = "?";
	if (h->bt && own < h->bt->n_frames && h->bt->frames[own].function)
		kt_signature_function(fn, sizeof(fn), h->bt->frames[own].function);
	kt_textf(buf, size, "%s taken in %s", kt_lock_type_name(h->kind), fn);
}

static bool commands(struct kt_finding *f, struct hung_set *s, const struct kt_hung_task *h, uint64_t holder)
{
	const struct kt_task *t = kt_hung_task_by_address(s->in, holder);
	return kt_finding_command(f, s->list, "bt %d", h->task->pid) &&
	       (!t || kt_finding_command(f, s->list, "bt %d", t->pid)) &&
	       (!h->lock || kt_finding_command(f, s->list, "%s 0x%" PRIx64, kt_lock_type_name(h->kind), h->lock));
}

static bool same_lock(const struct kt_hung_task *a, const struct kt_hung_task *b)
{
	return a->lock && a->has_primitive && b->has_primitive && a->kind == b->kind && a->lock == b->lock;
}

static uint64_t waited_ns(const struct kt_hung_task *h)
{
	return h->has_wait ? h->now - h->last_arrival : 0;
}

static struct kt_error *blocked_finding(struct hung_set *s, size_t i, const size_t *others, size_t n_others);

/* One finding per lock: the task that has waited longest on it, and the others named. */
static struct kt_error *lock_group_finding(struct hung_set *s, size_t i, bool *reported)
{
	size_t *group = malloc(s->n * sizeof(*group)), n = 0, primary = i;
	if (!group)
		return &kt_enomem;
	for (size_t k = i; k < s->n; k++) {
		if (k != i && (reported[k] || s->in_cycle[k] || !long_enough(s, &s->h[k]) ||
			       !same_lock(&s->h[i], &s->h[k])))
			continue;
		reported[k] = true;
		group[n++] = k;
		if (waited_ns(&s->h[k]) > waited_ns(&s->h[primary]))
			primary = k;
	}
	size_t m = 0;
	for (size_t k = 0; k < n; k++)
		if (group[k] != primary)
			group[m++] = group[k];
	struct kt_error *err = blocked_finding(s, primary, group, m);
	free(group);
	return err;
}

static struct kt_error *blocked_finding(struct hung_set *s, size_t i, const size_t *others, size_t n_others)
{
	const struct kt_hung_task *h = &s->h[i];
	static const char *const codes[] = {"hung.mutex", "hung.rwsem", "hung.semaphore", "hung.completion"};
	static const char *const titles[] = {
		"Task blocked in D state on a mutex", "Task blocked in D state on an rw_semaphore",
		"Task blocked in D state on a semaphore", "Task blocked in D state on a completion"};
	bool known = h->has_primitive;
	struct kt_finding *f = kt_finding_add(s->list, known ? codes[h->kind] : "hung.unknown",
					      known ? titles[h->kind] : "Task blocked in D state on something unnamed",
					      KT_SEVERITY_ERROR);
	if (!f)
		return &kt_enomem;
	f->task = h->task->address;
	f->cpu = -1;
	struct kt_backtrace *holder_bt = NULL;
	uint64_t reader = 0;
	bool ok = task_fact(f, s, "waiter", h) && (!h->lock || lock_facts(f, s, "waiter", h));
	struct kt_error *err = ok && h->lock ? holder_facts(f, s, "waiter", h, &holder_bt) : NULL;
	if (err || !ok) {
		kt_backtrace_destroy(holder_bt);
		return &kt_enomem;
	}
	if (h->kind == KT_LOCK_RWSEM && h->has_lock_state && h->lock_state.reader_owned &&
	    (err = reader_facts(f, s, "waiter", h, &reader))) {
		kt_backtrace_destroy(holder_bt);
		return err;
	}
	char more[560];
	size_t len = 0;
	for (size_t k = 0; k < n_others && len < sizeof(more); k++) {
		const struct kt_hung_task *o = &s->h[others[k]];
		len += (size_t)snprintf(more + len, sizeof(more) - len, "%spid %d \"%s\" (%.0f s%s)", k ? ", " : "",
					o->task->pid, o->task->comm, (double)waited_ns(o) / 1e9,
					o->has_lock_state && kt_lock_has_waiter(&o->lock_state, o->task->address)
					? ", on the wait list" : "");
	}
	if (ok && n_others)
		ok = kt_finding_fact(f, "other_waiters", "%zu more task(s) in D state wait on this %s that long: %s",
				     n_others, kt_lock_kind_name(h->kind), more);
	// The chain: holders that are blocked in turn.
	char chain[560];
	size_t n = 0, hops = 0;
	chain[0] = '\0';
	for (int k = s->next[i]; ok && k >= 0 && hops < CHAIN_MAX && n < sizeof(chain); k = s->next[k], hops++)
		n += (size_t)snprintf(chain + n, sizeof(chain) - n, "%spid %d waits on %s 0x%" PRIx64 "%s",
				      hops ? " -> " : "", s->h[k].task->pid, kt_lock_kind_name(s->h[k].kind),
				      s->h[k].lock, s->in_cycle[k] ? " (in a deadlock)" : "");
	ok = ok && kt_finding_fact(f, "threshold", "%s: %s", s->timeout_source,
				   h->has_wait ? "it has waited longer" : "its wait time is unknown");
	if (ok && hops)
		ok = kt_finding_fact(f, "chain", "its lock's holder is blocked too: %s", chain);
	char label[160], where[64], sig[160], wait[48] = "";
	lock_label(s, h, label, sizeof(label));
	if (h->has_wait)
		kt_textf(wait, sizeof(wait), "for %.0f s", (double)(h->now - h->last_arrival) / 1e9);
	const struct kt_task *holder = kt_hung_task_by_address(s->in, holder_of(h));
	if (!known)
		kt_textf(f->summary, sizeof(f->summary), "pid %d \"%s\" is in D state in a function that is no lock "
			 "the check knows: see its frames.", h->task->pid, h->task->comm);
	else if (!h->lock)
		kt_textf(f->summary, sizeof(f->summary), "pid %d \"%s\" is blocked in %s; the %s's address was not "
			 "found (see the facts).", h->task->pid, h->task->comm, h->primitive, kt_lock_kind_name(h->kind));
	else {
		char held[160] = "";
		if (holder)
			kt_textf(held, sizeof(held), ", held by pid %d \"%s\" (%s)", holder->pid, holder->comm,
				 task_where(holder, where, sizeof(where)));
		else if (reader)
			kt_textf(held, sizeof(held), ", reader-owned (candidate readers in the facts)");
		char also[48] = "";
		if (n_others)
			kt_textf(also, sizeof(also), " (and %zu other task(s))", n_others);
		kt_textf(f->summary, sizeof(f->summary), "pid %d \"%s\"%s has been blocked%s%s in %s on %s %s (0x%" PRIx64
			 ")%s.", h->task->pid, h->task->comm, also, h->has_wait ? " " : "", wait, h->primitive,
			 kt_lock_kind_name(h->kind), label, h->lock, held);
	}
	if (ok && known && h->lock) {
		kt_textf(sig, sizeof(sig), "hung task on %s %s%s", kt_lock_kind_name(h->kind), label,
			 holder_bt || reader ? " held" : "");
		struct kt_backtrace *rbt = NULL;
		if (!holder_bt && reader) {
			err = kt_backtrace_of_task(s->in->prog, kt_hung_task_by_address(s->in, reader), NULL, &rbt);
			if (err != &kt_enomem)
				kt_error_destroy(err), err = NULL;
		}
		const struct kt_backtrace *kbt = holder_bt ? holder_bt : rbt ? rbt : h->bt;
		ok = !err && kt_finding_sign(f, sig, kbt, kbt ? kt_hung_first_own_frame(kbt) : 0);
		kt_backtrace_destroy(rbt);
	} else if (ok) {
		kt_textf(sig, sizeof(sig), "hung task");
		ok = kt_finding_sign(f, sig, h->bt, h->bt ? kt_hung_first_own_frame(h->bt) : 0);
	}
	kt_backtrace_destroy(holder_bt);
	return ok && commands(f, s, h, holder_of(h)) && kt_finding_command(f, s->list, "ps") &&
	       kt_finding_command(f, s->list, "log") ? NULL : &kt_enomem;
}

/* One finding for the cycle that starts at task i: every task and lock of it. */
static struct kt_error *deadlock_finding(struct hung_set *s, size_t start)
{
	// Start at the lowest pid, so that the finding reads the same whichever task was met first.
	size_t first = start;
	for (int k = s->next[start]; k >= 0 && (size_t)k != start; k = s->next[k])
		if (s->h[k].task->pid < s->h[first].task->pid)
			first = (size_t)k;
	struct kt_finding *f = kt_finding_add(s->list, "hung.deadlock", "Deadlock: tasks in D state wait on "
					      "locks held by each other", KT_SEVERITY_CRITICAL);
	if (!f)
		return &kt_enomem;
	const struct kt_hung_task *h0 = &s->h[first];
	f->task = h0->task->address;
	char cycle[400], label[160];
	size_t n = 0, count = 0;
	bool ok = true;
	size_t k = first;
	do {
		const struct kt_hung_task *h = &s->h[k];
		const struct kt_hung_task *next = &s->h[s->next[k]];
		char p[24];
		kt_textf(p, sizeof(p), "task.%zu", count++);
		lock_label(s, h, label, sizeof(label));
		if (n < sizeof(cycle))
			n += (size_t)snprintf(cycle + n, sizeof(cycle) - n, "%spid %d \"%s\" waits on %s %s held by pid %d",
					      n ? "; " : "", h->task->pid, h->task->comm, kt_lock_kind_name(h->kind),
					      label, next->task->pid);
		ok = ok && task_fact(f, s, p, h) && lock_facts(f, s, p, h) &&
		     kt_finding_fact(f, strcat(p, ".holder"), "pid %d \"%s\" task 0x%" PRIx64 " (%s 0x%" PRIx64
				     " names it), itself blocked on %s 0x%" PRIx64, next->task->pid, next->task->comm,
				     next->task->address, h->lock_state.owner_member, h->lock_state.owner_raw,
				     kt_lock_kind_name(next->kind), next->lock) &&
		     commands(f, s, h, 0);
		k = (size_t)s->next[k];
	} while (ok && k != first && count < CHAIN_MAX);
	ok = ok && kt_finding_fact(f, "cycle", "%zu tasks: %s", count, cycle) && kt_finding_command(f, s->list, "ps") &&
	     kt_finding_command(f, s->list, "log");
	kt_textf(f->summary, sizeof(f->summary), "%zu tasks in D state wait on each other's locks: %s.", count, cycle);
	// The signature: the first task's lock and where its holder (the next task) holds it.
	const struct kt_hung_task *holder = &s->h[s->next[first]];
	char sig[192];
	lock_label(s, h0, label, sizeof(label));
	kt_textf(sig, sizeof(sig), "hung task on %s %s held", kt_lock_kind_name(h0->kind), label);
	ok = ok && kt_finding_sign(f, sig, holder->bt, holder->bt ? kt_hung_first_own_frame(holder->bt) : 0);
	return ok ? NULL : &kt_enomem;
}

/* next[i]: the blocked task that holds h[i]'s lock; then the cycles among them. */
static void link_chains(struct hung_set *s)
{
	for (size_t i = 0; i < s->n; i++) {
		s->next[i] = -1;
		uint64_t holder = holder_of(&s->h[i]);
		for (size_t k = 0; holder && k < s->n; k++)
			if (s->h[k].task->address == holder && k != i)
				s->next[i] = (int)k;
	}
	for (size_t i = 0; i < s->n; i++) {
		// Walk at most n steps from i: a task met twice is on a cycle.
		int k = (int)i;
		for (size_t step = 0; step < s->n && k >= 0; step++)
			k = s->next[k];
		if (k < 0 || s->in_cycle[k])
			continue;
		int c = k;
		do {
			s->in_cycle[c] = true;
			c = s->next[c];
		} while (c != k);
	}
}

struct kt_error *kt_finding_hung_tasks(struct kt_findings_input *in, struct kt_findings_list *list)
{
	const struct kt_task *tasks;
	size_t n_tasks;
	const struct kt_error *terr = kt_input_tasks(in, &tasks, &n_tasks);
	if (terr == &kt_enomem)
		return &kt_enomem;
	struct hung_set s = {.in = in, .list = list};
	read_timeout(&s);
	size_t cap = 0;
	struct kt_error *err = NULL;
	for (size_t i = 0; i < n_tasks && !err; i++) {
		if (!is_d_state(&tasks[i]))
			continue;
		if (!kt_grow((void **)&s.h, &cap, s.n, sizeof(*s.h), 8)) {
			err = &kt_enomem;
			break;
		}
		if (!(err = kt_hung_task_analyse(in, &tasks[i], &s.h[s.n])))
			s.n++;
	}
	if (!err && s.n) {
		s.next = calloc(s.n, sizeof(*s.next));
		s.in_cycle = calloc(s.n, sizeof(*s.in_cycle));
		if (!s.next || !s.in_cycle)
			err = &kt_enomem;
	}
	if (!err && s.n) {
		link_chains(&s);
		bool *reported = calloc(s.n, sizeof(*reported));
		if (!reported)
			err = &kt_enomem;
		for (size_t i = 0; !err && i < s.n; i++) {
			if (!s.in_cycle[i] || reported[i])
				continue;
			int k = (int)i;
			do {
				reported[k] = true;
				k = s.next[k];
			} while (k != (int)i);
			err = deadlock_finding(&s, i);
		}
		for (size_t i = 0; !err && i < s.n; i++)
			if (!s.in_cycle[i] && !reported[i] && long_enough(&s, &s.h[i]))
				err = lock_group_finding(&s, i, reported);
		free(reported);
	}
	for (size_t i = 0; i < s.n; i++)
		kt_hung_task_deinit(&s.h[i]);
	free(s.h);
	free(s.next);
	free(s.in_cycle);
	return err;
}
