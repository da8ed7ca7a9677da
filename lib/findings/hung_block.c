// SPDX-License-Identifier: MIT
/*
 * What one task in D state is blocked on (hung.h). The lock function is named by the task's
 * frames; the lock's address is then found in two independent ways, as a person would check it:
 *  - from the frames: the lock function's own argument where DWARF locates it at the frame's pc
 *    (a callee-saved register its callee pushed), else the argument register at the call that
 *    entered it, sliced back through the caller's code (mutex_lock(t->waits));
 *  - from the stack: the waiter structure the lock function put on the task's stack (its task
 *    member is the task), whose list_head is linked into the lock's wait list: the one node of
 *    that list that is not a waiter is the lock's list head.
 * The lock read as data must then hold the task on its wait list.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "callsite/call_argument.h"
#include "callsite/call_regs.h"
#include "callsite/function_code.h"
#include "core/error.h"
#include "core/util.h"
#include "findings/hung.h"
#include "kernel/list.h"
#include "kernel/task_info.h"
#include "unwind/stacks.h"

/* Lock functions by name (cut at the first '.'), across 3.10..6.12. */
static const struct {
	const char *name;
	enum kt_lock_kind kind;
} primitives[] = {
	{"mutex_lock", KT_LOCK_MUTEX},
	{"mutex_lock_nested", KT_LOCK_MUTEX},
	{"mutex_lock_io", KT_LOCK_MUTEX},
	{"mutex_lock_killable", KT_LOCK_MUTEX},
	{"mutex_lock_interruptible", KT_LOCK_MUTEX},
	{"__mutex_lock", KT_LOCK_MUTEX},
	{"__mutex_lock_common", KT_LOCK_MUTEX},
	{"__mutex_lock_slowpath", KT_LOCK_MUTEX},
	{"__mutex_lock_killable_slowpath", KT_LOCK_MUTEX},
	{"__mutex_lock_interruptible_slowpath", KT_LOCK_MUTEX},
	{"down_read", KT_LOCK_RWSEM},
	{"down_read_nested", KT_LOCK_RWSEM},
	{"down_read_killable", KT_LOCK_RWSEM},
	{"down_write", KT_LOCK_RWSEM},
	{"down_write_nested", KT_LOCK_RWSEM},
	{"down_write_killable", KT_LOCK_RWSEM},
	{"__down_read", KT_LOCK_RWSEM},
	{"__down_read_common", KT_LOCK_RWSEM},
	{"__down_write", KT_LOCK_RWSEM},
	{"__down_write_common", KT_LOCK_RWSEM},
	{"rwsem_down_read_slowpath", KT_LOCK_RWSEM},
	{"rwsem_down_write_slowpath", KT_LOCK_RWSEM},
	{"rwsem_down_read_failed", KT_LOCK_RWSEM},
	{"rwsem_down_write_failed", KT_LOCK_RWSEM},
	{"rwsem_down_read_failed_killable", KT_LOCK_RWSEM},
	{"rwsem_down_write_failed_killable", KT_LOCK_RWSEM},
	{"call_rwsem_down_read_failed", KT_LOCK_RWSEM},
	{"call_rwsem_down_write_failed", KT_LOCK_RWSEM},
	{"down", KT_LOCK_SEMAPHORE},
	{"down_killable", KT_LOCK_SEMAPHORE},
	{"down_timeout", KT_LOCK_SEMAPHORE},
	{"down_interruptible", KT_LOCK_SEMAPHORE},
	{"__down", KT_LOCK_SEMAPHORE},
	{"__down_common", KT_LOCK_SEMAPHORE},
	{"__down_killable", KT_LOCK_SEMAPHORE},
	{"__down_timeout", KT_LOCK_SEMAPHORE},
	{"__down_interruptible", KT_LOCK_SEMAPHORE},
	{"wait_for_completion", KT_LOCK_COMPLETION},
	{"wait_for_completion_io", KT_LOCK_COMPLETION},
	{"wait_for_completion_timeout", KT_LOCK_COMPLETION},
	{"wait_for_completion_io_timeout", KT_LOCK_COMPLETION},
	{"wait_for_completion_killable", KT_LOCK_COMPLETION},
	{"wait_for_completion_killable_timeout", KT_LOCK_COMPLETION},
	{"wait_for_completion_state", KT_LOCK_COMPLETION},
	{"__wait_for_common", KT_LOCK_COMPLETION},
	{"wait_for_common", KT_LOCK_COMPLETION},
	{"wait_for_common_io", KT_LOCK_COMPLETION},
	{"do_wait_for_common", KT_LOCK_COMPLETION},
};

/* Frames a sleeping task passes through on its way to the scheduler, lock functions aside. */
static const char *const sleep_machinery[] = {
	"__schedule", "schedule", "schedule_preempt_disabled", "schedule_timeout", "io_schedule",
	"io_schedule_timeout", "schedule_hrtimeout_range", "schedule_hrtimeout_range_clock",
	"schedule_hrtimeout", "msleep", "msleep_interruptible", "usleep_range",
	"usleep_range_state", "preempt_schedule_common", "__cond_resched", "_cond_resched",
};

/* The lock parameter's name in each kind's functions (before 4.10 __mutex_lock_slowpath took
 * `atomic_t *lock_count`, the mutex's first member: the same address). */
static bool lock_param(enum kt_lock_kind kind, const char *name)
{
	switch (kind) {
	case KT_LOCK_MUTEX:
		return !strcmp(name, "lock") || !strcmp(name, "lock_count");
	case KT_LOCK_RWSEM:
	case KT_LOCK_SEMAPHORE:
		return !strcmp(name, "sem");
	case KT_LOCK_COMPLETION:
		return !strcmp(name, "x");
	}
	return false;
}

static int primitive_of(const char *function)
{
	if (!function)
		return -1;
	char name[96];
	kt_signature_function(name, sizeof(name), function);
	for (size_t i = 0; i < KT_ARRAY_SIZE(primitives); i++)
		if (!strcmp(name, primitives[i].name))
			return (int)i;
	return -1;
}

size_t kt_hung_first_own_frame(const struct kt_backtrace *bt)
{
	size_t first = 0;
	for (size_t i = 0; i < bt->n_frames; i++) {
		const char *fn = bt->frames[i].function;
		if (primitive_of(fn) >= 0 ||
		    kt_function_among(fn, sleep_machinery, KT_ARRAY_SIZE(sleep_machinery), NULL, 0))
			first = i + 1;
	}
	return first;
}

const struct kt_task *kt_hung_task_by_address(struct kt_findings_input *in, uint64_t address)
{
	const struct kt_task *tasks;
	size_t n;
	kt_input_tasks(in, &tasks, &n);
	for (size_t i = 0; address && i < n; i++)
		if (tasks[i].address == address)
			return &tasks[i];
	return NULL;
}

/* The lock functions among the frames: the kind of the innermost, and the outermost of the run
 * of lock functions it starts (the caller is the frame after it). */
static void find_primitive(struct kt_hung_task *h)
{
	const struct kt_backtrace *bt = h->bt;
	for (size_t i = 0; i < bt->n_frames; i++) {
		int p = primitive_of(bt->frames[i].function);
		if (p < 0) {
			if (h->has_primitive)
				break;
			continue;
		}
		if (h->has_primitive && primitives[p].kind != h->kind)
			break;
		h->has_primitive = true;
		h->kind = primitives[p].kind;
		h->primitive = bt->frames[i].function;
		h->primitive_frame = i;
		h->rwsem_write |= strstr(bt->frames[i].function, "write") != NULL;
	}
}

/* The lock parameter of a lock function's frame, where DWARF puts it at the frame's pc. */
static bool lock_from_dwarf(struct kt_program *prog, struct kt_hung_task *h)
{
	for (size_t i = 0; i <= h->primitive_frame; i++) {
		if (primitive_of(h->bt->frames[i].function) < 0)
			continue;
		char names[16][64];
		uint64_t slots[16];
		size_t n = kt_backtrace_frame_arguments(prog, h->bt, i, names, slots, 16);
		for (size_t k = 0; k < n; k++) {
			uint64_t v;
			if (!lock_param(h->kind, names[k]))
				continue;
			struct kt_error *err = kt_read_u64(&prog->reader, slots[k], &v);
			if (err) {
				kt_error_destroy(err);
				continue;
			}
			h->from_dwarf = (struct kt_hung_evidence){.found = true, .address = v};
			kt_textf(h->from_dwarf.how, sizeof(h->from_dwarf.how),
				 "argument %s of %s (frame #%zu), by its DWARF location at pc 0x%" PRIx64
				 ": the stack slot 0x%" PRIx64 " holds 0x%" PRIx64, names[k],
				 h->bt->frames[i].function, i, h->bt->frames[i].pc, slots[k], v);
			return true;
		}
	}
	kt_textf(h->from_dwarf.how, sizeof(h->from_dwarf.how), "no DWARF location of the lock parameter of the "
		 "lock functions' frames at their pcs");
	return false;
}

/* The call reached function, no lock function: the lock function it jumps to directly (a tail
 * call, which left no frame of its own), with %rdi before that jmp in *arg (at_call: the
 * registers at the call, whose callee-saved ones the function starts with). */
static struct kt_error *tail_called_lock(struct kt_program *prog, uint64_t function,
					 const struct kt_call_registers *at_call, struct kt_call_argument *arg,
					 const char **target_ret, bool *tail_ret)
{
	struct kt_function_code code;
	struct kt_error *err = kt_function_code_load(prog, function, &code);
	if (err)
		return err == &kt_enomem ? err : (kt_error_destroy(err), NULL);
	uint64_t lock_fn = 0;
	const char *name = NULL;
	for (size_t i = 0; i < code.n && !lock_fn; i++) {
		const struct kt_insn *in = &code.insns[i];
		const char *n, *module;
		uint64_t off;
		if (in->kind != KT_INSN_JMP || !in->has_target || (in->target >= code.start && in->target < code.end))
			continue;
		struct kt_error *serr = kt_program_symbolize(prog, in->target, &n, &off, &module);
		kt_error_destroy(serr);
		if (!serr && !off && primitive_of(n) >= 0) {
			lock_fn = in->target;
			name = n;
		}
	}
	kt_function_code_deinit(&code);
	if (!lock_fn)
		return NULL;
	struct kt_call_registers entry;
	kt_call_registers_at_entry(at_call, &entry);
	struct kt_call_argument a;
	if ((err = kt_jump_argument_at(prog, function, lock_fn, &entry, KT_X86_RDI, &a)))
		return err == &kt_enomem ? err : (kt_error_destroy(err), NULL);
	*arg = a;
	*target_ret = name;
	*tail_ret = true;
	return NULL;
}

/* The first argument (%rdi) of a call to a lock function, from the calling code: frames whose
 * call reaches a lock function, outermost first (the caller's own expression reads best). */
static struct kt_error *lock_from_call_site(struct kt_program *prog, struct kt_hung_task *h)
{
	char tried[240] = "";
	size_t outer = h->primitive_frame + 1 < h->bt->n_frames ? h->primitive_frame + 1 : h->primitive_frame;
	for (size_t j = outer + 1; j-- > 1;) {
		const struct kt_frame *fr = &h->bt->frames[j];
		if (fr->exact || fr->has_pt_regs || !fr->pc)
			continue;
		struct kt_call_registers regs;
		struct kt_call_argument arg;
		struct kt_error *err = kt_backtrace_call_registers(prog, h->bt, j, &regs);
		if (!err)
			err = kt_call_argument_at(prog, fr->pc, &regs, KT_X86_RDI, &arg);
		if (err == &kt_enomem)
			return err;
		if (err) {
			kt_error_destroy(err);
			continue;
		}
		const char *target = NULL, *module;
		uint64_t off = 0;
		if (arg.has_target)
			kt_error_destroy(kt_program_symbolize(prog, arg.target, &target, &off, &module));
		bool tail = false;
		const char *arg_function = target;
		if (target && !off && primitive_of(target) < 0 &&
		    (err = tail_called_lock(prog, arg.target, &regs, &arg, &target, &tail)))
			return err;
		if (!target || off || primitive_of(target) < 0) {
			if (!tried[0])
				kt_textf(tried, sizeof(tried), "the call at 0x%" PRIx64 " in %s reaches %s, not a "
					 "lock function (a tail call on the way): its arguments do not name the lock",
					 arg.call, fr->function ? fr->function : "?", target ? target : "an unknown target");
			continue;
		}
		if (!arg.known) {
			kt_textf(tried, sizeof(tried), "%%rdi at the call to %s at 0x%" PRIx64 " (%s): %s", target,
				 arg.call, arg.expression, arg.evidence);
			continue;
		}
		h->from_call_site = (struct kt_hung_evidence){.found = true, .address = arg.value};
		char via[160];
		if (tail)
			kt_textf(via, sizeof(via), "%s, called from %s", arg_function, fr->function ? fr->function : "?");
		else
			kt_textf(via, sizeof(via), "%s", fr->function ? fr->function : "?");
		if (!strncmp(arg.expression, "0x", 2))
			kt_textf(h->from_call_site.how, sizeof(h->from_call_site.how),
				 "%%rdi at the %s %s at 0x%" PRIx64 " in %s (frame #%zu): 0x%" PRIx64 ", a constant "
				 "in the %s code", tail ? "tail call (jmp) to" : "call to", target, arg.call, via,
				 j, arg.value, tail ? "jumping function's" : "caller's");
		else
			kt_textf(h->from_call_site.how, sizeof(h->from_call_site.how),
				 "%%rdi at the %s %s at 0x%" PRIx64 " in %s (frame #%zu): %s = 0x%" PRIx64 "%s%s",
				 tail ? "tail call (jmp) to" : "call to", target, arg.call, via, j, arg.expression,
				 arg.value, arg.evidence[0] ? "; " : "", arg.evidence);
		return NULL;
	}
	kt_textf(h->from_call_site.how, sizeof(h->from_call_site.how), "%s",
		 tried[0] ? tried : "no frame was entered by a call to a lock function");
	return NULL;
}

/* [lo, hi): the task's live kernel stack, from its innermost frame (or saved sp) up. */
static bool live_stack(struct kt_program *prog, const struct kt_task *task, uint64_t sp,
		       uint64_t *lo, uint64_t *hi)
{
	struct kt_stack_set set;
	struct kt_error *err = kt_stacks_get(prog, task->address, task->cpu, &set);
	if (err) {
		kt_error_destroy(err);
		return false;
	}
	for (size_t i = 0; i < set.n; i++) {
		if (set.stacks[i].kind != KT_STACK_TASK)
			continue;
		*hi = set.stacks[i].end;
		*lo = sp >= set.stacks[i].start && sp < set.stacks[i].end ? sp : set.stacks[i].start;
		return true;
	}
	return false;
}

size_t kt_hung_stack_find(struct kt_program *prog, const struct kt_task *task, uint64_t value,
			  uint64_t *ret, size_t max)
{
	struct kt_task_info info;
	struct kt_error *err = kt_task_info_read(prog, task, &info);
	uint64_t lo, hi;
	if (err || !live_stack(prog, task, task->active ? 0 : info.sp, &lo, &hi) || hi - lo > (1u << 16)) {
		kt_error_destroy(err);
		return 0;
	}
	size_t n = 0;
	uint64_t buf[512];
	for (uint64_t at = lo & ~7ull; at < hi; at += sizeof(buf)) {
		size_t len = hi - at < sizeof(buf) ? (size_t)(hi - at) : sizeof(buf);
		if ((err = kt_read(&prog->reader, at, buf, len))) {
			kt_error_destroy(err);
			continue;
		}
		for (size_t k = 0; k < len / 8; k++)
			if (buf[k] == value && n++ < max)
				ret[n - 1] = at + 8 * k;
	}
	return n;
}

struct head_search {
	struct kt_findings_input *in;
	const struct kt_lock_layout *l;
	uint64_t head;
	size_t heads, waiters;
};

static bool head_visit(uint64_t node, void *arg)
{
	struct head_search *s = arg;
	uint64_t task = 0;
	struct kt_error *err = kt_read_u64(&s->in->prog->reader, node - s->l->link_offset + s->l->task_offset,
					   &task);
	kt_error_destroy(err);
	if (!err && kt_hung_task_by_address(s->in, task)) {
		s->waiters++;
	} else {
		s->heads++;
		s->head = node;
	}
	return true;
}

static bool read_ok(struct kt_program *prog, uint64_t addr, uint64_t *ret)
{
	struct kt_error *err = kt_read_u64(&prog->reader, addr, ret);
	kt_error_destroy(err);
	return !err;
}

/* The waiter structure on the task's stack, and the one node of its list that is no waiter. */
static void lock_from_stack(struct kt_findings_input *in, struct kt_hung_task *h)
{
	struct kt_program *prog = in->prog;
	struct kt_lock_layout l;
	struct kt_error *err = kt_lock_layout_get(prog, h->kind, &l);
	if (err) {
		kt_textf(h->from_stack.how, sizeof(h->from_stack.how), "%s", kt_error_message(err));
		kt_error_destroy(err);
		return;
	}
	uint64_t slots[32];
	size_t n = kt_hung_stack_find(prog, h->task, h->task->address, slots, KT_ARRAY_SIZE(slots));
	char tried[200] = "";
	for (size_t i = 0; i < n && i < KT_ARRAY_SIZE(slots); i++) {
		uint64_t waiter = slots[i] - l.task_offset, link = waiter + l.link_offset, next, prev, back;
		if (!read_ok(prog, link, &next) || !read_ok(prog, link + 8, &prev) ||
		    !read_ok(prog, next + 8, &back) || back != link || !read_ok(prog, prev, &back) ||
		    back != link || next == link)
			continue;  // not a list_head linked both ways
		struct head_search s = {.in = in, .l = &l};
		err = kt_list_for_each(&prog->reader, link, KT_LOCK_WAITERS_MAX, head_visit, &s);
		if (err) {
			kt_textf(tried, sizeof(tried), "the list at 0x%" PRIx64 ": %s", link, kt_error_message(err));
			kt_error_destroy(err);
			continue;
		}
		if (s.heads != 1) {
			kt_textf(tried, sizeof(tried), "%s at 0x%" PRIx64 " is linked in a list with %zu nodes "
				 "that are not waiters (one expected: the lock's head)", l.waiter_type, waiter,
				 s.heads);
			continue;
		}
		uint64_t lock = s.head - l.head_offset;
		h->from_stack = (struct kt_hung_evidence){.found = true, .address = lock};
		kt_textf(h->from_stack.how, sizeof(h->from_stack.how),
			 "%s at 0x%" PRIx64 " on the task's stack (.%s = the task, slot 0x%" PRIx64 "), linked "
			 "by .%s into a list of %zu other waiter(s) and one head at 0x%" PRIx64 " = %s.%s of the "
			 "%s at 0x%" PRIx64, l.waiter_type, waiter, l.task_member, slots[i], l.link_member,
			 s.waiters, s.head, kt_lock_type_name(h->kind), l.head_path, kt_lock_type_name(h->kind),
			 lock);
		return;
	}
	kt_textf(h->from_stack.how, sizeof(h->from_stack.how), "%s", tried[0] ? tried
		 : n ? "no slot holding the task's address is the task member of a linked waiter"
		     : "the task's address is on no slot of its live stack");
}

/* now - sched_info.last_arrival, now being the task's CPU's runqueue clock. */
static void wait_time(struct kt_findings_input *in, struct kt_hung_task *h)
{
	struct kt_program *prog = in->prog;
	struct kt_object task, rq, cpu_rq, jiffies;
	if (kt_object_from_address(prog, "struct task_struct", h->task->address, &task))
		return;
	h->has_wait = kt_object_member_u64(&task, "sched_info.last_arrival", &h->last_arrival) && h->last_arrival;
	struct kt_error *err = kt_object_from_symbol(prog, "runqueues", &rq);
	if (!err && h->task->cpu >= 0)
		err = kt_object_per_cpu(&rq, (unsigned int)h->task->cpu, &cpu_rq);
	if (!err && kt_object_member_u64(&cpu_rq, "clock", &h->now) && h->now >= h->last_arrival) {
		kt_textf(h->now_source, sizeof(h->now_source), "runqueues.clock of CPU %d", h->task->cpu);
	} else {
		// The latest last_arrival of any task stands in for the clock.
		const struct kt_task *tasks;
		size_t n;
		kt_input_tasks(in, &tasks, &n);
		h->now = 0;
		for (size_t i = 0; i < n; i++) {
			struct kt_object t;
			uint64_t v;
			if (!kt_object_from_address(prog, "struct task_struct", tasks[i].address, &t) &&
			    kt_object_member_u64(&t, "sched_info.last_arrival", &v) && v > h->now)
				h->now = v;
		}
		kt_textf(h->now_source, sizeof(h->now_source), "the latest sched_info.last_arrival of any task");
	}
	kt_error_destroy(err);
	h->has_wait &= h->now >= h->last_arrival;
	struct kt_error *jerr = kt_object_from_symbol(prog, "jiffies", &jiffies);
	h->has_last_switch = !jerr && kt_object_member_u64(&task, "last_switch_time", &h->last_switch_time) &&
			     !kt_object_read_unsigned(&jiffies, &h->jiffies);
	kt_error_destroy(jerr);
}

struct kt_error *kt_hung_task_analyse(struct kt_findings_input *in, const struct kt_task *task,
				      struct kt_hung_task *ret)
{
	struct kt_program *prog = in->prog;
	struct kt_hung_task h = {.task = task};
	struct kt_error *err = kt_backtrace_of_task(prog, task, NULL, &h.bt);
	if (err == &kt_enomem)
		return err;
	if (err) {
		kt_textf(h.bt_error, sizeof(h.bt_error), "%s", kt_error_message(err));
		kt_error_destroy(err);
	}
	wait_time(in, &h);
	if (h.bt)
		find_primitive(&h);
	if (h.has_primitive) {
		if ((err = lock_from_call_site(prog, &h))) {
			kt_hung_task_deinit(&h);
			return err;
		}
		lock_from_stack(in, &h);
		// The vmlinux's DWARF address index costs more than the rest of the report: read only
		// when the call site and the waiter on the stack do not already agree.
		if (h.from_call_site.found && h.from_stack.found &&
		    h.from_call_site.address == h.from_stack.address)
			kt_textf(h.from_dwarf.how, sizeof(h.from_dwarf.how), "not read: the call site and the "
				 "waiter on the stack already name the same lock");
		else
			lock_from_dwarf(prog, &h);
	}
	// The lock that holds the task on its wait list wins when the ways disagree.
	const struct kt_hung_evidence *ways[] = {&h.from_dwarf, &h.from_call_site, &h.from_stack};
	for (size_t i = 0; i < 3 && !(h.has_lock_state && kt_lock_has_waiter(&h.lock_state, task->address)); i++) {
		uint64_t candidate = ways[i]->found ? ways[i]->address : 0;
		bool tried = false;
		for (size_t k = 0; k < i; k++)
			tried |= ways[k]->found && ways[k]->address == candidate;
		if (!candidate || tried)
			continue;
		struct kt_lock_state s;
		err = kt_lock_read(prog, h.kind, candidate, &s);
		if (err == &kt_enomem) {
			kt_hung_task_deinit(&h);
			return err;
		}
		if (err) {
			if (!h.has_lock_state)
				kt_textf(h.lock_error, sizeof(h.lock_error), "%s at 0x%" PRIx64 ": %s",
					 kt_lock_type_name(h.kind), candidate, kt_error_message(err));
			kt_error_destroy(err);
			continue;
		}
		if (h.has_lock_state && !kt_lock_has_waiter(&s, task->address)) {
			kt_lock_state_deinit(&s);
			continue;
		}
		if (h.has_lock_state)
			kt_lock_state_deinit(&h.lock_state);
		h.lock_state = s;
		h.has_lock_state = true;
		h.lock = candidate;
	}
	for (size_t i = 0; i < 3 && !h.lock; i++)
		h.lock = ways[i]->found ? ways[i]->address : 0;  // found, but no lock could be read there
	*ret = h;
	return NULL;
}

void kt_hung_task_deinit(struct kt_hung_task *h)
{
	kt_backtrace_destroy(h->bt);
	h->bt = NULL;
	if (h->has_lock_state)
		kt_lock_state_deinit(&h->lock_state);
	h->has_lock_state = false;
}
