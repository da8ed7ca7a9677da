/* SPDX-License-Identifier: MIT */
/*
 * Kernel functions whose return value is a member of what an argument points to, so that a
 * backward slice can follow a value through the call (the syscall number a dispatcher indexes
 * its table with comes back from the entry work that may have rewritten it).
 */
#ifndef KT_CALLSITE_CALL_RETURNS_H
#define KT_CALLSITE_CALL_RETURNS_H

#include "callsite/decode.h"
#include "program.h"

/* Whether a call of target returns the 8 bytes at *arg + *offset, arg the register holding
 * the pointer argument at the call. False for any other function, or where the dump's types
 * lack the member. */
bool kt_call_returns_member(struct kt_program *prog, uint64_t target, enum kt_x86_reg *arg, int64_t *offset);

#endif
