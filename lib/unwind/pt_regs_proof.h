/* SPDX-License-Identifier: MIT */
/*
 * Finding struct pt_regs on a stack without trusting it: the shape of a hardware iret frame, and
 * a return address just below whose ORC entry (entry code) says "a pt_regs frame is here".
 * Shared by the reconstruction of CPUs without registers and by the exception-frame search.
 */
#ifndef KT_UNWIND_PT_REGS_PROOF_H
#define KT_UNWIND_PT_REGS_PROOF_H

#include "unwind/backtrace.h"

/* Stacks are 16 KiB, 32 KiB under KASAN (THREAD_SIZE, IRQ_STACK_SIZE); of a larger one the
 * top is kept, where the entry frames are. */
enum { KT_STACK_COPY_MAX = 64 * 1024, KT_PAGE = 4096 };

/* A stack read page by page: a page missing from the dump leaves a hole, not a failure. */
struct kt_stack_copy {
	const struct kt_stack *stack;
	uint64_t start, end;      /* what is covered: the top of the stack, readable or not */
	uint64_t words[KT_STACK_COPY_MAX / 8];
	bool page_ok[KT_STACK_COPY_MAX / KT_PAGE];
	size_t n;                 /* words covered */
};

/* Fails only if no page of the stack can be read (the error of the first page). */
struct kt_error *kt_stack_copy_read(struct kt_program *prog, const struct kt_stack *s,
				    struct kt_stack_copy *c);
bool kt_stack_word(const struct kt_stack_copy *c, uint64_t addr, uint64_t *ret);
/* v is a kernel code address ORC describes (the instruction before it, for a return address). */
bool kt_is_kernel_text(struct kt_unwinder *uw, uint64_t v);
/* Registers at a that could be a hardware exception frame: kernel or user code segment, a sane
 * flags word, a kernel pc in code or a user pc, a stack pointer on a known stack. */
bool kt_plausible_pt_regs(struct kt_unwinder *uw, const struct kt_stack_copy *c, uint64_t a);
/* A return address in the few slots below a whose ORC step lands on pt_regs at a. */
bool kt_prove_pt_regs(struct kt_unwinder *uw, const struct kt_stack_copy *c, uint64_t a,
		      uint64_t *slot_ret, uint64_t *ret_addr_ret);

#endif
