/* SPDX-License-Identifier: MIT */
/* Libraries only a few commands need, opened on their first use. Each library a program links
 * costs every run its loading and relocation before main: libpq alone brings twenty more
 * (Kerberos, LDAP, GnuTLS, OpenSSL), about 12 ms of CPU, which the report and every other
 * command on a dump would pay for the results store of `ktriage batch`. */
#ifndef KT_CORE_DYNLIB_H
#define KT_CORE_DYNLIB_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"

struct kt_dynlib {
	const char *what;		/* "libpq", for errors */
	const char *const *sonames;	/* tried in order, NULL-terminated */
	const char *const *symbols;	/* n names, resolved into slots[i] */
	size_t n;
	pthread_mutex_t lock;
	bool loaded;
};

#define KT_DYNLIB_INIT(what_, sonames_, symbols_) \
	{ .what = (what_), .sonames = (sonames_), .symbols = (symbols_), \
	  .n = sizeof(symbols_) / sizeof((symbols_)[0]), .lock = PTHREAD_MUTEX_INITIALIZER }

/* Opens the library once per program (the first of its sonames that loads) and resolves every
 * symbol into slots (n pointers); safe from any thread. The error names the library and what the
 * dynamic loader said; a failed load is tried again on the next call. */
struct kt_error *kt_dynlib_load(struct kt_dynlib *lib, void **slots);

#endif
