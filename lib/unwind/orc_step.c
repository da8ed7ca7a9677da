// SPDX-License-Identifier: MIT
/*
 * One ORC unwind step, following the kernel's own unwinder (arch/x86/kernel/unwind_orc.c,
 * unwind_next_frame): find the CFA from sp_reg/sp_offset, then the caller's ip and sp from the
 * frame type, then the caller's bp from bp_reg/bp_offset. Every read goes through the reader and
 * every new sp must lie on a known stack, above the old one unless the step changed stacks
 * (kt_unwind_accept). What to do where ORC has no entry is step.c's business.
 */
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "unwind/backtrace.h"
#include "unwind/unwind_ctx.h"

enum {
	IRET_FRAME_OFFSET = 128,   /* offsetof(struct pt_regs, ip) */
	IRET_FRAME_SIZE = 40,      /* ip, cs, flags, sp, ss */
};

static bool reg_value(const struct kt_unwind_state *st, enum kt_orc_reg reg, uint64_t *ret)
{
	static const enum kt_reg map[] = {
		[KT_ORC_REG_DX] = KT_REG_rdx,
		[KT_ORC_REG_DI] = KT_REG_rdi,
		[KT_ORC_REG_R10] = KT_REG_r10,
		[KT_ORC_REG_R13] = KT_REG_r13,
	};
	if (reg >= sizeof(map) / sizeof(map[0]) || !map[reg] || !kt_regs_has(&st->regs, map[reg]))
		return false;
	*ret = st->regs.r[map[reg]];
	return true;
}

static const char *orc_reg_name(enum kt_orc_reg reg)
{
	static const char *const names[] = {"undefined", "prev_sp", "dx", "di", "bp", "sp",
					    "r10", "r13", "bp_indirect", "sp_indirect"};
	return reg <= KT_ORC_REG_SP_INDIRECT ? names[reg] : "?";
}

struct kt_error *kt_orc_step(struct kt_unwinder *uw, struct kt_unwind_state *st, bool *done,
			     bool *uncovered, char *reason, size_t reason_len)
{
	struct kt_reader *r = &uw->prog->reader;
	struct kt_orc_entry orc;
	*done = false;
	*uncovered = false;
	// A return address points after the call: look up the call itself.
	uint64_t lookup = st->exact ? st->ip : st->ip - 1;
	struct kt_error *err = kt_orc_find(uw->orc, lookup, &orc, NULL);
	if (err) {
		if (err == &kt_enomem)
			return err;
		kt_error_destroy(err);
		*uncovered = true;
		st->stop = KT_STOP_NO_UNWIND_INFO;
		if (uw->orc)
			snprintf(reason, reason_len, "no ORC entry for 0x%016llx", (unsigned long long)st->ip);
		else
			snprintf(reason, reason_len, "no ORC (%s)", uw->prog->unwind->orc_missing
				 ? uw->prog->unwind->orc_missing : "not loaded");
		return NULL;
	}
	if (orc.type == KT_ORC_TYPE_END_OF_STACK) {
		*done = true;
		st->stop = KT_STOP_END_OF_STACK;
		snprintf(reason, reason_len, "end of stack (ORC marks the outermost frame)");
		return NULL;
	}
	if (orc.type == KT_ORC_TYPE_UNDEFINED) {
		// STACK_FRAME_NON_STANDARD functions (__crash_kexec, whose crash_setup_regs() saves the
		// registers ktriage starts from) have no ORC at all.
		*uncovered = true;
		st->stop = KT_STOP_NO_UNWIND_INFO;
		snprintf(reason, reason_len, "ORC has no unwind information for 0x%016llx",
			 (unsigned long long)st->ip);
		return NULL;
	}
	uint64_t cfa;
	bool indirect = false;
	switch (orc.sp_reg) {
	case KT_ORC_REG_SP:
		cfa = st->sp + (uint64_t)(int64_t)orc.sp_offset;
		break;
	case KT_ORC_REG_BP:
	case KT_ORC_REG_BP_INDIRECT:
		if (!st->bp_known)
			goto unknown_reg;
		cfa = st->bp + (uint64_t)(int64_t)orc.sp_offset;
		indirect = orc.sp_reg == KT_ORC_REG_BP_INDIRECT;
		break;
	case KT_ORC_REG_SP_INDIRECT:
		cfa = st->sp;
		indirect = true;
		break;
	default:
		if (!reg_value(st, orc.sp_reg, &cfa))
			goto unknown_reg;
		cfa += (uint64_t)(int64_t)orc.sp_offset;
		break;
	}
	if (indirect) {
		if ((err = kt_read_u64(r, cfa, &cfa)))
			return kt_error_prefix(err, "ORC indirect CFA");
		if (orc.sp_reg == KT_ORC_REG_SP_INDIRECT)
			cfa += (uint64_t)(int64_t)orc.sp_offset;
	}

	struct kt_unwind_state next = {.bp = st->bp, .bp_known = st->bp_known};
	switch (orc.type) {
	case KT_ORC_TYPE_CALL:
		next.slot = cfa - 8;
		if ((err = kt_read_u64(r, next.slot, &next.ip)))
			return kt_error_prefix(err, "return address of 0x%016llx", (unsigned long long)st->ip);
		next.sp = cfa;
		break;
	case KT_ORC_TYPE_REGS: {
		uint8_t buf[PT_REGS_SIZE];
		if ((err = kt_read(r, cfa, buf, sizeof(buf))))
			return kt_error_prefix(err, "pt_regs at 0x%016llx", (unsigned long long)cfa);
		kt_regs_from_pt_regs(&next.regs, buf);
		next.ip = next.regs.r[KT_REG_rip];
		next.sp = next.regs.r[KT_REG_rsp];
		next.bp = next.regs.r[KT_REG_rbp];
		next.bp_known = true;
		next.exact = true;
		next.pt_regs = cfa;
		break;
	}
	case KT_ORC_TYPE_REGS_PARTIAL: {
		uint64_t iret[IRET_FRAME_SIZE / 8];
		if ((err = kt_read(r, cfa, iret, sizeof(iret))))
			return kt_error_prefix(err, "iret frame at 0x%016llx", (unsigned long long)cfa);
		kt_regs_set(&next.regs, KT_REG_rip, iret[0]);
		kt_regs_set(&next.regs, KT_REG_cs, iret[1]);
		kt_regs_set(&next.regs, KT_REG_rflags, iret[2]);
		kt_regs_set(&next.regs, KT_REG_rsp, iret[3]);
		kt_regs_set(&next.regs, KT_REG_ss, iret[4]);
		next.ip = iret[0];
		next.sp = iret[3];
		next.exact = true;
		next.pt_regs = cfa - IRET_FRAME_OFFSET;
		break;
	}
	default:
		*done = true;
		st->stop = KT_STOP_BAD_UNWIND_INFO;
		snprintf(reason, reason_len, "unknown ORC frame type");
		return NULL;
	}

	switch (orc.bp_reg) {
	case KT_ORC_REG_PREV_SP:
		if ((err = kt_read_u64(r, cfa + (uint64_t)(int64_t)orc.bp_offset, &next.bp)))
			return kt_error_prefix(err, "saved rbp");
		next.bp_known = true;
		break;
	case KT_ORC_REG_BP:
		if (!st->bp_known)
			break;
		if ((err = kt_read_u64(r, st->bp + (uint64_t)(int64_t)orc.bp_offset, &next.bp)))
			return kt_error_prefix(err, "saved rbp");
		next.bp_known = true;
		break;
	default:
		break;  // rbp unchanged (or from pt_regs above)
	}

	kt_unwind_accept(uw, st, &next, done, reason, reason_len);
	return NULL;

unknown_reg:
	*done = true;
	st->stop = KT_STOP_REGISTER_UNKNOWN;
	snprintf(reason, reason_len, "ORC needs %s at 0x%016llx, which is not known here",
		 orc_reg_name(orc.sp_reg), (unsigned long long)st->ip);
	return NULL;
}
