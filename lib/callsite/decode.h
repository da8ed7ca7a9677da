/* SPDX-License-Identifier: MIT */
/*
 * One x86-64 instruction, reduced to what call-site analysis needs: where it is, how long, whether
 * it transfers control and to where. The decoder behind it (Zydis) stays in decode.c and
 * decode_att.c, so that the layers above never see its types, as objtool's check.c never sees
 * opcodes.
 */
#ifndef KT_CALLSITE_DECODE_H
#define KT_CALLSITE_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "ktriage.h"

/* The architectural limit (SDM Vol. 2, 2.3.11 "AVX Instruction Length"). */
#define KT_INSN_MAX_LENGTH 15

/*
 * General-purpose registers by DWARF number (System V x86-64 psABI, Figure 3.36 "DWARF Register
 * Number Mapping"), the numbering unwinders keep register state in. A 32-bit or smaller register
 * maps to the 64-bit register that contains it.
 */
enum kt_x86_reg {
	KT_X86_REG_NONE = -1,
	KT_X86_RAX = 0,
	KT_X86_RDX,
	KT_X86_RCX,
	KT_X86_RBX,
	KT_X86_RSI,
	KT_X86_RDI,
	KT_X86_RBP,
	KT_X86_RSP,
	KT_X86_R8,
	KT_X86_R9,
	KT_X86_R10,
	KT_X86_R11,
	KT_X86_R12,
	KT_X86_R13,
	KT_X86_R14,
	KT_X86_R15,
	KT_X86_RIP,
	KT_X86_REG_OTHER,  /* segment, vector, mask or control register: not tracked */
};

/* "rax" ... "r15" for the general-purpose registers, "?" for any other. */
const char *kt_x86_reg_name(enum kt_x86_reg reg);

/* In 64-bit mode only FS and GS have a base (SDM Vol. 1, 3.4.2.1); the kernel's GS is per-CPU. */
enum kt_x86_seg {
	KT_X86_SEG_NONE,
	KT_X86_SEG_FS,
	KT_X86_SEG_GS,
};

/* A memory operand: segment:disp(base, index, scale). */
struct kt_insn_mem {
	enum kt_x86_reg base;    /* KT_X86_RIP for RIP-relative */
	enum kt_x86_reg index;
	uint8_t scale;           /* 1, 2, 4 or 8; 0 without an index */
	int64_t disp;
	enum kt_x86_seg segment;
	/*
	 * The address without any register value: RIP-relative (end of instruction + disp) or
	 * absolute (no base, no index). With a segment it is an offset from that segment's base.
	 */
	bool has_address;
	uint64_t address;
};

enum kt_insn_operand_type {
	KT_INSN_OPERAND_NONE,
	KT_INSN_OPERAND_REG,
	KT_INSN_OPERAND_MEM,
	KT_INSN_OPERAND_IMM,
};

struct kt_insn_operand {
	enum kt_insn_operand_type type;
	enum kt_x86_reg reg;      /* KT_INSN_OPERAND_REG */
	struct kt_insn_mem mem;   /* KT_INSN_OPERAND_MEM */
	int64_t imm;              /* KT_INSN_OPERAND_IMM, sign-extended to 64 bits */
	uint8_t size;             /* bytes the operand reads or writes (1, 2, 4, 8; 0: unknown) */
};

/*
 * What an instruction does to data, for the backward slices of call-site resolution: the few
 * operations that carry a pointer from one place to another; anything else that writes a
 * register makes its value unknown (writes says which).
 */
enum kt_insn_op {
	KT_OP_OTHER,
	KT_OP_MOV,     /* dst = src (mov, and the zero- and sign-extending movzx, movsx, movsxd) */
	KT_OP_LEA,     /* dst = address of src */
	KT_OP_ADD,     /* dst += src */
	KT_OP_SUB,     /* dst -= src */
	KT_OP_XOR,     /* dst ^= src: only xor of a register with itself, a zero, is followed */
	KT_OP_AND,     /* dst &= src: followed as array_index_nospec()'s mask only */
	KT_OP_SBB,     /* dst -= src + CF: sbb of a register with itself is that mask */
	KT_OP_CMP,     /* flags from dst - src: the bound the mask is made against */
	KT_OP_PUSH,
	KT_OP_POP,
	KT_OP_NOP,     /* nop, and endbr64, which does nothing to data either */
};

/* Bit (1u << reg) for each general-purpose register, in kt_x86_reg numbering. */
#define KT_X86_REG_BIT(reg) (1u << (unsigned int)(reg))

/* What a called function must give back as it found it (System V psABI, 3.2.1 "Registers"):
 * rbx, rbp, r12-r15 (and rsp). Every other general-purpose register a call may change. */
#define KT_X86_CALLEE_SAVED                                                                         \
	(KT_X86_REG_BIT(KT_X86_RBX) | KT_X86_REG_BIT(KT_X86_RBP) | KT_X86_REG_BIT(KT_X86_R12) |    \
	 KT_X86_REG_BIT(KT_X86_R13) | KT_X86_REG_BIT(KT_X86_R14) | KT_X86_REG_BIT(KT_X86_R15))
#define KT_X86_CALL_CLOBBERED                                                                       \
	((KT_X86_REG_BIT(KT_X86_R15 + 1) - 1) & ~KT_X86_CALLEE_SAVED & ~KT_X86_REG_BIT(KT_X86_RSP))

struct kt_insn {
	uint64_t address;
	uint8_t length;
	uint8_t bytes[KT_INSN_MAX_LENGTH];
	enum kt_insn_kind kind;
	/* A direct call, jmp or jcc: the absolute target. */
	bool has_target;
	uint64_t target;
	/* An indirect call or jmp: where the target is read from (register or memory). */
	struct kt_insn_operand indirect;
	/* The explicit memory operand, if any: what data the instruction touches. */
	bool has_mem;
	struct kt_insn_mem mem;
	/* Data flow: dst and src are the first two visible operands (AT&T: src, dst). */
	enum kt_insn_op op;
	struct kt_insn_operand dst, src;
	uint32_t writes;          /* KT_X86_REG_BIT of every general-purpose register written */
	/* Bytes pushed (> 0) or popped (< 0) by push, pop, add/sub $imm,%rsp, call, ret. */
	int32_t stack_delta;
	bool stack_unknown;       /* %rsp set some other way (mov, lea, and): depth unknown after */
};

/*
 * Decodes the instruction at the start of buf (len bytes, at most KT_INSN_MAX_LENGTH are looked
 * at), which runs at address. BAD_DATA if the bytes are no valid instruction, or if len is too
 * short for the instruction they start.
 */
struct kt_error *kt_insn_decode(uint64_t address, const void *buf, size_t len, struct kt_insn *ret);

/*
 * Formats insn in AT&T syntax as binutils prints it (objdump, gdb and so crash; decode_att.c
 * says where Zydis's own AT&T text differs and how that is undone): mnemonic padded
 * to six columns, operands separated by ',' only, '*' before indirect targets, immediates in
 * their operand's width, RIP-relative operands as disp(%rip). Direct targets are absolute
 * addresses; naming them is the caller's. LIMIT if buf is too small.
 */
struct kt_error *kt_insn_format(const struct kt_insn *insn, char *buf, size_t size);

#endif
