// SPDX-License-Identifier: MIT
/* percpu: where a per-CPU variable lives on each CPU, and optionally its first 8 bytes there. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"

static int usage(void)
{
	fprintf(stderr, "usage: percpu [-x|--value] SYMBOL[+OFFSET]|OFFSET [CPU]\n"
			"  -x, --value  also the first 8 bytes of each CPU's copy, as a word\n");
	return 2;
}

static void print_slot(struct kt_program *prog, const struct kt_percpu_slot *s, bool json,
		       bool value, bool first, bool *failed)
{
	uint64_t v;
	struct kt_error *err = value ? kt_program_read(prog, s->address, KT_KVADDR, &v, 8) : NULL;
	if (err)
		*failed = true;
	if (json) {
		printf("%s\n  {\"cpu\": %u, \"online\": %s, \"address\": \"0x%016llx\"",
		       first ? "" : ",", s->cpu, s->online ? "true" : "false", (unsigned long long)s->address);
		if (value && !err)
			printf(", \"value\": \"0x%016llx\", \"error\": null", (unsigned long long)v);
		if (value && err) {
			printf(", \"value\": null, \"error\": ");
			cli_json_string(kt_error_message(err));
		}
		printf("}");
	} else {
		printf("  [%u]: %016llx", s->cpu, (unsigned long long)s->address);
		if (value && !err)
			printf(":  %016llx", (unsigned long long)v);
		else if (value)
			printf(":  <unreadable: %s>", kt_error_message(err));
		printf("%s\n", s->online ? "" : "  (offline)");
	}
	kt_error_destroy(err);
}

int cmd_percpu(struct cli_context *ctx, int argc, char **argv)
{
	static const struct option options[] = {
		{"value", no_argument, NULL, 'x'},
		{0},
	};
	bool value = false;
	int c;
	optind = 0;  // 0: GNU getopt starts over, permutation state included
	while ((c = getopt_long(argc, argv, "x", options, NULL)) != -1) {
		if (c != 'x')
			return usage();
		value = true;
	}
	if (argc - optind < 1 || argc - optind > 2)
		return usage();
	const char *expr = argv[optind];
	long cpu = -1;
	if (argc - optind == 2) {
		char *end;
		errno = 0;
		cpu = strtol(argv[optind + 1], &end, 10);
		if (errno || *end || cpu < 0 || !isdigit((unsigned char)argv[optind + 1][0])) {
			fprintf(stderr, "percpu: CPU '%s' is not a CPU number\n", argv[optind + 1]);
			return 2;
		}
	}
	uint64_t offset;
	struct kt_percpu_slot *slots;
	size_t n;
	struct kt_error *err = kt_program_parse_address(ctx->prog, expr, &offset);
	if (err || (err = kt_percpu_addresses(ctx->prog, offset, &slots, &n)))
		return cli_report_error(err);
	bool found = cpu < 0, first = true, failed = false;
	for (size_t i = 0; i < n; i++)
		found |= slots[i].cpu == (unsigned long)cpu;
	if (!found) {
		kt_percpu_slots_destroy(slots, n);
		fprintf(stderr, "ktriage: CPU %ld is not a possible CPU\n", cpu);
		return 1;
	}
	if (ctx->json) {
		printf("{\"expression\": ");
		cli_json_string(expr);
		printf(", \"offset\": \"0x%llx\", \"cpus\": [", (unsigned long long)offset);
	} else {
		printf("%s: per-CPU offset 0x%llx\n", expr, (unsigned long long)offset);
	}
	for (size_t i = 0; i < n; i++) {
		if (cpu >= 0 && slots[i].cpu != (unsigned long)cpu)
			continue;
		print_slot(ctx->prog, &slots[i], ctx->json, value, first, &failed);
		first = false;
	}
	if (ctx->json)
		printf("\n]}\n");
	kt_percpu_slots_destroy(slots, n);
	return failed ? 1 : 0;
}
