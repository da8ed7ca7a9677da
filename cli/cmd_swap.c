// SPDX-License-Identifier: MIT
/* swap: the swap areas in use, as crash's swap. */
#include <stdio.h>

#include "commands.h"

const char cli_swap_help[] =
	"usage: swap\n"
	"  each swap area in use (swap_info[] up to nr_swapfiles, flags with SWP_USED), as crash's\n"
	"  swap: SWAP_INFO_STRUCT, TYPE (PARTITION for a block device, else FILE), SIZE (pages, in\n"
	"  KiB), USED (inuse_pages), PCT, PRI (prio) and FILENAME (the swap file's path, built as\n"
	"  d_path() builds it). Without swap it says so: nr_swapfiles 0, or no entry in use.\n"
	"examples: swap;  ktriage --json DUMP swap\n";

int cmd_swap(struct cli_context *ctx, int argc, char **argv)
{
	(void)argv;
	if (argc > 1) {
		fputs(cli_swap_help, stderr);
		return 2;
	}
	struct kt_swap *swap;
	struct kt_error *err = kt_swap_read(ctx->prog, &swap);
	if (err)
		return cli_report_error(err);
	kt_swap_render(stdout, cli_format(ctx), swap);
	int status = 0;
	for (size_t i = 0; i < swap->n_areas; i++)
		status |= swap->areas[i].error != NULL;
	kt_swap_destroy(swap);
	return status;
}
