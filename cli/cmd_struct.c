// SPDX-License-Identifier: MIT
/* struct, union, whatis, member-at and p: kernel types and the values they describe. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"

static int out_of_memory(void)
{
	fprintf(stderr, "ktriage: out of memory\n");
	return 1;
}

static int whatis(struct cli_context *ctx, const char *name, const struct kt_value_options *opts)
{
	struct kt_declaration *decl;
	struct kt_error *err = kt_declaration_read(ctx->prog, name, opts, &decl);
	if (err)
		return cli_report_error(err);
	kt_declaration_render(stdout, cli_format(ctx), decl);
	kt_declaration_destroy(decl);
	return 0;
}

static bool parse_u64(const char *s, int base, uint64_t *ret)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, base);
	if (!*s || *end || errno || *s == '-')
		return false;
	*ret = v;
	return true;
}

/* argv[from..to), joined by spaces: "struct page", "*(struct rq *) 0x...". */
static char *join_args(char **argv, int from, int to)
{
	size_t len = 1;
	for (int i = from; i < to; i++)
		len += strlen(argv[i]) + 1;
	char *s = calloc(1, len);
	for (int i = from; s && i < to; i++) {
		if (i > from)
			strcat(s, " ");
		strcat(s, argv[i]);
	}
	return s;
}

/* Shared by struct, union and p: -x, -a N, and (p) -t TYPE. Returns false on bad usage. */
static bool value_options(int argc, char **argv, const char *optstring,
			  struct kt_value_options *opts, const char **type)
{
	int c;
	optind = 0;  // 0: GNU getopt starts over, permutation state included
	while ((c = getopt(argc, argv, optstring)) != -1) {
		uint64_t n;
		switch (c) {
		case 'x':
			opts->hex = true;
			break;
		case 'a':
			if (!parse_u64(optarg, 10, &n) || !n || n > 1000000)
				return false;
			opts->array_max = (unsigned int)n;
			break;
		case 't':
			*type = optarg;
			break;
		case 'r':
			opts->expand = true;
			break;
		default:
			return false;
		}
	}
	return true;
}

static int struct_or_union(struct cli_context *ctx, int argc, char **argv, const char *keyword)
{
	struct kt_value_options opts = {.json = ctx->json};
	if (!value_options(argc, argv, "xa:", &opts, NULL) || optind >= argc || argc - optind > 2) {
		fprintf(stderr, "usage: %s [-x] [-a N] NAME[.member[,member...]] [ADDRESS|SYMBOL[+OFF]]\n"
				"  without an address: the layout, as whatis\n", keyword);
		return 2;
	}
	char *spec = argv[optind];
	char *dot = strchr(spec, '.');
	char *type = NULL;
	if (asprintf(&type, "%s %.*s", keyword, dot ? (int)(dot - spec) : (int)strlen(spec), spec) < 0)
		return out_of_memory();
	const char *members = dot ? dot + 1 : NULL;
	if (optind + 1 == argc) {
		if (members) {
			fprintf(stderr, "ktriage: member paths need an address (member offsets: "
					"whatis %s)\n", type);
			free(type);
			return 2;
		}
		int status = whatis(ctx, type, &opts);
		free(type);
		return status;
	}
	uint64_t addr;
	struct kt_value *value;
	struct kt_error *err = kt_program_parse_address(ctx->prog, argv[optind + 1], &addr);
	if (!err)
		err = kt_value_read(ctx->prog, type, members, addr, &opts, &value);
	free(type);
	if (err)
		return cli_report_error(err);
	kt_value_render(stdout, cli_format(ctx), value);
	kt_value_destroy(value);
	return 0;
}

int cmd_struct(struct cli_context *ctx, int argc, char **argv)
{
	return struct_or_union(ctx, argc, argv, "struct");
}

int cmd_union(struct cli_context *ctx, int argc, char **argv)
{
	return struct_or_union(ctx, argc, argv, "union");
}

int cmd_whatis(struct cli_context *ctx, int argc, char **argv)
{
	struct kt_value_options opts = {.json = ctx->json};
	if (!value_options(argc, argv, "r", &opts, NULL) || optind >= argc) {
		fprintf(stderr, "usage: whatis [-r] TYPE|SYMBOL   (-r: expand named members too)\n"
				"  TYPE: the kernel's, else a module's; MODULE:TYPE (kvm_amd:vcpu_svm) "
				"looks in one module\n");
		return 2;
	}
	char *name = join_args(argv, optind, argc);
	if (!name)
		return out_of_memory();
	int status = whatis(ctx, name, &opts);
	free(name);
	return status;
}

int cmd_member_at(struct cli_context *ctx, int argc, char **argv)
{
	uint64_t offset;
	if (argc < 3 || !parse_u64(argv[argc - 1], 0, &offset)) {
		fprintf(stderr, "usage: member-at TYPE OFFSET   (OFFSET: 0x348 or 840)\n");
		return 2;
	}
	char *type = join_args(argv, 1, argc - 1);
	if (!type)
		return out_of_memory();
	struct kt_member_at *members;
	size_t n;
	struct kt_error *err = kt_members_at(ctx->prog, type, offset, &members, &n);
	if (err) {
		free(type);
		return cli_report_error(err);
	}
	kt_members_at_render(stdout, cli_format(ctx), type, offset, members, n);
	kt_members_at_destroy(members, n);
	free(type);
	return 0;
}

const char cli_p_help[] =
	"usage: p[/x|/d] [-x] [-a N] EXPRESSION\n"
	"       p [-t TYPE] SYMBOL[:CPU|:a][.member...]\n"
	"  EXPRESSION  C, as gdb reads it:\n"
	"    numbers     0x178, 376, 0755; + - * / % << >> & | ^ ~ ! == < && ||, C's precedence\n"
	"    sizeof      sizeof(struct task_struct), sizeof(u64), sizeof init_task.comm\n"
	"    offsetof    offsetof(struct task_struct, se.on_rq)\n"
	"    variables   jiffies, init_task.comm, runqueues:1 (CPU 1's copy)\n"
	"    casts       (struct task_struct *)0xffff888003a10000, (u8)0x1ff\n"
	"    pointers    &init_task, *(struct rq *)ADDR, ptr->member, arr[3], &init_task + 1\n"
	"  SYMBOL:a    every CPU's copy of a per-CPU variable; a bare per-CPU SYMBOL: its\n"
	"              address on each CPU\n"
	"  /x, -x      integers in hexadecimal; /d: in decimal (the default)\n"
	"  -a N        array elements shown before \"... N more\" (default 32)\n"
	"  -t TYPE     the type of a symbol that the kernel's BTF and debug files do not type\n"
	"Variables are typed by the kernel's BTF, by the DWARF of the debug vmlinux or of the\n"
	"module that defines them. Division by zero, shifts past 63 and reads that fail are errors.\n"
	"Examples: p (0x348 - 0x210)   p/x sizeof(struct task_struct)   p init_task.pid\n"
	"          p runqueues:0.nr_running   p/x &init_task\n";

int cmd_p(struct cli_context *ctx, int argc, char **argv)
{
	struct kt_value_options opts = {.json = ctx->json};
	const char *type = NULL;
	const char *fmt = strchr(argv[0], '/');
	if (fmt && strcmp(fmt, "/x") && strcmp(fmt, "/d")) {
		fprintf(stderr, "ktriage: p%s: the formats are /x and /d\n", fmt);
		return 2;
	}
	// Options end at the expression: "p -7 / 2" and "p -x -1" are arithmetic.
	int end = 1;
	while (end < argc && argv[end][0] == '-' &&
	       (!strcmp(argv[end], "-x") || ((!strcmp(argv[end], "-a") || !strcmp(argv[end], "-t")) &&
					     ++end < argc)))
		end++;
	int first = end < argc && !strcmp(argv[end], "--") ? end + 1 : end;
	if (!value_options(end, argv, "xa:t:", &opts, &type) || first >= argc) {
		fputs(cli_p_help, stderr);
		return 2;
	}
	if (fmt)
		opts.hex = fmt[1] == 'x';
	char *expr = join_args(argv, first, argc);
	if (!expr)
		return out_of_memory();
	struct kt_expr_result *result;
	struct kt_error *err = kt_expr_read(ctx->prog, expr, type, &opts, &result);
	free(expr);
	if (err)
		return cli_report_error(err);
	kt_expr_result_render(stdout, cli_format(ctx), result);
	kt_expr_result_destroy(result);
	return 0;
}
