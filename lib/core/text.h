/* SPDX-License-Identifier: MIT */
/*
 * Text built in a fixed buffer without printf, for the strings made once per frame of every task
 * (frame reasons, backtrace lines): parsing printf formats cost more than the unwinding itself.
 * Like snprintf, text that does not fit is cut and the buffer stays NUL-terminated.
 */
#ifndef KT_CORE_TEXT_H
#define KT_CORE_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct kt_text {
	char *buf;
	size_t size, len;  /* size > 0 */
};

static inline struct kt_text kt_text_start(char *buf, size_t size)
{
	buf[0] = '\0';
	return (struct kt_text){buf, size, 0};
}

static inline void kt_text_mem(struct kt_text *t, const char *s, size_t n)
{
	size_t room = t->size - 1 - t->len;
	if (n > room)
		n = room;
	memcpy(t->buf + t->len, s, n);
	t->len += n;
	t->buf[t->len] = '\0';
}

static inline void kt_text_str(struct kt_text *t, const char *s)
{
	kt_text_mem(t, s, strlen(s));
}

/* s (n bytes) with control characters and DEL as \xNN: names and log text read from a dump
 * must not drive the terminal (ESC sequences, CR, BEL). Newlines and tabs stay when keep_lines. */
static inline void kt_text_escaped(struct kt_text *t, const char *s, size_t n, bool keep_lines)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c >= 0x20 && c != 0x7f) || (keep_lines && (c == '\n' || c == '\t'))) {
			kt_text_mem(t, (const char *)&s[i], 1);
			continue;
		}
		char esc[4] = {'\\', 'x', "0123456789abcdef"[c >> 4], "0123456789abcdef"[c & 15]};
		kt_text_mem(t, esc, 4);
	}
}

/* Lower-case hex without 0x: at least width digits, zero-padded (%0*llx). */
static inline void kt_text_hex(struct kt_text *t, uint64_t v, unsigned int width)
{
	char digits[16];
	unsigned int n = 0;
	do {
		digits[15 - n++] = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v && n < 16);
	while (n < width && n < 16)
		digits[15 - n++] = '0';
	kt_text_mem(t, digits + 16 - n, n);
}

/* Decimal (%lld), right-aligned to width with spaces when width > 0, left-aligned when < 0. */
static inline void kt_text_dec(struct kt_text *t, int64_t v, int width)
{
	char digits[24];
	unsigned int n = 0;
	uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;
	do {
		digits[23 - n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		digits[23 - n++] = '-';
	for (int pad = width - (int)n; pad > 0; pad--)
		kt_text_mem(t, " ", 1);
	kt_text_mem(t, digits + 24 - n, n);
	for (int pad = -width - (int)n; pad > 0; pad--)
		kt_text_mem(t, " ", 1);
}

#endif
