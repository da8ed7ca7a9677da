// SPDX-License-Identifier: MIT
/* struct, union, whatis, member-at and p: kernel types and the values they describe. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "numbers.h"

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

const char cli_struct_help[] =
	"usage: struct|union [-o] [-x|-d] [-p] [-a N] [-l OFFSET] NAME[.member[,member...]]\n"
	"                    [ADDRESS|SYMBOL[+OFF][:CPUS]] [COUNT]\n"
	"  NAME        a kernel or module type (task_struct, kvm_amd:vcpu_svm); TYPE ADDRESS alone\n"
	"              works too (task_struct 0xffff...), as in crash\n"
	"  .member     only these member paths (se.on_rq, val[2].value); without an address, the\n"
	"              member's offset\n"
	"  ADDRESS     hexadecimal (0x optional), or SYMBOL[+OFF]; without it, the layout\n"
	"  :CPUS       the per-CPU variable's copy on CPUs: :1, :0,2-3, :a (every CPU)\n"
	"  COUNT       COUNT objects one after the other from ADDRESS (an array)\n"
	"  -o          each member after its offset, [16]; with an address, after its address\n"
	"  -l OFFSET   ADDRESS points at a member OFFSET bytes in (a list_head): a number, or\n"
	"              TYPE.member (task_struct.tasks)\n"
	"  -x, -d      integers in hexadecimal, in decimal (the default)\n"
	"  -p          each pointer member (or member path asked for) with its type, and under it\n"
	"              the struct or union it points to, one level, as crash's struct -p\n"
	"  -a N        array elements shown before \"... N more\" (default 32)\n"
	"examples: struct -o mutex   struct task_struct.comm,pid 0xffff888003a10000\n"
	"          struct rq.nr_running runqueues:a   struct -l task_struct.tasks task_struct ADDR\n"
	"          struct list_head init_task.tasks 2   struct -p task_struct.parent,mm ADDR\n";

/* An offset as struct -l, list -o/-r and tree take it: a number, or TYPE.member as the byte offset
 * of member in struct (or union) TYPE. 0, or the status after saying why not (cmd: who asks). */
int cli_member_offset(struct cli_context *ctx, const char *cmd, const char *arg, uint64_t *ret)
{
	if (cli_parse_uint(arg, 0, UINT32_MAX, ret))
		return 0;
	const char *dot = strchr(arg, '.');
	if (!dot || dot == arg) {
		fprintf(stderr, "%s: offset '%s' is neither a number nor TYPE.member\n", cmd, arg);
		return 2;
	}
	struct kt_error *err = NULL;
	for (int i = 0; i < 2; i++) {
		char *expr = NULL;
		if (asprintf(&expr, "offsetof(%s %.*s, %s)", i ? "union" : "struct", (int)(dot - arg),
			     arg, dot + 1) < 0)
			return out_of_memory();
		kt_error_destroy(err);
		err = kt_expr_number(ctx->prog, expr, ret);
		free(expr);
		if (!err)
			return 0;
	}
	return cli_report_error_in(cmd, err);
}

/* The objects to print: one address, or each CPU's copy (cpus[i] >= 0: which). */
struct targets {
	uint64_t *addresses;
	int *cpus;      /* -1: no CPU */
	size_t n;
};

static bool add_target(struct targets *t, uint64_t address, int cpu)
{
	uint64_t *a = realloc(t->addresses, (t->n + 1) * sizeof(*a));
	if (a)
		t->addresses = a;
	int *c = a ? realloc(t->cpus, (t->n + 1) * sizeof(*c)) : NULL;
	if (!c)
		return false;
	t->cpus = c;
	t->addresses[t->n] = address;
	t->cpus[t->n++] = cpu;
	return true;
}

/* ADDRESS, SYMBOL[+OFF], or SYMBOL:CPUS (crash's per-CPU suffix: each CPU's copy). 0, or the
 * status after saying why not. */
static int parse_targets(struct cli_context *ctx, const char *arg, struct targets *t)
{
	const char *colon = strrchr(arg, ':');
	if (!colon) {
		uint64_t addr;
		struct kt_error *err = kt_program_parse_address(ctx->prog, arg, &addr);
		if (err)
			return cli_report_error(err);
		return add_target(t, addr, -1) ? 0 : out_of_memory();
	}
	char *name = strndup(arg, (size_t)(colon - arg));
	if (!name)
		return out_of_memory();
	struct kt_value_options opts = {0};
	struct kt_expr_result *r = NULL;
	struct kt_error *err = kt_expr_read(ctx->prog, name, NULL, &opts, &r);
	if (err) {
		free(name);
		return cli_report_error(err);
	}
	int status = 0;
	if (!r->percpu_list) {
		fprintf(stderr, "ktriage: %s: a CPU suffix, but %s is not a per-CPU variable\n", arg, name);
		status = 1;
	}
	free(name);
	bool *want = NULL;
	unsigned int n_cpus = 0;
	for (size_t i = 0; i < r->n_cpus; i++)
		if (r->cpus[i].cpu + 1 > n_cpus)
			n_cpus = r->cpus[i].cpu + 1;
	if (!status && strcmp(colon + 1, "a") && strcmp(colon + 1, "all") &&
	    !cli_parse_cpu_list("struct", colon + 1, n_cpus, &want))
		status = 2;
	for (size_t i = 0; !status && i < r->n_cpus; i++)
		if ((!want || want[r->cpus[i].cpu]) &&
		    !add_target(t, r->cpus[i].address, (int)r->cpus[i].cpu))
			status = out_of_memory();
	free(want);
	kt_expr_result_destroy(r);
	return status;
}

static int struct_or_union(struct cli_context *ctx, int argc, char **argv, const char *keyword)
{
	struct kt_value_options opts = {.json = ctx->json};
	bool offsets = false;
	const char *list_offset = NULL;
	int c;
	optind = 0;
	while ((c = getopt(argc, argv, "oxdpa:l:")) != -1) {
		uint64_t n;
		switch (c) {
		case 'o':
			offsets = true;
			break;
		case 'p':
			opts.deref = true;
			break;
		case 'x':
			opts.hex = true;
			break;
		case 'd':
			opts.hex = false;
			break;
		case 'a':
			if (!cli_parse_uint(optarg, 10, 1000000, &n) || !n)
				goto usage;
			opts.array_max = (unsigned int)n;
			break;
		case 'l':
			list_offset = optarg;
			break;
		default:
			goto usage;
		}
	}
	uint64_t count = 1;
	int rest = argc - optind;
	if (rest < 1 || rest > 3 ||
	    (rest == 3 && !cli_parse_uint(argv[argc - 1], 0, 1000000, &count)) || !count)
		goto usage;
	char *spec = argv[optind];
	char *dot = strchr(spec, '.');
	char *type = NULL;
	if (asprintf(&type, "%s %.*s", keyword, dot ? (int)(dot - spec) : (int)strlen(spec), spec) < 0)
		return out_of_memory();
	const char *members = dot ? dot + 1 : NULL;
	int status = 0;
	struct kt_error *err = NULL;
	if (rest == 1) {
		// The layout: crash's with offsets for -o or a member, else whatis's.
		struct kt_declaration *decl;
		if (list_offset) {
			free(type);
			goto usage;
		}
		if (!offsets && !members) {
			status = whatis(ctx, type, &opts);
			free(type);
			return status;
		}
		if (!(err = kt_declaration_read(ctx->prog, type, &opts, &decl))) {
			char *member = members ? strndup(members, strcspn(members, ".,[")) : NULL;
			kt_offsets_render(stdout, cli_format(ctx), decl, member, NULL);
			free(member);
			kt_declaration_destroy(decl);
		}
		free(type);
		return err ? cli_report_error(err) : 0;
	}
	struct targets t = {0};
	uint64_t back = 0, size = 0;
	status = parse_targets(ctx, argv[optind + 1], &t);
	if (!status && list_offset)
		status = cli_member_offset(ctx, "struct", list_offset, &back);
	if (!status && count > 1) {
		char *expr = NULL;
		if (asprintf(&expr, "sizeof(%s)", type) < 0)
			status = out_of_memory();
		else if ((err = kt_expr_number(ctx->prog, expr, &size)))
			status = cli_report_error(err);
		free(expr);
		err = NULL;
	}
	struct kt_expr_result all = {.every_cpu = true};
	for (size_t i = 0; !err && !status && i < t.n; i++) {
		for (uint64_t k = 0; !err && !status && k < count; k++) {
			uint64_t addr = t.addresses[i] - back + k * size;
			if (offsets) {
				struct kt_declaration *decl;
				if (!(err = kt_declaration_read(ctx->prog, type, &opts, &decl))) {
					if (t.cpus[i] >= 0 && !ctx->json)
						printf("[%d]: %llx\n", t.cpus[i], (unsigned long long)addr);
					kt_offsets_render(stdout, cli_format(ctx), decl, NULL, &addr);
					kt_declaration_destroy(decl);
				}
				continue;
			}
			struct kt_value *value;
			if ((err = kt_value_read(ctx->prog, type, members, addr, &opts, &value)))
				break;
			if (ctx->json) {
				struct kt_value **grown = realloc(all.values, (all.n_values + 1) * sizeof(*grown));
				if (!grown) {
					kt_value_destroy(value);
					status = out_of_memory();
					break;
				}
				all.values = grown;
				all.values[all.n_values++] = value;
				continue;
			}
			if (t.cpus[i] >= 0)
				printf("[%d]: %llx\n", t.cpus[i], (unsigned long long)addr);
			else if (i + k)
				putchar('\n');  // crash's blank line between objects
			kt_value_render(stdout, KT_FORMAT_TEXT, value);
			kt_value_destroy(value);
		}
	}
	if (!err && !status && ctx->json && !offsets) {
		if (all.n_values == 1)
			kt_value_render(stdout, KT_FORMAT_JSON, all.values[0]);
		else
			kt_expr_result_render(stdout, KT_FORMAT_JSON, &all);
	}
	for (size_t i = 0; i < all.n_values; i++)
		kt_value_destroy(all.values[i]);
	free(all.values);
	free(t.addresses);
	free(t.cpus);
	free(type);
	if (err)
		return cli_report_error(err);
	return status;
usage:
	fputs(cli_struct_help, stderr);
	return 2;
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
	"  -x, /x      integers in hexadecimal; /d: in decimal (the default)\n"
	"  -a N        array elements shown before \"... N more\" (default 32)\n"
	"  -t TYPE     the type of a symbol that the kernel's BTF and debug files do not type\n"
	"Variables are typed by the kernel's BTF, by the DWARF of the debug vmlinux or of the\n"
	"module that defines them. Division by zero, shifts past 63 and reads that fail are errors.\n"
	"examples: p (0x348 - 0x210)   p/x sizeof(struct task_struct)   p init_task.pid\n"
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
