// SPDX-License-Identifier: MIT
/* Whether a function's code names a data address (code_refs.h). */
#include "callsite/code_refs.h"
#include "callsite/function_code.h"
#include "core/error.h"

static bool names(const struct kt_insn_operand *op, uint64_t addr)
{
	return (op->type == KT_INSN_OPERAND_IMM && (uint64_t)op->imm == addr) ||
	       (op->type == KT_INSN_OPERAND_MEM && op->mem.has_address && op->mem.segment == KT_X86_SEG_NONE &&
		op->mem.address == addr);
}

bool kt_function_refers_to(struct kt_program *prog, uint64_t pc, uint64_t addr, uint64_t *insn_ret)
{
	struct kt_function_code code;
	struct kt_error *err = kt_function_code_load(prog, pc, &code);
	if (err) {
		kt_error_destroy(err);
		return false;
	}
	bool found = false;
	for (size_t i = 0; i < code.n && !found; i++) {
		const struct kt_insn *in = &code.insns[i];
		found = names(&in->src, addr) || names(&in->dst, addr) ||
			(in->has_mem && in->mem.has_address && in->mem.segment == KT_X86_SEG_NONE &&
			 in->mem.address == addr);
		if (found)
			*insn_ret = in->address;
	}
	kt_function_code_deinit(&code);
	return found;
}
