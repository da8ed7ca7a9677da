// SPDX-License-Identifier: MIT
/* dis: crash's disassembler habits on the code the dump holds. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callsite_out.h"
#include "commands.h"

static const char dis_usage[] =
	"usage: dis [-r | -f] [-l] FUNC|ADDR [COUNT]\n"
	"  FUNC      a function name: the whole function (a function ends where the next\n"
	"            kallsyms symbol starts)\n"
	"  ADDR      a hex address (0x optional) or SYMBOL+OFFSET (decimal, or hex with 0x):\n"
	"            one instruction\n"
	"  COUNT     disassemble COUNT instructions from FUNC or ADDR instead\n"
	"  -r        reverse: from the start of the function up to and including ADDR\n"
	"  -f        forward: from ADDR to the end of its function\n"
	"  -l        source lines (FILE: LINE) before the instructions they begin, from DWARF\n"
	"            (the debug vmlinux, and module debug files)\n"
	"As crash's dis: AT&T syntax, direct targets named <symbol+offset> (decimal offset),\n"
	"RIP-relative operands followed by '# ADDRESS <symbol>'. The code is read from the dump,\n"
	"so it is the code that ran (alternatives and ftrace NOPs patched in), not vmlinux's.\n";

static const char *const kind_names[] = {
	[KT_INSN_OTHER] = "other", [KT_INSN_CALL] = "call", [KT_INSN_JMP] = "jmp",
	[KT_INSN_JCC] = "jcc",     [KT_INSN_RET] = "ret",
};

struct dis_print {
	bool json, first;
	struct kt_program *code;  /* the program, for call targets */
	struct kt_program *prog;  /* -l: source lines */
	const char *file;         /* the last source line printed */
	unsigned int line;
	char *notice;             /* why there are no source lines, said once */
};

/* -l: the source line of l, NULL if there is none (having said why, once). */
static const struct kt_source_line *source_of(struct dis_print *p, const struct kt_dis_line *l,
					      struct kt_source_line *buf)
{
	struct kt_error *err = kt_source_line(p->prog, l->address, buf);
	if (!err)
		return buf;
	const char *msg = kt_error_message(err);
	if (!p->notice || strcmp(p->notice, msg)) {
		if (!p->json)
			printf("(no source line: %s)\n", msg);
		free(p->notice);
		p->notice = strdup(msg);
	}
	kt_error_destroy(err);
	return NULL;
}

/*
 * An indirect call (through a register, memory, a retpoline thunk or a static-call trampoline)
 * resolved as far as code and globals allow, without a stack: what it reads and, if that is
 * all in memory, where it goes.
 */
static bool resolve_call(struct dis_print *p, const struct kt_dis_line *l, struct kt_call_site *cs)
{
	if (l->kind != KT_INSN_CALL)
		return false;
	if (l->has_target && !strstr(l->text, "<__x86_indirect_") && !strstr(l->text, "<__SCT__"))
		return false;
	struct kt_error *err = kt_call_site_resolve(p->code, l->address + l->length, NULL, 0, cs);
	if (err) {
		kt_error_destroy(err);
		return false;
	}
	return cs->kind != KT_CALL_NONE && cs->kind != KT_CALL_DIRECT;
}

static void print_resolved(const struct kt_call_site *cs)
{
	printf("\t# %s", cs->expression[0] ? cs->expression : "?");
	if (!cs->has_target)
		return;
	printf(" = 0x%016llx", (unsigned long long)cs->target);
	if (cs->target_function)
		printf(" <%s>", cs->target_function);
	if (cs->target_function && cs->target_module)
		printf(" [%s]", cs->target_module);
}

static bool print_line(const struct kt_dis_line *l, void *arg)
{
	struct dis_print *p = arg;
	struct kt_source_line buf;
	const struct kt_source_line *src = p->prog ? source_of(p, l, &buf) : NULL;
	struct kt_call_site cs;
	bool resolved = resolve_call(p, l, &cs);
	if (!p->json) {
		// As crash's dis -l: the line where it changes, above its first instruction.
		if (src && (!p->file || strcmp(p->file, src->file) || p->line != src->line))
			printf("%s: %u\n", src->file, src->line);
		if (src)
			p->file = src->file, p->line = src->line;
		printf("0x%016llx", (unsigned long long)l->address);
		if (l->symbol && l->offset)
			printf(" <%s+%llu>", l->symbol, (unsigned long long)l->offset);
		else if (l->symbol)
			printf(" <%s>", l->symbol);
		printf(":\t%s", l->text);
		if (resolved)
			print_resolved(&cs);
		printf("\n");
		return true;
	}
	printf("%s\n  {\"address\": \"0x%016llx\", \"symbol\": ", p->first ? "" : ",",
	       (unsigned long long)l->address);
	if (l->symbol) {
		cli_json_string(l->symbol);
		printf(", \"offset\": %llu", (unsigned long long)l->offset);
	} else {
		printf("null, \"offset\": null");
	}
	printf(", \"bytes\": \"");
	for (unsigned int i = 0; i < l->length; i++)
		printf("%s%02x", i ? " " : "", l->bytes[i]);
	printf("\", \"text\": ");
	cli_json_string(l->text);
	printf(", \"kind\": \"%s\", \"target\": ", kind_names[l->kind]);
	if (l->has_target)
		printf("\"0x%016llx\"", (unsigned long long)l->target);
	else
		printf("null");
	if (resolved) {
		printf(", \"call_site\": ");
		cli_call_site_json(&cs);
	}
	if (p->prog) {
		printf(", \"source\": ");
		if (src) {
			printf("{\"file\": ");
			cli_json_string(src->file);
			printf(", \"line\": %u}", src->line);
		} else {
			printf("null, \"source_unavailable\": ");
			cli_json_string(p->notice);
		}
	}
	printf("}");
	p->first = false;
	return true;
}

/* "ktriage: dis WHERE: MESSAGE", so that a message about an alias names what was asked for. */
static int report(const char *where, struct kt_error *err)
{
	fprintf(stderr, "ktriage: dis %s: %s\n", where, kt_error_message(err));
	kt_error_destroy(err);
	return 1;
}

/* A number in base 10, or 16 with 0x; false if s is not all digits. */
static bool parse_number(const char *s, int base, uint64_t *ret)
{
	if (base == 10 && (!strncmp(s, "0x", 2) || !strncmp(s, "0X", 2)))
		base = 16;
	if (base == 16 && (!strncmp(s, "0x", 2) || !strncmp(s, "0X", 2)))
		s += 2;
	if (!*s || !isxdigit((unsigned char)*s))
		return false;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, base);
	if (errno || *end)
		return false;
	*ret = v;
	return true;
}

/*
 * FUNC, SYMBOL+OFFSET or a hex address, as crash reads them: a name is looked up first, so a
 * symbol spelled in hex digits is still a symbol. *whole_ret: a bare symbol. Returns an exit
 * status, having said what is wrong.
 */
static int parse_location(struct kt_program *prog, const char *s, uint64_t *ret, bool *whole_ret)
{
	char name[512];
	uint64_t off = 0;
	const char *plus = strchr(s, '+');
	size_t len = plus ? (size_t)(plus - s) : strlen(s);
	if (len >= sizeof(name) || (plus && !parse_number(plus + 1, 10, &off))) {
		fprintf(stderr, "ktriage: dis: bad location '%s'\n", s);
		return 2;
	}
	memcpy(name, s, len);
	name[len] = '\0';
	struct kt_error *err = kt_program_symbol_address(prog, name, ret);
	if (!err) {
		*ret += off;
		*whole_ret = !plus;
		return 0;
	}
	if (plus || kt_error_code(err) != KT_ERROR_NOT_FOUND || !parse_number(s, 16, ret))
		return report(s, err);
	kt_error_destroy(err);
	*whole_ret = false;
	return 0;
}

int cmd_dis(struct cli_context *ctx, int argc, char **argv)
{
	bool reverse = false, forward = false, lines = false;
	int c;
	optind = 0;  // 0: GNU getopt starts over, permutation state included
	while ((c = getopt(argc, argv, "+rflh")) != -1) {
		if (c == 'l') {
			lines = true;
		} else if (c == 'r') {
			reverse = true;
		} else if (c == 'f') {
			forward = true;
		} else {
			fputs(dis_usage, c == 'h' ? stdout : stderr);
			return c == 'h' ? 0 : 2;
		}
	}
	uint64_t count = 0;
	if (optind >= argc || argc - optind > 2 || (reverse && forward) ||
	    (argc - optind == 2 && (!parse_number(argv[optind + 1], 10, &count) || !count))) {
		fputs(dis_usage, stderr);
		return 2;
	}
	uint64_t addr, start, end;
	bool whole;
	int status = parse_location(ctx->prog, argv[optind], &addr, &whole);
	if (status)
		return status;
	struct kt_error *err;
	if (reverse || forward || (whole && !count)) {
		if ((err = kt_function_bounds(ctx->prog, addr, &start, &end)))
			return report(argv[optind], err);
		// crash's -r stops at the instruction containing ADDR; -f starts at ADDR.
		if (reverse)
			end = addr + 1, count = 0;
		else if (forward)
			start = addr, count = 0;
	} else {
		start = addr;
		end = UINT64_MAX;
		if (!count)
			count = 1;  // crash: an address without a count is one instruction
	}
	struct dis_print p = {.json = ctx->json, .first = true, .code = ctx->prog, .prog = lines ? ctx->prog : NULL};
	if (p.json)
		printf("[");
	err = kt_disassemble(ctx->prog, start, end, (size_t)count, print_line, &p);
	if (p.json)
		printf("\n]\n");
	free(p.notice);
	return err ? report(argv[optind], err) : 0;
}
