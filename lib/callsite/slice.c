// SPDX-License-Identifier: MIT
/*
 * Backward slicing over one function. The walk follows every path back from the call: where a
 * single predecessor runs before an instruction it simply steps back; at a join it slices each
 * predecessor and keeps the answer only if all of them agree. Registers written on the way
 * (and those a call clobbers, SysV psABI 3.2.1) are "dirty": a value computed from a register
 * that is not dirty is also that register's value at the call, which is how saved registers
 * recovered by the unwinder turn into numbers.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "callsite/call_returns.h"
#include "callsite/slice.h"

/* Instructions a slice may walk: enough for a 6 KiB function with a few dozen joins. */
enum { SLICE_STEP_BUDGET = 200000 };
/* Values followed through each other (walk within walk): a real function's slices nest a few
 * dozen deep; a cycle of single-path copies (mov %rax,%rbx; mov %rbx,%rax in a loop no entry
 * reaches) would nest until the step budget, overflowing the stack first. */
enum { SLICE_DEPTH_MAX = 256 };

static struct kt_sx *node(struct kt_slice *s, enum kt_sx_kind kind, uint64_t at)
{
	// The last node is kept for the answer "too complex", so a full arena still yields one.
	if (s->n_nodes >= KT_SLICE_MAX_NODES - 1) {
		struct kt_sx *full = &s->nodes[KT_SLICE_MAX_NODES - 1];
		*full = (struct kt_sx){.kind = KT_SX_UNKNOWN, .reg = KT_X86_REG_NONE};
		snprintf(full->why, sizeof(full->why), "the expression is too large to follow");
		return full;
	}
	struct kt_sx *n = &s->nodes[s->n_nodes++];
	*n = (struct kt_sx){.kind = kind, .reg = KT_X86_REG_NONE, .at = at};
	return n;
}

__attribute__((format(printf, 3, 4)))
static struct kt_sx *unknown(struct kt_slice *s, uint64_t at, const char *fmt, ...)
{
	struct kt_sx *n = node(s, KT_SX_UNKNOWN, at);
	if (n->kind != KT_SX_UNKNOWN || n == &s->nodes[KT_SLICE_MAX_NODES - 1])
		return n;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(n->why, sizeof(n->why), fmt, ap);
	va_end(ap);
	return n;
}

static const struct kt_sx *constant(struct kt_slice *s, enum kt_sx_kind kind, int64_t imm, uint64_t at)
{
	struct kt_sx *n = node(s, kind, at);
	if (n->kind == kind)
		n->imm = imm;
	return n;
}

static const struct kt_sx *binary(struct kt_slice *s, enum kt_sx_kind kind, const struct kt_sx *a,
				  const struct kt_sx *b, int64_t imm, uint64_t at)
{
	if (!a || (kind == KT_SX_ADD && !b))
		return NULL;
	if (kind == KT_SX_ADD && b->kind == KT_SX_CONST && b->imm == 0)
		return a;
	struct kt_sx *n = node(s, kind, at);
	if (n->kind != kind)
		return n;
	n->a = a;
	n->b = b;
	n->imm = imm;
	return n;
}

static bool sx_equal(const struct kt_sx *a, const struct kt_sx *b)
{
	if (a == b)
		return true;
	if (!a || !b || a->kind != b->kind || a->imm != b->imm || a->size != b->size || a->reg != b->reg)
		return false;
	if (a->kind == KT_SX_UNKNOWN)
		return false;  // two unknowns need not be the same value
	return sx_equal(a->a, b->a) && sx_equal(a->b, b->b);
}

static uint32_t insn_writes(const struct kt_insn *insn)
{
	return insn->writes | (insn->kind == KT_INSN_CALL ? KT_X86_CALL_CLOBBERED : 0);
}

static const struct kt_sx *walk(struct kt_slice *s, enum kt_x86_reg reg, size_t i, uint32_t dirty);

/* %rsp before insns[p], plus disp: relative to %rsp at the call, through the stack depths. */
static const struct kt_sx *stack_at(struct kt_slice *s, size_t p, int64_t disp)
{
	int32_t dp = s->code->depth[p], dc = s->code->depth[s->call];
	uint64_t at = s->code->insns[p].address;
	if (dp == KT_DEPTH_UNKNOWN || dc == KT_DEPTH_UNKNOWN)
		return unknown(s, at, "the stack depth at 0x%016llx is not known", (unsigned long long)at);
	return constant(s, KT_SX_STACK, (int64_t)dc - dp + disp, at);
}

/* The address a memory operand of insns[p] denotes. */
static const struct kt_sx *address_of(struct kt_slice *s, const struct kt_insn_mem *mem, size_t p,
				      uint32_t dirty)
{
	uint64_t at = s->code->insns[p].address;
	const struct kt_sx *x;
	if (mem->segment == KT_X86_SEG_FS)
		return unknown(s, at, "%%fs-relative operand at 0x%016llx", (unsigned long long)at);
	if (mem->has_address) {
		x = constant(s, mem->segment == KT_X86_SEG_GS ? KT_SX_CONST : KT_SX_ADDRESS,
			     (int64_t)mem->address, at);
	} else if (mem->base == KT_X86_RSP) {
		x = stack_at(s, p, mem->disp);
	} else if (mem->base == KT_X86_REG_NONE) {
		x = constant(s, KT_SX_CONST, mem->disp, at);
	} else {
		x = binary(s, KT_SX_ADD, walk(s, mem->base, p, dirty), constant(s, KT_SX_CONST, mem->disp, at),
			   0, at);
	}
	if (x && !mem->has_address && mem->index != KT_X86_REG_NONE)
		x = binary(s, KT_SX_ADD, x,
			   binary(s, KT_SX_SCALE, walk(s, mem->index, p, dirty), NULL, mem->scale, at), 0, at);
	if (x && mem->segment == KT_X86_SEG_GS)
		x = binary(s, KT_SX_PERCPU, x, NULL, 0, at);
	return x;
}

static const struct kt_sx *load(struct kt_slice *s, const struct kt_sx *addr, uint8_t size, uint64_t at)
{
	if (!addr)
		return NULL;
	struct kt_sx *n = node(s, KT_SX_LOAD, at);
	if (n->kind == KT_SX_LOAD) {
		n->a = addr;
		n->size = size ? size : 8;
	}
	return n;
}

/*
 * Whether mask, as insns[p] reads it, is array_index_nospec()'s mask for index: "cmp $limit,index;
 * sbb mask,mask" (array_index_mask_nospec(), arch/x86/include/asm/barrier.h) with index unchanged
 * since. The mask is all ones when index < limit, which the kernel checks before it indexes, so
 * "and mask,index" leaves the index as it was: the mask only stops speculation past the bound.
 */
static bool nospec_mask(const struct kt_slice *s, size_t p, enum kt_x86_reg mask, enum kt_x86_reg index)
{
	const struct kt_function_code *code = s->code;
	uint32_t preds[2];
	bool entry;
	size_t i = p;
	// Back along the single path to the sbb that made the mask.
	for (unsigned int steps = 0; steps < 16; steps++) {
		if (kt_function_code_preds(code, i, preds, 2, &entry) != 1 || entry)
			return false;
		i = preds[0];
		const struct kt_insn *in = &code->insns[i];
		uint32_t w = insn_writes(in);
		if (in->op == KT_OP_SBB && in->dst.type == KT_INSN_OPERAND_REG && in->dst.reg == mask &&
		    in->src.type == KT_INSN_OPERAND_REG && in->src.reg == mask) {
			if (kt_function_code_preds(code, i, preds, 2, &entry) != 1 || entry)
				return false;
			const struct kt_insn *cmp = &code->insns[preds[0]];
			return cmp->op == KT_OP_CMP && cmp->dst.type == KT_INSN_OPERAND_REG && cmp->dst.reg == index;
		}
		if (w & (KT_X86_REG_BIT(mask) | KT_X86_REG_BIT(index)))
			return false;
	}
	return false;
}

/* The value of reg after insns[p], which writes it. */
static const struct kt_sx *def_of(struct kt_slice *s, enum kt_x86_reg reg, size_t p, uint32_t dirty)
{
	const struct kt_insn *insn = &s->code->insns[p];
	uint64_t at = insn->address;
	if (insn->kind == KT_INSN_CALL) {
		enum kt_x86_reg arg;
		int64_t offset;
		if (reg == KT_X86_RAX && insn->has_target && s->prog &&
		    kt_call_returns_member(s->prog, insn->target, &arg, &offset))
			return load(s, binary(s, KT_SX_ADD, walk(s, arg, p, dirty),
					      constant(s, KT_SX_CONST, offset, at), 0, at), 8, at);
		return reg == KT_X86_RAX
			       ? unknown(s, at, "%%rax is what the call at 0x%016llx returned", (unsigned long long)at)
			       : unknown(s, at, "%%%s was clobbered by the call at 0x%016llx", kt_x86_reg_name(reg),
					 (unsigned long long)at);
	}
	bool to_reg = insn->dst.type == KT_INSN_OPERAND_REG && insn->dst.reg == reg;
	switch (to_reg ? insn->op : KT_OP_OTHER) {
	case KT_OP_MOV:
		if (insn->src.type == KT_INSN_OPERAND_REG && insn->src.size >= 4)
			return walk(s, insn->src.reg, p, dirty);
		if (insn->src.type == KT_INSN_OPERAND_MEM)
			return load(s, address_of(s, &insn->src.mem, p, dirty), insn->src.size, at);
		if (insn->src.type == KT_INSN_OPERAND_IMM)
			return constant(s, KT_SX_CONST, insn->src.imm, at);
		break;
	case KT_OP_LEA:
		return address_of(s, &insn->src.mem, p, dirty);
	case KT_OP_ADD:
	case KT_OP_SUB:
		if (insn->src.type == KT_INSN_OPERAND_IMM)
			return binary(s, KT_SX_ADD, walk(s, reg, p, dirty),
				      constant(s, KT_SX_CONST, insn->op == KT_OP_ADD ? insn->src.imm : -insn->src.imm, at),
				      0, at);
		if (insn->op == KT_OP_ADD && insn->src.type == KT_INSN_OPERAND_REG && insn->src.size == 8)
			return binary(s, KT_SX_ADD, walk(s, reg, p, dirty), walk(s, insn->src.reg, p, dirty), 0, at);
		break;
	case KT_OP_XOR:
		if (insn->src.type == KT_INSN_OPERAND_REG && insn->src.reg == reg)
			return constant(s, KT_SX_CONST, 0, at);
		break;
	case KT_OP_POP:
		return load(s, stack_at(s, p, 0), 8, at);
	case KT_OP_AND:
		if (insn->src.type == KT_INSN_OPERAND_REG && insn->src.size == 8 &&
		    nospec_mask(s, p, insn->src.reg, reg))
			return walk(s, reg, p, dirty);
		break;
	default:
		break;
	}
	char text[96];
	if (kt_insn_format(insn, text, sizeof(text)))
		snprintf(text, sizeof(text), "an instruction");
	return unknown(s, at, "%%%s is computed by `%s` at 0x%016llx", kt_x86_reg_name(reg), text,
		       (unsigned long long)at);
}

static bool is_open(const struct kt_slice *s, enum kt_x86_reg reg, size_t i)
{
	for (size_t k = 0; k < s->n_open; k++)
		if (s->open[k].reg == reg && s->open[k].insn == i)
			return true;
	return false;
}

static const struct kt_sx *after(struct kt_slice *s, enum kt_x86_reg reg, size_t p, uint32_t dirty)
{
	uint32_t w = insn_writes(&s->code->insns[p]);
	return w & KT_X86_REG_BIT(reg) ? def_of(s, reg, p, dirty | w) : walk(s, reg, p, dirty | w);
}

static const struct kt_sx *walk_back(struct kt_slice *s, enum kt_x86_reg reg, size_t i, uint32_t dirty)
{
	const struct kt_function_code *code = s->code;
	for (;;) {
		if (++s->steps > SLICE_STEP_BUDGET)
			return unknown(s, 0, "too many paths lead to the call");
		uint32_t preds[16];
		bool entry;
		size_t n = kt_function_code_preds(code, i, preds, 16, &entry);
		if (n == 0 && entry) {
			struct kt_sx *e = node(s, KT_SX_ENTRY, code->start);
			if (e->kind == KT_SX_ENTRY)
				e->reg = reg;
			return e;
		}
		if (n == 0)
			return unknown(s, code->insns[i].address, "no path the slice follows reaches 0x%016llx",
				       (unsigned long long)code->insns[i].address);
		if (n == 1 && !entry) {
			size_t p = preds[0];
			uint32_t w = insn_writes(&code->insns[p]);
			if (w & KT_X86_REG_BIT(reg))
				return def_of(s, reg, p, dirty | w);
			dirty |= w;
			i = p;
			continue;
		}
		// A join: every path must give the same value; a loop back here adds nothing.
		if (is_open(s, reg, i) || s->n_open >= sizeof(s->open) / sizeof(s->open[0]))
			return NULL;
		s->open[s->n_open].reg = reg;
		s->open[s->n_open].insn = (uint32_t)i;
		s->n_open++;
		const struct kt_sx *res = NULL;
		bool differ = false;
		if (entry) {
			struct kt_sx *e = node(s, KT_SX_ENTRY, code->start);
			if (e->kind == KT_SX_ENTRY)
				e->reg = reg;
			res = e;
		}
		for (size_t k = 0; k < n && !differ; k++) {
			const struct kt_sx *r = after(s, reg, preds[k], dirty);
			if (!r)
				continue;
			if (!res)
				res = r;
			else if (!sx_equal(res, r))
				differ = true;
		}
		s->n_open--;
		if (differ)
			return unknown(s, code->insns[i].address, "%%%s differs between the paths that reach "
				       "0x%016llx", kt_x86_reg_name(reg), (unsigned long long)code->insns[i].address);
		return res;
	}
}

static const struct kt_sx *walk(struct kt_slice *s, enum kt_x86_reg reg, size_t i, uint32_t dirty)
{
	uint64_t at = s->code->insns[i].address;
	if (reg == KT_X86_RSP)
		return stack_at(s, i, 0);
	if (reg == KT_X86_RIP)
		return constant(s, KT_SX_ADDRESS, (int64_t)at, at);
	if (reg < KT_X86_RAX || reg > KT_X86_R15)
		return unknown(s, at, "a register other than the general-purpose ones");
	if (s->depth >= SLICE_DEPTH_MAX)
		return unknown(s, at, "%%%s is copied through more than %d values", kt_x86_reg_name(reg),
			       SLICE_DEPTH_MAX);
	s->depth++;
	const struct kt_sx *v = walk_back(s, reg, i, dirty);
	s->depth--;
	if (v && !(dirty & KT_X86_REG_BIT(reg)))
		((struct kt_sx *)v)->call_regs |= KT_X86_REG_BIT(reg);  // nodes live in s->nodes
	return v;
}

/*
 * A callee-saved register that got a copy of an entry value after the slice last read that
 * value (mov %rdi,%rbx after mov 0x10(%rdi),%rax) holds it at the call too: the unwinder can
 * recover it from where the callee saved it, which beats asking the caller's call site (whose
 * value may come from memory freed or rewritten since). Marks each such register on every
 * node of that entry value.
 */
static void mark_entry_copies(struct kt_slice *s, size_t i)
{
	static const enum kt_x86_reg saved[] = {KT_X86_RBX, KT_X86_RBP, KT_X86_R12,
						KT_X86_R13, KT_X86_R14, KT_X86_R15};
	for (size_t k = 0; k < sizeof(saved) / sizeof(saved[0]); k++) {
		const struct kt_sx *v = walk(s, saved[k], i, 0);
		if (!v || v->kind != KT_SX_ENTRY || !(v->call_regs & KT_X86_REG_BIT(saved[k])))
			continue;
		for (size_t n = 0; n < s->n_nodes; n++)
			if (s->nodes[n].kind == KT_SX_ENTRY && s->nodes[n].reg == v->reg)
				s->nodes[n].call_regs |= KT_X86_REG_BIT(saved[k]);
	}
}

const struct kt_sx *kt_slice_register(struct kt_slice *s, enum kt_x86_reg reg, size_t i)
{
	const struct kt_sx *v = walk(s, reg, i, 0);
	if (v)
		mark_entry_copies(s, i);
	return v ? v : unknown(s, s->code->insns[i].address, "only loops reach 0x%016llx",
			       (unsigned long long)s->code->insns[i].address);
}

void kt_slice_init(struct kt_slice *s, struct kt_program *prog, const struct kt_function_code *code,
		   size_t call)
{
	s->prog = prog;
	s->code = code;
	s->call = call;
	s->n_nodes = 0;
	s->steps = 0;
	s->depth = 0;
	s->n_open = 0;
}

const struct kt_sx *kt_slice_call_target(struct kt_slice *s)
{
	size_t call = s->call;
	const struct kt_insn *insn = &s->code->insns[call];
	if (insn->indirect.type == KT_INSN_OPERAND_REG)
		return kt_slice_register(s, insn->indirect.reg, call);
	if (insn->indirect.type == KT_INSN_OPERAND_MEM) {
		const struct kt_sx *v = load(s, address_of(s, &insn->indirect.mem, call, 0), 8, insn->address);
		return v ? v : unknown(s, insn->address, "only loops reach 0x%016llx",
				       (unsigned long long)insn->address);
	}
	return unknown(s, insn->address, "not an indirect call");
}
