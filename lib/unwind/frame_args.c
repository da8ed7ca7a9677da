// SPDX-License-Identifier: MIT
/*
 * The arguments of a frame that sit in stack slots, as DWARF locates them at the frame's pc: a
 * parameter at the frame base plus an offset (GCC gives x86-64 functions DW_AT_frame_base
 * DW_OP_call_frame_cfa, and a frame's CFA is its caller's stack pointer before the call: the
 * next frame's sp), or, far more often in optimised code, a parameter kept in a callee-saved
 * register that the function it called pushed: then the callee's save slot holds it.
 */
#include <stdio.h>

#include "core/error.h"
#include "sym/dwarf_params.h"
#include "unwind/backtrace_build.h"

size_t kt_backtrace_frame_arguments(struct kt_program *prog, const struct kt_backtrace *bt, size_t i,
				    char (*names)[64], uint64_t *addrs, size_t max)
{
	if (i + 1 >= bt->n_frames || bt->frames[i + 1].has_pt_regs || !bt->frames[i + 1].sp ||
	    !bt->frames[i].pc || !bt->frames[i].function)
		return 0;
	const struct kt_frame *f = &bt->frames[i];
	uint64_t pc = f->exact ? f->pc : f->pc - 1;  // a return address is after the call
	struct kt_dwarf_param *params;
	size_t n;
	struct kt_error *err = kt_dwarf_function_params(prog, kt_bt_function_start(f), pc, &params, &n);
	if (err) {
		kt_error_destroy(err);
		return 0;
	}
	// Where the callee (frame i - 1) saved each register it pushed.
	int saved_reg[8];
	uint64_t saved_at[8];
	size_t n_saved = i > 0 ? kt_bt_saved_slots(prog, bt, i - 1, saved_reg, saved_at) : 0;
	size_t kept = 0;
	for (size_t p = 0; p < n && kept < max; p++) {
		uint64_t at = 0;
		if (params[p].where == KT_PARAM_FRAME_BASE)
			at = bt->frames[i + 1].sp + (uint64_t)params[p].offset;
		for (size_t s = 0; params[p].where == KT_PARAM_REGISTER && s < n_saved && !at; s++)
			if (saved_reg[s] == params[p].dwarf_reg)
				at = saved_at[s];
		if (!at)
			continue;
		snprintf(names[kept], sizeof(names[kept]), "%s", params[p].name ? params[p].name : "?");
		addrs[kept++] = at;
	}
	kt_dwarf_params_free(params, n);
	return kept;
}
