/* SPDX-License-Identifier: MIT */
/*
 * An argument register's value at a call, as a person reading the caller's disassembly finds
 * it: a backward slice of the register from the call instruction (mov 0x18(%rbx),%rdi), made
 * into C text with the caller's types and into a value with the registers known at the call.
 */
#ifndef KT_CALLSITE_CALL_ARGUMENT_H
#define KT_CALLSITE_CALL_ARGUMENT_H

#include "callsite/decode.h"
#include "program.h"

struct kt_call_argument {
	bool known;
	uint64_t value;
	uint64_t call;            /* the call (or jump) instruction */
	bool has_target;          /* a direct call or jump: its target */
	uint64_t target;
	char expression[256];     /* what the caller computed it from: "t->waits" */
	char evidence[480];       /* each value it needed and where it was read */
};

/* reg right before the call that return_address returns from, regs (may be NULL) known there.
 * NOT_FOUND if no call ends at return_address; known false (evidence says why) if a value the
 * slice needs is missing. */
struct kt_error *kt_call_argument_at(struct kt_program *prog, uint64_t return_address,
				     const struct kt_call_registers *regs, enum kt_x86_reg reg,
				     struct kt_call_argument *ret);

/* The same before the first direct jmp of the function at function to target (a tail call),
 * regs known at that function's entry. NOT_FOUND if it has no such jump. */
struct kt_error *kt_jump_argument_at(struct kt_program *prog, uint64_t function, uint64_t target,
				     const struct kt_call_registers *regs, enum kt_x86_reg reg,
				     struct kt_call_argument *ret);

#endif
