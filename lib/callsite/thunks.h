/* SPDX-License-Identifier: MIT */
/*
 * Code the kernel calls through on a function's behalf: retpoline thunks
 * (__x86_indirect_thunk_REG, arch/x86/lib/retpoline.S: "jmp *%REG" in a speculation trap) and
 * static-call trampolines (__SCT__NAME, arch/x86/kernel/static_call.c: patched to "jmp target"
 * or "ret"). Both share their addresses with other names (__x86_indirect_thunk_array,
 * __static_call_text_end), so every name kallsyms has for an address is looked at.
 */
#ifndef KT_CALLSITE_THUNKS_H
#define KT_CALLSITE_THUNKS_H

#include "callsite/decode.h"
#include "program.h"

/* The register the retpoline thunk at addr jumps through, or KT_X86_REG_NONE. */
enum kt_x86_reg kt_thunk_register(struct kt_program *prog, uint64_t addr);
/* Whether addr is a static-call trampoline. */
bool kt_is_static_call_trampoline(struct kt_program *prog, uint64_t addr);

#endif
