// SPDX-License-Identifier: MIT
/*
 * Which unwinder takes each step. AUTO trusts the most precise information there is for the pc:
 * ORC, then the vmlinux's DWARF CFI (code ORC leaves out, kernels without ORC), then a frame
 * pointer the callee is proven to keep, then the callee's own code (exact pcs only), and last an
 * unproven frame pointer, whose frames can only be inferred. A forced mode uses one unwinder,
 * so that the unwinders can be checked against each other.
 */
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "unwind/backtrace.h"
#include "unwind/cfi.h"
#include "unwind/prologue.h"
#include "unwind/unwind_ctx.h"

/* A step with the vmlinux's DWARF CFI; *uncovered (reason says why) without a row for the pc. */
static struct kt_error *cfi_step(struct kt_unwinder *uw, struct kt_unwind_state *st, bool *done,
				 bool *uncovered, char *reason, size_t reason_len)
{
	struct kt_cfi *cfi;
	*done = false;
	*uncovered = false;
	struct kt_error *err = kt_program_cfi(uw->prog, &cfi);
	if (!err) {
		struct kt_unwind_state next = *st;
		if (!(err = kt_cfi_step(cfi, &uw->prog->reader, uw->prog->kaslr_offset, &next))) {
			next.by_cfi = true;
			kt_unwind_accept(uw, st, &next, done, reason, reason_len);
			return NULL;
		}
	}
	if (err == &kt_enomem)
		return err;
	*uncovered = true;
	st->stop = KT_STOP_NO_UNWIND_INFO;
	snprintf(reason, reason_len, "%s", kt_error_message(err));
	kt_error_destroy(err);
	return NULL;
}

/* The function's own code says how deep its frame is at an exact pc. */
static struct kt_error *prologue_step(struct kt_unwinder *uw, struct kt_unwind_state *st,
				      bool *done, bool *uncovered, char *reason, size_t reason_len)
{
	const char *name, *module;
	uint64_t off, depth;
	*done = false;
	*uncovered = true;
	st->stop = KT_STOP_NO_UNWIND_INFO;
	if (!st->exact) {
		snprintf(reason, reason_len, "frame size from the code: only at an exact pc");
		return NULL;
	}
	struct kt_error *err = kt_program_symbolize(uw->prog, st->ip, &name, &off, &module);
	if (!err)
		err = kt_prologue_depth(uw->prog, st->ip - off, st->ip, &depth);
	if (err) {
		if (err == &kt_enomem)
			return err;
		snprintf(reason, reason_len, "frame size from the code: %s", kt_error_message(err));
		kt_error_destroy(err);
		return NULL;
	}
	*uncovered = false;
	struct kt_unwind_state next = {.sp = st->sp + depth + 8, .slot = st->sp + depth,
				       .bp = st->bp, .bp_known = st->bp_known, .by_prologue = true};
	if ((err = kt_read_u64(&uw->prog->reader, next.slot, &next.ip)))
		return err;
	kt_unwind_accept(uw, st, &next, done, reason, reason_len);
	return NULL;
}

/* Appends "; why" to reason, as far as it fits. */
static void append(char *reason, size_t reason_len, const char *why)
{
	size_t n = strnlen(reason, reason_len);
	if (n + 3 < reason_len)
		snprintf(reason + n, reason_len - n, "; %s", why);
}

static struct kt_error *auto_step(struct kt_unwinder *uw, struct kt_unwind_state *st, bool *done,
				  char *reason, size_t reason_len)
{
	bool uncovered;
	char why[KT_REASON_MAX];
	struct kt_error *err = kt_orc_step(uw, st, done, &uncovered, reason, reason_len);
	if (err || !uncovered)
		return err;
	if ((err = cfi_step(uw, st, done, &uncovered, why, sizeof(why))) || !uncovered)
		goto taken;
	append(reason, reason_len, why);
	if ((err = kt_fp_step(uw, st, true, done, &uncovered, why, sizeof(why))) || !uncovered)
		goto taken;
	append(reason, reason_len, why);
	if ((err = prologue_step(uw, st, done, &uncovered, why, sizeof(why))) || !uncovered)
		goto taken;
	append(reason, reason_len, why);
	// Nothing better: follow rbp anyway; the frames it finds are at most inferred.
	if ((err = kt_fp_step(uw, st, false, done, &uncovered, why, sizeof(why))) || !uncovered)
		goto taken;
	append(reason, reason_len, why);
	*done = true;
	return NULL;
taken:
	if (!err && *done)
		snprintf(reason, reason_len, "%s", why);
	return err;
}

struct kt_error *kt_unwind_step_as(struct kt_unwinder *uw, enum kt_unwinder_kind mode,
				   struct kt_unwind_state *st, bool *done, char *reason,
				   size_t reason_len)
{
	bool uncovered;
	struct kt_error *err;
	switch (mode) {
	case KT_UNWINDER_ORC:
		err = kt_orc_step(uw, st, done, &uncovered, reason, reason_len);
		break;
	case KT_UNWINDER_CFI:
		err = cfi_step(uw, st, done, &uncovered, reason, reason_len);
		break;
	case KT_UNWINDER_FP:
		err = kt_fp_step(uw, st, false, done, &uncovered, reason, reason_len);
		break;
	default:
		return auto_step(uw, st, done, reason, reason_len);
	}
	if (!err && uncovered)
		*done = true;
	return err;
}

struct kt_error *kt_unwind_step(struct kt_unwinder *uw, struct kt_unwind_state *st, bool *done,
				char *reason, size_t reason_len)
{
	return kt_unwind_step_as(uw, uw->mode, st, done, reason, reason_len);
}
