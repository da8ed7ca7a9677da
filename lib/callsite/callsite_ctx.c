// SPDX-License-Identifier: MIT
#include <stdlib.h>

#include "callsite/callsite_ctx.h"
#include "callsite/function_code.h"
#include "core/addr_map.h"
#include "core/error.h"

struct kt_error *kt_callsite_ctx_create(struct kt_callsite_ctx **ret)
{
	if (!(*ret = calloc(1, sizeof(**ret))))
		return &kt_enomem;
	return NULL;
}

void kt_callsite_ctx_destroy(struct kt_callsite_ctx *ctx)
{
	if (!ctx)
		return;
	kt_code_cache_destroy(ctx->code_cache);
	kt_addr_map_destroy(ctx->static_call_sites);
	kt_addr_map_destroy(ctx->pv_ops_sites);
	free(ctx);
}
