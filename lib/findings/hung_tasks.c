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

#include "core/error.h"
#include "core/util.h"
#include "findings/hung.h"
#include "kernel/object.h"



/* The hung-task detector's threshold, as the kernel had it (0 there disables the detector, and
 * CONFIG_DETECT_HUNG_TASK=n has none): otherwise its default, CONFIG_DEFAULT_HUNG_TASK_TIMEOUT. */
static void read_timeout(struct kt_hung_set *s)
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
static bool long_enough(const struct kt_hung_set *s, const struct kt_hung_task *h)
{
	return !h->has_wait || h->now - h->last_arrival >= s->timeout * 1000000000ull;
}

static bool is_d_state(const struct kt_task *t)
{
	return t->state_name && !strcmp(t->state_name, "UN") && !t->idle;
}

static bool same_lock(const struct kt_hung_task *a, const struct kt_hung_task *b)
{
	return a->lock && a->has_primitive && b->has_primitive && a->kind == b->kind && a->lock == b->lock;
}

static uint64_t waited_ns(const struct kt_hung_task *h)
{
	return h->has_wait ? h->now - h->last_arrival : 0;
}

static struct kt_error *blocked_finding(struct kt_hung_set *s, size_t i, const size_t *others, size_t n_others);

/* One finding per lock: the task that has waited longest on it, and the others named. */
static struct kt_error *lock_group_finding(struct kt_hung_set *s, size_t i, bool *reported)
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

static struct kt_error *blocked_finding(struct kt_hung_set *s, size_t i, const size_t *others, size_t n_others)
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
	bool ok = kt_hung_task_facts(f, s, "waiter", h) && (!h->lock || kt_hung_lock_facts(f, s, "waiter", h));
	struct kt_error *err = ok && h->lock ? kt_hung_holder_facts(f, s, "waiter", h, &holder_bt) : NULL;
	if (err || !ok) {
		kt_backtrace_destroy(holder_bt);
		return &kt_enomem;
	}
	if (h->kind == KT_LOCK_RWSEM && h->has_lock_state && h->lock_state.reader_owned &&
	    (err = kt_hung_reader_facts(f, s, "waiter", h, &reader))) {
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
	for (int k = s->next[i]; ok && k >= 0 && hops < KT_HUNG_CHAIN_MAX && n < sizeof(chain); k = s->next[k], hops++)
		n += (size_t)snprintf(chain + n, sizeof(chain) - n, "%spid %d waits on %s 0x%" PRIx64 "%s",
				      hops ? " -> " : "", s->h[k].task->pid, kt_lock_kind_name(s->h[k].kind),
				      s->h[k].lock, s->in_cycle[k] ? " (in a deadlock)" : "");
	ok = ok && kt_finding_fact(f, "threshold", "%s: %s", s->timeout_source,
				   h->has_wait ? "it has waited longer" : "its wait time is unknown");
	if (ok && hops)
		ok = kt_finding_fact(f, "chain", "its lock's holder is blocked too: %s%s", chain,
				     hops == KT_HUNG_CHAIN_MAX ? " (cut)" : "");
	char label[160], where[64], sig[160], wait[48] = "";
	kt_hung_lock_label(s, h, label, sizeof(label));
	if (h->has_wait)
		kt_textf(wait, sizeof(wait), "for %.0f s", (double)(h->now - h->last_arrival) / 1e9);
	const struct kt_task *holder = kt_hung_task_by_address(s->in, kt_hung_holder_of(h));
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
				 kt_hung_task_where(holder, where, sizeof(where)));
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
	return ok && kt_hung_commands(f, s, h, kt_hung_holder_of(h)) && kt_finding_command(f, s->list, "ps") &&
	       kt_finding_command(f, s->list, "log") ? NULL : &kt_enomem;
}

/* One finding for the cycle that starts at task i: every task and lock of it. */
static struct kt_error *deadlock_finding(struct kt_hung_set *s, size_t start)
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
		kt_hung_lock_label(s, h, label, sizeof(label));
		if (n < sizeof(cycle))
			n += (size_t)snprintf(cycle + n, sizeof(cycle) - n, "%spid %d \"%s\" waits on %s %s held by pid %d",
					      n ? "; " : "", h->task->pid, h->task->comm, kt_lock_kind_name(h->kind),
					      label, next->task->pid);
		ok = ok && kt_hung_task_facts(f, s, p, h) && kt_hung_lock_facts(f, s, p, h) &&
		     kt_finding_fact(f, strcat(p, ".holder"), "pid %d \"%s\" task 0x%" PRIx64 " (%s 0x%" PRIx64
				     " names it), itself blocked on %s 0x%" PRIx64, next->task->pid, next->task->comm,
				     next->task->address, h->lock_state.owner_member, h->lock_state.owner_raw,
				     kt_lock_kind_name(next->kind), next->lock) &&
		     kt_hung_commands(f, s, h, 0);
		k = (size_t)s->next[k];
	} while (ok && k != first && count < KT_HUNG_CHAIN_MAX);
	ok = ok && kt_finding_fact(f, "cycle", "%zu tasks%s: %s", count, k != first ? " (the first shown: the cycle "
				   "is longer)" : "", cycle) && kt_finding_command(f, s->list, "ps") &&
	     kt_finding_command(f, s->list, "log");
	kt_textf(f->summary, sizeof(f->summary), "%zu tasks in D state wait on each other's locks: %s.", count, cycle);
	// The signature: the first task's lock and where its holder (the next task) holds it.
	const struct kt_hung_task *holder = &s->h[s->next[first]];
	char sig[192];
	kt_hung_lock_label(s, h0, label, sizeof(label));
	kt_textf(sig, sizeof(sig), "hung task on %s %s held", kt_lock_kind_name(h0->kind), label);
	ok = ok && kt_finding_sign(f, sig, holder->bt, holder->bt ? kt_hung_first_own_frame(holder->bt) : 0);
	return ok ? NULL : &kt_enomem;
}

/* next[i]: the blocked task that holds h[i]'s lock; then the cycles among them. */
static void link_chains(struct kt_hung_set *s)
{
	for (size_t i = 0; i < s->n; i++) {
		s->next[i] = -1;
		uint64_t holder = kt_hung_holder_of(&s->h[i]);
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
	struct kt_hung_set s = {.in = in, .list = list};
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
