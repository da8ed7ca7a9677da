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

const char *kt_x86_reg_name(enum kt_x86_reg reg)
{
	static const char *const names[] = {"rax", "rdx", "rcx", "rbx", "rsi", "rdi", "rbp", "rsp",
					    "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15"};
	return reg >= KT_X86_RAX && reg <= KT_X86_R15 ? names[reg] : "?";
}

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

static void operand_from_zydis(const ZydisDecodedInstruction *zi, const ZydisDecodedOperand *op,
			       uint64_t address, struct kt_insn_operand *ret)
{
	*ret = (struct kt_insn_operand){.type = KT_INSN_OPERAND_NONE, .reg = KT_X86_REG_NONE,
					.size = (uint8_t)(op->size / 8)};
	switch (op->type) {
	case ZYDIS_OPERAND_TYPE_REGISTER:
		ret->type = KT_INSN_OPERAND_REG;
		ret->reg = reg_from_zydis(op->reg.value);
		break;
	case ZYDIS_OPERAND_TYPE_MEMORY:
		ret->type = KT_INSN_OPERAND_MEM;
		mem_from_zydis(zi, op, address, &ret->mem);
		break;
	case ZYDIS_OPERAND_TYPE_IMMEDIATE:
		ret->type = KT_INSN_OPERAND_IMM;
		ret->imm = op->imm.is_signed ? op->imm.value.s : (int64_t)op->imm.value.u;
		break;
	default:
		break;
	}
}

static enum kt_insn_op op_from_zydis(ZydisMnemonic m)
{
	switch (m) {
	case ZYDIS_MNEMONIC_MOV:
	case ZYDIS_MNEMONIC_MOVZX:
	case ZYDIS_MNEMONIC_MOVSX:
	case ZYDIS_MNEMONIC_MOVSXD:
		return KT_OP_MOV;
	case ZYDIS_MNEMONIC_LEA:
		return KT_OP_LEA;
	case ZYDIS_MNEMONIC_ADD:
		return KT_OP_ADD;
	case ZYDIS_MNEMONIC_SUB:
		return KT_OP_SUB;
	case ZYDIS_MNEMONIC_XOR:
		return KT_OP_XOR;
	case ZYDIS_MNEMONIC_AND:
		return KT_OP_AND;
	case ZYDIS_MNEMONIC_SBB:
		return KT_OP_SBB;
	case ZYDIS_MNEMONIC_CMP:
		return KT_OP_CMP;
	case ZYDIS_MNEMONIC_PUSH:
		return KT_OP_PUSH;
	case ZYDIS_MNEMONIC_POP:
		return KT_OP_POP;
	case ZYDIS_MNEMONIC_NOP:
	case ZYDIS_MNEMONIC_ENDBR64:
		return KT_OP_NOP;
	default:
		return KT_OP_OTHER;
	}
}

/* Every register the instruction writes, hidden operands included (cpuid, div, rep movs). */
static uint32_t written_registers(const ZydisDecodedInstruction *zi, const ZydisDecodedOperand *ops)
{
	uint32_t mask = 0;
	for (unsigned int i = 0; i < zi->operand_count; i++) {
		if (ops[i].type != ZYDIS_OPERAND_TYPE_REGISTER ||
		    !(ops[i].actions & ZYDIS_OPERAND_ACTION_MASK_WRITE))
			continue;
		enum kt_x86_reg r = reg_from_zydis(ops[i].reg.value);
		if (r >= KT_X86_RAX && r <= KT_X86_R15)
			mask |= KT_X86_REG_BIT(r);
	}
	return mask;
}

/* What the instruction does to %rsp, as the function's own stack depth sees it (a call returns
 * with %rsp as it was). */
static void stack_effect(struct kt_insn *insn)
{
	switch (insn->op) {
	case KT_OP_PUSH:
		insn->stack_delta = insn->dst.size ? insn->dst.size : 8;
		return;
	case KT_OP_POP:
		insn->stack_delta = -(insn->dst.size ? insn->dst.size : 8);
		return;
	default:
		break;
	}
	if (insn->kind == KT_INSN_CALL || insn->kind == KT_INSN_RET ||
	    !(insn->writes & KT_X86_REG_BIT(KT_X86_RSP)))
		return;
	if ((insn->op == KT_OP_ADD || insn->op == KT_OP_SUB) && insn->dst.type == KT_INSN_OPERAND_REG &&
	    insn->dst.reg == KT_X86_RSP && insn->src.type == KT_INSN_OPERAND_IMM) {
		insn->stack_delta = (int32_t)(insn->op == KT_OP_SUB ? insn->src.imm : -insn->src.imm);
		return;
	}
	if (insn->op == KT_OP_LEA && insn->dst.reg == KT_X86_RSP && insn->src.mem.base == KT_X86_RSP &&
	    insn->src.mem.index == KT_X86_REG_NONE) {
		insn->stack_delta = (int32_t)-insn->src.mem.disp;
		return;
	}
	// pushf, popf, enter, leave and the like: the mnemonic says how much.
	switch (insn->bytes[0]) {
	case 0x9c:
		insn->stack_delta = 8;
		return;
	case 0x9d:
		insn->stack_delta = -8;
		return;
	default:
		insn->stack_unknown = true;
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
	insn.op = op_from_zydis(zi.mnemonic);
	if (zi.operand_count_visible > 0)
		operand_from_zydis(&zi, &ops[0], address, &insn.dst);
	if (zi.operand_count_visible > 1)
		operand_from_zydis(&zi, &ops[1], address, &insn.src);
	insn.writes = written_registers(&zi, ops);
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
	stack_effect(&insn);
	*ret = insn;
	return NULL;
}
