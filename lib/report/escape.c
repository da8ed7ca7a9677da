// SPDX-License-Identifier: MIT
/* Strings from the dump in text output: escaped, so that they cannot drive the terminal. */
#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "report/render.h"

const char *kt_comm_text(const char *comm, char *buf)
{
	struct kt_text t = kt_text_start(buf, KT_COMM_TEXT_SIZE);
	kt_text_escaped(&t, comm, strnlen(comm, 16), false);
	return buf;
}

char *kt_escaped_dup(const char *s)
{
	if (!s)
		return NULL;
	size_t n = strlen(s), size = 4 * n + 1;
	char *buf = malloc(size);
	if (!buf)
		return NULL;
	struct kt_text t = kt_text_start(buf, size);
	kt_text_escaped(&t, s, n, true);
	return buf;
}

void kt_write_escaped(FILE *out, const char *s, size_t n)
{
	char buf[1024];
	while (n) {
		// Each input byte takes at most 4 output bytes.
		size_t chunk = n < (sizeof(buf) - 1) / 4 ? n : (sizeof(buf) - 1) / 4;
		struct kt_text t = kt_text_start(buf, sizeof(buf));
		kt_text_escaped(&t, s, chunk, true);
		fwrite(buf, 1, t.len, out);
		s += chunk;
		n -= chunk;
	}
}
