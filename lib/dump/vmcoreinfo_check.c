// SPDX-License-Identifier: MIT
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "dump/vmcoreinfo_check.h"

enum { X86_PAGE_SIZE = 4096 };

/* The value of line "key=..." in text, or NULL; *val_len is its length. */
static const char *line_value(const char *text, size_t len, const char *key, size_t *val_len)
{
	size_t key_len = strlen(key);
	for (size_t pos = 0; pos < len;) {
		const char *line = text + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t line_len = nl ? (size_t)(nl - line) : len - pos;
		if (line_len > key_len && !memcmp(line, key, key_len) && line[key_len] == '=') {
			*val_len = line_len - key_len - 1;
			return line + key_len + 1;
		}
		pos += line_len + 1;
	}
	return NULL;
}

/* The first line that starts with '.', or NULL; *line_len is its length. */
static const char *dot_line(const char *text, size_t len, size_t *line_len)
{
	for (size_t pos = 0; pos < len;) {
		const char *line = text + pos;
		const char *nl = memchr(line, '\n', len - pos);
		*line_len = nl ? (size_t)(nl - line) : len - pos;
		if (line[0] == '.')
			return line;
		pos += *line_len + 1;
	}
	return NULL;
}

struct kt_error *kt_vmcoreinfo_check(const char *text, size_t len)
{
	size_t val_len, line_len;
	// libkdumpfile 0.5.1 files each line under its key split at '.': a key that starts with
	// one makes an attribute without a name, and setting it dereferences NULL.
	const char *dot = dot_line(text, len, &line_len);
	if (dot)
		return kt_error_create(KT_ERROR_BAD_DATA,
				       "VMCOREINFO is corrupt: a line starts with '.': %.*s",
				       (int)(line_len < 32 ? line_len : 32), dot);
	const char *val = line_value(text, len, "PAGESIZE", &val_len);
	if (!val)
		return NULL;
	char buf[32] = "";
	if (val_len < sizeof(buf))
		memcpy(buf, val, val_len);
	char *end;
	unsigned long page_size = strtoul(buf, &end, 10);
	if (val_len >= sizeof(buf) || end == buf || *end || page_size != X86_PAGE_SIZE)
		return kt_error_create(KT_ERROR_BAD_DATA,
				       "VMCOREINFO is corrupt: PAGESIZE=%.*s (x86_64 pages are %d bytes)",
				       (int)(val_len < 32 ? val_len : 32), val, X86_PAGE_SIZE);
	return NULL;
}
