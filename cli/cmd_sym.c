// SPDX-License-Identifier: MIT
/* sym: as crash's: the symbol containing an address, a name's address, every symbol (-l), a
 * module's (-m), the names a shell wildcard matches. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"

const char cli_sym_help[] =
	"usage: sym ADDRESS | NAME | PATTERN | -l | -m MODULE [PATTERN]\n"
	"  ADDRESS   the kernel or module symbol containing it, and the offset into it\n"
	"  NAME      the symbol's address (kernel, then modules)\n"
	"  PATTERN   every kernel and module symbol whose name matches a shell wildcard (*, ?,\n"
	"            [...]; quote it in the shell), in address order, each module's named\n"
	"  -l        every symbol: the kernel's, then each module's, in address order\n"
	"  -m MODULE the module's symbols between crash's MODULE START and MODULE END lines\n"
	"Each line is ADDRESS (TYPE) NAME [MODULE], TYPE nm's letter (t text, d data, ...).\n"
	"examples: sym schedule;  sym ffffffffc0a1b2c3;  sym 'kvm_*';  sym -l;  sym -m kvm_intel\n";

int cmd_sym(struct cli_context *ctx, int argc, char **argv)
{
	bool all = false;
	const char *module = NULL;
	int c;
	optind = 0;  // 0: GNU getopt starts over, permutation state included
	while ((c = getopt(argc, argv, "lm:")) != -1) {
		if (c == 'l') {
			all = true;
		} else if (c == 'm') {
			module = optarg;
		} else {
			fputs(cli_sym_help, stderr);
			return 2;
		}
	}
	int n_args = argc - optind;
	if ((all && (module || n_args)) || n_args > 1 || (!all && !module && n_args != 1)) {
		fputs(cli_sym_help, stderr);
		return 2;
	}
	const char *arg = n_args ? argv[optind] : NULL;
	struct kt_error *err;
	if (all || module || strpbrk(arg, "*?[")) {
		struct kt_symbol_list *list;
		if ((err = kt_symbol_list_read(ctx->prog, module, arg, &list)))
			return cli_report_error(err);
		if (!list->n && arg) {
			fprintf(stderr, "sym: no symbol matches '%s'%s%s\n", arg, module ? " in " : "",
				module ? module : "");
			kt_symbol_list_destroy(list);
			return 1;
		}
		kt_symbol_list_render(stdout, cli_format(ctx), list);
		kt_symbol_list_destroy(list);
		return 0;
	}
	struct kt_symbol_lookup sym;
	if ((err = kt_symbol_lookup(ctx->prog, arg, &sym)))
		return cli_report_error(err);
	kt_symbol_render(stdout, cli_format(ctx), &sym);
	return 0;
}
