/* SPDX-License-Identifier: MIT */
/* Register sets at calls (struct kt_call_registers): what a callee starts with. */
#ifndef KT_CALLSITE_CALL_REGS_H
#define KT_CALLSITE_CALL_REGS_H

#include "ktriage.h"

/* Copies the registers of mask that from knows (values and sources) into to. */
void kt_call_registers_keep(const struct kt_call_registers *from, uint32_t mask,
			    struct kt_call_registers *to);
/* The registers a called function starts with, as far as the call's registers tell: the
 * callee-saved ones, and %rsp one return address lower. */
void kt_call_registers_at_entry(const struct kt_call_registers *at_call, struct kt_call_registers *ret);

#endif
