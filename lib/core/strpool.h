/* SPDX-License-Identifier: MIT */
/*
 * Strings owned by a result (a backtrace's reasons and note, a call site's texts): copied into
 * blocks that never move, so that pointers to them stay valid until the pool is freed with the
 * result. One allocation per few dozen strings: cheap enough for every frame of every task.
 */
#ifndef KT_CORE_STRPOOL_H
#define KT_CORE_STRPOOL_H

#include <stddef.h>

struct kt_strpool_block;

struct kt_strpool {
	struct kt_strpool_block *head;  /* the block being filled; each links to the one before */
};

/* A NUL-terminated copy of s[0, len), or NULL when out of memory. */
const char *kt_strpool_add(struct kt_strpool *pool, const char *s, size_t len);
/* The same for a NUL-terminated string; NULL for NULL. */
const char *kt_strpool_str(struct kt_strpool *pool, const char *s);
__attribute__((format(printf, 2, 3)))
const char *kt_strpool_printf(struct kt_strpool *pool, const char *fmt, ...);
void kt_strpool_free(struct kt_strpool *pool);

#endif
