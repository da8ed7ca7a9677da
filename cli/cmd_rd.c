// SPDX-License-Identifier: MIT
/* rd (also x): memory as crash's rd shows it (read by kt_memory_rows_read, rendered by lib/report). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"

enum { RD_MAX_BYTES = 64 << 20 };  /* one rd reads at most this much: a typo should not eat memory */

struct rd {
	unsigned int size;              /* bytes per value: 1, 2, 4 or 8 */
	enum kt_address_space space;
	bool symbols;
	uint64_t address, count;
};

static int usage(void)
{
	fprintf(stderr, "usage: rd [-8|-16|-32|-64] [-p] [-s] ADDRESS|SYMBOL[+OFFSET] [COUNT]\n"
			"  -8 -16 -32 -64  value size in bits (default 64)\n"
			"  -p              ADDRESS is physical\n"
			"  -s              name 64-bit values that are kernel or module addresses\n");
	return 2;
}

/* COUNT: decimal, or hexadecimal with 0x. */
static bool parse_count(const char *s, uint64_t *ret)
{
	char *end;
	if (!isdigit((unsigned char)*s))
		return false;
	errno = 0;
	bool hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	unsigned long long v = strtoull(s, &end, hex ? 16 : 10);
	if (errno || *end || v == 0)
		return false;
	*ret = v;
	return true;
}

static int parse_args(int argc, char **argv, struct rd *rd, const char **expr, const char **count)
{
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--")) {
			i++;
			break;
		}
		if (!strcmp(a, "-8") || !strcmp(a, "-16") || !strcmp(a, "-32") || !strcmp(a, "-64")) {
			rd->size = (unsigned int)atoi(a + 1) / 8;
			continue;
		}
		for (const char *c = a + 1; *c; c++) {
			if (*c == 'p')
				rd->space = KT_KPHYSADDR;
			else if (*c == 's')
				rd->symbols = true;
			else
				return usage();
		}
		if (!a[1])
			return usage();
	}
	if (argc - i < 1 || argc - i > 2)
		return usage();
	*expr = argv[i];
	*count = argc - i == 2 ? argv[i + 1] : NULL;
	if (rd->symbols && rd->size != 8) {
		fprintf(stderr, "rd: -s names 64-bit values; it cannot be combined with -%u\n",
			rd->size * 8);
		return 2;
	}
	return 0;
}

int cmd_rd(struct cli_context *ctx, int argc, char **argv)
{
	struct rd rd = {.size = 8, .space = KT_KVADDR, .count = 1};
	const char *expr, *count;
	int status = parse_args(argc, argv, &rd, &expr, &count);
	if (status)
		return status;
	if (count && !parse_count(count, &rd.count)) {
		fprintf(stderr, "rd: COUNT '%s' is not a positive number\n", count);
		return 2;
	}
	if (rd.count > RD_MAX_BYTES / rd.size) {
		fprintf(stderr, "rd: at most %d bytes at a time\n", RD_MAX_BYTES);
		return 2;
	}
	struct kt_error *err = kt_program_parse_address(ctx->prog, expr, &rd.address);
	if (err)
		return cli_report_error(err);
	struct kt_memory_rows *rows;
	if ((err = kt_memory_rows_read(ctx->prog, rd.address, rd.space, rd.size, rd.count, rd.symbols,
				       &rows))) {
		if (kt_error_code(err) != KT_ERROR_INVALID_ARGUMENT)
			return cli_report_error(err);
		fprintf(stderr, "rd: %s\n", kt_error_message(err));
		kt_error_destroy(err);
		return 2;
	}
	kt_memory_rows_render(stdout, cli_format(ctx), rows);
	status = 0;
	if (rows->error) {
		fprintf(stderr, "ktriage: %s\n", rows->error);
		status = 1;
	}
	kt_memory_rows_destroy(rows);
	return status;
}
