// SPDX-License-Identifier: MIT
/*
 * Whether a step's result can be the caller's frame: on a stack of this task or CPU, above the
 * frame it came from, and not in user space. Every unwinder's step ends here.
 */
#include <stdio.h>

#include "unwind/backtrace.h"

enum { USER_RPL_MASK = 3 };

void kt_unwind_accept(struct kt_unwinder *uw, struct kt_unwind_state *st,
		      const struct kt_unwind_state *next_p, bool *done, char *reason, size_t reason_len)
{
	struct kt_unwind_state next = *next_p;
	if (next.pt_regs && kt_regs_has(&next.regs, KT_REG_cs) &&
	    (next.regs.r[KT_REG_cs] & USER_RPL_MASK)) {
		*done = true;
		snprintf(reason, reason_len, "entered from user space (pt_regs at 0x%016llx: ip 0x%016llx)",
			 (unsigned long long)next.pt_regs, (unsigned long long)next.ip);
		*st = next;
		st->stop = KT_STOP_USER_MODE;
		return;
	}
	const struct kt_stack *old_stack = kt_stacks_find(&uw->stacks, st->sp);
	const struct kt_stack *new_stack = kt_stacks_find(&uw->stacks, next.sp);
	if (!new_stack) {
		*done = true;
		st->stop = KT_STOP_OFF_STACK;
		if (uw->stacks.missing[0])
			snprintf(reason, reason_len, "caller's stack pointer 0x%016llx is on no stack of this "
				 "task or CPU that could be located (%s)", (unsigned long long)next.sp,
				 uw->stacks.missing);
		else
			snprintf(reason, reason_len, "caller's stack pointer 0x%016llx is on no stack of this "
				 "task or CPU", (unsigned long long)next.sp);
		return;
	}
	if (new_stack == old_stack && next.sp <= st->sp) {
		*done = true;
		st->stop = KT_STOP_LOOP;
		snprintf(reason, reason_len, "stack pointer did not move up (0x%016llx -> 0x%016llx): a loop",
			 (unsigned long long)st->sp, (unsigned long long)next.sp);
		return;
	}
	*st = next;
}
