// SPDX-License-Identifier: MIT
/*
 * csd.wait: a CPU stopped waiting for a cross-CPU function call (kernel/smp.c: csd_lock_wait()
 * spinning until the target clears CSD_FLAG_LOCK in the call_single_data it was sent), a wait
 * that lock scans miss because no lock is involved. The evidence: the csd (the waiting CPU's
 * per-CPU cfd_data slot of each target, its csd_data, or one on its stack in the waiting frames;
 * each with CSD_FLAG_LOCK still set), the function and argument it carries, the target CPU (the
 * csd sits on that CPU's call_single_queue, not taken yet; or the cfd_data slot it is), and what
 * the target is doing instead, with its interrupt flag: a CPU that spins with interrupts disabled
 * never takes the call-function IPI.
 *
 * Only the CPUs' running tasks are searched: the callers disable preemption around the wait
 * (get_cpu() in smp_call_function_single, preempt_disable in on_each_cpu*), so a waiting task
 * is always on a CPU.
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
#include "kernel/object.h"
#include "unwind/cpu_regs.h"

static const char code[] = "csd.wait";
static const char title[] = "CPU waiting for a cross-CPU function call that never ran";

/* kernel/smp.c, 3.10..6.12: the waiting loop and its callers, names cut at the first '.'. */
static const char *const wait_functions[] = {
	"csd_lock_wait", "__csd_lock_wait", "csd_lock_wait_toolong", "csd_lock",
	"smp_call_function_single", "smp_call_function_many_cond", "smp_call_function_many",
	"smp_call_function", "smp_call_function_any", "smp_call_function_single_async",
	"on_each_cpu", "on_each_cpu_mask", "on_each_cpu_cond", "on_each_cpu_cond_mask",
};

/*
 * CSD_FLAG_LOCK is bit 0 in every version (include/linux/smp_types.h, before 5.10 kernel/smp.c);
 * every flag a kernel defines is in the low byte (CSD_FLAG_WAIT 0x02 in 3.10, CSD_FLAG_SYNCHRONOUS
 * 0x02 in 4.x, the CSD_TYPE_* values 0x00-0x30 from 5.8), so a word with higher bits set is no csd.
 */
enum { CSD_FLAG_LOCK = 1, CSD_FLAGS_KNOWN = 0xff, PENDING_MAX = 8 };

/* Entries read from one CPU's call_single_queue: a queue holds one csd per sender and call in
 * flight, so more means a loop or garbage (an llist has no head to come back to). */
enum { QUEUE_BUDGET = 1024 };

static bool is_wait_function(const char *function)
{
	return kt_function_among(function, wait_functions, KT_ARRAY_SIZE(wait_functions), NULL, 0);
}

/* The layout of the kernel's call_single_data, from its types. */
struct csd_layout {
	char type[48];
	uint64_t size, flags, func, info, llist, src, dst;
	bool has_llist;
	bool has_src_dst;        /* 5.10+ 64-bit: node.src, node.dst (u16) */
};

/* NOMEM, or *ok_ret false with why when the types lack it. */
static struct kt_error *csd_layout_read(struct kt_program *prog, struct csd_layout *l, bool *ok_ret,
					char *why, size_t why_size)
{
	*ok_ret = false;
	static const char *const types[] = {"struct __call_single_data", "struct call_single_data"};
	static const char *const flags[] = {"node.u_flags", "flags", "u_flags"};
	static const char *const llists[] = {"node.llist", "llist"};
	struct kt_type_ref t = {0};
	struct kt_error *err = NULL;
	size_t i;
	for (i = 0; i < KT_ARRAY_SIZE(types); i++) {
		kt_error_destroy(err);
		if (!(err = kt_object_lookup_type(prog, types[i], &t)))
			break;
		if (err == &kt_enomem)
			return err;
	}
	if (err) {
		kt_textf(why, why_size, "no call_single_data type in the kernel's types: %s", kt_error_message(err));
		kt_error_destroy(err);
		return NULL;
	}
	kt_textf(l->type, sizeof(l->type), "%s", types[i]);
	struct kt_object obj;
	kt_object_init(&obj, prog, NULL, t, 0);
	if ((err = kt_object_size(&obj, &l->size)))
		goto fail;
	struct kt_type_ref m;
	bool found = false;
	for (i = 0; i < KT_ARRAY_SIZE(flags) && !found; i++) {
		if (!(err = kt_object_member_offset(prog, t, flags[i], &l->flags, &m)))
			found = true;
		else if (err == &kt_enomem)
			return err;
		else
			kt_error_destroy(err), err = NULL;
	}
	if (!found) {
		kt_textf(why, why_size, "%s has no flags member", l->type);
		return NULL;
	}
	if ((err = kt_object_member_offset(prog, t, "func", &l->func, &m)) ||
	    (err = kt_object_member_offset(prog, t, "info", &l->info, &m)))
		goto fail;
	for (i = 0; i < KT_ARRAY_SIZE(llists) && !l->has_llist; i++) {
		if (!(err = kt_object_member_offset(prog, t, llists[i], &l->llist, &m)))
			l->has_llist = true;
		else if (err == &kt_enomem)
			return err;
		else
			kt_error_destroy(err), err = NULL;
	}
	l->has_src_dst = kt_error_none(kt_object_member_offset(prog, t, "node.src", &l->src, &m)) &&
			 kt_error_none(kt_object_member_offset(prog, t, "node.dst", &l->dst, &m));
	*ok_ret = true;
	return NULL;
fail:
	if (err == &kt_enomem)
		return err;
	kt_textf(why, why_size, "%s: %s", l->type, kt_error_message(err));
	kt_error_destroy(err);
	return NULL;
}

/* One pending call: a csd whose CSD_FLAG_LOCK is still set. */
struct pending {
	uint64_t csd;
	uint32_t flags;
	uint64_t func, info;
	const char *func_name, *func_module;
	bool has_src_dst;
	uint16_t src, dst;
	char how[200];           /* where it was found */
	int target;              /* -1 unknown */
	char target_how[200];
	bool in_registers;
	char registers[160];
};

struct csd_ctx {
	struct kt_findings_input *in;
	struct csd_layout layout;
	unsigned int nr_cpus;
	/* Every csd queued on a CPU's call_single_queue. */
	struct queued {
		uint64_t csd;
		unsigned int cpu;
		size_t pos;
	} *queued;
	size_t n_queued, cap_queued;
	char queue_note[200];
	struct pending pending[PENDING_MAX];
	size_t n_pending;
};

/* Reads a csd at addr; true if it is pending (CSD_FLAG_LOCK) and carries a function. */
static bool csd_read(struct csd_ctx *c, uint64_t addr, struct pending *p, bool need_function_start)
{
	struct kt_program *prog = c->in->prog;
	uint32_t flags;
	uint64_t func, info;
	struct kt_error *err = kt_read_u32(&prog->reader, addr + c->layout.flags, &flags);
	if (!err)
		err = kt_read_u64(&prog->reader, addr + c->layout.func, &func);
	if (!err)
		err = kt_read_u64(&prog->reader, addr + c->layout.info, &info);
	kt_error_destroy(err);
	if (err || !(flags & CSD_FLAG_LOCK) || (flags & ~(uint32_t)CSD_FLAGS_KNOWN) || !func)
		return false;
	const char *name = NULL, *module = NULL;
	uint64_t off = 0;
	err = kt_program_symbolize(prog, func, &name, &off, &module);
	kt_error_destroy(err);
	if (need_function_start && (err || !name || off))
		return false;
	*p = (struct pending){.csd = addr, .flags = flags, .func = func, .info = info,
			      .func_name = !err && !off ? name : NULL, .func_module = module, .target = -1};
	if (c->layout.has_src_dst) {
		struct kt_error *e = kt_read_u16(&prog->reader, addr + c->layout.src, &p->src);
		if (!e)
			e = kt_read_u16(&prog->reader, addr + c->layout.dst, &p->dst);
		p->has_src_dst = !e;
		kt_error_destroy(e);
	}
	return true;
}

static struct pending *pending_add(struct csd_ctx *c, const struct pending *p)
{
	for (size_t i = 0; i < c->n_pending; i++)
		if (c->pending[i].csd == p->csd)
			return &c->pending[i];
	if (c->n_pending >= PENDING_MAX)
		return NULL;
	c->pending[c->n_pending] = *p;
	return &c->pending[c->n_pending++];
}

/* Every CPU's call_single_queue (an llist since 3.14): which csds wait there, not yet taken. */
static struct kt_error *queues_read(struct csd_ctx *c)
{
	struct kt_program *prog = c->in->prog;
	if (!c->layout.has_llist) {
		kt_textf(c->queue_note, sizeof(c->queue_note), "%s has no llist member (before 3.14): the "
			 "call_single_queues were not searched", c->layout.type);
		return NULL;
	}
	struct kt_object q;
	struct kt_error *err = kt_object_from_symbol(prog, "call_single_queue", &q);
	if (err) {
		if (err == &kt_enomem)
			return err;
		kt_textf(c->queue_note, sizeof(c->queue_note), "call_single_queue: %s", kt_error_message(err));
		kt_error_destroy(err);
		return NULL;
	}
	for (unsigned int cpu = 0; cpu < c->nr_cpus; cpu++) {
		if (!kt_input_cpu_online(c->in, cpu))
			continue;
		struct kt_object mine, first;
		uint64_t node = 0;
		if ((err = kt_object_per_cpu(&q, cpu, &mine)) || (err = kt_object_member(&mine, "first", &first)) ||
		    (err = kt_object_read_unsigned(&first, &node))) {
			if (err == &kt_enomem)
				return err;
			kt_textf(c->queue_note, sizeof(c->queue_note), "call_single_queue of CPU %u: %s", cpu,
				 kt_error_message(err));
			kt_error_destroy(err);
			continue;
		}
		size_t pos;
		for (pos = 0; node && pos < QUEUE_BUDGET; pos++) {
			if (!kt_grow((void **)&c->queued, &c->cap_queued, c->n_queued, sizeof(*c->queued), 16))
				return &kt_enomem;
			c->queued[c->n_queued++] = (struct queued){node - c->layout.llist, cpu, pos};
			if ((err = kt_read_u64(&prog->reader, node, &node))) {  // llist_node.next
				kt_textf(c->queue_note, sizeof(c->queue_note), "call_single_queue of CPU %u ends "
					 "unreadable: %s", cpu, kt_error_message(err));
				kt_error_destroy(err);
				break;
			}
		}
		if (node && pos == QUEUE_BUDGET)
			kt_textf(c->queue_note, sizeof(c->queue_note), "call_single_queue of CPU %u: walk stopped "
				 "after %d entries at 0x%" PRIx64 " (a loop?)", cpu, QUEUE_BUDGET, node);
	}
	return NULL;
}

/* The waiting CPU's own csds: its cfd_data slot for each CPU (on_each_cpu*,
 * smp_call_function_many*: each slot goes to its CPU) and its csd_data (an asynchronous single
 * call, whose next use waits in csd_lock). */
static struct kt_error *percpu_pending(struct csd_ctx *c, unsigned int cpu)
{
	struct kt_program *prog = c->in->prog;
	struct kt_object cfd, mine, ptr, slot;
	struct kt_error *err = kt_object_from_symbol(prog, "cfd_data", &cfd);
	if (!err && !(err = kt_object_per_cpu(&cfd, cpu, &mine))) {
		// 5.17+: struct cfd_percpu __percpu *pcpu, with the csd inside; before: the csds.
		struct kt_error *probe = kt_object_member(&mine, "pcpu", &ptr);
		bool pcpu = probe == NULL;
		kt_error_destroy(probe);
		if (pcpu || !(err = kt_object_member(&mine, "csd", &ptr))) {
			for (unsigned int t = 0; t < c->nr_cpus; t++) {
				if (!kt_input_cpu_online(c->in, t) || t == cpu)
					continue;
				struct kt_error *e = kt_object_per_cpu(&ptr, t, &slot);
				if (!e && pcpu)
					e = kt_object_member(&slot, "csd", &slot);
				if (e == &kt_enomem)
					return e;
				struct pending p;
				if (!e && csd_read(c, slot.address, &p, false)) {
					kt_textf(p.how, sizeof(p.how), "cfd_data of CPU %u, the slot for CPU %u", cpu, t);
					p.target = (int)t;
					kt_textf(p.target_how, sizeof(p.target_how), "the cfd_data slot for CPU %u "
						 "(smp_call_function_many_cond sends each slot to its CPU)", t);
					pending_add(c, &p);
				}
				kt_error_destroy(e);
			}
		}
	}
	if (err == &kt_enomem)
		return err;
	kt_error_destroy(err);
	struct kt_object single;
	if (!(err = kt_object_from_symbol(prog, "csd_data", &single)) &&
	    !(err = kt_object_per_cpu(&single, cpu, &single))) {
		struct pending p;
		if (csd_read(c, single.address, &p, false)) {
			kt_textf(p.how, sizeof(p.how), "csd_data of CPU %u (its asynchronous single call)", cpu);
			pending_add(c, &p);
		}
	}
	if (err == &kt_enomem)
		return err;
	kt_error_destroy(err);
	return NULL;
}

/* A synchronous smp_call_function_single keeps its csd on the stack (csd_stack): a pending csd
 * that starts in a slot of the waiting frames, whose func is a function's start. */
static struct kt_error *stack_pending(struct csd_ctx *c, const struct kt_backtrace *bt, size_t from, size_t to)
{
	struct kt_stack_slots *slots;
	struct kt_error *err = kt_backtrace_stack_slots(c->in->prog, bt, &slots);
	if (err) {
		if (err == &kt_enomem)
			return err;
		kt_error_destroy(err);
		return NULL;
	}
	for (size_t i = 0; i < slots->n_frames; i++) {
		const struct kt_frame_slots *fs = &slots->frames[i];
		if (fs->frame < from || fs->frame >= to)
			continue;
		for (size_t k = 0; k < fs->n_slots; k++) {
			struct pending p;
			if (!csd_read(c, fs->slots[k].address, &p, true))
				continue;
			char at[128];
			kt_frame_name(&bt->frames[fs->frame], at, sizeof(at));
			kt_textf(p.how, sizeof(p.how), "on the stack of pid %d in frame #%zu %s", bt->pid, fs->frame, at);
			pending_add(c, &p);
		}
	}
	kt_stack_slots_destroy(slots);
	return NULL;
}

/* The registers at the waiting pc that hold a pending csd: the one the loop reads. */
static struct kt_error *register_pending(struct csd_ctx *c, unsigned int cpu, const struct kt_backtrace *bt,
					 size_t point)
{
	uint64_t r[KT_REG_COUNT];
	uint32_t known = 0;
	char where[96] = "";
	if (point == 0) {
		struct kt_cpu_regs regs;
		struct kt_error *err = kt_cpu_regs_get(c->in->prog, cpu, &regs);
		if (err == &kt_enomem)
			return err;
		if (!err && regs.source != KT_REGS_NONE) {
			memcpy(r, regs.regs.r, sizeof(r));
			known = regs.regs.known;
			kt_textf(where, sizeof(where), "%s of CPU %u", kt_regs_source_name(regs.source), cpu);
		}
		kt_error_destroy(err);
	} else if (bt->frames[point].has_pt_regs) {
		memcpy(r, bt->frames[point].pt_regs, sizeof(r));
		known = (1u << KT_REG_COUNT) - 1;
		kt_textf(where, sizeof(where), "pt_regs at 0x%" PRIx64, bt->frames[point].pt_regs_address);
	}
	for (unsigned int i = 0; i < KT_REG_COUNT; i++) {
		if (!(known & (1u << i)) || i == KT_REG_rip || i == KT_REG_rsp)
			continue;
		struct pending p, *in = NULL;
		for (size_t k = 0; k < c->n_pending && !in; k++)
			if (c->pending[k].csd == r[i])
				in = &c->pending[k];
		if (!in && csd_read(c, r[i], &p, true)) {
			kt_textf(p.how, sizeof(p.how), "in %%%s at the waiting pc", kt_reg_name((enum kt_reg)i));
			in = pending_add(c, &p);
		}
		if (!in)
			continue;
		size_t len = strlen(in->registers);
		if (!len)
			kt_textf(in->registers, sizeof(in->registers), "%%%s", kt_reg_name((enum kt_reg)i));
		else
			snprintf(in->registers + len, sizeof(in->registers) - len, ", %%%s", kt_reg_name((enum kt_reg)i));
		in->in_registers = true;
	}
	for (size_t k = 0; k < c->n_pending; k++) {
		struct pending *p = &c->pending[k];
		if (p->in_registers) {
			size_t len = strlen(p->registers);
			snprintf(p->registers + len, sizeof(p->registers) - len, " (%s)", where);
		}
	}
	return NULL;
}

/* Which CPU each pending csd waits for: the call_single_queue it is on, else what found it. */
static struct kt_error *targets_find(struct csd_ctx *c, unsigned int waiting, const struct kt_backtrace *bt,
				     size_t from, size_t to)
{
	for (size_t k = 0; k < c->n_pending; k++) {
		struct pending *p = &c->pending[k];
		bool queued = false;
		for (size_t q = 0; q < c->n_queued && !queued; q++) {
			if (c->queued[q].csd != p->csd)
				continue;
			queued = true;
			p->target = (int)c->queued[q].cpu;
			kt_textf(p->target_how, sizeof(p->target_how), "queued on CPU %u's call_single_queue "
				 "(entry %zu): sent, not yet taken by that CPU", c->queued[q].cpu, c->queued[q].pos);
		}
		if (!queued && p->target >= 0) {
			size_t len = strlen(p->target_how);
			snprintf(p->target_how + len, sizeof(p->target_how) - len, "; not on its call_single_queue "
				 "(taken off: the function may be running there)");
		}
		// CONFIG_CSD_LOCK_WAIT_DEBUG writes src and dst; without it both stay 0, so only a csd
		// whose src is the waiting CPU and whose dst differs names its target.
		if (p->target < 0 && p->has_src_dst && p->src == waiting && p->dst != p->src && p->dst < c->nr_cpus) {
			p->target = p->dst;
			kt_textf(p->target_how, sizeof(p->target_how), "node.dst of the csd (node.src %u is the "
				 "waiting CPU: written by CONFIG_CSD_LOCK_WAIT_DEBUG)", p->src);
		}
		for (size_t i = from; i < to && p->target < 0; i++) {
			char name[128];
			kt_signature_function(name, sizeof(name), bt->frames[i].function);
			if (strcmp(name, "smp_call_function_single"))
				continue;
			bool found = false;
			uint64_t cpu;
			char source[320];
			struct kt_error *err = kt_frame_parameter(c->in->prog, bt, i, "cpu", &found, &cpu, source,
								  sizeof(source));
			if (err)
				return err;
			if (found && cpu < c->nr_cpus) {
				p->target = (int)cpu;
				kt_textf(p->target_how, sizeof(p->target_how), "the cpu argument of "
					 "smp_call_function_single (%s)", source);
			}
		}
	}
	return NULL;
}

static const char *task_comm(const struct kt_backtrace *bt)
{
	return bt->comm[0] ? bt->comm : "?";
}

/* What the target CPU does instead of taking the call: a fact, and a phrase for the summary. */
static struct kt_error *target_facts(struct csd_ctx *c, struct kt_finding *f, unsigned int target, char *phrase, size_t size, bool *lockup_ret)
{
	const struct kt_error *berr;
	const struct kt_backtrace *bt = kt_input_cpu_backtrace(c->in, target, &berr);
	if (!bt) {
		if (berr == &kt_enomem)
			return &kt_enomem;
		kt_textf(phrase, size, "CPU %u's state is unknown", target);
		return kt_finding_fact(f, "target.state", "no backtrace of CPU %u: %s", target,
				       kt_error_message(berr)) ? NULL : &kt_enomem;
	}
	struct kt_spin_point point;
	char frames[400], at[128] = "?";
	bool has_point = kt_spin_point_find(c->in, target, bt, &point);
	size_t start = has_point ? point.frame : 0;
	kt_frames_text(bt, start, 4, frames, sizeof(frames));
	if (start < bt->n_frames)
		kt_frame_name(&bt->frames[start], at, sizeof(at));
	bool irqs_off = has_point && point.has_flags && !(point.flags & KT_RFLAGS_IF);
	bool hard = false;
	const char *report = kt_log_lockup_line(c->in, target, &hard);
	*lockup_ret = report != NULL;
	char flags[200] = "interrupt flag unknown";
	if (has_point && point.has_flags)
		kt_textf(flags, sizeof(flags), "interrupts %s (rflags 0x%" PRIx64 ", %s)",
			 irqs_off ? "disabled" : "enabled", point.flags, point.flags_source);
	bool ok = kt_finding_fact(f, "target.task", "pid %d \"%s\", task 0x%" PRIx64, bt->pid, task_comm(bt), bt->task) &&
		  kt_finding_fact(f, "target.state", "%s; %s%s; frames %s", at, flags,
				  has_point && point.loop ? ", in a loop that calls nothing" : "", frames) &&
		  (!report || kt_finding_fact(f, "target.watchdog", "%s", report));
	if (irqs_off && has_point && point.loop)
		kt_textf(phrase, size, "CPU %u never ran the function: it spins with interrupts disabled in %s",
			 target, at);
	else if (irqs_off)
		kt_textf(phrase, size, "CPU %u has not run the function: it is in %s with interrupts disabled",
			 target, at);
	else
		kt_textf(phrase, size, "CPU %u has not run the function: it is in %s%s", target, at,
			 has_point && point.has_flags ? " with interrupts enabled" : "");
	return ok ? NULL : &kt_enomem;
}

static struct kt_error *finding_add(struct csd_ctx *c, struct kt_findings_list *list, unsigned int cpu,
				    const struct kt_backtrace *bt, const struct kt_spin_point *point, size_t caller)
{
	// The csd the loop reads (in a register), else one on a queue, else the first found.
	const struct pending *main = &c->pending[0];
	for (size_t k = c->n_pending; k-- > 0;)
		if (c->pending[k].in_registers || (!main->in_registers && c->pending[k].target >= 0 &&
						  main->target < 0))
			main = &c->pending[k];
	bool hard = false;
	const char *report = kt_log_lockup_line(c->in, cpu, &hard);
	struct kt_finding *f = kt_finding_add(list, code, title,
					      report || kt_panic_is_lockup(c->in) ? KT_SEVERITY_CRITICAL
										  : KT_SEVERITY_ERROR);
	if (!f)
		return &kt_enomem;
	f->cpu = (int)cpu;
	f->task = bt->task;
	char wait[400], at[128] = "?", caller_name[128] = "?", func[160];
	kt_frames_text(bt, point->frame, caller - point->frame, wait, sizeof(wait));
	kt_frame_name(&bt->frames[point->frame], at, sizeof(at));
	if (caller < bt->n_frames)
		kt_frame_name(&bt->frames[caller], caller_name, sizeof(caller_name));
	if (main->func_name)
		kt_textf(func, sizeof(func), "%s%s%s%s", main->func_name, main->func_module ? " [" : "",
			 main->func_module ? main->func_module : "", main->func_module ? "]" : "");
	else
		kt_textf(func, sizeof(func), "0x%" PRIx64, main->func);
	bool ok = kt_finding_command(f, list, "bt -f -c %u", cpu) &&
		  kt_finding_fact(f, "cpu", "%u: pid %d \"%s\", task 0x%" PRIx64, cpu, bt->pid, task_comm(bt), bt->task) &&
		  kt_finding_fact(f, "wait", "%s (frames #%zu-#%zu), called from %s (frame #%zu)", wait,
				  point->frame, caller - 1, caller_name, caller) &&
		  (!point->loop || kt_finding_fact(f, "wait.loop", "pc 0x%" PRIx64 " is inside the loop 0x%" PRIx64
						   "-0x%" PRIx64 ", which calls nothing",
						   bt->frames[point->frame].pc, point->loop_start, point->loop_jump)) &&
		  kt_finding_fact(f, "csd", "0x%" PRIx64 " (%s), %s: flags 0x%x (CSD_FLAG_LOCK set: not completed), "
				  "func 0x%" PRIx64 " %s, info 0x%" PRIx64, main->csd, c->layout.type, main->how,
				  main->flags, main->func, func, main->info) &&
		  (!main->in_registers ||
		   kt_finding_fact(f, "csd.registers", "the waiting loop holds it in %s", main->registers)) &&
		  kt_finding_fact(f, "function", "%s", func) &&
		  (main->target >= 0 ? kt_finding_fact(f, "target", "CPU %d: %s", main->target, main->target_how)
				     : kt_finding_fact(f, "target", "unknown: no call_single_queue holds the csd and "
						       "nothing else names its CPU")) &&
		  (!report || kt_finding_fact(f, "watchdog", "%s", report)) &&
		  (!c->queue_note[0] || kt_finding_fact(f, "queues", "%s", c->queue_note));
	if (!ok)
		return &kt_enomem;
	size_t other = 0;
	for (size_t k = 0; k < c->n_pending; k++) {
		const struct pending *p = &c->pending[k];
		if (p == main)
			continue;
		char key[48];
		kt_textf(key, sizeof(key), "csd.other.%zu", other++);
		if (!kt_finding_fact(f, key, "0x%" PRIx64 " (%s): func 0x%" PRIx64 " %s, target %d (%s)", p->csd,
				     p->how, p->func, p->func_name ? p->func_name : "?", p->target,
				     p->target >= 0 ? p->target_how : "unknown"))
			return &kt_enomem;
	}
	char phrase[256] = "the target CPU is unknown";
	bool target_lockup = false;
	if (main->target >= 0) {
		struct kt_error *err = target_facts(c, f, (unsigned int)main->target, phrase, sizeof(phrase),
						    &target_lockup);
		if (err)
			return err;
	}
	if (target_lockup)
		f->severity = KT_SEVERITY_CRITICAL;
	// What the lockup check found on the target (it runs before this one).
	for (size_t i = 0; main->target >= 0 && i < list->n; i++) {
		const struct kt_finding *o = &list->items[i];
		if (o == f || o->cpu != main->target || strncmp(o->code, "lockup.", 7))
			continue;
		if (!kt_finding_fact(f, "target.finding", "%s: %s", o->code, o->title))
			return &kt_enomem;
	}
	char whom[32] = "an unknown CPU";
	if (main->target >= 0)
		kt_textf(whom, sizeof(whom), "CPU %d", main->target);
	kt_textf(f->summary, sizeof(f->summary),
		 "CPU %u (pid %d \"%s\") waits in %s for %s to run %s (csd 0x%" PRIx64 ", called from %s); %s.",
		 cpu, bt->pid, task_comm(bt), at, whom, func, main->csd, caller_name, phrase);
	char class[192], fname[128];
	kt_signature_function(fname, sizeof(fname), main->func_name ? main->func_name : "an unknown function");
	kt_textf(class, sizeof(class), "CSD wait for %s%s%s%s", fname, main->func_module ? " [" : "",
		 main->func_module ? main->func_module : "", main->func_module ? "]" : "");
	ok = kt_finding_sign(f, class, bt, caller) &&
	     kt_finding_command(f, list, "struct %s 0x%" PRIx64, c->layout.type + strlen("struct "), main->csd) &&
	     kt_finding_command(f, list, "percpu call_single_queue") &&
	     (main->target < 0 || kt_finding_command(f, list, "bt -c %d", main->target));
	return ok ? NULL : &kt_enomem;
}

struct kt_error *kt_finding_csd_wait(struct kt_findings_input *in, struct kt_findings_list *list)
{
	unsigned int nr_cpus;
	const struct kt_error *cerr = kt_input_nr_cpus(in, &nr_cpus);
	if (cerr)
		return cerr == &kt_enomem ? &kt_enomem : NULL;
	struct csd_ctx c = {.in = in, .nr_cpus = nr_cpus};
	bool layout_read = false, layout_ok = false;
	char why[200] = "";
	struct kt_error *err = NULL;
	for (unsigned int cpu = 0; cpu < nr_cpus && !err; cpu++) {
		if (!kt_input_cpu_online(in, cpu))
			continue;
		const struct kt_error *berr;
		const struct kt_backtrace *bt = kt_input_cpu_backtrace(in, cpu, &berr);
		if (!bt) {
			if (berr == &kt_enomem)
				err = &kt_enomem;
			continue;
		}
		struct kt_spin_point point;
		if (!kt_spin_point_find(in, cpu, bt, &point) || !is_wait_function(bt->frames[point.frame].function))
			continue;
		size_t caller = point.frame;
		while (caller < bt->n_frames && is_wait_function(bt->frames[caller].function))
			caller++;
		if (!layout_read) {
			layout_read = true;
			if ((err = csd_layout_read(in->prog, &c.layout, &layout_ok, why, sizeof(why))))
				break;
			if (layout_ok && (err = queues_read(&c)))
				break;
		}
		if (!layout_ok)
			break;  // without the csd's layout there is no evidence to give
		c.n_pending = 0;
		if ((err = percpu_pending(&c, cpu)) || (err = stack_pending(&c, bt, point.frame, caller)) ||
		    (err = register_pending(&c, cpu, bt, point.frame)) ||
		    (err = targets_find(&c, cpu, bt, point.frame, caller)))
			break;
		if (c.n_pending)
			err = finding_add(&c, list, cpu, bt, &point, caller);
	}
	free(c.queued);
	return err;
}
