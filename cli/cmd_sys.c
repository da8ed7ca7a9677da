// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <stdlib.h>

#include "commands.h"

int cmd_sys(struct cli_context *ctx, int argc, char **argv)
{
	(void)argv;
	if (argc > 1) {
		fprintf(stderr, "usage: sys\n");
		return 2;
	}
	struct kt_sys_info info;
	struct kt_error *err = kt_sys_info_init(ctx->prog, &info);
	if (err)
		return cli_report_error(err);
	char *out = ctx->json ? kt_sys_info_to_json(&info) : kt_sys_info_to_text(&info);
	kt_sys_info_deinit(&info);
	if (!out) {
		fprintf(stderr, "ktriage: out of memory\n");
		return 1;
	}
	fputs(out, stdout);
	if (ctx->json)
		putchar('\n');
	free(out);
	return 0;
}
