// SPDX-License-Identifier: MIT
#include <stdio.h>

#include "commands.h"

int cmd_mod(struct cli_context *ctx, int argc, char **argv)
{
	(void)argv;
	if (argc > 1) {
		fprintf(stderr, "usage: mod\n");
		return 2;
	}
	const struct kt_module_info *mods;
	size_t n;
	struct kt_error *err = kt_module_list(ctx->prog, &mods, &n);
	if (err)
		return cli_report_error(err);
	struct kt_list_writer list;
	kt_list_begin(&list, stdout, cli_format(ctx), KT_LIST_MODULES);
	for (size_t i = 0; i < n; i++)
		kt_module_render(&list, &mods[i]);
	kt_list_end(&list);
	return 0;
}
