// SPDX-License-Identifier: MIT
/* eval: crash's calculator (kt_eval, rendered by lib/report). */
#include <stdio.h>
#include <string.h>

#include "commands.h"

const char cli_eval_help[] =
	"usage: eval [-b] [-l] EXPRESSION\n"
	"  EXPRESSION  a C expression as p takes it (numbers, + - * / % & | ^ << >> ~, parentheses,\n"
	"              symbols, sizeof, offsetof, casts), where a decimal number may end in k, m or g\n"
	"              (1k = 1024, 3m = 3 << 20, 1g = 1 << 30); the words after eval are one expression\n"
	"  -b          also the numbers of the bits set, highest first\n"
	"  -l          accepted for crash's sake: values are 64-bit\n"
	"The value in hexadecimal (with its size when it is a whole number of KB, MB or GB), decimal\n"
	"(and signed, when the top bit is set), octal and binary, as crash's eval.\n"
	"examples: eval 1024;  eval -b 0x178;  eval (0x348 - 0x210);  eval 3m + 5;\n"
	"          eval sizeof(struct task_struct) * 2\n";

int cmd_eval(struct cli_context *ctx, int argc, char **argv)
{
	bool bits = false;
	int i = 1;
	for (; i < argc && argv[i][0] == '-' && argv[i][1] && strspn(argv[i] + 1, "bl") == strlen(argv[i] + 1); i++)
		bits |= strchr(argv[i], 'b') != NULL;
	if (i == argc) {
		fputs(cli_eval_help, stderr);
		return 2;
	}
	char expr[4096];
	size_t len = 0;
	for (; i < argc; i++) {
		int n = snprintf(expr + len, sizeof(expr) - len, "%s%s", len ? " " : "", argv[i]);
		if (n < 0 || (size_t)n >= sizeof(expr) - len) {
			fprintf(stderr, "eval: the expression is longer than %zu bytes\n", sizeof(expr) - 1);
			return 2;
		}
		len += (size_t)n;
	}
	struct kt_eval_result result;
	struct kt_error *err = kt_eval(ctx->prog, expr, &result);
	if (err)
		return cli_report_error_in("eval", err);
	kt_eval_render(stdout, cli_format(ctx), &result, bits);
	return 0;
}
