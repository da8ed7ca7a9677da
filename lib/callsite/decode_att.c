// SPDX-License-Identifier: MIT
/*
 * AT&T text for a kt_insn that reads as binutils prints it (objdump, and gdb and so crash), so
 * that ktriage's output can be compared with theirs line by line. Zydis 4.0's AT&T formatter
 * differs in ways a reader notices: Intel condition names (jz, cmovnbe), Intel names for the
 * conversions, sign extensions and string instructions (cdqe, movsxd, stosd), other size-suffix
 * rules (movzxb, vmovdqa64z), no '*' before an indirect target, no ignored prefixes (cs nopw),
 * implicit operands shown or hidden otherwise, signed immediates, ", " between operands.
 * plan_att() says what binutils does differently for one instruction; format_tokens() rebuilds
 * the text from Zydis's tokens accordingly. On a Debian 6.1 vmlinux's .text (6.5 million
 * instructions) all but one lsl then read exactly as objdump 2.40 prints them, and so do the
 * 1.3 million of 386 of its modules (KVM, SSE/AVX/AVX-512 crypto, RAID among them).
 */
#include <stdio.h>
#include <string.h>

#include <Zydis/Zydis.h>

#include "callsite/decode.h"
#include "core/error.h"
#include "core/util.h"

/*
 * Mnemonics binutils names differently when Zydis shows no operand: the AT&T conversion names
 * (gas manual, 9.16.3.1 "AT&T Mnemonic versus Intel Mnemonic") and the string instructions,
 * whose implicit operands binutils spells out (Zydis's movsd and cmpsd are SSE instructions
 * too, with operands); NULL operands: binutils prints none where Zydis shows some.
 */
static const struct {
	const char *zydis, *gnu, *operands;
} implicit_map[] = {
	{"cbw", "cbtw", ""},          {"cwde", "cwtl", ""},         {"cdqe", "cltq", ""},
	{"cwd", "cwtd", ""},          {"cdq", "cltd", ""},          {"cqo", "cqto", ""},
	{"pushfq", "pushf", ""},      {"popfq", "popf", ""},        {"iretd", "iret", ""},
	{"stosb", "stos", "%al,%es:(%rdi)"},   {"stosw", "stos", "%ax,%es:(%rdi)"},
	{"stosd", "stos", "%eax,%es:(%rdi)"},  {"stosq", "stos", "%rax,%es:(%rdi)"},
	{"lodsb", "lods", "%ds:(%rsi),%al"},   {"lodsw", "lods", "%ds:(%rsi),%ax"},
	{"lodsd", "lods", "%ds:(%rsi),%eax"},  {"lodsq", "lods", "%ds:(%rsi),%rax"},
	{"scasb", "scas", "%es:(%rdi),%al"},   {"scasw", "scas", "%es:(%rdi),%ax"},
	{"scasd", "scas", "%es:(%rdi),%eax"},  {"scasq", "scas", "%es:(%rdi),%rax"},
	{"movsb", "movsb", "%ds:(%rsi),%es:(%rdi)"}, {"movsw", "movsw", "%ds:(%rsi),%es:(%rdi)"},
	{"movsd", "movsl", "%ds:(%rsi),%es:(%rdi)"}, {"movsq", "movsq", "%ds:(%rsi),%es:(%rdi)"},
	{"cmpsb", "cmpsb", "%es:(%rdi),%ds:(%rsi)"}, {"cmpsw", "cmpsw", "%es:(%rdi),%ds:(%rsi)"},
	{"cmpsd", "cmpsl", "%es:(%rdi),%ds:(%rsi)"}, {"cmpsq", "cmpsq", "%es:(%rdi),%ds:(%rsi)"},
	{"insb", "insb", "(%dx),%es:(%rdi)"},  {"insw", "insw", "(%dx),%es:(%rdi)"},
	{"insd", "insl", "(%dx),%es:(%rdi)"},  {"outsb", "outsb", "%ds:(%rsi),(%dx)"},
	{"outsw", "outsw", "%ds:(%rsi),(%dx)"}, {"outsd", "outsl", "%ds:(%rsi),(%dx)"},
	{"xlat", "xlat", "%ds:(%rbx)"},
	{"monitor", "monitor", "%rax,%ecx,%edx"}, {"monitorx", "monitorx", "%rax,%ecx,%edx"},
	{"mwait", "mwait", "%eax,%ecx"},        {"mwaitx", "mwaitx", "%eax,%ecx,%ebx"},
	// SVM and SEV-SNP instructions: binutils leaves their register operands implicit.
	{"vmrun", "vmrun", NULL},     {"vmload", "vmload", NULL},   {"vmsave", "vmsave", NULL},
	{"invlpga", "invlpga", NULL}, {"skinit", "skinit", NULL},
	{"pvalidate", "pvalidate", NULL}, {"rmpadjust", "rmpadjust", NULL},
};

/*
 * Condition codes: binutils prints e/ne/ae/a/ge/g where Zydis prints z/nz/nb/nbe/nl/nle, the
 * same encodings (SDM Vol. 2, Appendix B.1.4.7 "Condition Test (tttn) Field").
 */
static const struct {
	const char *zydis, *gnu;
} condition_map[] = {
	{"z", "e"}, {"nz", "ne"}, {"nb", "ae"}, {"nbe", "a"}, {"nl", "ge"}, {"nle", "g"},
};

/* One-operand instructions whose size binutils shows as a suffix when the operand is memory. */
static const ZydisMnemonic sized_by_suffix[] = {
	ZYDIS_MNEMONIC_INC, ZYDIS_MNEMONIC_DEC, ZYDIS_MNEMONIC_NOT, ZYDIS_MNEMONIC_NEG,
	ZYDIS_MNEMONIC_MUL, ZYDIS_MNEMONIC_IMUL, ZYDIS_MNEMONIC_DIV, ZYDIS_MNEMONIC_IDIV,
	ZYDIS_MNEMONIC_NOP, ZYDIS_MNEMONIC_SHL, ZYDIS_MNEMONIC_SHR, ZYDIS_MNEMONIC_SAR,
	ZYDIS_MNEMONIC_ROL, ZYDIS_MNEMONIC_ROR, ZYDIS_MNEMONIC_RCL, ZYDIS_MNEMONIC_RCR,
};

/*
 * Where binutils keeps a suffix for a memory source although a register gives a size: the
 * source's size is not the destination's (cvtsi2sdl (%rax),%xmm0; vcvtpd2dqy (%rax),%xmm0).
 */
static const ZydisMnemonic source_sized[] = {
	ZYDIS_MNEMONIC_CVTSI2SS,   ZYDIS_MNEMONIC_CVTSI2SD,    ZYDIS_MNEMONIC_VCVTSI2SS,
	ZYDIS_MNEMONIC_VCVTSI2SD,  ZYDIS_MNEMONIC_VCVTUSI2SS,  ZYDIS_MNEMONIC_VCVTUSI2SD,
	ZYDIS_MNEMONIC_VCVTPD2DQ,  ZYDIS_MNEMONIC_VCVTTPD2DQ,  ZYDIS_MNEMONIC_VCVTPD2PS,
	ZYDIS_MNEMONIC_VCVTPD2UDQ, ZYDIS_MNEMONIC_VCVTTPD2UDQ, ZYDIS_MNEMONIC_VCVTQQ2PS,
	ZYDIS_MNEMONIC_VCVTUQQ2PS, ZYDIS_MNEMONIC_CRC32,
};

/* x87 memory operands: binutils' suffix says the memory format (SDM Vol. 1, 8.2 and 4.2.1). */
static const struct {
	const char *zydis;
	bool integer;
} x87_sized[] = {
	{"fld", false},  {"fst", false},  {"fstp", false}, {"fadd", false}, {"fsub", false},
	{"fsubr", false}, {"fmul", false}, {"fdiv", false}, {"fdivr", false}, {"fcom", false},
	{"fcomp", false}, {"fild", true},  {"fist", true},  {"fistp", true}, {"fisttp", true},
	{"fiadd", true}, {"fisub", true}, {"fisubr", true}, {"fimul", true}, {"fidiv", true},
	{"fidivr", true}, {"ficom", true}, {"ficomp", true},
};

/* Ignored prefix bytes, which binutils prints by name ("cs nopw", "data16 cs nopw"). */
static const struct {
	uint8_t byte;
	const char *name;
} ignored_prefix_names[] = {
	{0x26, "es"}, {0x2e, "cs"}, {0x36, "ss"}, {0x3e, "ds"}, {0x64, "fs"}, {0x65, "gs"},
	{0x66, "data16"}, {0x67, "addr32"},
};

/* binutils' names for pclmulqdq's four immediates (i386-dis.c, pclmul_fixup). */
static const char *const pclmul_names[] = {"lqlq", "hqlq", "lqhq", "hqhq"};

/* How binutils' text for one instruction differs from Zydis's tokens. */
struct att_plan {
	char mnemonic[32];        /* replaces Zydis's mnemonic token if set */
	bool strip_suffix;        /* else: Zydis's mnemonic without the size suffix it added */
	const char *operands;     /* implicit operands binutils prints, or NULL */
	const char *lead;         /* an implicit first operand binutils shows ("%xmm0,"), or NULL */
	uint8_t operand_count;    /* of Zydis's visible operands to format */
	bool indirect;            /* '*' before the target of an indirect call or jmp */
	bool zero_disp;           /* an encoded zero displacement: binutils prints 0x0(...) */
	bool port_dx;             /* in/out: the port is (%dx) */
	char gpr16[8], gpr32[8];  /* mov to or from a segment register: binutils shows 32 bits */
	char prefixes[64];        /* ignored prefixes, "data16 cs " */
};

static const char *size_suffix(unsigned int bits)
{
	switch (bits) {
	case 8: return "b";
	case 16: return "w";
	case 32: return "l";
	case 64: return "q";
	case 128: return "x";
	case 256: return "y";
	default: return "";
	}
}

static bool has_prefix_byte(const ZydisDecodedInstruction *zi, uint8_t byte)
{
	for (unsigned int i = 0; i < zi->raw.prefix_count; i++)
		if (zi->raw.prefixes[i].value == byte)
			return true;
	return false;
}

/* Renamings that depend on the encoding, not only on Zydis's name. True if p->mnemonic is set. */
static bool plan_special(const ZydisDecodedInstruction *zi, const ZydisDecodedOperand *ops,
			 struct att_plan *p)
{
	char *out = p->mnemonic;
	size_t size = sizeof(p->mnemonic);
	unsigned int last = zi->operand_count_visible - 1;
	switch (zi->mnemonic) {
	case ZYDIS_MNEMONIC_MOVZX:
	case ZYDIS_MNEMONIC_MOVSX:  // movzbl: source size, then destination size
		snprintf(out, size, "mov%c%s%s", zi->mnemonic == ZYDIS_MNEMONIC_MOVZX ? 'z' : 's',
			 size_suffix(ops[1].size), size_suffix(ops[0].size));
		return true;
	case ZYDIS_MNEMONIC_MOVSXD:
		snprintf(out, size, "movsl%s", size_suffix(ops[0].size));
		return true;
	case ZYDIS_MNEMONIC_MOV:  // a 64-bit immediate or absolute address (moffs): movabs
		if (zi->raw.imm[0].size == 64 ||
		    (zi->opcode_map == ZYDIS_OPCODE_MAP_DEFAULT && zi->opcode >= 0xa0 && zi->opcode <= 0xa3))
			return snprintf(out, size, "movabs"), true;
		return false;
	case ZYDIS_MNEMONIC_NOP:  // 66 90: binutils decodes what the byte is
		if (zi->opcode == 0x90 && zi->operand_width == 16) {
			p->operands = "%ax,%ax";
			return snprintf(out, size, "xchg"), true;
		}
		return false;
	// Zydis ignores the f3 of SEV-ES's VMGEXIT (AMD APM Vol. 3) and of WBNOINVD.
	case ZYDIS_MNEMONIC_VMMCALL:
		return has_prefix_byte(zi, 0xf3) && (snprintf(out, size, "vmgexit"), true);
	case ZYDIS_MNEMONIC_WBINVD:
		return has_prefix_byte(zi, 0xf3) && (snprintf(out, size, "wbnoinvd"), true);
	case ZYDIS_MNEMONIC_SYSRET:
		return snprintf(out, size, "sysret%s", size_suffix(zi->operand_width)), true;
	case ZYDIS_MNEMONIC_PCLMULQDQ:
	case ZYDIS_MNEMONIC_VPCLMULQDQ: {
		uint64_t imm = ops[last].imm.value.u;
		imm = imm == 0x10 ? 2 : imm == 0x11 ? 3 : imm;
		if (imm >= KT_ARRAY_SIZE(pclmul_names))
			return false;
		p->operand_count--;  // the immediate, last in Intel order
		return snprintf(out, size, "%spclmul%sdq", zi->mnemonic == ZYDIS_MNEMONIC_VPCLMULQDQ ? "v" : "",
				pclmul_names[imm]), true;
	}
	// The SSE4.1 blends and sha256rnds2 read %xmm0 implicitly; binutils shows it.
	case ZYDIS_MNEMONIC_BLENDVPS:
	case ZYDIS_MNEMONIC_BLENDVPD:
	case ZYDIS_MNEMONIC_PBLENDVB:
	case ZYDIS_MNEMONIC_SHA256RNDS2:
		if (zi->operand_count_visible == 2)
			p->lead = "%xmm0,";
		return false;
	default:
		break;
	}
	if (zi->mnemonic == ZYDIS_MNEMONIC_RET && zi->meta.branch_type == ZYDIS_BRANCH_TYPE_FAR &&
	    zi->operand_width == 64)
		return snprintf(out, size, "lretq"), true;
	return false;
}

static void plan_mnemonic(const ZydisDecodedInstruction *zi, const ZydisDecodedOperand *ops,
			  struct att_plan *p)
{
	const char *m = ZydisMnemonicGetString(zi->mnemonic);
	char *out = p->mnemonic;
	size_t size = sizeof(p->mnemonic);
	if (plan_special(zi, ops, p))
		return;
	for (size_t i = 0; i < KT_ARRAY_SIZE(implicit_map); i++)
		if (!strcmp(m, implicit_map[i].zydis) &&
		    (!zi->operand_count_visible || !implicit_map[i].operands)) {
			snprintf(out, size, "%s", implicit_map[i].gnu);
			p->operands = implicit_map[i].operands && *implicit_map[i].operands
					      ? implicit_map[i].operands : NULL;
			p->operand_count = 0;
			return;
		}
	static const char *const cc_prefixes[] = {"j", "set", "cmov"};
	for (size_t c = 0; c < KT_ARRAY_SIZE(cc_prefixes); c++) {
		size_t plen = strlen(cc_prefixes[c]);
		for (size_t i = 0; i < KT_ARRAY_SIZE(condition_map) && !strncmp(m, cc_prefixes[c], plen); i++)
			if (!strcmp(m + plen, condition_map[i].zydis))
				snprintf(out, size, "%s%s", cc_prefixes[c], condition_map[i].gnu);
	}
	if (zi->meta.category == ZYDIS_CATEGORY_COND_BR) {
		// Static branch hints (SDM Vol. 2, 2.1.1): binutils prints 2e as ",pn", 3e as ",pt".
		const char *hint = has_prefix_byte(zi, 0x2e) ? ",pn" : has_prefix_byte(zi, 0x3e) ? ",pt" : "";
		if (!out[0])
			snprintf(out, size, "%s", m);
		size_t len = strlen(out);
		if (len + strlen(hint) < size)
			memcpy(out + len, hint, strlen(hint) + 1);
	}
	if (out[0])
		return;
	const ZydisDecodedOperand *mem = NULL;
	bool has_reg = false;
	for (unsigned int i = 0; i < p->operand_count; i++) {
		if (ops[i].type == ZYDIS_OPERAND_TYPE_MEMORY && ops[i].mem.type == ZYDIS_MEMOP_TYPE_MEM)
			mem = &ops[i];
		// A shift's %cl count says nothing of the operand's size: shll %cl,(%rax).
		has_reg |= ops[i].type == ZYDIS_OPERAND_TYPE_REGISTER &&
			   !(ops[i].reg.value == ZYDIS_REGISTER_CL && zi->opcode_map == ZYDIS_OPCODE_MAP_DEFAULT &&
			     (zi->opcode == 0xd2 || zi->opcode == 0xd3));
	}
	for (size_t i = 0; i < KT_ARRAY_SIZE(source_sized); i++)
		if (zi->mnemonic == source_sized[i]) {
			if (mem)
				snprintf(out, size, "%s%s", m, size_suffix(mem->size));
			else
				p->strip_suffix = true;
			return;
		}
	for (size_t i = 0; i < KT_ARRAY_SIZE(x87_sized) && mem; i++)
		if (!strcmp(m, x87_sized[i].zydis)) {
			unsigned int bits = mem->size;
			const char *s = x87_sized[i].integer ? (bits == 16 ? "s" : bits == 32 ? "l" : "ll")
							     : (bits == 32 ? "s" : bits == 64 ? "l" : "t");
			snprintf(out, size, "%s%s", m, s);
			return;
		}
	if (p->operand_count == 1 && mem)
		for (size_t i = 0; i < KT_ARRAY_SIZE(sized_by_suffix); i++)
			if (zi->mnemonic == sized_by_suffix[i])
				snprintf(out, size, "%s%s", m, size_suffix(mem->size));
	// binutils adds a suffix only where no register operand gives the size; Zydis adds one
	// wherever a memory operand's size differs from the next operand's (movdl, inveptx).
	p->strip_suffix = has_reg;
}

static void plan_att(const ZydisDecodedInstruction *zi, const ZydisDecodedOperand *ops,
		     struct att_plan *p)
{
	bool branch = zi->meta.category == ZYDIS_CATEGORY_CALL ||
		      zi->meta.category == ZYDIS_CATEGORY_UNCOND_BR;
	*p = (struct att_plan){
		.operand_count = zi->operand_count_visible,
		.indirect = branch && zi->operand_count_visible &&
			    (ops[0].type == ZYDIS_OPERAND_TYPE_REGISTER ||
			     ops[0].type == ZYDIS_OPERAND_TYPE_MEMORY),
	};
	// 0f 1f /0 (nopw/nopl) has a register operand only in its encoding; D0/D1 shift by one
	// have an implicit 1 that binutils does not print.
	if ((zi->mnemonic == ZYDIS_MNEMONIC_NOP && zi->operand_count_visible == 2) ||
	    (zi->opcode_map == ZYDIS_OPCODE_MAP_DEFAULT && (zi->opcode == 0xd0 || zi->opcode == 0xd1)))
		p->operand_count = 1;
	plan_mnemonic(zi, ops, p);
	p->port_dx = zi->mnemonic == ZYDIS_MNEMONIC_IN || zi->mnemonic == ZYDIS_MNEMONIC_OUT;
	for (unsigned int i = 0; i < p->operand_count; i++) {
		const ZydisDecodedOperand *op = &ops[i];
		if (op->type == ZYDIS_OPERAND_TYPE_MEMORY && op->mem.disp.has_displacement &&
		    !op->mem.disp.value && zi->raw.disp.size)
			p->zero_disp = true;
		if (zi->mnemonic == ZYDIS_MNEMONIC_MOV && op->type == ZYDIS_OPERAND_TYPE_REGISTER &&
		    !(zi->attributes & ZYDIS_ATTRIB_HAS_OPERANDSIZE) &&
		    ops[!i].type == ZYDIS_OPERAND_TYPE_REGISTER &&
		    ZydisRegisterGetClass(op->reg.value) == ZYDIS_REGCLASS_GPR16 &&
		    ZydisRegisterGetClass(ops[!i].reg.value) == ZYDIS_REGCLASS_SEGMENT) {
			ZydisRegister r32 = ZydisRegisterEncode(ZYDIS_REGCLASS_GPR32,
								ZydisRegisterGetId(op->reg.value));
			snprintf(p->gpr16, sizeof(p->gpr16), "%%%s", ZydisRegisterGetString(op->reg.value));
			snprintf(p->gpr32, sizeof(p->gpr32), "%%%s", ZydisRegisterGetString(r32));
		}
	}
	size_t len = 0;
	for (unsigned int i = 0; i < zi->raw.prefix_count; i++) {
		if (zi->raw.prefixes[i].type != ZYDIS_PREFIX_TYPE_IGNORED)
			continue;
		for (size_t j = 0; j < KT_ARRAY_SIZE(ignored_prefix_names); j++)
			if (ignored_prefix_names[j].byte == zi->raw.prefixes[i].value &&
			    len + 8 < sizeof(p->prefixes))
				len += (size_t)sprintf(p->prefixes + len, "%s ", ignored_prefix_names[j].name);
	}
}

struct out {
	char *buf;
	size_t size, len;
	bool overflow;
};

static void out_append(struct out *o, const char *s)
{
	size_t n = strlen(s);
	if (o->len + n >= o->size) {
		o->overflow = true;
		return;
	}
	memcpy(o->buf + o->len, s, n + 1);
	o->len += n;
}

/* binutils pads prefixes and mnemonic to six columns, then one space (i386-dis.c, print_insn). */
static const size_t MNEMONIC_COLUMNS = 6;

static void start_operands(struct out *o, const struct att_plan *p)
{
	while (o->len && o->buf[o->len - 1] == ' ')
		o->buf[--o->len] = '\0';
	while (o->len < MNEMONIC_COLUMNS && !o->overflow)
		out_append(o, " ");
	out_append(o, p->indirect ? " *" : " ");
	if (p->lead)
		out_append(o, p->lead);
}

static void append_mnemonic(const ZydisDecodedInstruction *zi, const struct att_plan *p,
			    const char *token, struct out *o)
{
	const char *base = ZydisMnemonicGetString(zi->mnemonic);
	if (p->mnemonic[0]) {
		out_append(o, p->mnemonic);
	} else if (p->strip_suffix && !strncmp(token, base, strlen(base))) {
		out_append(o, base);
	} else {
		out_append(o, token);
	}
}

static void format_tokens(const ZydisDecodedInstruction *zi, const ZydisFormatterToken *tok,
			  const struct att_plan *p, struct out *o)
{
	bool in_operands = false;
	ZydisTokenType prev = ZYDIS_TOKEN_INVALID;
	out_append(o, p->prefixes);
	for (; tok; tok = ZYAN_SUCCESS(ZydisFormatterTokenNext(&tok)) ? tok : NULL) {
		ZydisTokenType type;
		ZyanConstCharPointer value;
		if (!ZYAN_SUCCESS(ZydisFormatterTokenGetValue(tok, &type, &value)))
			break;
		if (type == ZYDIS_TOKEN_WHITESPACE) {
			if (!in_operands)
				out_append(o, " ");  // between prefixes and the mnemonic
			continue;  // binutils has no space inside or between operands
		}
		if (type == ZYDIS_TOKEN_MNEMONIC) {
			append_mnemonic(zi, p, value, o);
		} else if (type == ZYDIS_TOKEN_PREFIX) {
			// binutils' names of f3 and f2 before cmps and scas.
			out_append(o, !strcmp(value, "repe") ? "repz" : !strcmp(value, "repne") ? "repnz" : value);
		} else {
			if (!in_operands)
				start_operands(o, p);
			in_operands = true;
			if (type == ZYDIS_TOKEN_PARENTHESIS_OPEN && p->zero_disp &&
			    prev != ZYDIS_TOKEN_DISPLACEMENT && prev != ZYDIS_TOKEN_ADDRESS_ABS)
				out_append(o, "0x0");
			if (type == ZYDIS_TOKEN_REGISTER && p->gpr16[0] && !strcmp(value, p->gpr16))
				value = p->gpr32;
			if (type == ZYDIS_TOKEN_REGISTER && p->port_dx && !strcmp(value, "%dx"))
				value = "(%dx)";
			if (type == ZYDIS_TOKEN_REGISTER && !strncmp(value, "%dr", 3)) {
				out_append(o, "%db");  // binutils' name for the debug registers
				value += 3;
			}
			out_append(o, value);
		}
		prev = type;
	}
	if (p->operands) {
		start_operands(o, p);
		out_append(o, p->operands);
	}
	// A mnemonic alone ("ret") keeps no trailing padding.
	while (o->len && o->buf[o->len - 1] == ' ')
		o->buf[--o->len] = '\0';
}

static void formatter_init(ZydisFormatter *f)
{
	ZydisFormatterInit(f, ZYDIS_FORMATTER_STYLE_ATT);
	ZydisFormatterSetProperty(f, ZYDIS_FORMATTER_PROP_HEX_UPPERCASE, ZYAN_FALSE);
	ZydisFormatterSetProperty(f, ZYDIS_FORMATTER_PROP_FORCE_RELATIVE_RIPREL, ZYAN_TRUE);
	ZydisFormatterSetProperty(f, ZYDIS_FORMATTER_PROP_ADDR_PADDING_ABSOLUTE, ZYDIS_PADDING_DISABLED);
	ZydisFormatterSetProperty(f, ZYDIS_FORMATTER_PROP_DISP_PADDING, ZYDIS_PADDING_DISABLED);
	ZydisFormatterSetProperty(f, ZYDIS_FORMATTER_PROP_IMM_PADDING, ZYDIS_PADDING_DISABLED);
	// binutils prints immediates unsigned in the operand's width: $0xffffffff, not $-0x1.
	ZydisFormatterSetProperty(f, ZYDIS_FORMATTER_PROP_IMM_SIGNEDNESS, ZYDIS_SIGNEDNESS_UNSIGNED);
}

struct kt_error *kt_insn_format(const struct kt_insn *insn, char *buf, size_t size)
{
	ZydisDecoder decoder;
	ZydisFormatter formatter;
	ZydisDecodedInstruction zi;
	ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
	const ZydisFormatterToken *tok;
	char tokens[256];
	struct att_plan plan;
	ZydisDecoderInit(&decoder, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
	formatter_init(&formatter);
	if (!ZYAN_SUCCESS(ZydisDecoderDecodeFull(&decoder, insn->bytes, insn->length, &zi, ops)))
		goto fail;
	plan_att(&zi, ops, &plan);
	ZydisDecodedInstruction shown = zi;
	shown.operand_count_visible = plan.operand_count;  // Zydis formats what it is told is visible
	if (!ZYAN_SUCCESS(ZydisFormatterTokenizeInstruction(&formatter, &shown, ops,
							    shown.operand_count_visible, tokens,
							    sizeof(tokens), insn->address, &tok, NULL)))
		goto fail;
	struct out o = {.buf = buf, .size = size};
	if (size)
		buf[0] = '\0';
	format_tokens(&zi, tok, &plan, &o);
	if (o.overflow || !size)
		return kt_error_create(KT_ERROR_LIMIT, "0x%016llx: instruction text longer than %zu",
				       (unsigned long long)insn->address, size);
	return NULL;
fail:
	return kt_error_create(KT_ERROR_BAD_DATA, "0x%016llx: cannot format the instruction",
			       (unsigned long long)insn->address);
}
