// SPDX-License-Identifier: MIT
#include <stdio.h>

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
	kt_sys_info_render(stdout, cli_format(ctx), &info);
	int status = info.incomplete ? 1 : 0;
	kt_sys_info_deinit(&info);
	return status;
}
