/* SPDX-License-Identifier: MIT */
/* The call-site layer's state, hung off the program (prog->callsite). */
#ifndef KT_CALLSITE_CALLSITE_CTX_H
#define KT_CALLSITE_CALLSITE_CTX_H

#include "ktriage.h"

struct kt_code_cache;
struct kt_addr_map;

struct kt_callsite_ctx {
	struct kt_code_cache *code_cache;      /* decoded functions (function_code.c) */
	struct kt_addr_map *static_call_sites; /* call -> static call key (static_calls.c) */
	struct kt_addr_map *pv_ops_sites;      /* call -> paravirt type (pv_ops.c) */
};

struct kt_error *kt_callsite_ctx_create(struct kt_callsite_ctx **ret);
/* NULL is a no-op. */
void kt_callsite_ctx_destroy(struct kt_callsite_ctx *ctx);

#endif
