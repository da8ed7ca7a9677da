/* SPDX-License-Identifier: MIT */
/* The kernel layer's state, hung off the program (prog->kernel): what its walkers read once. */
#ifndef KT_KERNEL_KERNEL_CTX_H
#define KT_KERNEL_KERNEL_CTX_H

#include "ktriage.h"

struct kt_modules;
struct kt_percpu;
struct kt_task_layout;
struct kt_symbol_cache;
struct kt_object_cache;
struct kt_module_globals;

struct kt_kernel_ctx {
	struct kt_modules *modules;           /* the module list (modules.c), on first use */
	struct kt_percpu *percpu;             /* per-CPU offsets and masks (percpu.c), on first use */
	struct kt_task_layout *task_layout;   /* task_struct member offsets (tasks.c), on first use */
	struct kt_symbol_cache *symbol_cache; /* answers of kt_program_symbolize (symbols.c) */
	struct kt_object_cache *object_cache; /* member lookups of typed objects (object.c) */
	struct kt_module_globals *module_globals; /* BTF modules' globals typed from DWARF
						   * (object_symbol.c) */
};

struct kt_error *kt_kernel_ctx_create(struct kt_kernel_ctx **ret);
/* NULL is a no-op. */
void kt_kernel_ctx_destroy(struct kt_kernel_ctx *ctx);

#endif
