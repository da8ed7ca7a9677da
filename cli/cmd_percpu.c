// SPDX-License-Identifier: MIT
/* percpu: where a per-CPU variable lives on each CPU, and optionally its first 8 bytes there. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "commands.h"

static int usage(void)
{
	fprintf(stderr, "usage: percpu [-x|--value] SYMBOL[+OFFSET]|OFFSET [CPU]\n"
			"  -x, --value  also the first 8 bytes of each CPU's copy, as a word\n");
	return 2;
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
	struct kt_percpu_values *pv;
	struct kt_error *err = kt_percpu_values_read(ctx->prog, expr, (int)cpu, value, &pv);
	if (err)
		return cli_report_error(err);
	kt_percpu_values_render(stdout, cli_format(ctx), pv);
	bool failed = false;
	for (size_t i = 0; i < pv->n_cpus; i++)
		failed |= pv->cpus[i].error != NULL;
	kt_percpu_values_destroy(pv);
	return failed ? 1 : 0;
}
