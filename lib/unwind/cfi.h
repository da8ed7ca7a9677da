/* SPDX-License-Identifier: MIT */
/*
 * DWARF call frame information of the debug vmlinux (.debug_frame, through libdw): the unwinder
 * for kernels without ORC (3.10) and for code ORC does not describe (STACK_FRAME_NON_STANDARD
 * functions such as __crash_kexec). It also says where each callee-saved register was saved.
 */
#ifndef KT_UNWIND_CFI_H
#define KT_UNWIND_CFI_H

#include "unwind/backtrace.h"

struct kt_cfi;

struct kt_error *kt_cfi_open(const char *vmlinux, struct kt_cfi **ret);
void kt_cfi_destroy(struct kt_cfi *cfi);

/*
 * One step with the CFI row covering ip (a link-time address = runtime - kaslr_offset). NOT_FOUND
 * if no FDE covers it. Callee-saved registers the row saves are restored into the new state.
 */
struct kt_error *kt_cfi_step(struct kt_cfi *cfi, struct kt_reader *reader, uint64_t kaslr_offset,
			     struct kt_unwind_state *st);

/* Where the function at ip (runtime) saved callee-saved registers, given its CFA: up to max
 * (register, stack address) pairs; returns how many. 0 if CFI has no row or saves none. */
size_t kt_cfi_saved_slots(struct kt_cfi *cfi, uint64_t kaslr_offset, uint64_t ip, bool exact,
			  uint64_t cfa, enum kt_reg *regs_out, uint64_t *addrs_out, size_t max);

#endif
