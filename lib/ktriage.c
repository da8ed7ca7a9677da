// SPDX-License-Identifier: MIT
/*
 * The library assembled: kt_program_open() makes the handle (program.c), gives it the upcalls
 * it needs from the layers above it, and hangs each layer's context off it; kt_program_destroy()
 * takes them down, top layer first. The only file that knows every layer.
 */
#include <stdlib.h>

#include "callsite/callsite_ctx.h"
#include "core/error.h"
#include "kernel/kernel_ctx.h"
#include "kernel/module_btf.h"
#include "kernel/module_sections.h"
#include "program.h"
#include "kernel/percpu.h"
#include "sym/dwarf.h"
#include "unwind/unwind_ctx.h"

static const struct kt_program_upcalls upcalls = {
	.module_types = kt_module_btf_read,
	.dwarf_module = kt_dwarf_module,
	.module_list = kt_module_list,
	.module_place = kt_module_place,
	.module_place_free = kt_module_place_free,
	.symbolize = kt_program_symbolize,
	.symbol_address = kt_program_symbol_address,
	.kernel_percpu = kt_percpu_kernel_symbol,
	.stack_anchors = kt_stack_anchors,
};

struct kt_error *kt_program_open(const char *path, const struct kt_open_options *opts,
				 struct kt_program **ret)
{
	struct kt_program *prog = calloc(1, sizeof(*prog));
	if (!prog)
		return &kt_enomem;
	prog->upcalls = &upcalls;
	struct kt_error *err;
	if ((err = kt_program_init(prog, path, opts)) ||
	    (err = kt_kernel_ctx_create(&prog->kernel)) ||
	    (err = kt_callsite_ctx_create(&prog->callsite)) ||
	    (err = kt_unwind_ctx_create(&prog->unwind))) {
		kt_program_destroy(prog);
		return err;
	}
	*ret = prog;
	return NULL;
}

void kt_program_destroy(struct kt_program *prog)
{
	if (!prog)
		return;
	kt_unwind_ctx_destroy(prog->unwind);
	kt_callsite_ctx_destroy(prog->callsite);
	kt_kernel_ctx_destroy(prog->kernel);
	kt_dwarf_destroy(prog->dwarf);
	kt_program_deinit(prog);
	free(prog);
}
