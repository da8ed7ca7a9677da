/* SPDX-License-Identifier: MIT */
/* Error construction inside libktriage (the public accessors are in ktriage.h). */
#ifndef KT_CORE_ERROR_H
#define KT_CORE_ERROR_H

#include "ktriage.h"

struct kt_error {
	enum kt_error_code code;
	bool is_static;      /* never freed: kt_enomem */
	bool has_address;
	uint64_t address;
	char *message;
};

/* Out of memory: static, so that reporting it cannot fail. */
extern struct kt_error kt_enomem;

struct kt_error *kt_error_create(enum kt_error_code code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* A fault at addr; the message says why it could not be read. */
struct kt_error *kt_error_fault(uint64_t addr, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Prefixes err's message with context ("reading prb: ..."); returns err. */
struct kt_error *kt_error_prefix(struct kt_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* If err has code, frees it and returns true: for callers that expect that failure. */
bool kt_error_catch(struct kt_error **err, enum kt_error_code code);
/* Frees err and says whether there was none: for probes whose failure only means "no" (does
 * the kernel's type have this member, can this be read). */
bool kt_error_none(struct kt_error *err);

#endif
