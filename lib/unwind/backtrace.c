// SPDX-License-Identifier: MIT
/*
 * Backtraces of CPUs and tasks. A chain starts from trusted registers (a CPU's saved registers,
 * a sleeping task's switch frame: drivers.c) and follows ORC; every return address must sit after
 * a call to the frame above. A CPU that left no registers is reconstructed (reconstruct.c). Code
 * addresses on the stack that the chain does not use are listed as stale, with the reason.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/text.h"
#include "kernel/percpu.h"
#include "kernel/tasks.h"
#include "unwind/backtrace_build.h"
#include "unwind/cfi.h"
#include "unwind/cpu_regs.h"

const char *kt_frame_status_name(enum kt_frame_status status)
{
	static const char *const names[] = {"verified", "inferred", "stale"};
	return status <= KT_FRAME_STALE ? names[status] : "?";
}

const char *kt_pt_regs_name(unsigned int index)
{
	return kt_reg_name((enum kt_reg)index);
}

struct kt_error *kt_bt_add_frame(struct kt_backtrace *bt, const struct kt_frame *frame,
				 const char *reason, bool stale)
{
	const char *owned = kt_strpool_str(kt_bt_strings(bt), reason ? reason : "");
	if (!owned)
		return &kt_enomem;
	struct kt_frame **arr = stale ? &bt->stale : &bt->frames;
	size_t *n = stale ? &bt->n_stale : &bt->n_frames;
	// Capacity doubles whenever the count reaches a power of two (frames are ~600 bytes).
	if (*n == 0 || (*n >= 4 && !(*n & (*n - 1)))) {
		struct kt_frame *grown = realloc(*arr, (*n ? 2 * *n : 4) * sizeof(**arr));
		if (!grown)
			return &kt_enomem;
		*arr = grown;
	}
	(*arr)[*n] = *frame;
	(*arr)[(*n)++].reason = owned;
	return NULL;
}

void kt_bt_set_note(struct kt_backtrace *bt, enum kt_stop_code code, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	const char *owned = kt_strpool_str(kt_bt_strings(bt), buf);
	bt->note = owned ? owned : "(out of memory)";
	bt->note_code = code;
}

void kt_bt_describe(struct kt_unwinder *uw, struct kt_frame *f)
{
	const char *name, *module;
	uint64_t off;
	// A return address may follow a call that ends its function (a noreturn callee).
	uint64_t at = f->exact ? f->pc : f->pc - 1;
	struct kt_error *err = kt_program_symbolize(uw->prog, at, &name, &off, &module);
	if (!err) {
		f->function = name;
		f->offset = off + (f->pc - at);
		f->module = module;
	}
	kt_error_destroy(err);
	const struct kt_stack *stack = kt_stacks_find(&uw->stacks, f->sp ? f->sp : f->slot);
	f->stack = kt_stack_name(stack ? stack->kind : KT_STACK_UNKNOWN);
}

uint64_t kt_bt_function_start(const struct kt_frame *f)
{
	return f->function ? (f->exact ? f->pc : f->pc - 1) - (f->offset - (f->exact ? 0 : 1)) : 0;
}

/* A frame for the state, evidence and status filled in by the caller. */
void kt_bt_frame_from_state(struct kt_unwinder *uw, const struct kt_unwind_state *st,
			    struct kt_frame *f)
{
	memset(f, 0, sizeof(*f));
	f->pc = st->ip;
	f->sp = st->sp;
	f->slot = st->slot;
	f->exact = st->exact;
	if (st->pt_regs) {
		f->has_pt_regs = true;
		f->pt_regs_address = st->pt_regs;
		for (unsigned int r = 0; r < KT_PT_REGS_COUNT; r++)
			f->pt_regs[r] = st->regs.r[r];
	}
	kt_bt_describe(uw, f);
}

/* "return address at 0x... (placed by HOW), CALL": the reason of nearly every frame. */
static void reason_return_address(char *reason, size_t size, uint64_t slot, const char *how,
				  const char *call)
{
	struct kt_text t = kt_text_start(reason, size);
	kt_text_str(&t, "return address at 0x");
	kt_text_hex(&t, slot, 16);
	kt_text_str(&t, " (placed by ");
	kt_text_str(&t, how);
	kt_text_str(&t, "), ");
	kt_text_str(&t, call);
}

/* Which unwinder placed the frame at st, for its reason. */
static const char *unwinder_name(const struct kt_unwind_state *st)
{
	return st->by_cfi ? "DWARF CFI" : st->by_prologue ? "the callee's code"
	       : !st->by_fp ? "ORC"
	       : st->fp_proof == KT_FP_BY_ORC ? "the frame pointer, which the callee's ORC proves"
	       : st->fp_proof == KT_FP_BY_PROLOGUE ? "the frame pointer, which the callee's prologue proves"
	       : st->fp_rescan ? "the nearest frame record above: the callee keeps no frame pointer"
	       : "the frame pointer, unproven: the callee may not keep one";
}

/* The value the step found at st.ip is where the stack began: no call before it, and the unwind
 * data for it (ORC, as the kernel's own unwinder looks it up) ends the stack. */
static bool stack_start(struct kt_unwinder *uw, const struct kt_unwind_state *st)
{
	struct kt_orc_entry orc;
	struct kt_error *err = kt_orc_find(uw->orc, st->exact ? st->ip : st->ip - 1, &orc, NULL);
	kt_error_destroy(err);
	return !err && orc.type == KT_ORC_TYPE_END_OF_STACK;
}

/* Why the code before a return address (in a function) cannot be checked, or NULL if it can or
 * the address is in no function: the code is not in the dump, or it is init code
 * (_sinittext.._einittext), which free_initmem() gave back after boot (its pages may hold
 * anything now). */
static const char *code_gone(struct kt_unwinder *uw, uint64_t ret_addr)
{
	// Only an address inside a function can be a return address at all.
	const char *name, *module;
	uint64_t start, end, off;
	struct kt_error *err = kt_program_symbolize(uw->prog, ret_addr - 1, &name, &off, &module);
	kt_error_destroy(err);
	if (err)
		return NULL;
	err = kt_program_symbol_address(uw->prog, "_sinittext", &start);
	if (!err)
		err = kt_program_symbol_address(uw->prog, "_einittext", &end);
	kt_error_destroy(err);
	if (!err && ret_addr - 1 >= start && ret_addr - 1 < end)
		return "it is init code, freed after boot";
	uint8_t byte;
	err = kt_read(&uw->prog->reader, ret_addr - 1, &byte, 1);
	kt_error_destroy(err);
	return err ? "the code is not in the dump" : NULL;
}

struct kt_error *kt_bt_unwind_from(struct kt_unwinder *uw, struct kt_backtrace *bt,
				   struct kt_unwind_state st, enum kt_frame_status trust,
				   enum kt_frame_reason_code first_code, const char *first_reason)
{
	struct kt_frame f;
	char reason[KT_FRAME_REASON_MAX];
	kt_bt_frame_from_state(uw, &st, &f);
	f.status = trust;
	f.reason_code = first_code;
	struct kt_error *err = kt_bt_add_frame(bt, &f, first_reason, false);
	while (!err && bt->n_frames < KT_MAX_FRAMES) {
		const struct kt_frame *above = &bt->frames[bt->n_frames - 1];
		uint64_t callee = kt_bt_function_start(above);
		const char *callee_name = above->function;
		bool done;
		char why[KT_REASON_MAX];
		err = kt_unwind_step(uw, &st, &done, why, sizeof(why));
		if (err) {
			kt_bt_set_note(bt, KT_STOP_READ_ERROR, "unwind stopped: %s", kt_error_message(err));
			kt_error_destroy(err);
			return NULL;
		}
		if (done) {
			kt_bt_set_note(bt, st.stop, "%s", why);
			return NULL;
		}
		kt_bt_frame_from_state(uw, &st, &f);
		f.status = trust;
		if (st.pt_regs) {
			f.reason_code = KT_FRAME_REASON_PT_REGS;
			snprintf(reason, sizeof(reason), "pc from pt_regs at 0x%016llx on the %s "
				 "(ORC of %s marks the exception frame)", (unsigned long long)st.pt_regs,
				 kt_stack_name(kt_stacks_find(&uw->stacks, st.pt_regs)
						       ? kt_stacks_find(&uw->stacks, st.pt_regs)->kind
						       : KT_STACK_UNKNOWN),
				 callee_name ? callee_name : "the frame above");
		} else {
			uint64_t target;
			char call[160];
			bool fits = kt_check_call_before(uw->prog, st.ip, callee, &target, call, sizeof(call));
			const char *gone = NULL;  // why the call cannot be checked
			if (!fits && target) {
				f.status = KT_FRAME_INFERRED;  // ORC placed it; the call says a tail call hid one
			} else if (!fits && stack_start(uw, &st)) {
				// Startup code pushed this address for unwinders (secondary_startup_64 pushes
				// .Lafter_lret before it far-returns into start_secondary or
				// x86_64_start_kernel): the first frame of the stack, not a call's.
				f.reason_code = KT_FRAME_REASON_STACK_START;
				snprintf(reason, sizeof(reason), "the address at 0x%016llx (placed by %s) that the "
					 "code which started this stack left for unwinders: no call before it, "
					 "and its unwind data marks the outermost frame", (unsigned long long)st.slot,
					 unwinder_name(&st));
				if ((err = kt_bt_add_frame(bt, &f, reason, false)))
					return err;
				kt_bt_set_note(bt, KT_STOP_STACK_START, "start of the stack: %s began it",
					       f.function ? f.function : "startup code");
				return NULL;
			} else if (!fits && (gone = code_gone(uw, st.ip))) {
				f.status = KT_FRAME_INFERRED;  // the call cannot be checked
			} else if (!fits) {
				kt_bt_set_note(bt, KT_STOP_NOT_RETURN_ADDRESS,
					 "unwind stopped: 0x%016llx at 0x%016llx is not a return address (%s)",
					 (unsigned long long)st.ip, (unsigned long long)st.slot, call);
				return NULL;
			}
			const char *how = unwinder_name(&st);
			f.reason_code = KT_FRAME_REASON_CALL_FITS;
			if (st.by_fp && st.fp_proof == KT_FP_UNPROVEN) {
				f.status = KT_FRAME_INFERRED;
				f.reason_code = KT_FRAME_REASON_FP_UNPROVEN;
			}
			if (gone)
				f.reason_code = KT_FRAME_REASON_CALL_UNCHECKED;
			else if (!fits && st.by_fp)
				f.reason_code = KT_FRAME_REASON_FP_SKIPPED;
			else if (!fits)
				f.reason_code = KT_FRAME_REASON_TAIL_CALL;
			if (gone)
				snprintf(reason, sizeof(reason), "return address at 0x%016llx (placed by %s); the "
					 "call before it cannot be checked: %s (%s)", (unsigned long long)st.slot,
					 how, gone, call);
			else if (!fits && st.by_fp)
				snprintf(reason, sizeof(reason), "return address at 0x%016llx (placed by %s), "
					 "%s: the rbp chain skipped the frames between it and %s, which keep no "
					 "frame pointer", (unsigned long long)st.slot, how, call,
					 callee_name ? callee_name : "the frame above");
			else if (!fits)
				snprintf(reason, sizeof(reason), "return address at 0x%016llx (placed by %s), "
					 "%s: that function is not on the stack; it reached %s by a tail call",
					 (unsigned long long)st.slot, how, call, callee_name ? callee_name : "the frame above");
			else
				reason_return_address(reason, sizeof(reason), st.slot, how, call);
		}
		err = kt_bt_add_frame(bt, &f, reason, false);
	}
	if (!err && bt->n_frames >= KT_MAX_FRAMES)
		kt_bt_set_note(bt, KT_STOP_FRAME_LIMIT, "stopped after %d frames", KT_MAX_FRAMES);
	return err;
}

/* kt_bt_scan_stale; where NULL: "in the frame of FRAME_FN", formatted only if something is
 * found (most frames hold no stale return address). */
static struct kt_error *scan_stale(struct kt_unwinder *uw, struct kt_backtrace *bt, uint64_t lo,
				   uint64_t hi, enum kt_frame_reason_code code, const char *where,
				   const char *frame_fn)
{
	enum { SCAN_MAX = 4096 };
	if (hi <= lo || hi - lo > SCAN_MAX * 8)
		return NULL;
	uint64_t words[SCAN_MAX];
	struct kt_error *err = kt_read(&uw->prog->reader, lo, words, hi - lo);
	if (err) {
		bool fatal = err == &kt_enomem;
		kt_error_destroy(err);
		return fatal ? &kt_enomem : NULL;
	}
	for (uint64_t a = lo; a < hi; a += 8) {
		uint64_t v = words[(a - lo) / 8];
		bool on_chain = false;
		for (size_t i = 0; i < bt->n_frames && !on_chain; i++)
			on_chain = bt->frames[i].slot == a;
		if (on_chain || v < 0xffffffff80000000ull)
			continue;
		struct kt_frame f = {.pc = v, .slot = a, .status = KT_FRAME_STALE, .reason_code = code};
		kt_bt_describe(uw, &f);
		if (!f.function)
			continue;
		uint64_t target;
		char call[128];
		if (!kt_check_call_before(uw->prog, v, 0, &target, call, sizeof(call)))
			continue;  // a code pointer, but not a return address
		char in_frame[96];
		if (!where) {
			snprintf(in_frame, sizeof(in_frame), "in the frame of %s", frame_fn ? frame_fn : "?");
			where = in_frame;
		}
		char reason[KT_FRAME_REASON_MAX];
		snprintf(reason, sizeof(reason), "return address (%s) %s, not on the unwind chain: "
			 "left by an earlier call", call, where);
		if (where == in_frame)
			where = NULL;
		if ((err = kt_bt_add_frame(bt, &f, reason, true)))
			return err;
	}
	return NULL;
}

/* Code addresses in [lo, hi) that look like return addresses but are no slot of the chain. */
struct kt_error *kt_bt_scan_stale(struct kt_unwinder *uw, struct kt_backtrace *bt, uint64_t lo,
				  uint64_t hi, enum kt_frame_reason_code code, const char *where)
{
	return scan_stale(uw, bt, lo, hi, code, where, NULL);
}

/* Stale values inside the frames: between each frame's sp and the slot of the next. */
struct kt_error *kt_bt_scan_chain(struct kt_unwinder *uw, struct kt_backtrace *bt)
{
	struct kt_error *err = NULL;
	for (size_t i = 0; i + 1 < bt->n_frames && !err; i++) {
		const struct kt_frame *f = &bt->frames[i], *next = &bt->frames[i + 1];
		if (!f->sp || !next->slot || next->slot < f->sp)
			continue;
		err = scan_stale(uw, bt, f->sp, next->slot, KT_FRAME_REASON_STALE_IN_FRAME, NULL,
				 f->function);
	}
	return err;
}
