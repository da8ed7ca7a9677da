/* SPDX-License-Identifier: MIT */
/* Building backtraces: frames, their evidence, and the stale values around them. */
#ifndef KT_UNWIND_BACKTRACE_H
#define KT_UNWIND_BACKTRACE_H

#include "arch/x86_64/regs.h"
#include "program.h"
#include "unwind/orc.h"
#include "unwind/stacks.h"

/* Frames past this are a loop or garbage (drgn stops at 1024 as well). */
enum { KT_MAX_FRAMES = 1024, KT_REASON_MAX = 256, KT_FRAME_REASON_MAX = 512 };

/* Why a frame-pointer link can be believed: the callee's ORC entry puts its CFA at rbp + 16,
 * or its code starts with push %rbp; mov %rsp,%rbp (and the pc is past that). */
enum kt_fp_proof { KT_FP_UNPROVEN, KT_FP_BY_ORC, KT_FP_BY_PROLOGUE };

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
	bool by_fp;               /* ... or by the rbp chain; bp is then the saved value, even unproven */
	enum kt_fp_proof fp_proof; /* what showed that the callee kept its frame pointer in rbp */
	bool fp_rescan;           /* found by searching the stack for the next frame record */
	enum kt_stop_code stop;   /* when a step ends the walk: why, as a code beside its reason */
};

/* Everything a backtrace needs once: program, ORC tables, the stacks it may use. */
struct kt_unwinder {
	struct kt_program *prog;
	struct kt_orc *orc;
	struct kt_stack_set stacks;
	enum kt_unwinder_kind mode;
};

/* One step from state to its caller with the unwinder's mode (step.c); *done with a reason when
 * the chain ends normally or cannot go on. */
struct kt_error *kt_unwind_step(struct kt_unwinder *uw, struct kt_unwind_state *state, bool *done,
				char *reason, size_t reason_len);
/* The same with another mode (the reconstruction's proofs always use AUTO). */
struct kt_error *kt_unwind_step_as(struct kt_unwinder *uw, enum kt_unwinder_kind mode,
				   struct kt_unwind_state *state, bool *done, char *reason,
				   size_t reason_len);
/* One ORC step. *uncovered (reason says why) when ORC has no information for the pc. */
struct kt_error *kt_orc_step(struct kt_unwinder *uw, struct kt_unwind_state *state, bool *done,
			     bool *uncovered, char *reason, size_t reason_len);
/* One frame-pointer step (fp_step.c). With proven_only, a link that cannot be proven is
 * *uncovered instead of taken. */
struct kt_error *kt_fp_step(struct kt_unwinder *uw, struct kt_unwind_state *state, bool proven_only,
			    bool *done, bool *uncovered, char *reason, size_t reason_len);
/* Takes next as the caller's state if it makes sense: on a known stack, above the old sp. */
void kt_unwind_accept(struct kt_unwinder *uw, struct kt_unwind_state *st,
		      const struct kt_unwind_state *next, bool *done, char *reason, size_t reason_len);

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
