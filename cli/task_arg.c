// SPDX-License-Identifier: MIT
/* The [PID | TASK] argument of files, sig and vm, as crash takes it. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "commands.h"
#include "task_arg.h"

int cli_task_arg(struct cli_context *ctx, const char *cmd, const char *arg, struct kt_task *ret)
{
	enum kt_task_key key = KT_TASK_PANICKING;
	uint64_t value = 0;
	struct kt_error *err;
	if (arg) {
		bool digits = *arg != 0;
		for (const char *s = arg; *s; s++)
			digits &= isdigit((unsigned char)*s) != 0;
		if (digits) {
			// Digits alone are a pid, as in crash; anything else is a task address or symbol.
			errno = 0;
			value = strtoull(arg, NULL, 10);
			if (errno || value > INT32_MAX) {
				fprintf(stderr, "%s: pid '%s' is out of range\n", cmd, arg);
				return 2;
			}
			key = KT_TASK_BY_PID;
		} else {
			key = KT_TASK_BY_ADDRESS;
			if ((err = kt_program_parse_address(ctx->prog, arg, &value)))
				return cli_report_error_in(cmd, err);
		}
	} else if (ctx->context_task) {
		key = KT_TASK_BY_ADDRESS;  // the task `set` chose
		value = ctx->context_task;
	}
	struct kt_task_info info;
	if ((err = kt_task_info_find(ctx->prog, key, value, &info)))
		return cli_report_error_in(cmd, err);
	*ret = info.task;
	return 0;
}
