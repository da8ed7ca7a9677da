// SPDX-License-Identifier: MIT
/* Checked number and CPU-list parsing for the commands' arguments. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "numbers.h"

bool cli_parse_uint(const char *s, int base, uint64_t max, uint64_t *ret)
{
	if (base == 16 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	// strtoull would take a sign and leading blanks: a number here is digits alone.
	if (!*s || !(base == 16 ? isxdigit((unsigned char)*s) : isdigit((unsigned char)*s)))
		return false;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, base);
	if (errno || *end || v > max)
		return false;
	*ret = v;
	return true;
}

/* One CPU number of a list, from s up to end (exclusive). */
static bool cpu_number(const char *s, size_t len, uint64_t *ret)
{
	char buf[24];
	if (!len || len >= sizeof(buf))
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return cli_parse_uint(buf, 10, UINT32_MAX, ret);
}

bool cli_parse_cpu_list(const char *cmd, const char *list, unsigned int n_cpus, bool **cpus_ret)
{
	bool *cpus = calloc(n_cpus ? n_cpus : 1, sizeof(*cpus));
	if (!cpus) {
		fprintf(stderr, "ktriage: out of memory\n");
		return false;
	}
	const char *p = list;
	do {
		size_t len = strcspn(p, ",");
		const char *dash = memchr(p, '-', len);
		uint64_t lo, hi;
		bool ok = dash ? cpu_number(p, (size_t)(dash - p), &lo) &&
				 cpu_number(dash + 1, len - (size_t)(dash - p) - 1, &hi) && lo <= hi
			       : cpu_number(p, len, &lo) && (hi = lo, true);
		if (!ok) {
			fprintf(stderr, "%s: '%.*s' in '%s' is not a CPU number or range (as 0,1 or 0-3)\n",
				cmd, (int)len, p, list);
			free(cpus);
			return false;
		}
		if (hi >= n_cpus) {
			fprintf(stderr, "%s: invalid CPU %llu: the dump has %u CPUs (0-%u)\n", cmd,
				(unsigned long long)hi, n_cpus, n_cpus - 1);
			free(cpus);
			return false;
		}
		for (uint64_t c = lo; c <= hi; c++)
			cpus[c] = true;
		p += len;
	} while (*p++ == ',');
	*cpus_ret = cpus;
	return true;
}
