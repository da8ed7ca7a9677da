// SPDX-License-Identifier: MIT
#include <stdlib.h>

#include "core/error.h"
#include "kernel/kernel_ctx.h"
#include "kernel/modules.h"
#include "kernel/object.h"
#include "kernel/percpu.h"

struct kt_error *kt_kernel_ctx_create(struct kt_kernel_ctx **ret)
{
	if (!(*ret = calloc(1, sizeof(**ret))))
		return &kt_enomem;
	return NULL;
}

void kt_kernel_ctx_destroy(struct kt_kernel_ctx *ctx)
{
	if (!ctx)
		return;
	kt_modules_destroy(ctx->modules);
	kt_percpu_destroy(ctx->percpu);
	free(ctx->task_layout);
	free(ctx->symbol_cache);
	kt_object_cache_destroy(ctx->object_cache);
	kt_module_globals_destroy(ctx->module_globals);
	free(ctx);
}
