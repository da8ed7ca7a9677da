/* SPDX-License-Identifier: MIT */
/* The unwind layer's state, hung off the program (prog->unwind). */
#ifndef KT_UNWIND_UNWIND_CTX_H
#define KT_UNWIND_UNWIND_CTX_H

#include "program.h"

struct kt_orc;
struct kt_cfi;
struct kt_call_cache;
struct kt_switch_layout;
struct kt_stack_layout;

struct kt_unwind_ctx {
	struct kt_orc *orc;             /* ORC of the kernel and its modules, on first use */
	char *orc_missing;              /* why there is none, once loading failed */
	struct kt_cfi *cfi;             /* the vmlinux's DWARF CFI, opened on first use */
	struct kt_call_cache *call_cache; /* call checks of return addresses (call_check.c) */
	struct kt_switch_layout *switch_layout; /* thread.sp and its frame (switch_frame.c), on first use */
	struct kt_stack_layout *stack_layout;   /* IRQ and IST stacks (stack_layout.c), on first use */
};

struct kt_error *kt_unwind_ctx_create(struct kt_unwind_ctx **ret);
/* NULL is a no-op. */
void kt_unwind_ctx_destroy(struct kt_unwind_ctx *ctx);

/* ORC tables of the kernel and its modules, loaded on first use; a failure is remembered and
 * given again (UNSUPPORTED or NOT_FOUND: the kernel has none, or none ktriage can read). */
struct kt_error *kt_program_orc(struct kt_program *prog, struct kt_orc **ret);

/* The debug vmlinux's DWARF CFI; NOT_FOUND without a vmlinux. */
struct kt_error *kt_program_cfi(struct kt_program *prog, struct kt_cfi **ret);

#endif
