/* SPDX-License-Identifier: MIT */
/*
 * Backward slices: where the value an instruction reads came from, as an expression over what
 * the function had on entry, its stack, link-time addresses and loads from memory. This is the
 * "mov kvm_x86_ops(%rip),%rax; call *0x178(%rax)" reasoning of a person reading disassembly,
 * done over every path that reaches the instruction.
 */
#ifndef KT_CALLSITE_SLICE_H
#define KT_CALLSITE_SLICE_H

#include "callsite/function_code.h"

enum kt_sx_kind {
	KT_SX_CONST,     /* imm */
	KT_SX_ADDRESS,   /* a link-time address (RIP-relative or absolute operand): imm */
	KT_SX_ENTRY,     /* reg's value when the function was entered: an argument, or the caller's */
	KT_SX_STACK,     /* %rsp at the call + imm */
	KT_SX_LOAD,      /* the size bytes at address a */
	KT_SX_ADD,       /* a + b */
	KT_SX_SCALE,     /* a * imm */
	KT_SX_PERCPU,    /* %gs:a: a inside the per-CPU area of the CPU that ran it */
	KT_SX_UNKNOWN,   /* why says */
};

struct kt_sx {
	enum kt_sx_kind kind;
	uint8_t size;            /* KT_SX_LOAD: bytes loaded */
	enum kt_x86_reg reg;     /* KT_SX_ENTRY */
	int64_t imm;
	const struct kt_sx *a, *b;
	uint64_t at;             /* the instruction that produced the value (0: none) */
	/* KT_X86_REG_BIT of the registers that still hold this value at the call. */
	uint32_t call_regs;
	char why[112];           /* KT_SX_UNKNOWN */
};

enum { KT_SLICE_MAX_NODES = 512 };

struct kt_slice {
	struct kt_program *prog; /* names the functions a value is followed through (call_returns.h) */
	const struct kt_function_code *code;
	size_t call;             /* index of the call instruction the slice is for */
	struct kt_sx nodes[KT_SLICE_MAX_NODES];
	size_t n_nodes;
	unsigned int steps;      /* instructions walked, against a budget */
	unsigned int depth;      /* values being followed, one inside another */
	/* (register, instruction) joins being sliced now: a loop reaching one again adds nothing. */
	struct { enum kt_x86_reg reg; uint32_t insn; } open[64];
	size_t n_open;
};

/* Starts a slice for the call instruction code->insns[call]. */
void kt_slice_init(struct kt_slice *s, struct kt_program *prog, const struct kt_function_code *code,
		   size_t call);
/* What the call jumps through: its register or memory operand. */
const struct kt_sx *kt_slice_call_target(struct kt_slice *s);
/* The value of reg right before code->insns[i] runs (i <= s->call), in the same slice. */
const struct kt_sx *kt_slice_register(struct kt_slice *s, enum kt_x86_reg reg, size_t i);

#endif
