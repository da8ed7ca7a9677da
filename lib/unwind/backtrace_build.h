/* SPDX-License-Identifier: MIT */
/* Shared by the backtrace drivers: frame construction, chains, stale scans. */
#ifndef KT_UNWIND_BACKTRACE_BUILD_H
#define KT_UNWIND_BACKTRACE_BUILD_H

#include "core/strpool.h"
#include "unwind/backtrace.h"

/* A backtrace with the strings it owns (its frames' reasons, its note). */
struct kt_backtrace_impl {
	struct kt_backtrace bt;
	struct kt_strpool strings;
};

static inline struct kt_strpool *kt_bt_strings(struct kt_backtrace *bt)
{
	return &((struct kt_backtrace_impl *)bt)->strings;
}

/* Appends frame with its reason (copied into the backtrace; code in frame->reason_code). */
struct kt_error *kt_bt_add_frame(struct kt_backtrace *bt, const struct kt_frame *frame,
				 const char *reason, bool stale);
/* Sets the note: why the walk ended. */
__attribute__((format(printf, 3, 4)))
void kt_bt_set_note(struct kt_backtrace *bt, enum kt_stop_code code, const char *fmt, ...);
/* Symbol, module and stack of a frame whose pc, sp, slot and exact are set. */
void kt_bt_describe(struct kt_unwinder *uw, struct kt_frame *f);
uint64_t kt_bt_function_start(const struct kt_frame *f);
void kt_bt_frame_from_state(struct kt_unwinder *uw, const struct kt_unwind_state *st,
			    struct kt_frame *f);
/* Appends the frame at st and every caller ORC finds; the note says why it ended. */
struct kt_error *kt_bt_unwind_from(struct kt_unwinder *uw, struct kt_backtrace *bt,
				   struct kt_unwind_state st, enum kt_frame_status trust,
				   enum kt_frame_reason_code first_code, const char *first_reason);
struct kt_error *kt_bt_scan_stale(struct kt_unwinder *uw, struct kt_backtrace *bt, uint64_t lo,
				  uint64_t hi, enum kt_frame_reason_code code, const char *where);
struct kt_error *kt_bt_scan_chain(struct kt_unwinder *uw, struct kt_backtrace *bt);
/* A CPU without registers: find pt_regs that prove where it was, or rebuild from the stack. */
struct kt_error *kt_bt_reconstruct(struct kt_unwinder *uw, struct kt_backtrace *bt,
				   const char *why_no_regs);

/* The chain above a stack pointer something else vouches for (anchor.c): replaces the
 * reconstruction's frames at and above it, and the note says whether they agreed. */
struct kt_error *kt_bt_anchor(struct kt_unwinder *uw, struct kt_backtrace *bt,
			      const struct kt_stack_anchor *anchor);

/* Where the function of frame i saved callee-saved registers (DWARF CFI, else its prologue's
 * pushes): up to 8 (DWARF register number, stack address) pairs; how many. */
size_t kt_bt_saved_slots(struct kt_program *prog, const struct kt_backtrace *bt, size_t i, int *dwarf,
			 uint64_t *addrs);

#endif
