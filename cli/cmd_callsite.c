// SPDX-License-Identifier: MIT
/* callsite: the call that a return address returns from, resolved without a stack. */
#include <getopt.h>
#include <stdio.h>

#include "commands.h"

static const char usage[] =
	"usage: callsite RETURN_ADDRESS [CALLEE]\n"
	"  The call instruction that ends at RETURN_ADDRESS (an address or SYMBOL+OFF), what it\n"
	"  went through (register, memory, retpoline thunk, static call) as a C expression, the\n"
	"  values read from the dump, and the target. Without a stack only globals are known;\n"
	"  `bt --explain` resolves each frame with the registers the unwinder recovered.\n"
	"  CALLEE (a function) is compared with the target for the verdict.\n";

int cmd_callsite(struct cli_context *ctx, int argc, char **argv)
{
	int c;
	optind = 0;  // 0: GNU getopt starts over, permutation state included
	while ((c = getopt(argc, argv, "")) != -1) {
		fputs(usage, stderr);
		return 2;
	}
	if (optind >= argc || argc - optind > 2) {
		fputs(usage, stderr);
		return 2;
	}
	uint64_t ret_addr, callee = 0;
	struct kt_error *err = kt_program_parse_address(ctx->prog, argv[optind], &ret_addr);
	if (!err && argc - optind == 2)
		err = kt_program_parse_address(ctx->prog, argv[optind + 1], &callee);
	struct kt_call_site cs;
	if (!err)
		err = kt_call_site_resolve(ctx->prog, ret_addr, NULL, callee, &cs);
	if (err)
		return cli_report_error(err);
	kt_call_site_render(stdout, cli_format(ctx), &cs);
	kt_call_site_deinit(&cs);
	return 0;
}
