// SPDX-License-Identifier: MIT
#include "callsite/call_regs.h"
#include "callsite/decode.h"

void kt_call_registers_keep(const struct kt_call_registers *from, uint32_t mask,
			    struct kt_call_registers *to)
{
	for (int reg = 0; reg < 16; reg++) {
		if (!(mask & from->known & (1u << reg)))
			continue;
		to->value[reg] = from->value[reg];
		to->source[reg] = from->source[reg];
		to->known |= 1u << reg;
	}
}

void kt_call_registers_at_entry(const struct kt_call_registers *at_call, struct kt_call_registers *ret)
{
	*ret = (struct kt_call_registers){.cpu = at_call->cpu};
	kt_call_registers_keep(at_call, KT_X86_CALLEE_SAVED, ret);
	if (at_call->known & (1u << KT_X86_RSP)) {
		ret->value[KT_X86_RSP] = at_call->value[KT_X86_RSP] - 8;
		ret->source[KT_X86_RSP] = (struct kt_register_source){.origin = KT_REGISTER_ORIGIN_BELOW_RETURN};
		ret->known |= 1u << KT_X86_RSP;
	}
}
