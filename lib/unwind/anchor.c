// SPDX-License-Identifier: MIT
/*
 * A CPU without registers, unwound from a stack pointer that something else vouches for: the
 * host stack pointer a hypervisor saved at VM entry (struct kt_stack_anchor). The VM-entry code
 * stored it in its own frame, below the return address into its caller: the first return
 * address above the anchor is that caller's, and the entry function's unwind data proves it
 * when one of its ORC entries puts the return address exactly there with sp at the anchor
 * (vmenter.S stores sp after its pushes, v3.10's inline asm in vmx_vcpu_run likewise). From
 * there the chain unwinds like any other. Its frames replace the reconstruction's at and above
 * the anchor (reconstruct.c found those by scanning); where the two differ, the note says how.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "unwind/backtrace_build.h"
#include "unwind/prologue.h"
#include "unwind/pt_regs_proof.h"

enum {
	ANCHOR_SEARCH_MAX = 512,   /* bytes above the anchor searched for the caller's return address */
	FUNCTION_SEARCH_MAX = 8192, /* bytes of the entry function searched for a matching ORC entry */
	PUSH_SEARCH_MAX = 128       /* bytes of its start followed for pushes that reach the anchor */
};

/* A pc in the function starting at start (named name) whose ORC entry says CFA = sp + cfa_off:
 * with sp at the anchor, the return address sits exactly cfa_off - 8 above it. */
static bool orc_places(struct kt_unwinder *uw, uint64_t start, const char *name, int64_t cfa_off,
		       uint64_t *pc_ret)
{
	if (!uw->orc || !name)
		return false;
	uint64_t range = UINT64_MAX;
	for (uint64_t pc = start; pc < start + FUNCTION_SEARCH_MAX; pc++) {
		struct kt_orc_entry e;
		uint64_t from;
		struct kt_error *err = kt_orc_find(uw->orc, pc, &e, &from);
		kt_error_destroy(err);
		if (err)
			return false;
		if (from == range)
			continue;
		range = from;
		const char *fn, *module;
		uint64_t off;
		err = kt_program_symbolize(uw->prog, pc, &fn, &off, &module);
		kt_error_destroy(err);
		if (err || strcmp(fn, name))
			return false;  // past the function's end
		if (e.type == KT_ORC_TYPE_CALL && e.sp_reg == KT_ORC_REG_SP && e.sp_offset == cfa_off) {
			*pc_ret = pc;
			return true;
		}
	}
	return false;
}

/* A pc in the first bytes of the function starting at start by which its code has pushed
 * exactly depth bytes (prologue.c): v6.1's vmenter.S saves its stack pointer after nine pushes,
 * where ORC describes the frame by %rbp, not by the stack pointer. */
static bool pushes_reach(struct kt_unwinder *uw, uint64_t start, uint64_t depth, uint64_t *pc_ret)
{
	for (uint64_t pc = start; pc < start + PUSH_SEARCH_MAX; pc++) {
		uint64_t d;
		struct kt_error *err = kt_prologue_depth(uw->prog, start, pc, &d);
		kt_error_destroy(err);
		if (!err && d == depth) {
			*pc_ret = pc;
			return true;
		}
	}
	return false;
}

/* The anchored chain of a into anchored (its innermost frame the entry function, pc unknown). */
static struct kt_error *unwind_anchor(struct kt_unwinder *uw, struct kt_backtrace *anchored,
				      const struct kt_stack_anchor *a, const struct kt_stack_copy *c,
				      char *why, size_t why_size)
{
	uint64_t slot = 0, ret = 0, target = 0;
	char call[160];
	for (uint64_t s = a->sp; s < c->end && s - a->sp < ANCHOR_SEARCH_MAX; s += 8) {
		uint64_t r;
		if (kt_stack_word(c, s, &r) && kt_is_kernel_text(uw, r) &&
		    kt_check_call_before(uw->prog, r, 0, &target, call, sizeof(call))) {
			slot = s;
			ret = r;
			break;
		}
	}
	if (!slot) {
		snprintf(why, why_size, "no return address within %d bytes above it", ANCHOR_SEARCH_MAX);
		return NULL;
	}
	struct kt_frame callee = {.pc = target, .exact = true};
	bool named = target && !kt_call_target_is_trampoline(uw->prog, target);
	if (named)
		kt_bt_describe(uw, &callee);
	uint64_t proof_pc = 0;
	bool by_orc = named && callee.function &&
		      orc_places(uw, target, callee.function, (int64_t)(slot + 8 - a->sp), &proof_pc);
	bool by_pushes = named && callee.function && !by_orc &&
			 pushes_reach(uw, target, slot - a->sp, &proof_pc);
	bool proven = by_orc || by_pushes;
	char reason[KT_FRAME_REASON_MAX];
	struct kt_frame top = {.sp = a->sp, .status = KT_FRAME_INFERRED,
			       .reason_code = KT_FRAME_REASON_VMENTRY_HOST_RSP};
	struct kt_frame caller = {.pc = ret, .slot = slot};
	kt_bt_describe(uw, &caller);
	top.stack = caller.stack;
	if (named && callee.function) {
		top.function = callee.function;
		top.module = callee.module;
		if (proven)
			snprintf(reason, sizeof(reason), "the VM-entry function: its stack pointer was 0x%016" PRIx64
				 " (%s); %s at %s+0x%" PRIx64 " puts the return address into %s exactly at "
				 "0x%016" PRIx64, a->sp, a->source, by_orc ? "its ORC entry" : "its pushes",
				 callee.function, proof_pc - target, caller.function ? caller.function : "?",
				 slot);
		else
			snprintf(reason, sizeof(reason), "the VM-entry function: its stack pointer was 0x%016" PRIx64
				 " (%s); %s called it, the first return address above, at 0x%016" PRIx64
				 " (no ORC entry of it proves the distance)", a->sp, a->source,
				 caller.function ? caller.function : "?", slot);
	} else {
		snprintf(reason, sizeof(reason), "the VM-entry function, called indirectly (which one needs the "
			 "call site resolved): its stack pointer was 0x%016" PRIx64 " (%s)", a->sp, a->source);
	}
	struct kt_error *err = kt_bt_add_frame(anchored, &top, reason, false);
	if (err)
		return err;
	snprintf(reason, sizeof(reason), "return address at 0x%016" PRIx64 ", %s, the first above the host "
		 "stack pointer 0x%016" PRIx64 " (%s)%s", slot, call, a->sp, a->source,
		 by_orc ? ", where the callee's ORC puts it" : by_pushes ? ", where the callee's pushes put it" : "");
	struct kt_unwind_state st = {.ip = ret, .sp = slot + 8, .slot = slot};
	return kt_bt_unwind_from(uw, anchored, st, proven ? KT_FRAME_VERIFIED : KT_FRAME_INFERRED,
				 KT_FRAME_REASON_VMENTRY_HOST_RSP, reason);
}

/* Frame f of the reconstruction lies at or above the anchor on its stack. */
static bool at_or_above(struct kt_unwinder *uw, const struct kt_frame *f, const struct kt_stack *stack,
			uint64_t sp)
{
	uint64_t where = f->slot ? f->slot : f->sp;
	return where && kt_stacks_find(&uw->stacks, where) == stack && (f->slot ? where >= sp : where > sp);
}

static void frame_name(const struct kt_frame *f, char *buf, size_t size)
{
	snprintf(buf, size, "%s+0x%" PRIx64 " at 0x%016" PRIx64, f->function ? f->function : "?",
		 f->offset, f->slot ? f->slot : f->sp);
}

struct kt_error *kt_bt_anchor(struct kt_unwinder *uw, struct kt_backtrace *bt,
			      const struct kt_stack_anchor *a)
{
	const struct kt_stack *stack = kt_stacks_find(&uw->stacks, a->sp);
	if (!stack) {
		kt_bt_set_note(bt, bt->note_code, "%s; the host stack pointer 0x%016" PRIx64 " (%s) lies on "
			       "none of the CPU's stacks: not used", bt->note, a->sp, a->source);
		return NULL;
	}
	struct kt_stack_copy *c = malloc(sizeof(*c));
	struct kt_backtrace_impl *impl = calloc(1, sizeof(*impl));
	struct kt_error *err = NULL;
	if (!c || !impl) {
		err = &kt_enomem;
		goto out;
	}
	if ((err = kt_stack_copy_read(uw->prog, stack, c))) {
		if (err == &kt_enomem)
			goto out;
		kt_bt_set_note(bt, bt->note_code, "%s; the %s holding the host stack pointer 0x%016" PRIx64
			       " (%s) cannot be read: %s", bt->note, kt_stack_name(stack->kind), a->sp,
			       a->source, kt_error_message(err));
		kt_error_destroy(err);
		err = NULL;
		goto out;
	}
	struct kt_backtrace *anchored = &impl->bt;
	anchored->note = "";
	char why[KT_REASON_MAX] = "";
	if ((err = unwind_anchor(uw, anchored, a, c, why, sizeof(why))))
		goto out;
	if (!anchored->n_frames) {
		kt_bt_set_note(bt, bt->note_code, "%s; the host stack pointer 0x%016" PRIx64 " (%s) gives no "
			       "chain: %s", bt->note, a->sp, a->source, why);
		goto out;
	}
	// The reconstruction's frames at and above the anchor give way to the anchored ones.
	size_t keep = 0;
	while (keep < bt->n_frames && !at_or_above(uw, &bt->frames[keep], stack, a->sp))
		keep++;
	size_t agree = 0, compared = 0;
	char differ[256] = "";
	for (size_t i = keep; i < bt->n_frames; i++) {
		const struct kt_frame *r = &bt->frames[i];
		if (!r->slot)
			continue;
		compared++;
		const struct kt_frame *m = NULL;
		for (size_t j = 0; j < anchored->n_frames && !m; j++)
			if (anchored->frames[j].slot == r->slot)
				m = &anchored->frames[j];
		if (m && m->pc == r->pc) {
			agree++;
		} else if (!differ[0]) {
			char rn[96], an[96];
			frame_name(r, rn, sizeof(rn));
			if (m)
				frame_name(m, an, sizeof(an));
			snprintf(differ, sizeof(differ), "the reconstruction had %s, the anchor %s", rn,
				 m ? an : "no frame at that slot");
		}
	}
	// Frames the anchor finds inside the part of the stack the reconstruction covered, which it
	// does not have.
	uint64_t covered = 0;
	for (size_t i = keep; i < bt->n_frames; i++)
		if (bt->frames[i].slot > covered)
			covered = bt->frames[i].slot;
	for (size_t j = 1; j < anchored->n_frames; j++) {
		const struct kt_frame *m = &anchored->frames[j];
		bool found = false;
		for (size_t i = keep; i < bt->n_frames && !found; i++)
			found = bt->frames[i].slot == m->slot;
		if (!m->slot || m->slot > covered || found)
			continue;
		compared++;
		if (!differ[0]) {
			char an[96];
			frame_name(m, an, sizeof(an));
			snprintf(differ, sizeof(differ), "the reconstruction has no frame where the anchor has %s",
				 an);
		}
	}
	// The entry function's frame: the reconstruction's, with its pc, when it found the same one
	// just below the anchor.
	size_t first = 0;
	const struct kt_frame *below = keep ? &bt->frames[keep - 1] : NULL;
	const struct kt_frame *entry = &anchored->frames[0];
	if (below && entry->function && below->function && !strcmp(entry->function, below->function) &&
	    kt_stacks_find(&uw->stacks, below->sp) == stack) {
		char reason[KT_FRAME_REASON_MAX];
		snprintf(reason, sizeof(reason), "%s; the host stack pointer 0x%016" PRIx64 " (%s) puts this "
			 "function's frame here as well", below->reason, a->sp, a->source);
		const char *owned = kt_strpool_str(kt_bt_strings(bt), reason);
		if (!owned) {
			err = &kt_enomem;
			goto out;
		}
		bt->frames[keep - 1].reason = owned;
		first = 1;
	}
	bt->n_frames = keep;
	for (size_t j = first; j < anchored->n_frames && !err; j++) {
		struct kt_frame f = anchored->frames[j];
		f.reason_code = KT_FRAME_REASON_VMENTRY_HOST_RSP;
		char reason[KT_FRAME_REASON_MAX];
		if (j <= 1)
			snprintf(reason, sizeof(reason), "%s", f.reason);
		else
			snprintf(reason, sizeof(reason), "%s; anchored by the host stack pointer 0x%016" PRIx64,
				 f.reason, a->sp);
		err = kt_bt_add_frame(bt, &f, reason, false);
	}
	// Values the anchored chain uses as frames are no longer stale.
	size_t n_stale = 0;
	for (size_t i = 0; i < bt->n_stale; i++) {
		bool used = false;
		for (size_t j = 0; j < anchored->n_frames && !used; j++)
			used = anchored->frames[j].slot && anchored->frames[j].slot == bt->stale[i].slot;
		if (!used)
			bt->stale[n_stale++] = bt->stale[i];
	}
	bt->n_stale = n_stale;
	if (!err) {
		char verdict[320];
		if (!compared)
			snprintf(verdict, sizeof(verdict), "the reconstruction had no frame there");
		else if (agree == compared)
			snprintf(verdict, sizeof(verdict), "the reconstruction agrees on all %zu frames there",
				 compared);
		else
			snprintf(verdict, sizeof(verdict), "the reconstruction DISAGREES on %zu of %zu frames "
				 "there (%s): the anchor's are shown", compared - agree, compared, differ);
		kt_bt_set_note(bt, anchored->note_code, "%s; frames at and above the host stack pointer "
			       "0x%016" PRIx64 " (%s) unwound from it: %s; before: %s", anchored->note, a->sp,
			       a->source, verdict, bt->note);
	}
out:
	if (impl) {
		free(impl->bt.frames);
		free(impl->bt.stale);
		kt_strpool_free(&impl->strings);
		free(impl);
	}
	free(c);
	return err;
}
