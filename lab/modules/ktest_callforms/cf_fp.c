// SPDX-License-Identifier: GPL-2.0
/*
 * ktest_callforms: a frame-pointer chain (Kbuild compiles this file with
 * -fno-omit-frame-pointer -mno-omit-leaf-frame-pointer -fno-optimize-sibling-calls,
 * as CONFIG_FRAME_POINTER kernels are built; Debian's kernel is not):
 *
 *   ktcf_fp_outer -> ktcf_fp_middle -> ktcf_fp_inner -> ktcf_sleep
 *
 * Each function records its frame address (its %rbp: the slot holding the
 * caller's %rbp, with the return address right above it) and its return
 * address, innermost first.
 */
#include "cf.h"

struct ktcf_fp_frame ktcf_fp_frames[KTCF_FP_FRAMES];

#define ktcf_fp_record(n) do {						\
	ktcf_fp_frames[n].func = __func__;				\
	ktcf_fp_frames[n].ret = (unsigned long)__builtin_return_address(0); \
	ktcf_fp_frames[n].bp = (unsigned long)__builtin_frame_address(0); \
} while (0)

static KTCF_FN int ktcf_fp_inner(struct ktcf_obj *obj)
{
	ktcf_fp_record(0);
	ktcf_record_callee(KTCF_FP, ktcf_fp_inner);
	ktcf_sleep(KTCF_FP);
	obj->count++;
	return 0;
}

static KTCF_FN int ktcf_fp_middle(struct ktcf_obj *obj)
{
	int ret;

	ktcf_fp_record(1);
	ktcf_rec[KTCF_FP].caller = __func__;
	ret = ktcf_fp_inner(obj);
	obj->count += ret;
	return ret;
}

KTCF_FN int ktcf_fp_outer(void *arg)
{
	struct ktcf_obj *obj = arg;
	int ret;

	ktcf_fp_record(2);
	ret = ktcf_fp_middle(obj);
	obj->count += ret;
	return ret;
}
