// SPDX-License-Identifier: MIT
/*
 * Backtraces of a CPU that saved no registers (it ignored the crash NMI). What can be proven:
 *
 * 1. pt_regs on the CPU's exception and IRQ stacks. A candidate is proven when a return address
 *    just below it belongs to entry code whose ORC entry says "a pt_regs frame is here" (the
 *    call from asm_exc_nmi to exc_nmi, for instance). From those registers the interrupted
 *    context unwinds like any other.
 * 2. The handler's frames above the pt_regs: linked downwards from that return address. A slot s2
 *    below slot s belongs to the chain if its value R2 is a return address into the function the
 *    call before s targets, and R2's ORC entry puts the caller's return address exactly at s.
 * 3. Without any pt_regs, the same linking from the top of the task stack, where the entry code
 *    (ret_from_fork, the syscall entry) left a pt_regs frame.
 * Frames found this way are "inferred", those unwound from proven pt_regs "verified".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "unwind/backtrace_build.h"
#include "unwind/pt_regs_proof.h"

enum {
	PROOF_SLOTS = 8,          /* the entry frame's return address: this many slots below the top */
	LINK_SEARCH_MAX = 4096,   /* bytes searched below a slot for the next link */
};

struct link {
	uint64_t slot, ret;
};

/* A kernel thread's outermost frame: ret_from_fork's call into the thread function, whose ORC
 * entry ends the stack (UNWIND_HINT_EMPTY), just below the task's pt_regs at the top. */
static bool find_outermost(struct kt_unwinder *uw, const struct kt_stack_copy *c, uint64_t *slot_ret,
			   uint64_t *ret_addr_ret)
{
	uint64_t top = c->end;
	for (uint64_t s = top - PT_REGS_SIZE - 8; s >= top - PT_REGS_SIZE - 8 * PROOF_SLOTS; s -= 8) {
		uint64_t r;
		struct kt_orc_entry orc;
		if (!kt_stack_word(c, s, &r) || !kt_is_kernel_text(uw, r))
			continue;
		struct kt_error *err = kt_orc_find(uw->orc, r - 1, &orc, NULL);
		kt_error_destroy(err);
		char why[KT_REASON_MAX];
		uint64_t target;
		if (!err && orc.type == KT_ORC_TYPE_END_OF_STACK &&
		    kt_check_call_before(uw->prog, r, 0, &target, why, sizeof(why))) {
			*slot_ret = s;
			*ret_addr_ret = r;
			return true;
		}
	}
	return false;
}

/* Links downwards from (slot, ret): see 2. above. Returns how many links were found. */
static size_t link_down(struct kt_unwinder *uw, const struct kt_stack_copy *c, uint64_t slot,
			uint64_t ret, struct link *out, size_t max)
{
	size_t n = 0;
	while (n < max) {
		uint64_t target;
		char why[KT_REASON_MAX];
		kt_check_call_before(uw->prog, ret, 0, &target, why, sizeof(why));
		bool found = false;
		for (uint64_t s2 = slot - 8; s2 >= c->start && slot - s2 <= LINK_SEARCH_MAX; s2 -= 8) {
			uint64_t r2;
			if (!kt_stack_word(c, s2, &r2) || !kt_is_kernel_text(uw, r2))
				continue;
			struct kt_frame f = {.pc = r2};
			kt_bt_describe(uw, &f);
			uint64_t start = kt_bt_function_start(&f);
			if (target && start != target && !kt_call_target_is_trampoline(uw->prog, target))
				continue;  // a call through a thunk or trampoline names no callee: any fits
			struct kt_unwind_state st = {.ip = r2, .sp = s2 + 8};
			bool done;
			struct kt_error *err = kt_unwind_step_as(uw, KT_UNWINDER_AUTO, &st, &done, why, sizeof(why));
			kt_error_destroy(err);
			if (err || done || st.slot != slot)
				continue;
			uint64_t t2;
			if (!kt_check_call_before(uw->prog, r2, 0, &t2, why, sizeof(why)))
				continue;
			out[n++] = (struct link){s2, r2};
			slot = s2;
			ret = r2;
			found = true;
			break;
		}
		if (!found)
			break;
	}
	return n;
}

/*
 * Functions that write one log record per call and return (printk's entry points over the
 * releases: printk until v5.14, _printk from v5.15 (commit 337015573718 "printk: Userspace
 * format indexing support"), and what they call).
 */
static bool writes_log_record(const char *fn)
{
	static const char *const names[] = {"printk", "_printk", "vprintk", "vprintk_emit",
					    "vprintk_default", "vprintk_func", "printk_deferred",
					    "_printk_deferred", "vprintk_deferred"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(fn, names[i]))
			return true;
	return false;
}

struct log_search {
	uint32_t caller_id;
	bool found;
	uint64_t seq;
	char text[64];
};

static bool log_visit(const struct kt_log_record *rec, void *arg)
{
	struct log_search *ls = arg;
	if (rec->caller_id == ls->caller_id) {
		ls->found = true;
		ls->seq = rec->seq;
		size_t n = rec->text_len < sizeof(ls->text) - 1 ? rec->text_len : sizeof(ls->text) - 1;
		memcpy(ls->text, rec->text, n);
		ls->text[n] = '\0';
	}
	return true;
}

/* Evidence that the candidate callee g of caller f ran, and whether it finished, from the
 * dump: return addresses of g's own calls in the slots below the call's, and for a function
 * that writes a log record, the complete record this CPU wrote outside task context (printk's
 * caller id "C<cpu>": 0x80000000 | cpu, kernel/printk/printk.c printk_caller_id()). */
static void candidate_evidence(struct kt_unwinder *uw, const struct kt_backtrace *bt,
			       const struct kt_stack_copy *c, uint64_t slot, uint64_t g_start,
			       const char *g, const char *f, char *out, size_t size)
{
	size_t n = 0;
	out[0] = '\0';
	for (uint64_t s = slot - 8; c && s >= c->start && slot - s <= 1024; s -= 8) {
		uint64_t r, target;
		char why[KT_REASON_MAX];
		if (!kt_stack_word(c, s, &r) || !kt_is_kernel_text(uw, r))
			continue;
		struct kt_frame f = {.pc = r};
		kt_bt_describe(uw, &f);
		if (kt_bt_function_start(&f) != g_start || !kt_check_call_before(uw->prog, r, 0, &target, why,
										    sizeof(why)))
			continue;
		n += (size_t)snprintf(out + n, size - n, "; %s ran: %s+0x%llx (%s) lies below, at "
				      "0x%016llx", g, g, (unsigned long long)f.offset, why,
				      (unsigned long long)s);
		break;
	}
	if (n >= size || !writes_log_record(g) || bt->cpu < 0)
		return;
	struct log_search ls = {.caller_id = 0x80000000u | (uint32_t)bt->cpu};
	struct kt_error *err = kt_log_for_each(uw->prog, log_visit, &ls);
	kt_error_destroy(err);
	if (!err && ls.found)
		snprintf(out + n, size - n, "; the log holds the complete record CPU %d wrote out of task "
			 "context (seq %llu, \"%s\"): %s most likely returned, %s runs on", bt->cpu,
			 (unsigned long long)ls.seq, ls.text, g, f);
}

/* The innermost function: the callee of the deepest call found, its pc unknown. That call may
 * have returned already (its return address stays in the slot until another call overwrites
 * it): the caller, which holds the return address, is the innermost frame the stack proves. */
static struct kt_error *add_top_frame(struct kt_unwinder *uw, struct kt_backtrace *bt,
				      const struct kt_stack_copy *c, uint64_t deepest_ret,
				      uint64_t deepest_slot)
{
	uint64_t target;
	char why[KT_REASON_MAX], reason[KT_FRAME_REASON_MAX], evidence[KT_FRAME_REASON_MAX];
	kt_check_call_before(uw->prog, deepest_ret, 0, &target, why, sizeof(why));
	struct kt_frame f = {.status = KT_FRAME_INFERRED, .sp = deepest_slot};
	struct kt_frame caller = {.pc = deepest_ret, .slot = deepest_slot};
	kt_bt_describe(uw, &caller);
	struct kt_frame t = {.pc = target, .exact = true};
	if (target)
		kt_bt_describe(uw, &t);
	f.stack = caller.stack;
	const char *fn = caller.function ? caller.function : "?";
	if (target && t.function && !kt_call_target_is_trampoline(uw->prog, target)) {
		f.function = t.function;
		f.module = t.module;
		f.reason_code = KT_FRAME_REASON_CANDIDATE_CALLEE;
		candidate_evidence(uw, bt, c, deepest_slot, target, t.function, fn, evidence,
				   sizeof(evidence));
		snprintf(reason, sizeof(reason), "a candidate: %s+0x%llx called %s, which may still run or "
			 "have returned (no registers tell): %s is the innermost frame the stack proves%s",
			 fn, (unsigned long long)caller.offset, t.function, fn, evidence);
	} else {
		f.reason_code = KT_FRAME_REASON_INDIRECT_CALLEE;
		snprintf(reason, sizeof(reason), "the callee of the indirect call before %s+0x%llx; "
			 "which function it is needs the call site resolved", fn,
			 (unsigned long long)caller.offset);
	}
	return kt_bt_add_frame(bt, &f, reason, false);
}

/* The frames of links, deepest first; with innermost, the deepest is the innermost frame the
 * stack proves (its callee, the frame above, only a candidate). */
static struct kt_error *add_linked(struct kt_unwinder *uw, struct kt_backtrace *bt,
				   const struct link *links, size_t n, enum kt_frame_reason_code code,
				   const char *how, bool innermost)
{
	struct kt_error *err = NULL;
	for (size_t i = n; i-- > 0 && !err;) {
		struct kt_frame f = {.pc = links[i].ret, .slot = links[i].slot, .sp = links[i].slot + 8,
				     .status = KT_FRAME_INFERRED, .reason_code = code};
		kt_bt_describe(uw, &f);
		char call[128];
		uint64_t target;
		kt_check_call_before(uw->prog, f.pc, 0, &target, call, sizeof(call));
		char reason[KT_FRAME_REASON_MAX];
		snprintf(reason, sizeof(reason), "return address at 0x%016llx, %s; %s%s",
			 (unsigned long long)f.slot, call, how,
			 innermost && i == n - 1 ? "; the innermost frame the stack proves" : "");
		err = kt_bt_add_frame(bt, &f, reason, false);
	}
	return err;
}

/* The interrupted context, the handler frames above it, and the stale values around them. */
static struct kt_error *from_proven_regs(struct kt_unwinder *uw, struct kt_backtrace *bt,
					 const struct kt_stack_copy *c, uint64_t a, uint64_t slot,
					 uint64_t ret)
{
	struct link links[64];
	size_t n = link_down(uw, c, slot, ret, links, 64);
	uint64_t deepest_ret = n ? links[n - 1].ret : ret, deepest_slot = n ? links[n - 1].slot : slot;
	struct kt_error *err = add_top_frame(uw, bt, c, deepest_ret, deepest_slot);
	if (!err)
		err = add_linked(uw, bt, links, n, KT_FRAME_REASON_LINKED,
				 "linked by ORC frame size to the frame below", true);
	struct link proof = {slot, ret};
	if (!err)
		err = add_linked(uw, bt, &proof, 1, KT_FRAME_REASON_LINKED,
				 "its ORC entry marks the pt_regs above", n == 0);
	if (err)
		return err;
	uint64_t regs_words[PT_REGS_SIZE / 8] = {0};
	for (size_t i = 0; i < PT_REGS_SIZE / 8; i++)
		kt_stack_word(c, a + 8 * i, &regs_words[i]);
	struct kt_unwind_state st = {.exact = true, .pt_regs = a, .bp_known = true};
	kt_regs_from_pt_regs(&st.regs, (const uint8_t *)regs_words);
	st.ip = st.regs.r[KT_REG_rip];
	st.sp = st.regs.r[KT_REG_rsp];
	st.bp = st.regs.r[KT_REG_rbp];
	char why[KT_REASON_MAX];
	const struct kt_frame *proof_frame = &bt->frames[bt->n_frames - 1];
	snprintf(why, sizeof(why), "pc from pt_regs at 0x%016llx on the %s, proven by the return "
		 "address %s+0x%llx just below it, whose ORC entry marks a pt_regs frame there",
		 (unsigned long long)a, kt_stack_name(c->stack->kind),
		 proof_frame->function ? proof_frame->function : "?",
		 (unsigned long long)proof_frame->offset);
	size_t first = bt->n_frames;
	if ((err = kt_bt_unwind_from(uw, bt, st, KT_FRAME_VERIFIED, KT_FRAME_REASON_PROVEN_PT_REGS, why)))
		return err;
	if ((err = kt_bt_scan_chain(uw, bt)))
		return err;
	// Below the deepest handler frame on this stack, and below the interrupted sp on its stack.
	char where[128];
	snprintf(where, sizeof(where), "below the deepest live frame on the %s", kt_stack_name(c->stack->kind));
	if ((err = kt_bt_scan_stale(uw, bt, deepest_slot > 2048 + c->start ? deepest_slot - 2048
										  : c->start,
				    deepest_slot, KT_FRAME_REASON_STALE_BELOW_LIVE, where)))
		return err;
	const struct kt_stack *task = kt_stacks_find(&uw->stacks, bt->frames[first].sp);
	if (task) {
		uint64_t sp = bt->frames[first].sp;
		snprintf(where, sizeof(where), "below the interrupted stack pointer on the %s (dead stack)",
			 kt_stack_name(task->kind));
		err = kt_bt_scan_stale(uw, bt, sp - 2048 > task->start ? sp - 2048 : task->start, sp,
				       KT_FRAME_REASON_STALE_DEAD_STACK, where);
	}
	return err;
}

struct kt_error *kt_bt_reconstruct(struct kt_unwinder *uw, struct kt_backtrace *bt,
				   const char *why_no_regs)
{
	static const enum kt_stack_kind order[] = {KT_STACK_NMI, KT_STACK_MCE, KT_STACK_DB,
						   KT_STACK_DF, KT_STACK_SS, KT_STACK_IRQ};
	bt->registers_source = "none (reconstructed from the stacks)";
	struct kt_stack_copy *c = malloc(sizeof(*c));
	if (!c)
		return &kt_enomem;
	struct kt_error *err = NULL;
	for (size_t k = 0; k < sizeof(order) / sizeof(order[0]); k++) {
		for (size_t i = 0; i < uw->stacks.n; i++) {
			const struct kt_stack *s = &uw->stacks.stacks[i];
			if (s->kind != order[k])
				continue;
			if ((err = kt_stack_copy_read(uw->prog, s, c))) {
				kt_error_destroy(err);
				err = NULL;
				continue;
			}
			// The outermost exception frame of a stack sits at its top: search downwards.
			for (uint64_t a = c->end - PT_REGS_SIZE; a >= c->start; a -= 8) {
				uint64_t slot, ret;
				if (!kt_plausible_pt_regs(uw, c, a) || !kt_prove_pt_regs(uw, c, a, &slot, &ret))
					continue;
				err = from_proven_regs(uw, bt, c, a, slot, ret);
				kt_bt_set_note(bt, bt->note_code, "%s; %s", why_no_regs, bt->note);
				free(c);
				return err;
			}
		}
	}
	// 3. From the top of the task stack.
	const struct kt_stack *task = NULL;
	for (size_t i = 0; i < uw->stacks.n; i++)
		if (uw->stacks.stacks[i].kind == KT_STACK_TASK)
			task = &uw->stacks.stacks[i];
	if (task && !(err = kt_stack_copy_read(uw->prog, task, c))) {
		uint64_t a = task->end - PT_REGS_SIZE, slot, ret;
		if (kt_prove_pt_regs(uw, c, a, &slot, &ret) || find_outermost(uw, c, &slot, &ret)) {
			struct link links[KT_MAX_FRAMES / 4];
			size_t n = link_down(uw, c, slot, ret, links, sizeof(links) / sizeof(links[0]));
			uint64_t dr = n ? links[n - 1].ret : ret, ds = n ? links[n - 1].slot : slot;
			struct link proof = {slot, ret};
			if (!(err = add_top_frame(uw, bt, c, dr, ds)) &&
			    !(err = add_linked(uw, bt, links, n, KT_FRAME_REASON_LINKED,
					       "linked by ORC frame size to the frame below", true)))
				err = add_linked(uw, bt, &proof, 1, KT_FRAME_REASON_OUTERMOST,
						 "the outermost frame: its ORC entry marks "
						 "the task's entry pt_regs or the end of the stack", n == 0);
			kt_bt_set_note(bt, KT_STOP_REBUILT, "%s; no pt_regs on the CPU's exception or IRQ "
				 "stacks: rebuilt from the top of the task stack", why_no_regs);
		} else {
			kt_bt_set_note(bt, KT_STOP_NO_ENTRY_FRAME, "%s; no pt_regs found and the task stack's "
				 "entry frame is not recognisable: no backtrace", why_no_regs);
		}
	} else {
		kt_error_destroy(err);
		err = NULL;
		kt_bt_set_note(bt, KT_STOP_STACK_UNREADABLE, "%s; the task stack is unreadable", why_no_regs);
	}
	free(c);
	return err;
}
