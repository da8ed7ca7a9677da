// SPDX-License-Identifier: MIT
/*
 * eval: crash's calculator. An expression as p takes it (kt_expr_number: C arithmetic, symbols,
 * sizeof, offsetof, ...), where a decimal number may carry crash's size suffix (k, m, g: 1g is
 * 1 << 30), as one 64-bit value in every base.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/strbuf.h"
#include "program.h"

/* expr with each "3m" written "(3*0x100000)": a suffix right after a decimal number that is
 * not part of a name or a hexadecimal number (0x3m is left for the parser to refuse). */
static char *expand_units(const char *expr)
{
	struct kt_strbuf sb = {0};
	for (const char *p = expr; *p;) {
		bool starts_number = isdigit((unsigned char)*p) &&
				     (p == expr || !(isalnum((unsigned char)p[-1]) || p[-1] == '_'));
		if (!starts_number || (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))) {
			kt_strbuf_printf(&sb, "%c", *p++);
			continue;
		}
		size_t n = strspn(p, "0123456789");
		char unit = (char)tolower((unsigned char)p[n]);
		bool alone = !(isalnum((unsigned char)p[n + 1]) || p[n + 1] == '_');
		int shift = unit == 'k' ? 10 : unit == 'm' ? 20 : unit == 'g' ? 30 : 0;
		if (shift && alone) {
			kt_strbuf_printf(&sb, "(%.*s*0x%llx)", (int)n, p, 1ull << shift);
			p += n + 1;
		} else {
			kt_strbuf_printf(&sb, "%.*s", (int)n, p);
			p += n;
		}
	}
	return kt_strbuf_finish(&sb);
}

struct kt_error *kt_eval(struct kt_program *prog, const char *expr, struct kt_eval_result *ret)
{
	char *expanded = expand_units(expr);
	if (!expanded)
		return &kt_enomem;
	uint64_t value;
	struct kt_error *err = kt_expr_number(prog, expanded, &value);
	free(expanded);
	if (err)
		return err;
	*ret = (struct kt_eval_result){.value = value};
	return NULL;
}
