// SPDX-License-Identifier: MIT
/* task: one task_struct summarised, as crash's `task` header and `ps` fields. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "commands.h"
#include "numbers.h"

static int usage(void)
{
	fprintf(stderr, "usage: task [PID | TASK-ADDRESS | -c CPU]\n"
			"  without an argument: the task current on the CPU that panicked\n");
	return 2;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

int cmd_task(struct cli_context *ctx, int argc, char **argv)
{
	enum kt_task_key key = KT_TASK_PANICKING;
	uint64_t value = 0;
	struct kt_error *err;
	int c;
	optind = 0;  // 0: GNU getopt starts over, permutation state included
	while ((c = getopt(argc, argv, "c:")) != -1) {
		if (c != 'c')
			return usage();
		if (!cli_parse_uint(optarg, 10, UINT32_MAX, &value)) {
			fprintf(stderr, "task: CPU '%s' is not a CPU number\n", optarg);
			return 2;
		}
		key = KT_TASK_ACTIVE_ON_CPU;
	}
	if (argc - optind > 1 || (argc - optind == 1 && key == KT_TASK_ACTIVE_ON_CPU))
		return usage();
	if (argc - optind == 1) {
		const char *arg = argv[optind];
		errno = 0;
		// Digits alone are a pid, as in crash; anything else is a task address or symbol.
		if (all_digits(arg)) {
			key = KT_TASK_BY_PID;
			value = strtoull(arg, NULL, 10);
			if (errno || value > INT32_MAX) {
				fprintf(stderr, "task: pid '%s' is out of range\n", arg);
				return 2;
			}
		} else {
			key = KT_TASK_BY_ADDRESS;
			if ((err = kt_program_parse_address(ctx->prog, arg, &value)))
				return cli_report_error(err);
		}
	}
	if (key == KT_TASK_PANICKING && ctx->context_task) {
		key = KT_TASK_BY_ADDRESS;  // the task `set` chose
		value = ctx->context_task;
	}
	struct kt_task_info info;
	if ((err = kt_task_info_find(ctx->prog, key, value, &info)))
		return cli_report_error(err);
	kt_task_info_render(stdout, cli_format(ctx), &info);
	return 0;
}
