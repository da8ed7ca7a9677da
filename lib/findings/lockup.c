// SPDX-License-Identifier: MIT
/*
 * lockup.spinlock: a CPU whose code at the time of the dump is the spin loop of a spinlock
 * (qspinlock slow path, a ticket lock's inline spin in _raw_spin_lock before 4.2, rwlocks), with
 * the lock it waits for, the lock word decoded, and who may hold it. A qspinlock records no owner
 * (include/asm-generic/qspinlock_types.h: locked byte, pending, tail of the waiters' queue): the
 * holder is proven only by CONFIG_DEBUG_SPINLOCK's raw_spinlock_t.owner; otherwise the
 * candidates are the other CPUs whose registers or stack slots hold the lock's address, each with
 * that evidence.
 * lockup.irqs_off: a CPU stopped in a loop that calls nothing, with interrupts disabled, not in a
 * lock: no timer, IPI or cross-CPU call can reach it.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "arch/x86_64/regs.h"
#include "core/error.h"
#include "core/util.h"
#include "dump/reader.h"
#include "findings/findings.h"
#include "findings/spin_point.h"
#include "unwind/cpu_regs.h"

static const char spin_code[] = "lockup.spinlock";
static const char spin_title[] = "CPU spinning on a spinlock";
static const char irqs_code[] = "lockup.irqs_off";
static const char irqs_title[] = "CPU looping with interrupts disabled";

/* Functions that are the spinlock machinery, 3.10..6.12, names cut at the first '.'. */
static const char *const lock_functions[] = {
	"native_queued_spin_lock_slowpath", /* kernel/locking/qspinlock.c (4.2+, paravirt) */
	"queued_spin_lock_slowpath",        /* the same without paravirt */
	"__pv_queued_spin_lock_slowpath",   /* kernel/locking/qspinlock_paravirt.h */
	"pv_wait_head_or_lock", "pv_wait_node", "pv_wait", "kvm_wait", "xen_qlock_wait",
	"virt_spin_lock", "queued_spin_lock",
	"do_raw_spin_lock",                 /* CONFIG_DEBUG_SPINLOCK */
	"__spin_lock_debug",                /* lib/spinlock_debug.c (before 4.3) */
	"arch_spin_lock", "__ticket_spin_lock", "__ticket_lock_spinning", /* ticket locks (< 4.2) */
	"kvm_lock_spinning", "xen_lock_spinning",
	"queued_read_lock_slowpath", "queued_write_lock_slowpath", /* kernel/locking/qrwlock.c */
	"__read_lock_failed", "__write_lock_failed", /* arch/x86/lib/rwlock.S (before 4.2) */
	"do_raw_read_lock", "do_raw_write_lock",
};
static const char *const lock_prefixes[] = {"_raw_spin_lock", "_raw_read_lock", "_raw_write_lock",
					    "__raw_spin_lock"};

static bool is_lock_function(const char *function)
{
	return kt_function_among(function, lock_functions, KT_ARRAY_SIZE(lock_functions), lock_prefixes,
				 KT_ARRAY_SIZE(lock_prefixes));
}

/* Paravirt waits: the waiter halts until the holder kicks it, rather than looping. */
static const char *const halting_waits[] = {"kvm_wait", "xen_qlock_wait", "pv_wait", "kvm_lock_spinning",
					    "xen_lock_spinning"};

static bool is_halting_wait(const char *function)
{
	return kt_function_among(function, halting_waits, KT_ARRAY_SIZE(halting_waits), NULL, 0);
}

static bool is_rwlock(const char *function)
{
	return strstr(function, "read_lock") || strstr(function, "write_lock");
}

/* A CPU halted on purpose with interrupts disabled: stop_this_cpu() is where smp_send_stop()
 * parks the other CPUs on panic, reboot and halt (arch/x86/kernel/process.c), a QEMU dump's
 * usual sight, not a lockup. */
static bool parked(const char *function)
{
	static const char *const stop[] = {"stop_this_cpu"};
	return kt_function_among(function, stop, 1, NULL, 0);
}

/* What one CPU is doing, as far as this check cares. */
struct cpu_spin {
	const struct kt_backtrace *bt;
	struct kt_stack_slots *slots;  /* read on first use, for the holder search */
	bool slots_read;
	bool has_point;
	struct kt_spin_point point;
	bool spinning;           /* the point is in the lock machinery */
	size_t caller;           /* the first frame outside it */
	bool has_lock;
	uint64_t lock;
	char lock_source[320];
};

/* The lock's address from DWARF: parameter "lock" of a lock frame, innermost first. */
static struct kt_error *lock_from_dwarf(struct kt_program *prog, struct cpu_spin *s)
{
	for (size_t i = s->point.frame; i < s->caller && !s->has_lock; i++) {
		struct kt_error *err = kt_frame_parameter(prog, s->bt, i, "lock", &s->has_lock, &s->lock,
							  s->lock_source, sizeof(s->lock_source));
		if (err)
			return err;
	}
	return NULL;
}

/* Without DWARF: %rdi at the spinning pc, where every lock function 3.10..6.12 receives the lock
 * and the spin loops keep it (a guess the lock word then has to support). */
static void lock_from_point(struct kt_findings_input *in, unsigned int cpu, struct cpu_spin *s)
{
	const struct kt_backtrace *bt = s->bt;
	size_t i = s->point.frame;
	uint64_t v = 0;
	char where[96] = "";
	if (i == 0) {
		struct kt_cpu_regs regs;
		struct kt_error *err = kt_cpu_regs_get(in->prog, cpu, &regs);
		bool ok = !err && regs.source != KT_REGS_NONE && kt_regs_has(&regs.regs, KT_REG_rdi);
		kt_error_destroy(err);
		if (!ok)
			return;
		v = regs.regs.r[KT_REG_rdi];
		kt_textf(where, sizeof(where), "%s of CPU %u", kt_regs_source_name(regs.source), cpu);
	} else if (bt->frames[i].has_pt_regs) {
		v = bt->frames[i].pt_regs[KT_REG_rdi];
		kt_textf(where, sizeof(where), "pt_regs at 0x%" PRIx64, bt->frames[i].pt_regs_address);
	} else {
		return;
	}
	uint32_t word;
	struct kt_error *err = kt_read_u32(&in->prog->reader, v, &word);
	if (err == NULL && word) {
		s->lock = v;
		s->has_lock = true;
		kt_textf(s->lock_source, sizeof(s->lock_source),
			 "inferred: %%rdi at the spinning pc (%s), the register the lock functions receive "
			 "the lock in; no DWARF location for it; the word there is non-zero (held)", where);
	}
	kt_error_destroy(err);
}

static struct kt_error *cpu_spin_read(struct kt_findings_input *in, unsigned int cpu, struct cpu_spin *s)
{
	*s = (struct cpu_spin){0};
	const struct kt_error *berr;
	s->bt = kt_input_cpu_backtrace(in, cpu, &berr);
	if (!s->bt)
		return berr == &kt_enomem ? &kt_enomem : NULL;
	s->has_point = kt_spin_point_find(in, cpu, s->bt, &s->point);
	// In the lock code, and waiting there: in a loop that calls nothing, or halted in a paravirt
	// wait. A CPU caught on a lock's fast path is only passing through.
	const char *at = s->has_point ? s->bt->frames[s->point.frame].function : NULL;
	if (!at || !is_lock_function(at) || (!s->point.loop && !is_halting_wait(at)))
		return NULL;
	s->spinning = true;
	s->caller = s->point.frame;
	while (s->caller < s->bt->n_frames && is_lock_function(s->bt->frames[s->caller].function))
		s->caller++;
	struct kt_error *err = lock_from_dwarf(in->prog, s);
	if (err)
		return err;
	if (!s->has_lock)
		lock_from_point(in, cpu, s);
	return NULL;
}

static bool append(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static bool append(char *buf, size_t size, const char *fmt, ...)
{
	size_t len = strlen(buf);
	if (len + 1 >= size)
		return false;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf + len, size - len, fmt, ap);
	va_end(ap);
	return true;
}

/* The lock word decoded, and the owner if the lock records one. *owner_ret: the task
 * CONFIG_DEBUG_SPINLOCK recorded (0 none). */
static bool lock_word_facts(struct kt_findings_input *in, struct kt_finding *f, uint64_t lock, bool rwlock,
			    unsigned int nr_cpus, uint64_t *owner_ret, char *state, size_t state_size,
			    char *owner_text, size_t owner_size)
{
	const char *kind = rwlock ? "an rwlock" : "a spinlock";
	struct kt_program *prog = in->prog;
	*owner_ret = 0;
	uint32_t word;
	struct kt_error *err = kt_read_u32(&prog->reader, lock, &word);
	if (err) {
		bool ok = kt_finding_fact(f, "lock.word", "unreadable: %s", kt_error_message(err));
		kt_textf(state, state_size, "its word is unreadable");
		kt_error_destroy(err);
		return ok;
	}
	struct kt_object obj;
	bool ok = true;
	if (rwlock) {
		// include/asm-generic/qrwlock.h: _QW_LOCKED 0xff, _QW_WAITING 0x100, readers << 9.
		ok = kt_finding_fact(f, "lock.word", "0x%08x (as a qrwlock: writer byte 0x%02x, writer waiting %u, "
				     "%u readers)", word, word & 0xff, (word >> 8) & 1, word >> 9);
		kt_textf(state, state_size, "word 0x%08x", word);
	} else if (!(err = kt_object_from_address(prog, "struct qspinlock", lock, &obj))) {
		// _Q_PENDING_BITS is 8 when CONFIG_NR_CPUS < 16K (every distribution kernel): locked
		// 0-7, pending 8-15, tail index 16-17, tail CPU + 1 18-31.
		unsigned int locked = word & 0xff, pending = (word >> 8) & 0xff, idx = (word >> 16) & 3;
		unsigned int tail_cpu = word >> 18;
		char tail[128] = "no queued waiter";
		if (tail_cpu && tail_cpu - 1 < nr_cpus)
			kt_textf(tail, sizeof(tail), "last queued waiter CPU %u (node %u)", tail_cpu - 1, idx);
		else if (tail_cpu)
			kt_textf(tail, sizeof(tail), "tail 0x%x names no CPU below nr_cpu_ids %u (a kernel "
				 "built with CONFIG_NR_CPUS >= 16384 has 1 pending bit)", word >> 16, nr_cpus);
		ok = kt_finding_fact(f, "lock.word", "0x%08x: qspinlock locked byte 0x%02x (%s), pending 0x%02x, %s",
				     word, locked, locked ? "held" : "free", pending, tail);
		kt_textf(state, state_size, "%s (word 0x%08x)", locked ? "held" : "free now", word);
		kind = "a qspinlock";
	} else {
		kt_error_destroy(err);
		uint64_t head = 0, tail = 0;
		struct kt_object m;
		// Ticket locks (before 4.2): arch_spinlock_t.tickets.{head,tail}, u8 or u16 by NR_CPUS.
		bool tickets = kt_error_none(kt_object_from_address(prog, "arch_spinlock_t", lock, &obj)) &&
			       kt_error_none(kt_object_member(&obj, "tickets.head", &m)) &&
			       kt_error_none(kt_object_read_unsigned(&m, &head)) &&
			       kt_error_none(kt_object_member(&obj, "tickets.tail", &m)) &&
			       kt_error_none(kt_object_read_unsigned(&m, &tail));
		if (tickets) {
			ok = kt_finding_fact(f, "lock.word", "0x%08x: ticket lock head %" PRIu64 ", tail %" PRIu64
					     " (%s; with paravirt spinlocks tickets step by 2 and bit 0 of "
					     "tail is the slow-path flag)", word, head, tail,
					     head == tail ? "free" : "held");
			kt_textf(state, state_size, "%s (head %" PRIu64 ", tail %" PRIu64 ")",
				 head == tail ? "free now" : "held", head, tail);
			kind = "a ticket spinlock";
		} else {
			ok = kt_finding_fact(f, "lock.word", "0x%08x (the kernel's types describe neither a "
					     "qspinlock nor a ticket lock)", word);
			kt_textf(state, state_size, "word 0x%08x", word);
		}
	}
	// CONFIG_DEBUG_SPINLOCK: raw_spinlock_t.owner is the holder (SPINLOCK_OWNER_INIT is -1).
	struct kt_object owner;
	uint64_t task = 0, owner_cpu = 0;
	bool debug = kt_error_none(kt_object_from_address(prog, "raw_spinlock_t", lock, &obj)) &&
		     kt_error_none(kt_object_member(&obj, "owner", &owner)) &&
		     kt_error_none(kt_object_read_unsigned(&owner, &task));
	if (debug && kt_error_none(kt_object_member(&obj, "owner_cpu", &owner)))
		kt_error_none(kt_object_read_unsigned(&owner, &owner_cpu));
	if (!ok)
		return false;
	if (debug && task && task != UINT64_MAX) {
		*owner_ret = task;
		kt_textf(owner_text, owner_size, "Its owner, recorded in raw_spinlock_t.owner: task 0x%" PRIx64 ".",
			 task);
		return kt_finding_fact(f, "lock.owner", "task 0x%" PRIx64 " on CPU %" PRId64 ", recorded in "
				       "raw_spinlock_t.owner (CONFIG_DEBUG_SPINLOCK)", task, (int64_t)(int32_t)owner_cpu);
	}
	kt_textf(owner_text, owner_size, "%c%s records no owner%s.", kind[0] - 'a' + 'A', kind + 1,
		 !strcmp(kind, "a qspinlock") ? " (only locked, pending and the waiters' tail)" : "");
	if (debug)
		return kt_finding_fact(f, "lock.owner", "raw_spinlock_t.owner records none (0x%" PRIx64 ")", task);
	return kt_finding_fact(f, "lock.owner", "%s records no owner: the holder cannot be read from the "
			       "lock (raw_spinlock_t has no owner field without CONFIG_DEBUG_SPINLOCK); "
			       "candidates are the CPUs whose frames hold the lock's address", kind);
}

/* Where CPU cpu's registers and stack hold value, from frame from outwards: "pt_regs at X (rbx,
 * r14) ...". */
static struct kt_error *value_evidence(struct kt_findings_input *in, unsigned int cpu, struct cpu_spin *s,
				       uint64_t value, size_t from, char *buf, size_t size)
{
	const struct kt_backtrace *bt = s->bt;
	buf[0] = '\0';
	struct kt_cpu_regs regs;
	struct kt_error *err = kt_cpu_regs_get(in->prog, cpu, &regs);
	if (err == &kt_enomem)
		return err;
	if (!err && regs.source != KT_REGS_NONE && bt->n_frames && !from) {
		char names[96] = "";
		for (unsigned int r = 0; r < KT_REG_COUNT; r++)
			if (kt_regs_has(&regs.regs, (enum kt_reg)r) && regs.regs.r[r] == value && r != KT_REG_rip)
				append(names, sizeof(names), "%s%s", names[0] ? ", " : "", kt_reg_name((enum kt_reg)r));
		char at[128];
		kt_frame_name(&bt->frames[0], at, sizeof(at));
		if (names[0])
			append(buf, size, "%s%s registers (%s) at %s", buf[0] ? "; " : "",
			       kt_regs_source_name(regs.source), names, at);
	}
	kt_error_destroy(err);
	for (size_t i = from; i < bt->n_frames; i++) {
		const struct kt_frame *f = &bt->frames[i];
		if (!f->has_pt_regs)
			continue;
		char names[96] = "";
		for (unsigned int r = 0; r < KT_PT_REGS_COUNT; r++)
			if (f->pt_regs[r] == value && r != KT_REG_rip)
				append(names, sizeof(names), "%s%s", names[0] ? ", " : "", kt_pt_regs_name(r));
		char at[128];
		kt_frame_name(f, at, sizeof(at));
		if (names[0])
			append(buf, size, "%spt_regs at 0x%" PRIx64 " (%s), interrupting %s", buf[0] ? "; " : "",
			       f->pt_regs_address, names, at);
	}
	if (!s->slots_read) {
		s->slots_read = true;
		if ((err = kt_backtrace_stack_slots(in->prog, bt, &s->slots))) {
			s->slots = NULL;
			if (err == &kt_enomem)
				return err;
			kt_error_destroy(err);
		}
	}
	const struct kt_stack_slots *slots = s->slots;
	if (!slots)
		return NULL;
	for (size_t i = 0; i < slots->n_frames; i++) {
		const struct kt_frame_slots *fs = &slots->frames[i];
		for (size_t k = 0; k < fs->n_slots && fs->frame >= from; k++) {
			const struct kt_stack_slot *sl = &fs->slots[k];
			if (sl->value != value)
				continue;
			char what[128] = "";
			for (size_t m = 0; m < sl->n_marks; m++) {
				const struct kt_stack_slot_mark *mk = &sl->marks[m];
				if (mk->kind == KT_SLOT_SAVED_REGISTER)
					append(what, sizeof(what), ", saved %s", mk->name ? mk->name : "?");
				else if (mk->kind == KT_SLOT_ARGUMENT)
					append(what, sizeof(what), ", %s of %s", mk->name ? mk->name : "?",
					       mk->function ? mk->function : "?");
			}
			char at[128];
			kt_frame_name(&bt->frames[fs->frame], at, sizeof(at));
			append(buf, size, "%sstack slot 0x%" PRIx64 " in frame #%zu %s%s", buf[0] ? "; " : "",
			       sl->address, fs->frame, at, what);
		}
	}
	return NULL;
}

static const char *task_comm(const struct kt_backtrace *bt)
{
	return bt->comm[0] ? bt->comm : "?";
}

static struct kt_error *spin_finding(struct kt_findings_input *in, struct kt_findings_list *list,
				     unsigned int cpu, struct cpu_spin *cpus, unsigned int nr_cpus)
{
	struct cpu_spin *s = &cpus[cpu];
	const struct kt_backtrace *bt = s->bt;
	bool hard = false;
	const char *report = kt_log_lockup_line(in, cpu, &hard);
	bool panic_lockup = kt_panic_is_lockup(in);
	struct kt_finding *f = kt_finding_add(list, spin_code, spin_title,
					      report || panic_lockup ? KT_SEVERITY_CRITICAL : KT_SEVERITY_WARNING);
	if (!f)
		return &kt_enomem;
	f->cpu = (int)cpu;
	f->task = bt->task;
	const struct kt_frame *spin = &bt->frames[s->point.frame];
	char spin_name[128], caller[128] = "?", frames[400];
	kt_frame_name(spin, spin_name, sizeof(spin_name));
	if (s->caller < bt->n_frames)
		kt_frame_name(&bt->frames[s->caller], caller, sizeof(caller));
	kt_frames_text(bt, s->point.frame, s->caller - s->point.frame, frames, sizeof(frames));
	bool ok = kt_finding_command(f, list, "bt -f -c %u", cpu) &&
		  kt_finding_fact(f, "cpu", "%u: pid %d \"%s\", task 0x%" PRIx64, cpu, bt->pid, task_comm(bt), bt->task) &&
		  kt_finding_fact(f, "spin", "%s (frames #%zu-#%zu), taking the lock in %s (frame #%zu)", frames,
				  s->point.frame, s->caller - 1, caller, s->caller) &&
		  (s->point.loop
			   ? kt_finding_fact(f, "spin.loop", "pc 0x%" PRIx64 " is inside the loop 0x%" PRIx64 "-0x%"
					     PRIx64 " (backward jump at 0x%" PRIx64 "), which calls nothing", spin->pc,
					     s->point.loop_start, s->point.loop_jump, s->point.loop_jump)
			   : kt_finding_fact(f, "spin.halt", "halted in the paravirt wait %s until the holder's "
					     "unlock kicks it", spin->function)) &&
		  (!s->point.has_flags ||
		   kt_finding_fact(f, "interrupts", "%s (rflags 0x%" PRIx64 ", %s)",
				   s->point.flags & KT_RFLAGS_IF ? "enabled" : "disabled", s->point.flags,
				   s->point.flags_source));
	if (!ok)
		return &kt_enomem;
	bool rwlock = is_rwlock(spin->function);
	char lock_name[160] = "an unknown lock", state[128] = "", owner_text[160] = "";
	size_t n_candidates = 0;
	char first_candidate[160] = "";
	const char *holder_report = NULL;
	bool holder_hard = false;
	if (s->has_lock) {
		const char *sym = NULL, *mod = NULL;
		uint64_t off = 0;
		struct kt_error *err = kt_program_symbolize(in->prog, s->lock, &sym, &off, &mod);
		if (err == &kt_enomem)
			return err;
		char sym_name[128] = "(no symbol: in the heap or on a stack)";
		if (!err && sym && off)
			kt_textf(sym_name, sizeof(sym_name), "%s+0x%" PRIx64 "%s%s%s", sym, off, mod ? " [" : "",
				 mod ? mod : "", mod ? "]" : "");
		else if (!err && sym)
			kt_textf(sym_name, sizeof(sym_name), "%s%s%s%s", sym, mod ? " [" : "", mod ? mod : "",
				 mod ? "]" : "");
		if (!err && sym)
			kt_textf(lock_name, sizeof(lock_name), "%s (0x%" PRIx64 ")", sym_name, s->lock);
		else
			kt_textf(lock_name, sizeof(lock_name), "0x%" PRIx64, s->lock);
		kt_error_destroy(err);
		uint64_t owner = 0;
		ok = kt_finding_fact(f, "lock", "0x%" PRIx64 " %s", s->lock, sym_name) &&
		     kt_finding_fact(f, "lock.source", "%s", s->lock_source) &&
		     lock_word_facts(in, f, s->lock, rwlock, nr_cpus, &owner, state, sizeof(state), owner_text,
				     sizeof(owner_text));
		if (!ok)
			return &kt_enomem;
		// Other CPUs: waiters on the same lock, and those whose frames hold its address.
		for (unsigned int c = 0; c < nr_cpus; c++) {
			if (c == cpu || !cpus[c].bt)
				continue;
			const struct kt_backtrace *ob = cpus[c].bt;
			char key[48], fkey[48], wkey[48], where[128] = "?";
			if (cpus[c].has_point)
				kt_frames_text(ob, cpus[c].point.frame, 3, where, sizeof(where));
			if (cpus[c].spinning && cpus[c].has_lock && cpus[c].lock == s->lock) {
				kt_textf(key, sizeof(key), "waiter.cpu%u", c);
				if (!kt_finding_fact(f, key, "CPU %u, pid %d \"%s\", spins on the same lock in %s", c,
						     ob->pid, task_comm(ob), where))
					return &kt_enomem;
				continue;
			}
			char evidence[560];
			if ((err = value_evidence(in, c, &cpus[c], s->lock, 0, evidence, sizeof(evidence))))
				return err;
			if (!evidence[0] && owner != ob->task)
				continue;
			kt_textf(key, sizeof(key), "holder.candidate.%zu", n_candidates);
			kt_textf(fkey, sizeof(fkey), "%s.frames", key);
			kt_textf(wkey, sizeof(wkey), "%s.watchdog", key);
			if (!n_candidates)
				kt_textf(first_candidate, sizeof(first_candidate), "CPU %u (pid %d \"%s\").", c,
					 ob->pid, task_comm(ob));
			n_candidates++;
			bool h = false;
			const char *their_report = kt_log_lockup_line(in, c, &h);
			if (their_report && !holder_report) {
				holder_report = their_report;
				holder_hard = h;
			}
			ok = kt_finding_fact(f, key, "CPU %u, pid %d \"%s\", task 0x%" PRIx64 "%s: %s", c, ob->pid,
					     task_comm(ob), ob->task,
					     owner == ob->task ? " (the lock's recorded owner)" : "",
					     evidence[0] ? evidence : "raw_spinlock_t.owner") &&
			     kt_finding_fact(f, fkey, "%s", where) &&
			     (!their_report ||
			      kt_finding_fact(f, wkey, "%s", their_report)) &&
			     kt_finding_command(f, list, "bt -f -c %u", c);
			if (!ok)
				return &kt_enomem;
		}
		// This CPU itself, when the spin runs in an interrupt of kernel code: the lock's address
		// in the interrupted context means it may hold the lock (taken without disabling
		// interrupts, then wanted by the handler): a recursive deadlock.
		size_t below = s->caller;
		while (below < bt->n_frames &&
		       !(bt->frames[below].has_pt_regs && !(bt->frames[below].pt_regs[KT_REG_cs] & 3)))
			below++;
		if (below < bt->n_frames) {
			char evidence[560], key[48];
			if ((err = value_evidence(in, cpu, s, s->lock, below, evidence, sizeof(evidence))))
				return err;
			kt_textf(key, sizeof(key), "holder.candidate.%zu", n_candidates);
			if (evidence[0]) {
				if (!n_candidates)
					kt_textf(first_candidate, sizeof(first_candidate), "this CPU's interrupted "
						 "context (a recursive deadlock).");
				n_candidates++;
				if (!kt_finding_fact(f, key, "CPU %u itself, pid %d \"%s\", task 0x%" PRIx64 ", in the "
						     "context the spin interrupted (frame #%zu on): %s", cpu, bt->pid,
						     task_comm(bt), bt->task, below, evidence))
					return &kt_enomem;
			}
		}
		if (!n_candidates && !kt_finding_fact(f, "holder", "no other CPU's registers or stack slots hold the "
						       "lock's address: the holder may be a task that is not running, "
						       "or an interrupted context that kept it only in a register"))
			return &kt_enomem;
	} else if (!kt_finding_fact(f, "lock", "not found: no DWARF location of the lock parameter at the "
				    "spinning frames, and %%rdi there holds no held lock word"))
		return &kt_enomem;
	if (report && !kt_finding_fact(f, "watchdog", "%s", report))
		return &kt_enomem;
	const struct kt_sys_info *sys;
	if (panic_lockup && !kt_input_sys(in, &sys) &&
	    !kt_finding_fact(f, "panic", "%s", sys->panic_message))
		return &kt_enomem;
	// The watchdog reports the CPU it caught first: the spinner's, or the holder's.
	const char *any_report = report ? report : holder_report;
	bool any_hard = report ? hard : holder_hard;
	if (any_report)
		f->severity = KT_SEVERITY_CRITICAL;
	kt_textf(f->summary, sizeof(f->summary),
		 "CPU %u (pid %d \"%s\") spins in %s on %s, %s, taken in %s. %s%s%s%s%s", cpu, bt->pid,
		 task_comm(bt), spin_name, lock_name, state[0] ? state : "state unknown", caller,
		 owner_text,
		 n_candidates ? " Candidate holder, by its frames: " : "", first_candidate,
		 !any_report ? "" : any_hard ? " The watchdog reported a hard lockup" : " The watchdog reported a soft lockup",
		 !any_report ? "" : report ? " of this CPU." : " of the candidate's CPU.");
	char class[32];
	kt_textf(class, sizeof(class), "%s", any_report ? (any_hard ? "hard lockup" : "soft lockup")
						 : panic_lockup ? "lockup" : "spinlock wait");
	ok = kt_finding_sign(f, class, bt, s->caller) &&
	     (!s->has_lock || kt_finding_command(f, list, "rd -32 0x%" PRIx64, s->lock)) &&
	     (!s->has_lock || kt_finding_command(f, list, "sym 0x%" PRIx64, s->lock)) &&
	     kt_finding_command(f, list, "log");
	return ok ? NULL : &kt_enomem;
}

static struct kt_error *irqs_finding(struct kt_findings_input *in, struct kt_findings_list *list,
				     unsigned int cpu, const struct cpu_spin *s)
{
	const struct kt_backtrace *bt = s->bt;
	const struct kt_frame *at = &bt->frames[s->point.frame];
	bool hard = false;
	const char *report = kt_log_lockup_line(in, cpu, &hard);
	struct kt_finding *f = kt_finding_add(list, irqs_code, irqs_title, KT_SEVERITY_WARNING);
	if (!f)
		return &kt_enomem;
	f->cpu = (int)cpu;
	f->task = bt->task;
	char name[128], frames[400];
	kt_frame_name(at, name, sizeof(name));
	kt_frames_text(bt, s->point.frame, 4, frames, sizeof(frames));
	bool ok = kt_finding_fact(f, "cpu", "%u: pid %d \"%s\", task 0x%" PRIx64, cpu, bt->pid, task_comm(bt), bt->task) &&
		  kt_finding_fact(f, "at", "%s (frame #%zu); frames %s", name, s->point.frame, frames) &&
		  kt_finding_fact(f, "loop", "pc 0x%" PRIx64 " is inside the loop 0x%" PRIx64 "-0x%" PRIx64
				  " (backward jump at 0x%" PRIx64 "), which calls nothing", at->pc,
				  s->point.loop_start, s->point.loop_jump, s->point.loop_jump) &&
		  kt_finding_fact(f, "interrupts", "disabled (rflags 0x%" PRIx64 ", IF clear, %s)", s->point.flags,
				  s->point.flags_source) &&
		  (!report || kt_finding_fact(f, "watchdog", "%s", report));
	kt_textf(f->summary, sizeof(f->summary),
		 "CPU %u (pid %d \"%s\") was stopped in a loop in %s that calls nothing, with interrupts "
		 "disabled: no timer, IPI or cross-CPU function call is taken there until it leaves.", cpu,
		 bt->pid, task_comm(bt), name);
	ok = ok && kt_finding_sign(f, "interrupts-off loop", bt, s->point.frame) &&
	     kt_finding_command(f, list, "bt -c %u", cpu) &&
	     kt_finding_command(f, list, "dis -r 0x%" PRIx64, s->point.loop_jump);
	return ok ? NULL : &kt_enomem;
}

struct kt_error *kt_finding_lockup(struct kt_findings_input *in, struct kt_findings_list *list)
{
	unsigned int nr_cpus;
	const struct kt_error *cerr = kt_input_nr_cpus(in, &nr_cpus);
	if (cerr)
		return cerr == &kt_enomem ? &kt_enomem : NULL;
	struct cpu_spin *cpus = calloc(nr_cpus ? nr_cpus : 1, sizeof(*cpus));
	if (!cpus)
		return &kt_enomem;
	struct kt_error *err = NULL;
	for (unsigned int cpu = 0; cpu < nr_cpus && !err; cpu++)
		if (kt_input_cpu_online(in, cpu))
			err = cpu_spin_read(in, cpu, &cpus[cpu]);
	for (unsigned int cpu = 0; cpu < nr_cpus && !err; cpu++) {
		const struct cpu_spin *s = &cpus[cpu];
		if (s->spinning)
			err = spin_finding(in, list, cpu, cpus, nr_cpus);
		else if (s->has_point && s->point.loop && s->point.has_flags && !(s->point.flags & KT_RFLAGS_IF) &&
			 !parked(s->bt->frames[s->point.frame].function))
			err = irqs_finding(in, list, cpu, s);
	}
	for (unsigned int cpu = 0; cpu < nr_cpus; cpu++)
		kt_stack_slots_destroy(cpus[cpu].slots);
	free(cpus);
	return err;
}
