// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/strbuf.h"

void kt_strbuf_printf(struct kt_strbuf *sb, const char *fmt, ...)
{
	if (sb->failed)
		return;
	for (;;) {
		size_t room = sb->cap - sb->len;
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(sb->s ? sb->s + sb->len : NULL, room, fmt, ap);
		va_end(ap);
		if (n < 0) {
			sb->failed = true;
			return;
		}
		if ((size_t)n < room) {
			sb->len += (size_t)n;
			return;
		}
		size_t cap = sb->cap ? sb->cap : 256;
		while (cap - sb->len <= (size_t)n)
			cap *= 2;
		char *grown = realloc(sb->s, cap);
		if (!grown) {
			sb->failed = true;
			return;
		}
		sb->s = grown;
		sb->cap = cap;
	}
}

char *kt_strbuf_finish(struct kt_strbuf *sb)
{
	if (sb->failed || !sb->s) {
		free(sb->s);
		sb->s = NULL;
		return sb->failed ? NULL : calloc(1, 1);
	}
	char *s = sb->s;
	sb->s = NULL;
	return s;
}
