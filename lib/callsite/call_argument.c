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

/* reg right before code->insns[i], with regs known there. */
static struct kt_error *argument_before(struct kt_program *prog, const struct kt_function_code *code, size_t i,
					const struct kt_call_registers *regs, enum kt_x86_reg reg,
					struct kt_call_argument *ret)
{
	struct kt_call_site site;
	struct kt_slice *slice = malloc(sizeof(*slice));
	if (!slice || kt_call_site_init(&site)) {
		free(slice);
		return &kt_enomem;
	}
	struct kt_types *types = NULL;
	kt_error_destroy(kt_program_types(prog, &types));
	struct resolver r = {
		.prog = prog,
		.types = types,
		.regs = regs,
		.caller = code->name,
		.caller_start = code->start,
		.call = code->insns[i].address,
		.call_depth = code->depth[i],
		.site = &site,
	};
	kt_slice_init(slice, prog, code, i);
	struct rendered out;
	kt_render(&r, kt_slice_register(slice, reg, i), &out);
	*ret = (struct kt_call_argument){.known = out.known, .value = out.value, .call = r.call,
					 .has_target = code->insns[i].has_target,
					 .target = code->insns[i].target};
	kt_textf(ret->expression, sizeof(ret->expression), "%s", out.text);
	size_t n = 0;
	for (size_t v = 0; v < site.n_values && n < sizeof(ret->evidence); v++)
		n += (size_t)snprintf(ret->evidence + n, sizeof(ret->evidence) - n, "%s%s = 0x%llx (%s)",
				      v ? "; " : "", site.values[v].name,
				      (unsigned long long)site.values[v].value, site.values[v].source);
	if (!out.known && n < sizeof(ret->evidence))
		snprintf(ret->evidence + n, sizeof(ret->evidence) - n, "%snot determined: %s", n ? "; " : "",
			 r.missing[0] ? r.missing : "no value to read it from");
	free(slice);
	kt_call_site_deinit(&site);
	return NULL;
}

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
	if (next <= 0 || code.insns[next - 1].kind != KT_INSN_CALL)
		err = kt_error_create(KT_ERROR_NOT_FOUND, "no call instruction of %s ends at 0x%016llx",
				      code.name, (unsigned long long)return_address);
	else
		err = argument_before(prog, &code, (size_t)next - 1, regs, reg, ret);
	kt_function_code_deinit(&code);
	return err;
}

struct kt_error *kt_jump_argument_at(struct kt_program *prog, uint64_t function, uint64_t target,
				     const struct kt_call_registers *regs, enum kt_x86_reg reg,
				     struct kt_call_argument *ret)
{
	struct kt_function_code code;
	struct kt_error *err = kt_function_code_load(prog, function, &code);
	if (err)
		return err;
	err = kt_error_create(KT_ERROR_NOT_FOUND, "%s does not jump to 0x%016llx", code.name,
			      (unsigned long long)target);
	for (size_t i = 0; i < code.n && err && err != &kt_enomem; i++)
		if (code.insns[i].kind == KT_INSN_JMP && code.insns[i].has_target && code.insns[i].target == target) {
			kt_error_destroy(err);
			err = argument_before(prog, &code, i, regs, reg, ret);
		}
	kt_function_code_deinit(&code);
	return err;
}
