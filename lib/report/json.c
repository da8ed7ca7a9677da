// SPDX-License-Identifier: MIT
#include <string.h>

#include "ktriage.h"
#include "report/json.h"

/* The length of the valid UTF-8 sequence at s (n bytes left), 0 if the bytes are none: an
 * overlong form, a surrogate, a code point past U+10FFFF or a cut sequence (RFC 3629, 4). */
static size_t utf8_length(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len = c < 0xc2 ? 0 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : c < 0xf5 ? 4 : 0;
	if (!len || n < len)
		return 0;
	for (size_t k = 1; k < len; k++)
		if ((s[k] & 0xc0) != 0x80)
			return 0;
	if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] >= 0xa0) || (c == 0xf0 && s[1] < 0x90) ||
	    (c == 0xf4 && s[1] >= 0x90))
		return 0;
	return len;
}

/*
 * JSON text is UTF-8 (RFC 8259, 8.1), and strings from a dump (task names, log text) are any
 * bytes: a byte that is not part of valid UTF-8 is written as the code point of the same value
 * (\u0080-\u00ff), which strict parsers accept and which still shows what the byte was.
 */
void kt_json_string_n(FILE *out, const char *s, size_t len)
{
	putc('"', out);
	size_t run = 0;  // plain bytes written in one go
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x80) {
			size_t ulen = utf8_length((const unsigned char *)s + i, len - i);
			if (ulen) {
				i += ulen - 1;
				continue;
			}
		} else if (c != '"' && c != '\\' && c >= 0x20) {
			continue;
		}
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
	// Without an error the code is not read.
	kt_json_error_text_members(out, err ? kt_error_message(err) : NULL,
				   err ? kt_error_code(err) : (enum kt_error_code)0);
}

void kt_json_error_text_members(FILE *out, const char *error, enum kt_error_code code)
{
	kt_json_key(out, "error");
	kt_json_string(out, error);
	kt_json_key(out, "error_code");
	if (error)
		fprintf(out, "\"%s\"", kt_error_code_name(code));
	else
		fputs("null", out);
}
