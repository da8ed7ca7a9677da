// SPDX-License-Identifier: MIT
/*
 * An argument register's value at a call: the slice of that register from the call instruction,
 * rendered as the call-site resolution renders a call's target (render.c), so its values carry
 * the same evidence (a register recovered from a callee's save slot, a load from the dump).
 */
#include <stdio.h>
#include <stdlib.h>

#include "callsite/call_argument.h"
#include "callsite/function_code.h"
#include "callsite/render.h"
#include "callsite/site_text.h"
#include "core/error.h"
#include "core/util.h"

struct kt_error *kt_call_argument_at(struct kt_program *prog, uint64_t return_address,
				     const struct kt_call_registers *regs, enum kt_x86_reg reg,
				     struct kt_call_argument *ret)
{
	struct kt_function_code code;
	struct kt_error *err = kt_function_code_load(prog, return_address - 1, &code);
	if (err)
		return kt_error_prefix(err, "call before 0x%016llx", (unsigned long long)return_address);
	ssize_t next = return_address == code.end ? (ssize_t)code.n
						  : kt_function_code_index(&code, return_address);
	if (next <= 0 || code.insns[next - 1].kind != KT_INSN_CALL) {
		err = kt_error_create(KT_ERROR_NOT_FOUND, "no call instruction of %s ends at 0x%016llx",
				      code.name, (unsigned long long)return_address);
		kt_function_code_deinit(&code);
		return err;
	}
	size_t ci = (size_t)next - 1;
	struct kt_call_site site;
	struct kt_slice *slice = malloc(sizeof(*slice));
	if (!slice || (err = kt_call_site_init(&site))) {
		free(slice);
		kt_function_code_deinit(&code);
		return &kt_enomem;
	}
	struct kt_types *types = NULL;
	kt_error_destroy(kt_program_types(prog, &types));
	struct resolver r = {
		.prog = prog,
		.types = types,
		.regs = regs,
		.caller = code.name,
		.caller_start = code.start,
		.call = code.insns[ci].address,
		.call_depth = code.depth[ci],
		.site = &site,
	};
	kt_slice_init(slice, prog, &code, ci);
	struct rendered out;
	kt_render(&r, kt_slice_register(slice, reg, ci), &out);
	*ret = (struct kt_call_argument){.known = out.known, .value = out.value, .call = r.call,
					 .has_target = code.insns[ci].has_target,
					 .target = code.insns[ci].target};
	kt_textf(ret->expression, sizeof(ret->expression), "%s", out.text);
	size_t n = 0;
	for (size_t i = 0; i < site.n_values && n < sizeof(ret->evidence); i++)
		n += (size_t)snprintf(ret->evidence + n, sizeof(ret->evidence) - n, "%s%s = 0x%llx (%s)",
				      i ? "; " : "", site.values[i].name,
				      (unsigned long long)site.values[i].value, site.values[i].source);
	if (!out.known && n < sizeof(ret->evidence))
		snprintf(ret->evidence + n, sizeof(ret->evidence) - n, "%snot determined: %s", n ? "; " : "",
			 r.missing[0] ? r.missing : "no value to read it from");
	free(slice);
	kt_call_site_deinit(&site);
	kt_function_code_deinit(&code);
	return NULL;
}
