// SPDX-License-Identifier: MIT
/*
 * One frame-pointer step. Code built with frame pointers starts each function with
 * push %rbp; mov %rsp,%rbp, so at rbp sits the caller's rbp and above it the return address.
 * In a kernel built for ORC, rbp is an ordinary register in most code, so every link is checked:
 * rbp must be 8-byte aligned, at or above the stack pointer and on the same stack, which makes
 * the chain strictly increasing (a loop or garbage ends it with a reason). A link is proven when
 * the callee is known to keep its frame pointer in rbp at that pc (its ORC entry puts the CFA at
 * rbp + 16, or its code starts with the frame setup) and rbp itself was the true register value.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "callsite/decode.h"
#include "core/error.h"
#include "unwind/backtrace.h"

enum { PROLOGUE_BYTES = 16 };

/* push %rbp; mov %rsp,%rbp after an optional endbr64 and the 5-byte ftrace call site (a call to
 * __fentry__ or the NOP patched over it): the offset of the first instruction after, or 0. */
static unsigned int frame_setup_end(const uint8_t *c)
{
	static const uint8_t endbr64[] = {0xf3, 0x0f, 0x1e, 0xfa}, nop5[] = {0x0f, 0x1f, 0x44, 0x00, 0x00};
	unsigned int i = 0;
	if (!memcmp(c, endbr64, sizeof(endbr64)))
		i += sizeof(endbr64);
	if (c[i] == 0xe8 || !memcmp(c + i, nop5, sizeof(nop5)))
		i += 5;
	if (c[i] == 0x55 && c[i + 1] == 0x48 && c[i + 2] == 0x89 && c[i + 3] == 0xe5)
		return i + 4;
	return 0;
}

/* Does the function at the state's pc keep its frame pointer in rbp there? *no_fp when its ORC
 * entry says it does not (rbp is an ordinary register there, so its value says nothing). */
static enum kt_fp_proof frame_pointer_proof(struct kt_unwinder *uw, const struct kt_unwind_state *st,
					    bool *no_fp)
{
	uint64_t at = st->exact ? st->ip : st->ip - 1;
	struct kt_orc_entry orc;
	struct kt_error *err = kt_orc_find(uw->orc, at, &orc, NULL);
	*no_fp = false;
	if (!err && orc.type != KT_ORC_TYPE_UNDEFINED) {
		// objtool's entry for code after mov %rsp,%rbp: CFA = rbp + 16, rbp saved at CFA - 16.
		bool fp = orc.type == KT_ORC_TYPE_CALL && orc.sp_reg == KT_ORC_REG_BP &&
			  orc.sp_offset == 16 && orc.bp_reg == KT_ORC_REG_PREV_SP && orc.bp_offset == -16;
		*no_fp = orc.type == KT_ORC_TYPE_CALL && orc.sp_reg == KT_ORC_REG_SP;
		return fp ? KT_FP_BY_ORC : KT_FP_UNPROVEN;  // ORC describes the frame: trust it
	}
	kt_error_destroy(err);
	const char *name, *module;
	uint64_t off;
	uint8_t code[PROLOGUE_BYTES];
	if ((err = kt_program_symbolize(uw->prog, at, &name, &off, &module)) ||
	    (err = kt_read(&uw->prog->reader, at - off, code, sizeof(code)))) {
		kt_error_destroy(err);
		return KT_FP_UNPROVEN;
	}
	unsigned int end = frame_setup_end(code);
	return end && off >= end ? KT_FP_BY_PROLOGUE : KT_FP_UNPROVEN;
}

__attribute__((format(printf, 6, 7)))
static struct kt_error *stop(struct kt_unwind_state *st, enum kt_stop_code code, bool *uncovered,
			     char *reason, size_t reason_len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	*uncovered = true;
	st->stop = code;
	vsnprintf(reason, reason_len, fmt, ap);
	va_end(ap);
	return NULL;
}

/*
 * rbp in a function that keeps no frame pointer (a kernel built for ORC) is not a link: look above
 * sp for the nearest frame record instead, a saved rbp pointing higher on the same stack next to a
 * return address, as an FP-built caller further up leaves it.
 */
static bool find_frame_record(struct kt_unwinder *uw, const struct kt_stack *stack, uint64_t sp,
			      uint64_t *at_ret, uint64_t rec_ret[2])
{
	enum { SEARCH_BYTES = 4096 };
	uint64_t words[SEARCH_BYTES / 8];
	uint64_t end = stack->end - sp > SEARCH_BYTES ? sp + SEARCH_BYTES : stack->end;
	struct kt_error *err = kt_read(&uw->prog->reader, sp, words, end - sp);
	if (err) {
		kt_error_destroy(err);
		return false;
	}
	for (uint64_t a = sp; a + 16 <= end; a += 8) {
		uint64_t saved = words[(a - sp) / 8], ret = words[(a - sp) / 8 + 1], target;
		char why[160];
		if (saved <= a || saved & 7 || saved + 16 > stack->end || ret < 0xffffffff80000000ull ||
		    !kt_check_call_before(uw->prog, ret, 0, &target, why, sizeof(why)))
			continue;
		*at_ret = a;
		rec_ret[0] = saved;
		rec_ret[1] = ret;
		return true;
	}
	return false;
}

struct kt_error *kt_fp_step(struct kt_unwinder *uw, struct kt_unwind_state *st, bool proven_only,
			    bool *done, bool *uncovered, char *reason, size_t reason_len)
{
	*done = false;
	*uncovered = false;
	uint64_t bp = st->bp, sp = st->sp;
	if (!st->bp_known && !st->by_fp)
		return stop(st, KT_STOP_REGISTER_UNKNOWN, uncovered, reason, reason_len,
			    "frame pointer: rbp is not known at 0x%016llx",
			    (unsigned long long)st->ip);
	if (!bp)
		return stop(st, KT_STOP_END_OF_STACK, uncovered, reason, reason_len,
			    "end of the frame-pointer chain (rbp is 0 at "
			    "0x%016llx)", (unsigned long long)st->ip);
	bool no_fp;
	enum kt_fp_proof proof = frame_pointer_proof(uw, st, &no_fp);
	if (!st->bp_known)
		proof = KT_FP_UNPROVEN;
	if (proven_only && proof == KT_FP_UNPROVEN)
		return stop(st, KT_STOP_NO_UNWIND_INFO, uncovered, reason, reason_len,
			    "frame pointer: nothing shows that the code at "
			    "0x%016llx keeps one in rbp (0x%016llx)", (unsigned long long)st->ip, (unsigned long long)bp);
	const struct kt_stack *stack = kt_stacks_find(&uw->stacks, sp);
	uint64_t rec_at, rec[2];
	if (no_fp && !proven_only && stack && (bp & 7 || bp < sp || bp + 16 > stack->end) &&
	    find_frame_record(uw, stack, sp, &rec_at, rec)) {
		struct kt_unwind_state next = {.ip = rec[1], .sp = rec_at + 16, .slot = rec_at + 8, .bp = rec[0],
					       .by_fp = true, .fp_rescan = true};
		kt_unwind_accept(uw, st, &next, done, reason, reason_len);
		return NULL;
	}
	if (bp & 7)
		return stop(st, KT_STOP_BAD_FRAME_POINTER, uncovered, reason, reason_len,
			    "frame pointer: rbp 0x%016llx at 0x%016llx is "
			    "not 8-byte aligned", (unsigned long long)bp, (unsigned long long)st->ip);
	// A saved rbp at or below the frame that saved it points back down the stack: a loop.
	if (st->by_fp && bp < sp && bp <= sp - 16 && stack && bp >= stack->start)
		return stop(st, KT_STOP_LOOP, uncovered, reason, reason_len,
			    "frame pointer: the saved rbp 0x%016llx does "
			    "not move up from the frame at 0x%016llx: the frame pointers loop", (unsigned long long)bp,
			    (unsigned long long)(sp - 16));
	if (!stack || bp < sp || bp + 16 > stack->end)
		return stop(st, KT_STOP_BAD_FRAME_POINTER, uncovered, reason, reason_len,
			    "frame pointer: rbp 0x%016llx is not above the "
			    "stack pointer 0x%016llx on the same stack", (unsigned long long)bp,
			    (unsigned long long)sp);
	uint64_t frame[2];
	struct kt_error *err = kt_read(&uw->prog->reader, bp, frame, sizeof(frame));
	if (err)
		return kt_error_prefix(err, "frame at rbp 0x%016llx", (unsigned long long)bp);
	struct kt_unwind_state next = {
		.ip = frame[1],
		.sp = bp + 16,
		.slot = bp + 8,
		.bp = frame[0],
		// The saved value is the caller's rbp only if the callee really pushed it there.
		.bp_known = proof != KT_FP_UNPROVEN,
		.by_fp = true,
		.fp_proof = proof,
	};
	if (next.bp_known)
		kt_regs_set(&next.regs, KT_REG_rbp, next.bp);
	kt_unwind_accept(uw, st, &next, done, reason, reason_len);
	return NULL;
}
