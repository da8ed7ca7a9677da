/* SPDX-License-Identifier: MIT */
/*
 * Where a sleeping task's last context switch left its registers (thread.sp points there):
 *
 *   v4.9+      struct inactive_task_frame: callee-saved registers, rbp, then the return address
 *              into __schedule (commit 0100301bfdf5 "sched/x86: Rewrite the switch_to() code")
 *   before     switch_to() pushed rbp alone ("frame pointer must be last for get_wchan"),
 *              saved rsp in thread.sp and called __switch_to on the next task's stack: the
 *              sleeping task resumes after that call in __schedule (the thread_return label
 *              until v2.6.3x), and pops rbp from thread.sp (arch/x86/include/asm/switch_to.h)
 *
 * Told apart by the types: struct inactive_task_frame exists or not.
 */
#ifndef KT_UNWIND_SWITCH_FRAME_H
#define KT_UNWIND_SWITCH_FRAME_H

#include "unwind/backtrace.h"

enum kt_switch_how {
	KT_SWITCH_INACTIVE_FRAME,   /* struct inactive_task_frame at thread.sp */
	KT_SWITCH_SAVED_RBP,        /* rbp at thread.sp; the pc after __schedule's call to __switch_to */
};

struct kt_switch_layout {
	enum kt_switch_how how;
	uint64_t sp_off;            /* task_struct.thread.sp */
	uint64_t stack_off;         /* task_struct.stack, whose THREAD_SIZE bytes thread.sp must be
				     * in; UINT64_MAX if the types have no such member */
	uint64_t ret_off, bp_off, frame_size; /* KT_SWITCH_INACTIVE_FRAME */
	uint64_t resume_pc;         /* KT_SWITCH_SAVED_RBP: found in the code on first use (0 before) */
};

/* The layout the types describe; an error names what was looked for if none fits. */
struct kt_error *kt_switch_layout_detect(struct kt_types *types, struct kt_switch_layout *ret);

/* The state a sleeping task resumes from: pc, sp and rbp; its thread.sp, and how (for
 * registers_source). */
struct kt_error *kt_switch_state(struct kt_program *prog, uint64_t task, struct kt_unwind_state *ret,
				 uint64_t *thread_sp_ret, const char **source_ret);

#endif
