// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "commands.h"

/* sym ADDR: the symbol containing it; sym NAME: its address. */
int cmd_sym(struct cli_context *ctx, int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: sym ADDRESS|NAME\n");
		return 2;
	}
	char *end;
	errno = 0;
	unsigned long long addr = strtoull(argv[1], &end, 16);
	bool is_address = !errno && !*end && end != argv[1];
	struct kt_error *err;
	if (!is_address) {
		uint64_t a;
		if ((err = kt_program_symbol_address(ctx->prog, argv[1], &a)))
			return cli_report_error(err);
		addr = a;
	}
	const char *name, *module;
	uint64_t off;
	if ((err = kt_program_symbolize(ctx->prog, addr, &name, &off, &module)))
		return cli_report_error(err);
	if (ctx->json) {
		printf("{\"address\": \"0x%016llx\", \"symbol\": ", addr);
		cli_json_string(name);
		printf(", \"offset\": %llu, \"module\": ", (unsigned long long)off);
		cli_json_string(module);
		printf("}\n");
	} else if (off)
		printf("%016llx (%s+%llu)%s%s%s\n", addr, name, (unsigned long long)off,
		       module ? " [" : "", module ? module : "", module ? "]" : "");
	else
		printf("%016llx %s%s%s%s\n", addr, name, module ? " [" : "", module ? module : "",
		       module ? "]" : "");
	return 0;
}
