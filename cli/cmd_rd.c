// SPDX-License-Identifier: MIT
/* rd (also x): memory as crash's rd shows it (read by kt_memory_rows_read, rendered by lib/report). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "task_arg.h"

enum { RD_MAX_BYTES = 64 << 20 };  /* one rd reads at most this much: a typo should not eat memory */

struct rd {
	struct kt_memory_request req;
	const char *end;                /* -e ADDRESS */
};

const char cli_rd_help[] =
	"usage: rd [-8|-16|-32|-64] [-p|-u] [-s|-S] [-x|-d|-D|-a] [-e END] ADDRESS|SYMBOL[+OFFSET] [COUNT]\n"
	"  -8, -16, -32, -64  value size in bits (default 64)\n"
	"  -p              ADDRESS is physical\n"
	"  -s, -S          name 64-bit values that are kernel or module addresses (-S: slab\n"
	"                  caches are not named)\n"
	"  -x              no ASCII column\n"
	"  -d, -D          signed, unsigned decimal\n"
	"  -a              ASCII characters up to the first unprintable one (COUNT: at most that\n"
	"                  many; without, at most 4096)\n"
	"  -e END          up to END (hexadecimal, or SYMBOL[+OFFSET]) instead of a COUNT\n"
	"  -u              ADDRESS is a user address of the context task (set; else the panicking\n"
	"                  task), read through its page tables: most kdump dumps leave user pages\n"
	"                  out (makedumpfile -d 31), QEMU's dump-guest-memory keeps them\n"
	"x/FMT ADDRESS: gdb's examine, as crash passes it on: FMT is [COUNT][x|d|u|s|i][b|h|w|g]\n"
	"  (x hex, d signed, u unsigned; b h w g: 1 2 4 8 bytes, default w; s a C string; i\n"
	"  COUNT instructions, as dis). x without /FMT is rd.\n"
	"examples: rd -x init_task 4   rd -32 -d jiffies   rd -a linux_banner   x/8wx init_task\n"
	"          x/2xg 0xffffffff81000000   x/s linux_banner   x/3i schedule\n";

static int usage(void)
{
	fputs(cli_rd_help, stderr);
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

static int set_format(struct rd *rd, enum kt_memory_format format)
{
	if (rd->req.format != KT_MEMORY_HEX && rd->req.format != format) {
		fprintf(stderr, "rd: -d, -D and -a exclude each other\n");
		return 2;
	}
	rd->req.format = format;
	return 0;
}

static int parse_args(int argc, char **argv, struct rd *rd, const char **expr, const char **count)
{
	int i = 1, status = 0;
	for (; i < argc && argv[i][0] == '-' && !status; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--")) {
			i++;
			break;
		}
		if (!strcmp(a, "-8") || !strcmp(a, "-16") || !strcmp(a, "-32") || !strcmp(a, "-64")) {
			rd->req.size = (unsigned int)atoi(a + 1) / 8;
			continue;
		}
		if (!strcmp(a, "-e")) {
			if (++i >= argc)
				return usage();
			rd->end = argv[i];
			continue;
		}
		for (const char *c = a + 1; *c && !status; c++) {
			switch (*c) {
			case 'p':
			case 'u':
				if (rd->req.space != KT_KVADDR) {
					fprintf(stderr, "rd: -p and -u exclude each other\n");
					return 2;
				}
				rd->req.space = *c == 'p' ? KT_KPHYSADDR : KT_UVADDR;
				break;
			case 's':
			case 'S':
				rd->req.symbols = true;
				break;
			case 'x':
				rd->req.no_ascii = true;
				break;
			case 'd':
				status = set_format(rd, KT_MEMORY_SIGNED);
				break;
			case 'D':
				status = set_format(rd, KT_MEMORY_UNSIGNED);
				break;
			case 'a':
				status = set_format(rd, KT_MEMORY_STRING);
				break;
			default:
				return usage();
			}
		}
		if (!a[1])
			return usage();
	}
	if (status)
		return status;
	if (argc - i < 1 || argc - i > 2 || (rd->end && argc - i == 2))
		return usage();
	*expr = argv[i];
	*count = argc - i == 2 ? argv[i + 1] : NULL;
	if (rd->req.symbols && (rd->req.size != 8 || rd->req.format != KT_MEMORY_HEX)) {
		fprintf(stderr, "rd: -s names 64-bit hexadecimal values; it cannot be combined with "
				"-%u, -d, -D or -a\n", rd->req.size * 8);
		return 2;
	}
	return 0;
}

static int read_and_print(struct cli_context *ctx, const struct kt_memory_request *req)
{
	struct kt_memory_rows *rows;
	struct kt_error *err = kt_memory_request_read(ctx->prog, req, &rows);
	if (err) {
		if (kt_error_code(err) != KT_ERROR_INVALID_ARGUMENT)
			return cli_report_error(err);
		fprintf(stderr, "%s: %s\n", req->gdb ? "x" : "rd", kt_error_message(err));
		kt_error_destroy(err);
		return 2;
	}
	kt_memory_rows_render(stdout, cli_format(ctx), rows);
	int status = 0;
	if (rows->error) {
		fprintf(stderr, "ktriage: %s\n", rows->error);
		status = 1;
	}
	kt_memory_rows_destroy(rows);
	return status;
}

/* x/FMT ADDRESS: [COUNT][FORMAT][UNIT] in any order after the count, as gdb takes them. */
static int examine(struct cli_context *ctx, const char *fmt, int argc, char **argv)
{
	struct kt_memory_request req = {.size = 4, .space = KT_KVADDR, .count = 1, .gdb = true};
	char letter = 'x';
	const char *c = fmt;
	if (isdigit((unsigned char)*c)) {
		char *end;
		errno = 0;
		unsigned long long n = strtoull(c, &end, 10);
		if (errno || !n || n > RD_MAX_BYTES) {
			fprintf(stderr, "x/%s: the count is 1 to %d\n", fmt, RD_MAX_BYTES);
			return 2;
		}
		req.count = n;
		c = end;
	}
	for (; *c; c++) {
		const char *units = "bhwg";
		if (strchr(units, *c) && *c) {
			req.size = 1u << (strchr(units, *c) - units);
		} else if (strchr("xdusi", *c)) {
			letter = *c;
		} else {
			fprintf(stderr, "x/%s: '%c' is not a format ktriage shows: x d u s i, units b h w g\n",
				fmt, *c);
			return 2;
		}
	}
	if (argc != 2) {
		fputs(cli_rd_help, stderr);
		return 2;
	}
	if (letter == 'i') {
		char count[24];
		snprintf(count, sizeof(count), "%llu", (unsigned long long)req.count);
		char *dis_argv[] = {"dis", argv[1], count, NULL};
		return cmd_dis(ctx, 3, dis_argv);
	}
	req.format = letter == 'd' ? KT_MEMORY_SIGNED : letter == 'u' ? KT_MEMORY_UNSIGNED
		     : letter == 's' ? KT_MEMORY_STRING : KT_MEMORY_HEX;
	if (req.format == KT_MEMORY_STRING)
		req.count = 0;  // to the NUL
	struct kt_error *err = kt_program_parse_address(ctx->prog, argv[1], &req.address);
	if (err)
		return cli_report_error(err);
	return read_and_print(ctx, &req);
}

int cmd_rd(struct cli_context *ctx, int argc, char **argv)
{
	const char *slash = strchr(argv[0], '/');
	if (slash)
		return examine(ctx, slash + 1, argc, argv);
	struct rd rd = {.req = {.size = 8, .space = KT_KVADDR, .count = 1}};
	const char *expr, *count;
	int status = parse_args(argc, argv, &rd, &expr, &count);
	if (status)
		return status;
	struct kt_memory_request *req = &rd.req;
	if (req->format == KT_MEMORY_STRING) {
		req->size = 1;
		req->count = 0;
	}
	if (count && !parse_count(count, &req->count)) {
		fprintf(stderr, "rd: COUNT '%s' is not a positive number\n", count);
		return 2;
	}
	if (req->count > RD_MAX_BYTES / req->size) {
		fprintf(stderr, "rd: at most %d bytes at a time\n", RD_MAX_BYTES);
		return 2;
	}
	if (req->space == KT_UVADDR) {
		struct kt_task task;
		if ((status = cli_task_arg(ctx, "rd -u", NULL, &task)))
			return status;
		req->task = task.address;
	}
	struct kt_error *err = kt_program_parse_address(ctx->prog, expr, &req->address);
	if (err)
		return cli_report_error(err);
	if (rd.end) {
		uint64_t end;
		if ((err = kt_program_parse_address(ctx->prog, rd.end, &end)))
			return cli_report_error(err);
		if (end <= req->address || (end - req->address) / req->size > RD_MAX_BYTES) {
			fprintf(stderr, "rd: -e %s: the end must be above the start, at most %d bytes on\n",
				rd.end, RD_MAX_BYTES);
			return 2;
		}
		req->count = (end - req->address + req->size - 1) / req->size;
	}
	return read_and_print(ctx, req);
}
