// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

struct kt_error kt_enomem = {
	.code = KT_ERROR_NOMEM,
	.is_static = true,
	.message = "out of memory",
};

static struct kt_error *error_vcreate(enum kt_error_code code, const char *fmt, va_list ap)
{
	struct kt_error *err = calloc(1, sizeof(*err));
	if (!err)
		return &kt_enomem;
	if (vasprintf(&err->message, fmt, ap) < 0) {
		free(err);
		return &kt_enomem;
	}
	err->code = code;
	return err;
}

struct kt_error *kt_error_create(enum kt_error_code code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct kt_error *err = error_vcreate(code, fmt, ap);
	va_end(ap);
	return err;
}

struct kt_error *kt_error_fault(uint64_t addr, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct kt_error *err = error_vcreate(KT_ERROR_FAULT, fmt, ap);
	va_end(ap);
	if (!err->is_static) {
		err->has_address = true;
		err->address = addr;
	}
	return err;
}

struct kt_error *kt_error_prefix(struct kt_error *err, const char *fmt, ...)
{
	if (!err || err->is_static)
		return err;
	char *prefix, *joined;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&prefix, fmt, ap);
	va_end(ap);
	if (n < 0)
		return err;  // keep the original message rather than lose it
	if (asprintf(&joined, "%s: %s", prefix, err->message) >= 0) {
		free(err->message);
		err->message = joined;
	}
	free(prefix);
	return err;
}

bool kt_error_catch(struct kt_error **err, enum kt_error_code code)
{
	if (!*err || (*err)->code != code)
		return false;
	kt_error_destroy(*err);
	*err = NULL;
	return true;
}

bool kt_error_none(struct kt_error *err)
{
	kt_error_destroy(err);
	return err == NULL;
}

enum kt_error_code kt_error_code(const struct kt_error *err)
{
	return err->code;
}

const char *kt_error_message(const struct kt_error *err)
{
	return err->message;
}

const char *kt_error_code_name(enum kt_error_code code)
{
	static const char *const names[] = {
		[KT_ERROR_NOMEM] = "error.nomem",
		[KT_ERROR_OS] = "error.os",
		[KT_ERROR_FAULT] = "error.fault",
		[KT_ERROR_BAD_DATA] = "error.bad_data",
		[KT_ERROR_NOT_FOUND] = "error.not_found",
		[KT_ERROR_LIMIT] = "error.limit",
		[KT_ERROR_UNSUPPORTED] = "error.unsupported",
		[KT_ERROR_INVALID_ARGUMENT] = "error.invalid_argument",
	};
	return (unsigned int)code < sizeof(names) / sizeof(names[0]) ? names[code] : "error.?";
}

bool kt_error_address(const struct kt_error *err, uint64_t *ret)
{
	if (!err->has_address)
		return false;
	*ret = err->address;
	return true;
}

void kt_error_destroy(struct kt_error *err)
{
	if (!err || err->is_static)
		return;
	free(err->message);
	free(err);
}
