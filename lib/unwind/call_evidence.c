// SPDX-License-Identifier: MIT
/*
 * Call sites as evidence for the frames of a backtrace. The unwinder checks that the instruction
 * before a return address is a call, and a direct call's target; an indirect call it can only
 * accept. Once the call site is resolved, an indirect call whose target is another function
 * contradicts the frame above, a resolved target supports it, and the target names the
 * innermost function of a CPU that left no registers (the callee of that call).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/util.h"
#include "unwind/backtrace_build.h"

/* The frame's reason with "; " and more text after it, as a new string of the backtrace. */
__attribute__((format(printf, 3, 0)))
static struct kt_error *append(struct kt_backtrace *bt, struct kt_frame *f, const char *fmt,
			       const char *a, const char *b)
{
	char more[KT_FRAME_REASON_MAX];
	kt_textf(more, sizeof(more), fmt, a, b);
	const char *reason = kt_strpool_printf(kt_bt_strings(bt), "%s%s", f->reason, more);
	if (!reason)
		return &kt_enomem;
	f->reason = reason;
	return NULL;
}

struct kt_error *kt_backtrace_explain(struct kt_program *prog, struct kt_backtrace *bt,
				      struct kt_call_site **ret)
{
	struct kt_call_site *sites;
	struct kt_error *err = kt_backtrace_call_sites(prog, bt, &sites);
	if (err)
		return err;
	for (size_t i = 1; i < bt->n_frames; i++) {
		struct kt_frame *f = &bt->frames[i];
		const struct kt_call_site *cs = &sites[i];
		bool indirect = cs->kind != KT_CALL_NONE && cs->kind != KT_CALL_DIRECT;
		if (cs->kind == KT_CALL_NONE || !indirect)
			continue;
		if (cs->verdict == KT_CALL_DIFFERS && f->status == KT_FRAME_VERIFIED) {
			f->status = KT_FRAME_INFERRED;
			f->reason_code = KT_FRAME_REASON_CALL_CONTRADICTS;
			err = append(bt, f, "; but its call site contradicts the frame above: %s%s",
				     cs->reason, "");
		} else if (cs->verdict == KT_CALL_MATCHES || cs->verdict == KT_CALL_TAIL_CALL) {
			err = append(bt, f, "; the call site resolves: %s = %s", cs->expression,
				     cs->target_function ? cs->target_function : "?");
		}
		if (err) {
			kt_call_sites_destroy(sites, bt->n_frames);
			return err;
		}
	}
	// The callee of the innermost call on a CPU that saved no registers.
	struct kt_frame *top = bt->n_frames > 1 ? &bt->frames[0] : NULL;
	const struct kt_call_site *cs = top ? &sites[1] : NULL;
	if (top && !top->pc && !top->function && cs->has_target && cs->target_function) {
		top->function = cs->target_function;
		top->module = cs->target_module;
		top->offset = 0;
		top->reason_code = KT_FRAME_REASON_CALL_TARGET;
		const char *via = top->reason;
		const char *reason = kt_strpool_printf(kt_bt_strings(bt),
			"the function the call at 0x%016llx reached "
			"(%s = 0x%016llx), found by resolving that call site; where in it the CPU was is "
			"unknown: %s", (unsigned long long)cs->address, cs->expression,
			(unsigned long long)cs->target, via);
		if (reason)
			top->reason = reason;
		else
			err = &kt_enomem;
	} else if (top && !top->pc && !top->function && cs->kind != KT_CALL_NONE) {
		err = append(bt, top, "; the call site does not name it: %s%s", cs->reason, "");
	}
	if (err) {
		kt_call_sites_destroy(sites, bt->n_frames);
		return err;
	}
	*ret = sites;
	return NULL;
}
