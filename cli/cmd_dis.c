// SPDX-License-Identifier: MIT
/* dis: crash's disassembler habits on the code the dump holds. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"

const char cli_dis_help[] =
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
	"so it is the code that ran (alternatives and ftrace NOPs patched in), not vmlinux's.\n"
	"examples: dis schedule;  dis -f schedule+0x2d;  dis -r schedule+0x2d;  dis -l schedule 8\n";

static bool render_item(const struct kt_dis_item *item, void *arg)
{
	kt_dis_item_render(arg, item);
	return true;
}

/* "ktriage: dis WHERE: MESSAGE", so that a message about an alias names what was asked for. */
static int report(const char *where, struct kt_error *err)
{
	char context[300];
	snprintf(context, sizeof(context), "dis %s", where);
	return cli_report_error_in(context, err);
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
			fputs(cli_dis_help, c == 'h' ? stdout : stderr);
			return c == 'h' ? 0 : 2;
		}
	}
	uint64_t count = 0;
	if (optind >= argc || argc - optind > 2 || (reverse && forward) ||
	    (argc - optind == 2 && (!parse_number(argv[optind + 1], 10, &count) || !count))) {
		fputs(cli_dis_help, stderr);
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
	struct kt_list_writer list;
	kt_list_begin(&list, stdout, cli_format(ctx), KT_LIST_INSTRUCTIONS);
	err = kt_disassemble_items(ctx->prog, start, end, (size_t)count, lines, render_item, &list);
	kt_list_end_incomplete(&list, err);
	return err ? report(argv[optind], err) : 0;
}
