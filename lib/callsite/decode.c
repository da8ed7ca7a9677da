// SPDX-License-Identifier: MIT
/* Zydis behind the tool-independent instruction model of decode.h (its text: decode_att.c). */
#include <string.h>

#include <Zydis/Zydis.h>

#include "callsite/decode.h"
#include "core/error.h"
#include "core/util.h"

/* Zydis register -> DWARF number, for the registers that hold addresses. */
static const struct {
	ZydisRegister zydis;
	enum kt_x86_reg reg;
} gpr_map[] = {
	{ZYDIS_REGISTER_RAX, KT_X86_RAX}, {ZYDIS_REGISTER_RDX, KT_X86_RDX},
	{ZYDIS_REGISTER_RCX, KT_X86_RCX}, {ZYDIS_REGISTER_RBX, KT_X86_RBX},
	{ZYDIS_REGISTER_RSI, KT_X86_RSI}, {ZYDIS_REGISTER_RDI, KT_X86_RDI},
	{ZYDIS_REGISTER_RBP, KT_X86_RBP}, {ZYDIS_REGISTER_RSP, KT_X86_RSP},
	{ZYDIS_REGISTER_R8, KT_X86_R8},   {ZYDIS_REGISTER_R9, KT_X86_R9},
	{ZYDIS_REGISTER_R10, KT_X86_R10}, {ZYDIS_REGISTER_R11, KT_X86_R11},
	{ZYDIS_REGISTER_R12, KT_X86_R12}, {ZYDIS_REGISTER_R13, KT_X86_R13},
	{ZYDIS_REGISTER_R14, KT_X86_R14}, {ZYDIS_REGISTER_R15, KT_X86_R15},
	{ZYDIS_REGISTER_RIP, KT_X86_RIP},
};

static enum kt_x86_reg reg_from_zydis(ZydisRegister r)
{
	if (r == ZYDIS_REGISTER_NONE)
		return KT_X86_REG_NONE;
	if (r == ZYDIS_REGISTER_RIP)
		return KT_X86_RIP;  // not a general-purpose register to Zydis: no enclosing one
	// %eax in an address-size-prefixed operand is still rax's register state.
	ZydisRegister full = ZydisRegisterGetLargestEnclosing(ZYDIS_MACHINE_MODE_LONG_64, r);
	for (size_t i = 0; i < KT_ARRAY_SIZE(gpr_map); i++)
		if (gpr_map[i].zydis == full)
			return gpr_map[i].reg;
	return KT_X86_REG_OTHER;
}

static enum kt_x86_seg seg_from_zydis(ZydisRegister r)
{
	if (r == ZYDIS_REGISTER_FS)
		return KT_X86_SEG_FS;
	if (r == ZYDIS_REGISTER_GS)
		return KT_X86_SEG_GS;
	return KT_X86_SEG_NONE;  // CS, DS, ES, SS have base 0 in 64-bit mode
}

static void mem_from_zydis(const ZydisDecodedInstruction *zi, const ZydisDecodedOperand *op,
			   uint64_t address, struct kt_insn_mem *ret)
{
	*ret = (struct kt_insn_mem){
		.base = reg_from_zydis(op->mem.base),
		.index = reg_from_zydis(op->mem.index),
		.scale = op->mem.index != ZYDIS_REGISTER_NONE ? op->mem.scale : 0,
		.disp = op->mem.disp.value,
		.segment = seg_from_zydis(op->mem.segment),
	};
	ZyanU64 abs;
	if ((ret->base == KT_X86_RIP || (ret->base == KT_X86_REG_NONE && ret->index == KT_X86_REG_NONE)) &&
	    ZYAN_SUCCESS(ZydisCalcAbsoluteAddress(zi, op, address, &abs))) {
		ret->has_address = true;
		ret->address = abs;
	}
}

static void decoder_init(ZydisDecoder *decoder)
{
	ZydisDecoderInit(decoder, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
}

static enum kt_insn_kind kind_from_zydis(const ZydisDecodedInstruction *zi)
{
	// lcall, ljmp, lret change code segment: mode switches, not calls between functions.
	if (zi->meta.branch_type == ZYDIS_BRANCH_TYPE_FAR)
		return KT_INSN_OTHER;
	switch (zi->meta.category) {
	case ZYDIS_CATEGORY_CALL:
		return KT_INSN_CALL;
	case ZYDIS_CATEGORY_UNCOND_BR:
		return KT_INSN_JMP;
	case ZYDIS_CATEGORY_COND_BR:
		return KT_INSN_JCC;  // jcc, jrcxz, loop*
	default:
		// iretq, sysretq and friends leave the context, they do not return to a caller.
		return zi->mnemonic == ZYDIS_MNEMONIC_RET ? KT_INSN_RET : KT_INSN_OTHER;
	}
}

struct kt_error *kt_insn_decode(uint64_t address, const void *buf, size_t len, struct kt_insn *ret)
{
	ZydisDecoder decoder;
	ZydisDecodedInstruction zi;
	ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
	decoder_init(&decoder);
	if (len > KT_INSN_MAX_LENGTH)
		len = KT_INSN_MAX_LENGTH;
	ZyanStatus status = ZydisDecoderDecodeFull(&decoder, buf, len, &zi, ops);
	if (!ZYAN_SUCCESS(status))
		return kt_error_create(KT_ERROR_BAD_DATA, "0x%016llx: %s", (unsigned long long)address,
				       status == ZYDIS_STATUS_NO_MORE_DATA ? "instruction cut short"
									  : "no valid instruction");
	struct kt_insn insn = {
		.address = address,
		.length = zi.length,
		.kind = kind_from_zydis(&zi),
	};
	memcpy(insn.bytes, buf, zi.length);
	for (unsigned int i = 0; i < zi.operand_count_visible; i++) {
		const ZydisDecodedOperand *op = &ops[i];
		if (op->type == ZYDIS_OPERAND_TYPE_MEMORY && !insn.has_mem &&
		    (op->mem.type == ZYDIS_MEMOP_TYPE_MEM || op->mem.type == ZYDIS_MEMOP_TYPE_AGEN)) {
			insn.has_mem = true;
			mem_from_zydis(&zi, op, address, &insn.mem);
		}
	}
	if (insn.kind != KT_INSN_OTHER && insn.kind != KT_INSN_RET && zi.operand_count_visible) {
		const ZydisDecodedOperand *op = &ops[0];
		ZyanU64 abs;
		if (op->type == ZYDIS_OPERAND_TYPE_IMMEDIATE && op->imm.is_relative &&
		    ZYAN_SUCCESS(ZydisCalcAbsoluteAddress(&zi, op, address, &abs))) {
			insn.has_target = true;
			insn.target = abs;
		} else if (op->type == ZYDIS_OPERAND_TYPE_REGISTER) {
			insn.indirect.type = KT_INSN_OPERAND_REG;
			insn.indirect.reg = reg_from_zydis(op->reg.value);
		} else if (op->type == ZYDIS_OPERAND_TYPE_MEMORY) {
			insn.indirect.type = KT_INSN_OPERAND_MEM;
			mem_from_zydis(&zi, op, address, &insn.indirect.mem);
		}
	}
	*ret = insn;
	return NULL;
}
