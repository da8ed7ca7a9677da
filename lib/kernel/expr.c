// SPDX-License-Identifier: MIT
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/util.h"
#include "kernel/expr.h"
#include "program.h"

/* Longer than any kernel symbol (KSYM_NAME_LEN is 512 since v6.1). */
enum { EXPR_MAX = 1024 };

static bool parse_base(const char *s, int base, uint64_t *ret)
{
	if (!*s)
		return false;
	// strtoull alone would also take spaces, signs and a second "0x".
	for (const char *c = s; *c; c++)
		if (!(base == 16 ? isxdigit((unsigned char)*c) : isdigit((unsigned char)*c)))
			return false;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, base);
	if (errno || *end)
		return false;
	*ret = v;
	return true;
}

bool kt_parse_number(const char *s, uint64_t *ret)
{
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		return parse_base(s + 2, 16, ret);
	return parse_base(s, 10, ret);
}

/*
 * The leading term: a number with 0x, a symbol, or bare hex digits. A name made only of hex
 * digits ("add", "fee") is a symbol if the kernel has one, as in crash; otherwise an address.
 */
static struct kt_error *parse_term(struct kt_program *prog, const char *term, uint64_t *ret)
{
	if (term[0] == '0' && (term[1] == 'x' || term[1] == 'X')) {
		if (parse_base(term + 2, 16, ret))
			return NULL;
		return kt_error_create(KT_ERROR_INVALID_ARGUMENT, "'%s' is not a hexadecimal address",
				       term);
	}
	uint64_t hex;
	bool is_hex = parse_base(term, 16, &hex);
	struct kt_error *err = kt_program_symbol_address(prog, term, ret);
	if (!err || !is_hex)
		return err;
	if (!kt_error_catch(&err, KT_ERROR_NOT_FOUND))
		return err;
	*ret = hex;
	return NULL;
}

struct kt_error *kt_program_parse_address(struct kt_program *prog, const char *expr,
					  uint64_t *ret)
{
	size_t len = strlen(expr);
	if (!len || len >= EXPR_MAX)
		return kt_error_create(KT_ERROR_INVALID_ARGUMENT, "bad address expression '%.64s'",
				       expr);
	_cleanup_free_ char *copy = strdup(expr);
	if (!copy)
		return &kt_enomem;
	// The term ends at the first + or -: symbol names have neither.
	char *op = copy + strcspn(copy, "+-");
	char next = *op;
	*op = '\0';
	if (!*copy)
		return kt_error_create(KT_ERROR_INVALID_ARGUMENT,
				       "address '%s' does not start with a symbol or a number", expr);
	uint64_t addr;
	struct kt_error *err = parse_term(prog, copy, &addr);
	if (err)
		return next ? kt_error_prefix(err, "address '%s'", expr) : err;
	while (next) {
		char sign = next;
		char *num = op + 1;
		op = num + strcspn(num, "+-");
		next = *op;
		*op = '\0';
		uint64_t off;
		if (!kt_parse_number(num, &off))
			return kt_error_create(KT_ERROR_INVALID_ARGUMENT,
					       "address '%s': '%s' after '%c' is not a number "
					       "(decimal, or hexadecimal with 0x)", expr, num, sign);
		uint64_t sum = sign == '+' ? addr + off : addr - off;
		if (sign == '+' ? sum < addr : sum > addr)
			return kt_error_create(KT_ERROR_INVALID_ARGUMENT,
					       "address '%s' overflows 64 bits", expr);
		addr = sum;
	}
	*ret = addr;
	return NULL;
}
