// SPDX-License-Identifier: MIT
#include <stdio.h>

#include "commands.h"

/* sym ADDR: the symbol containing it; sym NAME: its address. */
int cmd_sym(struct cli_context *ctx, int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: sym ADDRESS|NAME\n");
		return 2;
	}
	struct kt_symbol_lookup sym;
	struct kt_error *err = kt_symbol_lookup(ctx->prog, argv[1], &sym);
	if (err)
		return cli_report_error(err);
	kt_symbol_render(stdout, cli_format(ctx), &sym);
	return 0;
}
