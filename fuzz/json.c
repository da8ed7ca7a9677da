// SPDX-License-Identifier: MIT
/*
 * Arbitrary strings (a task's comm, a log line, a symbol name from a dump) through the JSON
 * writer (report/json.c): the document must parse as strict JSON with valid UTF-8 (json-c), and
 * a string that was valid UTF-8 must read back as it was. Then the terminal escaping of
 * report/escape.c: no control byte may come out.
 */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "report/json.h"
#include "report/render.h"

static bool valid_utf8(const uint8_t *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		uint8_t c = s[i];
		size_t len = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3
			     : (c & 0xf8) == 0xf0 ? 4 : 0;
		if (!len || n - i < len)
			return false;
		uint32_t cp = len == 1 ? c : c & (0x7f >> len);
		for (size_t k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		static const uint32_t least[] = {0, 0, 0x80, 0x800, 0x10000};
		if (cp < least[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += len;
	}
	return true;
}

static void no_control(const char *s)
{
	for (; *s; s++)
		if (((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t') || *s == 0x7f)
			__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *doc = NULL;
	size_t doc_len = 0;
	FILE *out = open_memstream(&doc, &doc_len);
	if (!out)
		return 0;
	kt_json_document_begin(out);
	kt_json_key(out, "value");
	kt_json_string_n(out, (const char *)data, size);
	fputc('}', out);
	fclose(out);

	struct json_tokener *tok = json_tokener_new();
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	struct json_object *obj = json_tokener_parse_ex(tok, doc, (int)doc_len);
	if (!obj || json_tokener_get_error(tok) != json_tokener_success)
		__builtin_trap();  // the writer made a document that is not JSON
	struct json_object *value;
	if (!json_object_object_get_ex(obj, "value", &value))
		__builtin_trap();
	if (valid_utf8(data, size) &&
	    ((size_t)json_object_get_string_len(value) != size ||
	     memcmp(json_object_get_string(value), data, size)))
		__builtin_trap();  // a valid string did not read back as written
	json_object_put(obj);
	json_tokener_free(tok);
	free(doc);

	// The terminal escaping of text output, on the bytes up to the first NUL.
	char *s = strndup((const char *)data, size);
	if (s) {
		char comm[KT_COMM_TEXT_SIZE];
		no_control(kt_comm_text(s, comm));
		char *escaped = kt_escaped_dup(s);
		if (escaped)
			no_control(escaped);
		free(escaped);
		free(s);
	}
	return 0;
}
