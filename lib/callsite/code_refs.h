/* SPDX-License-Identifier: MIT */
/*
 * Whether a function's code names a data address: as an immediate (mov $ADDR,%rdi, as modules
 * load their globals' addresses) or as a RIP-relative or absolute memory operand (lea
 * ADDR(%rip),%rdi). For evidence that a function works on a given global lock.
 */
#ifndef KT_CALLSITE_CODE_REFS_H
#define KT_CALLSITE_CODE_REFS_H

#include "program.h"

/* The first instruction of the function containing pc that names addr, in *insn_ret; false if
 * none does or the function's code cannot be decoded. */
bool kt_function_refers_to(struct kt_program *prog, uint64_t pc, uint64_t addr, uint64_t *insn_ret);

#endif
