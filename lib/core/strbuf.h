/* SPDX-License-Identifier: MIT */
/* A growing string (renderers, type names, messages); on allocation failure it stays failed and yields NULL. */
#ifndef KT_CORE_STRBUF_H
#define KT_CORE_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

struct kt_strbuf {
	char *s;
	size_t len, cap;
	bool failed;
};

void kt_strbuf_printf(struct kt_strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Returns the string (caller frees) or NULL if any append failed. */
char *kt_strbuf_finish(struct kt_strbuf *sb);

#endif
