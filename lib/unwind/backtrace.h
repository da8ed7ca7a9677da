/* SPDX-License-Identifier: MIT */
/* Building backtraces: frames, their evidence, and the stale values around them. */
#ifndef KT_UNWIND_BACKTRACE_H
#define KT_UNWIND_BACKTRACE_H

#include "arch/x86_64/regs.h"
#include "program.h"
#include "unwind/orc.h"
#include "unwind/stacks.h"

/* Frames past this are a loop or garbage (drgn stops at 1024 as well). */
enum { KT_MAX_FRAMES = 1024, KT_REASON_MAX = 256 };

/* What one step of the unwinder knows. */
struct kt_unwind_state {
	uint64_t ip, sp, bp;
	bool exact;               /* ip is where the CPU was (registers, pt_regs), not a return address */
	bool bp_known;
	uint64_t slot;            /* where ip was read as a return address (0 if exact) */
	uint64_t pt_regs;         /* the pt_regs ip came from, or 0 */
	struct kt_regs regs;      /* registers known at this frame (all, from notes or pt_regs) */
	bool by_cfi;              /* this frame was found with DWARF CFI, not ORC */
	bool by_prologue;         /* ... or by following the callee's code from its start */
};

/* Everything a backtrace needs once: program, ORC tables, the stacks it may use. */
struct kt_unwinder {
	struct kt_program *prog;
	struct kt_orc *orc;
	struct kt_stack_set stacks;
};

/* One ORC step from state to its caller; *done with a reason when the chain ends normally. */
struct kt_error *kt_unwind_step(struct kt_unwinder *uw, struct kt_unwind_state *state, bool *done,
				char *reason, size_t reason_len);

/*
 * Checks the instruction before a return address: a call, and if direct, to callee_start (or to
 * a static-call trampoline or a retpoline thunk). Fills reason; returns false for a contradiction.
 * *target_ret is the direct call's target (0 for an indirect call).
 */
bool kt_check_call_before(struct kt_program *prog, uint64_t ret_addr, uint64_t callee_start,
			  uint64_t *target_ret, char *reason, size_t reason_len);

/* A retpoline thunk or static-call trampoline: a direct call to it is an indirect call. */
bool kt_call_target_is_trampoline(struct kt_program *prog, uint64_t target);

#endif
