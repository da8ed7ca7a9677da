// SPDX-License-Identifier: MIT
/* report: the triage report (the default command). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"

int cmd_report(struct cli_context *ctx, int argc, char **argv)
{
	struct kt_report_render_options opts = {.color = !ctx->no_color && isatty(STDOUT_FILENO)};
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-a") || !strcmp(argv[i], "--all-frames")) {
			opts.all_frames = true;
		} else {
			fputs("usage: report [-a]\n", stderr);
			return 2;
		}
	}
	struct kt_report *report = NULL;
	struct kt_error *err = kt_report_build(ctx->prog, ctx->dump_path, &report);
	if (!err && ctx->known)
		err = kt_report_match_known(report, ctx->known);
	if (err) {
		kt_report_destroy(report);
		return cli_report_error(err);
	}
	cli_progress_clear();
	kt_report_render(stdout, cli_format(ctx), report, &opts);
	kt_report_destroy(report);
	return 0;
}
