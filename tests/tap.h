/* SPDX-License-Identifier: MIT */
/* A minimal TAP producer for the C test drivers, and helpers to find the lab's dumps. */
#ifndef KT_TESTS_TAP_H
#define KT_TESTS_TAP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int tap_n, tap_failed;

__attribute__((format(printf, 2, 3))) static bool tap_ok(bool cond, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	printf("%s %d - ", cond ? "ok" : "not ok", ++tap_n);
	vprintf(fmt, ap);
	putchar('\n');
	va_end(ap);
	if (!cond)
		tap_failed++;
	fflush(stdout);
	return cond;
}

#define tap_diag(...) (printf("#   "), printf(__VA_ARGS__), putchar('\n'))

static int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

/* The path of FILE in lab scenario NAME, or NULL (and a failed test saying why). */
__attribute__((unused)) static char *tap_lab_file(const char *scenario, const char *file)
{
	const char *root = getenv("KTRIAGE_LAB");
	if (!root) {
		tap_ok(false, "KTRIAGE_LAB is set (run through tests/run.sh)");
		return NULL;
	}
	char *path;
	if (asprintf(&path, "%s/%s/%s", root, scenario, file) < 0)
		abort();
	if (access(path, R_OK)) {
		tap_ok(false, "lab dump %s/%s exists", scenario, file);
		tap_diag("missing %s: lab/run.sh %s did not produce it", path, scenario);
		free(path);
		return NULL;
	}
	return path;
}

#endif
