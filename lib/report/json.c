// SPDX-License-Identifier: MIT
#include <string.h>

#include "ktriage.h"
#include "report/json.h"

void kt_json_string_n(FILE *out, const char *s, size_t len)
{
	putc('"', out);
	size_t run = 0;  // plain bytes written in one go
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c != '"' && c != '\\' && c >= 0x20)
			continue;
		fwrite(s + run, 1, i - run, out);
		run = i + 1;
		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else
			fprintf(out, "\\u%04x", c);
	}
	fwrite(s + run, 1, len - run, out);
	putc('"', out);
}

void kt_json_string(FILE *out, const char *s)
{
	if (s)
		kt_json_string_n(out, s, strlen(s));
	else
		fputs("null", out);
}

void kt_json_address(FILE *out, uint64_t v)
{
	fprintf(out, "\"0x%016llx\"", (unsigned long long)v);
}

void kt_json_address_or_null(FILE *out, uint64_t v)
{
	if (v)
		kt_json_address(out, v);
	else
		fputs("null", out);
}

void kt_json_bool(FILE *out, bool v)
{
	fputs(v ? "true" : "false", out);
}

void kt_json_key(FILE *out, const char *key)
{
	fprintf(out, ", \"%s\": ", key);
}

void kt_json_document_begin(FILE *out)
{
	fputs("{\"schema\": \"" KT_JSON_SCHEMA "\"", out);
}

void kt_json_error_members(FILE *out, const struct kt_error *err)
{
	kt_json_key(out, "error");
	kt_json_string(out, err ? kt_error_message(err) : NULL);
	kt_json_key(out, "error_code");
	if (err)
		fprintf(out, "\"%s\"", kt_error_code_name(kt_error_code(err)));
	else
		fputs("null", out);
}
