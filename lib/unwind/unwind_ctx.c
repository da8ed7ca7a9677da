// SPDX-License-Identifier: MIT
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "unwind/cfi.h"
#include "unwind/orc.h"
#include "unwind/unwind_ctx.h"

struct kt_error *kt_unwind_ctx_create(struct kt_unwind_ctx **ret)
{
	if (!(*ret = calloc(1, sizeof(**ret))))
		return &kt_enomem;
	return NULL;
}

void kt_unwind_ctx_destroy(struct kt_unwind_ctx *ctx)
{
	if (!ctx)
		return;
	kt_orc_destroy(ctx->orc);
	free(ctx->orc_missing);
	kt_cfi_destroy(ctx->cfi);
	free(ctx->call_cache);
	free(ctx->switch_layout);
	free(ctx->stack_layout);
	free(ctx);
}

struct kt_error *kt_program_orc(struct kt_program *prog, struct kt_orc **ret)
{
	if (prog->unwind->orc_missing)
		return kt_error_create(KT_ERROR_NOT_FOUND, "%s", prog->unwind->orc_missing);
	if (!prog->unwind->orc) {
		struct kt_error *err = kt_orc_load(prog, &prog->unwind->orc);
		if (err && err != &kt_enomem && !(prog->unwind->orc_missing = strdup(kt_error_message(err)))) {
			kt_error_destroy(err);
			return &kt_enomem;
		}
		if (err)
			return err;
	}
	*ret = prog->unwind->orc;
	return NULL;
}

struct kt_error *kt_program_cfi(struct kt_program *prog, struct kt_cfi **ret)
{
	if (!prog->vmlinux)
		return kt_error_create(KT_ERROR_NOT_FOUND, "no DWARF CFI without the debug vmlinux");
	if (!prog->unwind->cfi) {
		struct kt_error *err = kt_cfi_open(kt_vmlinux_path(prog->vmlinux), &prog->unwind->cfi);
		if (err)
			return err;
	}
	*ret = prog->unwind->cfi;
	return NULL;
}
