// SPDX-License-Identifier: MIT
/*
 * rd (also x): memory as crash's rd shows it. Values are little-endian words, two 64-bit words
 * (or 4, 8, 16 smaller ones) per line with the bytes as ASCII; -s names each 64-bit value that
 * points into the kernel's or a module's symbols. Memory that cannot be read ends the output
 * with the reader's reason, never with made-up zeros.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"

enum {
	LINE_BYTES = 16,
	PAGE_BYTES = 4096,
	RD_MAX_BYTES = 64 << 20,  /* one rd reads at most this much: a typo should not eat memory */
};

struct rd {
	unsigned int size;              /* bytes per value: 1, 2, 4 or 8 */
	enum kt_address_space space;
	bool symbols;
	uint64_t address, count;
	uint8_t *buf;
	size_t len;                     /* bytes read before the end or the fault */
	struct kt_error *fault;
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

/*
 * Reads [address, address + len) a page at a time; in a page that fails, value by value, so that
 * everything readable before the fault is shown and the error names the first unreadable value.
 */
static struct kt_error *rd_read(struct kt_program *prog, struct rd *rd, size_t len)
{
	while (rd->len < len) {
		uint64_t at = rd->address + rd->len;
		size_t chunk = PAGE_BYTES - (at & (PAGE_BYTES - 1));
		if (chunk > len - rd->len)
			chunk = len - rd->len;
		struct kt_error *err = kt_program_read(prog, at, rd->space, rd->buf + rd->len, chunk);
		if (!err) {
			rd->len += chunk;
			continue;
		}
		if (kt_error_code(err) != KT_ERROR_FAULT)
			return err;
		kt_error_destroy(err);
		// Value by value from the start of the value the page boundary may have split.
		size_t end = rd->len + chunk;
		rd->len -= rd->len % rd->size;
		for (; rd->len < end; rd->len += rd->size) {
			err = kt_program_read(prog, rd->address + rd->len, rd->space,
					      rd->buf + rd->len, rd->size);
			if (err)
				break;
		}
		if (err) {
			if (kt_error_code(err) != KT_ERROR_FAULT)
				return err;
			rd->fault = err;
			return NULL;
		}
	}
	return NULL;
}

static uint64_t value_at(const struct rd *rd, size_t off)
{
	uint64_t v = 0;
	memcpy(&v, rd->buf + off, rd->size);  // x86_64 is little-endian, as the dump is
	return v;
}

/* The symbol a kernel-half value points into, or false. */
static bool symbolize(struct kt_program *prog, uint64_t v, const char **name, uint64_t *off,
		      const char **module)
{
	if (!(v >> 63))
		return false;  // user addresses and per-CPU offsets name nothing
	struct kt_error *err = kt_program_symbolize(prog, v, name, off, module);
	kt_error_destroy(err);
	return !err;
}

static void print_text(struct kt_program *prog, const struct rd *rd)
{
	unsigned int per_line = LINE_BYTES / rd->size, width = rd->size * 2;
	for (size_t line = 0; line < rd->len; line += LINE_BYTES) {
		size_t n = rd->len - line < LINE_BYTES ? (rd->len - line) / rd->size : per_line;
		if (!n)
			break;
		printf("%016llx: ", (unsigned long long)(rd->address + line));
		for (size_t i = 0; i < n; i++) {
			uint64_t v = value_at(rd, line + i * rd->size);
			const char *name, *module;
			uint64_t off;
			if (rd->symbols && symbolize(prog, v, &name, &off, &module)) {
				char sym[256];
				snprintf(sym, sizeof(sym), off ? "%s+%llu" : "%s", name,
					 (unsigned long long)off);
				printf(" %-*s", i + 1 < n ? 16 : 0, sym);
			} else {
				printf(" %0*llx", (int)width, (unsigned long long)v);
			}
		}
		if (!rd->symbols) {
			printf("%*s   ", (int)((per_line - n) * (width + 1)), "");
			for (size_t b = 0; b < n * rd->size; b++) {
				unsigned char c = rd->buf[line + b];
				putchar(isprint(c) && c < 0x7f ? c : '.');
			}
		}
		putchar('\n');
	}
}

static void print_json(struct kt_program *prog, const struct rd *rd)
{
	printf("{\"address\": \"0x%016llx\", \"space\": \"%s\", \"size\": %u,\n \"values\": [",
	       (unsigned long long)rd->address, rd->space == KT_KPHYSADDR ? "physical" : "virtual",
	       rd->size);
	size_t n = rd->len / rd->size;
	for (size_t i = 0; i < n; i++)
		printf("%s\"0x%0*llx\"", i ? ", " : "", (int)rd->size * 2,
		       (unsigned long long)value_at(rd, i * rd->size));
	printf("]");
	if (rd->symbols) {
		printf(",\n \"symbols\": [");
		for (size_t i = 0; i < n; i++) {
			const char *name, *module;
			uint64_t off;
			printf("%s", i ? ", " : "");
			if (!symbolize(prog, value_at(rd, i * 8), &name, &off, &module)) {
				printf("null");
				continue;
			}
			printf("{\"symbol\": ");
			cli_json_string(name);
			printf(", \"offset\": %llu, \"module\": ", (unsigned long long)off);
			if (module)
				cli_json_string(module);
			else
				printf("null");
			printf("}");
		}
		printf("]");
	}
	printf(",\n \"error\": ");
	if (rd->fault)
		cli_json_string(kt_error_message(rd->fault));
	else
		printf("null");
	printf("}\n");
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
	size_t len = rd.count * rd.size;
	if (rd.address + len - 1 < rd.address) {
		fprintf(stderr, "rd: 0x%llx + %zu bytes wraps around the address space\n",
			(unsigned long long)rd.address, len);
		return 2;
	}
	if (!(rd.buf = malloc(len))) {
		fprintf(stderr, "ktriage: out of memory\n");
		return 1;
	}
	err = rd_read(ctx->prog, &rd, len);
	if (!err) {
		if (ctx->json)
			print_json(ctx->prog, &rd);
		else
			print_text(ctx->prog, &rd);
		err = rd.fault;
	}
	free(rd.buf);
	return err ? cli_report_error(err) : 0;
}
