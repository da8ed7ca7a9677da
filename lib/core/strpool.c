// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/strpool.h"

enum { BLOCK_SIZE = 4096 };

struct kt_strpool_block {
	struct kt_strpool_block *prev;
	size_t used, size;
	char data[];
};

const char *kt_strpool_add(struct kt_strpool *pool, const char *s, size_t len)
{
	struct kt_strpool_block *b = pool->head;
	if (!b || b->size - b->used < len + 1) {
		size_t size = len + 1 > BLOCK_SIZE / 2 ? len + 1 : BLOCK_SIZE - sizeof(*b);
		struct kt_strpool_block *nb = malloc(sizeof(*nb) + size);
		if (!nb)
			return NULL;
		nb->used = 0;
		nb->size = size;
		// A string bigger than half a block gets its own, behind the one being filled.
		if (b && size != BLOCK_SIZE - sizeof(*b)) {
			nb->prev = b->prev;
			b->prev = nb;
		} else {
			nb->prev = b;
			pool->head = nb;
		}
		b = nb;
	}
	char *out = b->data + b->used;
	memcpy(out, s, len);
	out[len] = '\0';
	b->used += len + 1;
	return out;
}

const char *kt_strpool_str(struct kt_strpool *pool, const char *s)
{
	return s ? kt_strpool_add(pool, s, strlen(s)) : NULL;
}

const char *kt_strpool_printf(struct kt_strpool *pool, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	if ((size_t)n < sizeof(buf))
		return kt_strpool_add(pool, buf, (size_t)n);
	char *big = malloc((size_t)n + 1);
	if (!big)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	const char *out = kt_strpool_add(pool, big, (size_t)n);
	free(big);
	return out;
}

void kt_strpool_free(struct kt_strpool *pool)
{
	struct kt_strpool_block *b = pool->head;
	while (b) {
		struct kt_strpool_block *prev = b->prev;
		free(b);
		b = prev;
	}
	pool->head = NULL;
}
