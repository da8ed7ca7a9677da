// SPDX-License-Identifier: MIT
/*
 * The facts of the hung.* findings (hung.h): for each blocked task, its frames, how long it has
 * waited and the detector's log line; the lock with the two ways its address was found, the
 * owner word and count decoded, the wait list; the holder, or for a reader-owned rw_semaphore
 * the tasks that may hold it, each with the evidence that makes it a candidate.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "callsite/code_refs.h"
#include "core/error.h"
#include "core/util.h"
#include "findings/hung.h"

/* "ktest_m2 [ktest_hunglocks]" (bare: "ktest_m2"), "sym+0x40", or "" for memory no symbol
 * covers (the heap, a stack). */
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
	char offset[24] = "", in[80] = "";
	if (off)
		kt_textf(offset, sizeof(offset), "+0x%" PRIx64, off);
	if (module && !bare)
		kt_textf(in, sizeof(in), " [%s]", module);
	kt_textf(buf, size, "%s%s%s", name, offset, in);
}

/* The first frames of bt, innermost first, each with its status. */
static void frames_text(const struct kt_backtrace *bt, char *buf, size_t size)
{
	size_t n = 0;
	buf[0] = '\0';
	for (size_t i = 0; bt && i < bt->n_frames && i < KT_HUNG_FRAMES_SHOWN && n < size; i++) {
		const struct kt_frame *fr = &bt->frames[i];
		n += (size_t)snprintf(buf + n, size - n, "%s#%zu %s+0x%" PRIx64 "%s%s%s (%s)", i ? " < " : "", i,
				      fr->function ? fr->function : "?", fr->offset, fr->module ? " [" : "",
				      fr->module ? fr->module : "", fr->module ? "]" : "",
				      kt_frame_status_name(fr->status));
	}
	if (bt && bt->n_frames > KT_HUNG_FRAMES_SHOWN && n < size)
		snprintf(buf + n, size - n, " < ... (%zu frames)", bt->n_frames);
}

const char *kt_hung_task_where(const struct kt_task *t, char *buf, size_t size)
{
	if (t->active)
		kt_textf(buf, size, "running on CPU %d", t->cpu);
	else
		kt_textf(buf, size, "state %s, last on CPU %d", t->state_name ? t->state_name : "?", t->cpu);
	return buf;
}

/* The task holding h's lock: a mutex's owner, an rw_semaphore's writer. */
uint64_t kt_hung_holder_of(const struct kt_hung_task *h)
{
	if (!h->has_lock_state || !h->lock_state.has_owner)
		return 0;
	if (h->kind == KT_LOCK_MUTEX || (h->kind == KT_LOCK_RWSEM && !h->lock_state.reader_owned))
		return h->lock_state.owner_task;
	return 0;
}

bool kt_hung_lock_facts(struct kt_finding *f, struct kt_hung_set *s, const char *p, const struct kt_hung_task *h)
{
	struct kt_program *prog = s->in->prog;
	const struct kt_lock_state *l = &h->lock_state;
	char sym[160], key[48];
	lock_symbol(prog, h->lock, sym, sizeof(sym), false);
	const struct kt_hung_evidence *ways[] = {&h->from_dwarf, &h->from_call_site, &h->from_stack};
	static const char *const way_keys[] = {"from_dwarf", "from_call_site", "from_stack"};
	size_t found = 0, same = 0;
	for (size_t i = 0; i < 3; i++) {
		found += ways[i]->found;
		same += ways[i]->found && ways[i]->address == h->lock;
	}
	bool frames = h->from_dwarf.found || h->from_call_site.found;
	kt_textf(key, sizeof(key), "%s.lock", p);
	bool ok = kt_finding_fact(f, key, "%s 0x%" PRIx64 "%s%s%s", kt_lock_type_name(h->kind), h->lock,
				  sym[0] ? " (" : "", sym, sym[0] ? ")" : "");
	for (size_t i = 0; ok && i < 3; i++) {
		kt_textf(key, sizeof(key), "%s.lock.%s", p, way_keys[i]);
		ok = kt_finding_fact(f, key, "%s", ways[i]->how);
	}
	kt_textf(key, sizeof(key), "%s.lock.agree", p);
	if (ok && found == same && frames && h->from_stack.found)
		ok = kt_finding_fact(f, key, "yes: the frames (%s) and the waiter on the stack name the same lock",
				     h->from_dwarf.found && h->from_call_site.found ? "the DWARF argument and the call site"
				     : h->from_dwarf.found ? "the DWARF argument" : "the call site");
	else if (ok && found == same)
		ok = kt_finding_fact(f, key, "only %s found it", frames ? "the frames" : "the waiter on the stack");
	else if (ok)
		ok = kt_finding_fact(f, key, "no: %zu of the %zu ways that found a lock name this one%s", same, found,
				     h->has_lock_state && kt_lock_has_waiter(&h->lock_state, h->task->address)
				     ? ", the one whose wait list holds the task" : "");
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
	kt_textf(pids, sizeof(pids), "none");
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
struct kt_error *kt_hung_holder_facts(struct kt_finding *f, struct kt_hung_set *s, const char *p,
				     const struct kt_hung_task *h, struct kt_backtrace **bt_ret)
{
	struct kt_program *prog = s->in->prog;
	char key[48], where[64], frames[560];
	uint64_t holder = kt_hung_holder_of(h);
	*bt_ret = NULL;
	kt_textf(key, sizeof(key), "%s.holder", p);
	if (!holder) {
		const char *why = !h->has_lock_state ? "the lock could not be read"
			: h->kind == KT_LOCK_COMPLETION ? "a completion has no holder: whoever should call complete() has not"
			: h->kind == KT_LOCK_SEMAPHORE ? "a semaphore records no holder"
			: h->lock_state.reader_owned ? "reader-owned: readers are not recorded (candidates below)"
			: !h->lock_state.has_owner ? "this kernel's layout records no owner (no owner member: before "
						     "v4.10 a mutex has one only with CONFIG_DEBUG_MUTEXES or "
						     "CONFIG_MUTEX_SPIN_ON_OWNER, an rw_semaphore only from v3.16 with "
						     "CONFIG_RWSEM_SPIN_ON_OWNER)"
			: "the owner word is empty: the lock is free, or is being handed over";
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
				  kt_hung_task_where(t, where, sizeof(where)));
	kt_textf(key, sizeof(key), "%s.holder.frames", p);
	return ok && kt_finding_fact(f, key, "%s", frames) ? NULL : &kt_enomem;
}

/* A frame of t whose function's code names the lock (down_read(&sem) with a global sem). */
static struct kt_error *code_evidence(struct kt_hung_set *s, const struct kt_task *t, uint64_t lock, char *buf,
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
struct kt_error *kt_hung_reader_facts(struct kt_finding *f, struct kt_hung_set *s, const char *p,
				     const struct kt_hung_task *h, uint64_t *first_ret)
{
	const struct kt_task *tasks;
	size_t n, found = 0;
	*first_ret = 0;
	kt_input_tasks(s->in, &tasks, &n);
	uint64_t hint = h->lock_state.owner_task;
	for (size_t i = 0; i < n && found < KT_HUNG_READERS_MAX; i++) {
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
				     t->pid, t->comm, t->address, kt_hung_task_where(t, where, sizeof(where)), evidence))
			return &kt_enomem;
	}
	return NULL;
}

/* The hung-task detector's own report of the task in the log (kernel/hung_task.c:
 * "INFO: task %s:%d blocked for more than %ld seconds."), if it made one. */
static bool log_fact(struct kt_finding *f, struct kt_hung_set *s, const char *p, const struct kt_hung_task *h)
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

bool kt_hung_task_facts(struct kt_finding *f, struct kt_hung_set *s, const char *p, const struct kt_hung_task *h)
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
void kt_hung_lock_label(struct kt_hung_set *s, const struct kt_hung_task *h, char *buf, size_t size)
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

bool kt_hung_commands(struct kt_finding *f, struct kt_hung_set *s, const struct kt_hung_task *h, uint64_t holder)
{
	const struct kt_task *t = kt_hung_task_by_address(s->in, holder);
	return kt_finding_command(f, s->list, "bt %d", h->task->pid) &&
	       (!t || kt_finding_command(f, s->list, "bt %d", t->pid)) &&
	       (!h->lock || kt_finding_command(f, s->list, "%s 0x%" PRIx64, kt_lock_type_name(h->kind), h->lock));
}
