/* SPDX-License-Identifier: MIT */
/*
 * Call-site resolution inside the library: with the entry values of the calling function, which
 * the frame below on the stack knows (its own call instruction, and any function that got there
 * by a tail call), so that an argument the caller never saved is still found.
 */
#ifndef KT_CALLSITE_RESOLVE_H
#define KT_CALLSITE_RESOLVE_H

#include "callsite/call_regs.h"
#include "callsite/decode.h"
#include "program.h"

/* Where a function's entry register values come from: the registers right before the call (or
 * tail-call jmp) that entered it, known as regs there, and recursively that function's entry. */
struct kt_entry_source {
	uint64_t insn;
	struct kt_call_registers regs;
	const struct kt_entry_source *outer;  /* NULL: the entry of insn's function is unknown */
};

/* kt_call_site_resolve() with the calling function's entry values (entry may be NULL). */
struct kt_error *kt_call_site_resolve_entry(struct kt_program *prog, uint64_t return_address,
					    const struct kt_call_registers *regs, uint64_t callee,
					    const struct kt_entry_source *entry, struct kt_call_site *ret);

#endif
