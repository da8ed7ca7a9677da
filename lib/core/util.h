/* SPDX-License-Identifier: MIT */
/* Small helpers shared by every stage. */
#ifndef KT_CORE_UTIL_H
#define KT_CORE_UTIL_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

#define KT_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Reads len bytes at off, through short reads and EINTR: the bytes read (fewer when the file
 * ends first), or -1 with errno set. */
static inline ssize_t kt_pread_full(int fd, uint64_t off, void *buf, size_t len)
{
	size_t done = 0;
	while (done < len) {
		ssize_t n = pread(fd, (char *)buf + done, len - done, (off_t)(off + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		done += (size_t)n;
	}
	return (ssize_t)done;
}

static inline void kt_freep(void *p)
{
	free(*(void **)p);
}

/* Frees the pointer when it goes out of scope (GCC/Clang cleanup attribute). */
#define _cleanup_free_ __attribute__((cleanup(kt_freep)))

/* Hands a cleanup-managed pointer out of its scope. */
#define kt_steal_ptr(p)                   \
	({                                \
		__typeof__(p) _stolen = (p); \
		(p) = NULL;               \
		_stolen;                  \
	})

/* FNV-1a over a NUL-terminated string: for the symbol and type name tables. */
/* Makes room for one more element in an array of *cap elements of size elem holding n: doubles
 * it (first elements the first time). False, array unchanged, when memory runs out. */
static inline bool kt_grow(void **items, size_t *cap, size_t n, size_t elem, size_t first)
{
	if (n < *cap)
		return true;
	size_t want = *cap ? 2 * *cap : first;
	void *grown = realloc(*items, want * elem);
	if (!grown)
		return false;
	*items = grown;
	*cap = want;
	return true;
}

static inline uint64_t kt_hash_string(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

/* Fibonacci hashing of an address: the high bits of the product spread neighbouring keys. */
static inline uint64_t kt_hash_u64(uint64_t v)
{
	return v * 0x9e3779b97f4a7c15ull;
}

/* snprintf for text that may be cut on purpose (names, expressions, evidence in fixed fields):
 * through vsnprintf, so that -Wformat-truncation does not flag each such call. */
__attribute__((format(printf, 3, 4)))
static inline void kt_textf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, size, fmt, ap);
	va_end(ap);
}

#endif
