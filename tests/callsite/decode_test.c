// SPDX-License-Identifier: MIT
/*
 * The instruction model on the panic dump's running code: for every instruction of the first
 * megabytes of kernel text, the model (kind, direct target, indirect operand, RIP-relative
 * address) must agree with the AT&T text, which dis_test.py holds against objdump. Then the
 * facts a reader of `schedule` relies on: its call to __schedule, and ftrace's NOP in place of
 * the call to __fentry__.
 */
#include <ctype.h>
#include <inttypes.h>

#include "callsite/decode.h"
#include "callsite/disasm.h"
#include "core/error.h"
#include "program.h"
#include "tap.h"
#include "tap_open.h"

/* Enough text for every kind of instruction the compiler emits, quick under ASan. */
static const size_t TEXT_SCAN_BYTES = 4u << 20;

static const char *const dwarf_names[] = {
	"rax", "rdx", "rcx", "rbx", "rsi", "rdi", "rbp", "rsp",
	"r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15", "rip",
};

/* The mnemonic of an AT&T line, past prefixes binutils prints ("cs call", "notrack jmp"). */
static const char *mnemonic_of(const char *text)
{
	static const char *const prefixes[] = {"cs ", "ds ", "notrack ", "bnd ", "data16 ", "lock ",
					       "rep ", "repz ", "repnz "};
	for (bool again = true; again;) {
		again = false;
		for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
			if (!strncmp(text, prefixes[i], strlen(prefixes[i]))) {
				text += strlen(prefixes[i]);
				again = true;
			}
	}
	return text;
}

static bool starts_word(const char *s, const char *word)
{
	size_t n = strlen(word);
	return !strncmp(s, word, n) && (s[n] == ' ' || s[n] == '\0');
}

/* The kind the text says: what binutils calls it. */
static enum kt_insn_kind kind_of_text(const char *m)
{
	if (starts_word(m, "call"))
		return KT_INSN_CALL;
	if (starts_word(m, "jmp"))
		return KT_INSN_JMP;
	if (starts_word(m, "ret"))
		return KT_INSN_RET;
	if (m[0] == 'j' || starts_word(m, "loop") || starts_word(m, "loope") || starts_word(m, "loopne"))
		return KT_INSN_JCC;
	return KT_INSN_OTHER;
}

struct scan {
	size_t insns, bad, mismatches, direct, indirect_reg, indirect_mem, riprel;
};

static void mismatch(struct scan *s, const struct kt_insn *insn, const char *text, const char *why)
{
	if (s->mismatches++ < 10)
		tap_diag("0x%016" PRIx64 " %s: %s", insn->address, text, why);
}

static void check_insn(struct scan *s, const struct kt_insn *insn)
{
	char text[256];
	struct kt_error *err = kt_insn_format(insn, text, sizeof(text));
	if (err) {
		mismatch(s, insn, "", kt_error_message(err));
		kt_error_destroy(err);
		return;
	}
	const char *m = mnemonic_of(text);
	const char *operand = strchr(m, ' ');
	while (operand && *operand == ' ')
		operand++;
	if (kind_of_text(m) != insn->kind)
		mismatch(s, insn, text, "kind differs from the mnemonic");
	if (insn->has_target) {
		char want[32];
		snprintf(want, sizeof(want), "0x%" PRIx64, insn->target);
		s->direct++;
		if (!operand || strcmp(operand, want))
			mismatch(s, insn, text, "direct target differs from the operand");
	}
	if (insn->indirect.type == KT_INSN_OPERAND_REG) {
		s->indirect_reg++;
		int r = insn->indirect.reg;
		if (!operand || r < 0 || r > KT_X86_RIP || operand[0] != '*' || operand[1] != '%' ||
		    strcmp(operand + 2, dwarf_names[r]))
			mismatch(s, insn, text, "indirect register differs from the operand");
	}
	if (insn->indirect.type == KT_INSN_OPERAND_MEM) {
		s->indirect_mem++;
		if (!operand || operand[0] != '*' || !strchr(operand, '('))
			mismatch(s, insn, text, "indirect memory operand not shown as *mem");
	}
	if (insn->has_mem && insn->mem.base == KT_X86_RIP) {
		s->riprel++;
		char want[48];
		const char *sign = insn->mem.disp < 0 ? "-" : "";
		uint64_t mag = insn->mem.disp < 0 ? -(uint64_t)insn->mem.disp : (uint64_t)insn->mem.disp;
		snprintf(want, sizeof(want), "%s0x%" PRIx64 "(%%rip)", sign, mag);
		if (!insn->mem.has_address ||
		    insn->mem.address != insn->address + insn->length + (uint64_t)insn->mem.disp ||
		    !strstr(text, want))
			mismatch(s, insn, text, "RIP-relative address or displacement wrong");
	}
}

static void test_text_model(struct kt_program *prog)
{
	uint64_t stext;
	struct kt_error *err = kt_program_symbol_address(prog, "_stext", &stext);
	uint8_t *buf = malloc(TEXT_SCAN_BYTES);
	if (!err && !buf)
		err = &kt_enomem;
	if (!err)
		err = kt_read(&prog->reader, stext, buf, TEXT_SCAN_BYTES);
	if (!tap_ok(!err, "read %zu MiB of kernel text from the dump", TEXT_SCAN_BYTES >> 20)) {
		tap_diag("%s", kt_error_message(err));
		kt_error_destroy(err);
		free(buf);
		return;
	}
	struct scan s = {0};
	for (size_t off = 0; off < TEXT_SCAN_BYTES - KT_INSN_MAX_LENGTH;) {
		struct kt_insn insn;
		err = kt_insn_decode(stext + off, buf + off, TEXT_SCAN_BYTES - off, &insn);
		if (err) {
			kt_error_destroy(err);
			s.bad++;
			off++;
			continue;
		}
		s.insns++;
		check_insn(&s, &insn);
		off += insn.length;
	}
	free(buf);
	tap_ok(s.insns > 500000 && s.bad < s.insns / 10000, "%zu instructions decode, %zu bytes do not",
	       s.insns, s.bad);
	// Retpolines make most indirect calls direct calls to __x86_indirect_thunk_*.
	tap_ok(s.direct > 10000 && s.indirect_reg + s.indirect_mem > 0 && s.riprel > 10000,
	       "direct (%zu), register-indirect (%zu), memory-indirect (%zu), RIP-relative (%zu) seen",
	       s.direct, s.indirect_reg, s.indirect_mem, s.riprel);
	tap_ok(!s.mismatches, "kind, target, indirect operand and RIP-relative address agree with "
	       "the text (%zu mismatches)", s.mismatches);
}

struct collect {
	struct kt_dis_line lines[512];
	char texts[512][128];
	size_t n;
};

static bool collect_line(const struct kt_dis_line *line, void *arg)
{
	struct collect *c = arg;
	if (c->n == 512)
		return false;
	c->lines[c->n] = *line;
	snprintf(c->texts[c->n], sizeof(c->texts[0]), "%s", line->text);
	c->lines[c->n].text = c->texts[c->n];
	c->lines[c->n].symbol = NULL;  // only valid during the call
	c->n++;
	return true;
}

static void test_schedule(struct kt_program *prog)
{
	uint64_t schedule, __schedule, start, end;
	struct collect *c = calloc(1, sizeof(*c));
	struct kt_error *err = c ? NULL : &kt_enomem;
	if (!err)
		err = kt_program_symbol_address(prog, "schedule", &schedule);
	if (!err)
		err = kt_program_symbol_address(prog, "__schedule", &__schedule);
	if (!err)
		err = kt_function_bounds(prog, schedule, &start, &end);
	if (!err)
		err = kt_disassemble(prog, start, end, 0, collect_line, c);
	if (!tap_ok(!err, "schedule disassembles")) {
		tap_diag("%s", kt_error_message(err));
		kt_error_destroy(err);
		free(c);
		return;
	}
	tap_ok(start == schedule && end > start && end - start < 4096 && c->n > 10,
	       "schedule's bounds: %zu instructions in %" PRIu64 " bytes", c->n, end - start);
	size_t calls = 0;
	uint64_t next = start;
	bool contiguous = true;
	for (size_t i = 0; i < c->n; i++) {
		const struct kt_dis_line *l = &c->lines[i];
		contiguous &= l->address == next;
		next = l->address + l->length;
		if (l->kind == KT_INSN_CALL && l->has_target && l->target == __schedule &&
		    strstr(l->text, "<__schedule>"))
			calls++;
	}
	tap_ok(contiguous && next >= end, "instructions follow each other to the function's end");
	tap_ok(calls == 1, "schedule calls __schedule once, named <__schedule> (%zu)", calls);
	// ftrace turned the compiler's 5-byte call to __fentry__ into a NOP at boot: the kernel's
	// 5-byte NOP (arch/x86/include/asm/nops.h): BYTES_NOP5 since 5.15; before, the "ideal" NOP
	// for the CPU, K8_NOP5_ATOMIC on AMD CPUs such as QEMU's qemu64, else P6_NOP5_ATOMIC.
	static const struct {
		uint8_t bytes[5];
		const char *text;
	} nop5[] = {
		{{0x0f, 0x1f, 0x44, 0x00, 0x00}, "nopl   0x0(%rax,%rax,1)"},
		{{0x66, 0x66, 0x66, 0x66, 0x90}, "data16 data16 data16 xchg %ax,%ax"},
	};
	// With CONFIG_X86_KERNEL_IBT (6.2+) the function starts with endbr64 and the call follows it.
	size_t first = c->n > 1 && !strcmp(c->lines[0].text, "endbr64") ? 1 : 0;
	bool is_nop5 = false;
	for (size_t i = 0; c->n && c->lines[first].length == 5 && i < sizeof(nop5) / sizeof(nop5[0]); i++)
		is_nop5 |= !memcmp(c->lines[first].bytes, nop5[i].bytes, 5) &&
			   !strcmp(c->lines[first].text, nop5[i].text);
	tap_ok(is_nop5, "the first instruction (after endbr64) is ftrace's NOP, as the code ran (%s)",
	       c->n ? c->texts[first] : "");
	free(c);
}

static void test_refusals(struct kt_program *prog)
{
	uint64_t jiffies, start, end;
	struct collect *c = calloc(1, sizeof(*c));
	struct kt_error *err = kt_program_symbol_address(prog, "jiffies", &jiffies);
	if (!err) {
		struct kt_error *e1 = kt_function_bounds(prog, jiffies, &start, &end);
		struct kt_error *e2 = kt_disassemble(prog, jiffies, UINT64_MAX, 4, collect_line, c);
		tap_ok(e1 && kt_error_code(e1) == KT_ERROR_INVALID_ARGUMENT && e2 &&
			       kt_error_code(e2) == KT_ERROR_INVALID_ARGUMENT && c && !c->n,
		       "a data symbol is no function and is not disassembled");
		if (e1)
			tap_diag("%s", kt_error_message(e1));
		kt_error_destroy(e1);
		kt_error_destroy(e2);
	}
	kt_error_destroy(err);
	const uint64_t hole = 0xffff800000000000ull;
	err = kt_disassemble(prog, hole, UINT64_MAX, 1, collect_line, c);
	uint64_t at = 0;
	tap_ok(err && kt_error_code(err) == KT_ERROR_FAULT && kt_error_address(err, &at) && at == hole,
	       "an unmapped address fails with a fault at that address");
	kt_error_destroy(err);
	free(c);
}

/*
 * The data-flow view the call-site slices walk, on encodings whose meaning the SDM fixes (Vol. 2,
 * instruction reference): operation, operands, registers written, stack effect.
 */
static void test_data_flow(void)
{
	static const struct {
		const char *what;
		uint8_t bytes[8];
		size_t len;
		enum kt_insn_op op;
		enum kt_insn_operand_type dst, src;
		enum kt_x86_reg dst_reg, mem_base;
		int64_t disp_or_imm;
		uint32_t writes;
		int32_t stack_delta;
		bool stack_unknown;
	} cases[] = {
		{"mov 0x10(%rdi),%rax", {0x48, 0x8b, 0x47, 0x10}, 4, KT_OP_MOV, KT_INSN_OPERAND_REG,
		 KT_INSN_OPERAND_MEM, KT_X86_RAX, KT_X86_RDI, 0x10, KT_X86_REG_BIT(KT_X86_RAX), 0, false},
		{"mov %rdi,%rbx", {0x48, 0x89, 0xfb}, 3, KT_OP_MOV, KT_INSN_OPERAND_REG, KT_INSN_OPERAND_REG,
		 KT_X86_RBX, KT_X86_REG_NONE, 0, KT_X86_REG_BIT(KT_X86_RBX), 0, false},
		{"lea -0x30(%rax),%rdx", {0x48, 0x8d, 0x50, 0xd0}, 4, KT_OP_LEA, KT_INSN_OPERAND_REG,
		 KT_INSN_OPERAND_MEM, KT_X86_RDX, KT_X86_RAX, -0x30, KT_X86_REG_BIT(KT_X86_RDX), 0, false},
		{"xor %eax,%eax", {0x31, 0xc0}, 2, KT_OP_XOR, KT_INSN_OPERAND_REG, KT_INSN_OPERAND_REG,
		 KT_X86_RAX, KT_X86_REG_NONE, 0, KT_X86_REG_BIT(KT_X86_RAX), 0, false},
		{"push %rbx", {0x53}, 1, KT_OP_PUSH, KT_INSN_OPERAND_REG, KT_INSN_OPERAND_NONE, KT_X86_RBX,
		 KT_X86_REG_NONE, 0, KT_X86_REG_BIT(KT_X86_RSP), 8, false},
		{"pop %r12", {0x41, 0x5c}, 2, KT_OP_POP, KT_INSN_OPERAND_REG, KT_INSN_OPERAND_NONE, KT_X86_R12,
		 KT_X86_REG_NONE, 0, KT_X86_REG_BIT(KT_X86_RSP) | KT_X86_REG_BIT(KT_X86_R12), -8, false},
		{"sub $0x208,%rsp", {0x48, 0x81, 0xec, 0x08, 0x02, 0x00, 0x00}, 7, KT_OP_SUB,
		 KT_INSN_OPERAND_REG, KT_INSN_OPERAND_IMM, KT_X86_RSP, KT_X86_REG_NONE, 0x208,
		 KT_X86_REG_BIT(KT_X86_RSP), 0x208, false},
		{"add $0x18,%rsp", {0x48, 0x83, 0xc4, 0x18}, 4, KT_OP_ADD, KT_INSN_OPERAND_REG,
		 KT_INSN_OPERAND_IMM, KT_X86_RSP, KT_X86_REG_NONE, 0x18, KT_X86_REG_BIT(KT_X86_RSP), -0x18, false},
		{"leave", {0xc9}, 1, KT_OP_OTHER, KT_INSN_OPERAND_NONE, KT_INSN_OPERAND_NONE, KT_X86_REG_NONE,
		 KT_X86_REG_NONE, 0, KT_X86_REG_BIT(KT_X86_RSP) | KT_X86_REG_BIT(KT_X86_RBP), 0, true},
		/* array_index_nospec() in 5.10's do_syscall_64: the bound, the mask, the masked index. */
		{"cmp $0x1b9,%rax", {0x48, 0x3d, 0xb9, 0x01, 0x00, 0x00}, 6, KT_OP_CMP, KT_INSN_OPERAND_REG,
		 KT_INSN_OPERAND_IMM, KT_X86_RAX, KT_X86_REG_NONE, 0x1b9, 0, 0, false},
		{"sbb %rdx,%rdx", {0x48, 0x19, 0xd2}, 3, KT_OP_SBB, KT_INSN_OPERAND_REG, KT_INSN_OPERAND_REG,
		 KT_X86_RDX, KT_X86_REG_NONE, 0, KT_X86_REG_BIT(KT_X86_RDX), 0, false},
		{"and %rdx,%rax", {0x48, 0x21, 0xd0}, 3, KT_OP_AND, KT_INSN_OPERAND_REG, KT_INSN_OPERAND_REG,
		 KT_X86_RAX, KT_X86_REG_NONE, 0, KT_X86_REG_BIT(KT_X86_RAX), 0, false},
		{"call *0x18(%rax)", {0xff, 0x50, 0x18}, 3, KT_OP_OTHER, KT_INSN_OPERAND_MEM,
		 KT_INSN_OPERAND_NONE, KT_X86_REG_NONE, KT_X86_RAX, 0x18, KT_X86_REG_BIT(KT_X86_RSP), 0, false},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct kt_insn insn;
		struct kt_error *err = kt_insn_decode(0x1000, cases[i].bytes, cases[i].len, &insn);
		if (!tap_ok(!err && insn.length == cases[i].len, "%s decodes", cases[i].what)) {
			kt_error_destroy(err);
			continue;
		}
		const struct kt_insn_operand *mem = cases[i].dst == KT_INSN_OPERAND_MEM ? &insn.dst : &insn.src;
		int64_t value = cases[i].src == KT_INSN_OPERAND_IMM ? insn.src.imm : mem->mem.disp;
		bool ok = insn.op == cases[i].op && insn.dst.type == cases[i].dst && insn.src.type == cases[i].src &&
			  (cases[i].dst != KT_INSN_OPERAND_REG || insn.dst.reg == cases[i].dst_reg) &&
			  (cases[i].mem_base == KT_X86_REG_NONE || mem->mem.base == cases[i].mem_base) &&
			  (cases[i].mem_base == KT_X86_REG_NONE && cases[i].src != KT_INSN_OPERAND_IMM
				   ? true : value == cases[i].disp_or_imm) &&
			  insn.writes == cases[i].writes && insn.stack_delta == cases[i].stack_delta &&
			  insn.stack_unknown == cases[i].stack_unknown;
		if (!tap_ok(ok, "%s: operation, operands, writes, stack effect", cases[i].what))
			tap_diag("op %d dst %d/%d src %d imm %lld disp %lld writes 0x%x delta %d unknown %d",
				 insn.op, insn.dst.type, insn.dst.reg, insn.src.type, (long long)insn.src.imm,
				 (long long)mem->mem.disp, insn.writes, insn.stack_delta, insn.stack_unknown);
	}
}

int main(void)
{
	test_data_flow();
	char *path = tap_lab_file("panic", "vmcore.kdump");
	if (!path)
		return tap_done();
	struct kt_program *prog;
	struct kt_error *err = tap_program_open(path, NULL, &prog);
	free(path);
	if (!tap_ok(!err, "the panic dump opens")) {
		tap_diag("%s", kt_error_message(err));
		kt_error_destroy(err);
		return tap_done();
	}
	test_text_model(prog);
	test_schedule(prog);
	test_refusals(prog);
	kt_program_destroy(prog);
	return tap_done();
}
