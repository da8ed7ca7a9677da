/* SPDX-License-Identifier: MIT */
/*
 * The strings of a struct kt_call_site: one block per site, written in place while the site is
 * resolved (instruction, expression, values, reason), which the public struct points into. The
 * site owns it: kt_call_site_deinit(), kt_call_sites_destroy().
 */
#ifndef KT_CALLSITE_SITE_TEXT_H
#define KT_CALLSITE_SITE_TEXT_H

#include "ktriage.h"

struct kt_call_site_text {
	char instruction[160];
	char expression[256];
	char reason[320];
	struct {
		char name[160];
		char source[160];
	} values[KT_CALL_MAX_VALUES];
};

/* Zeroes *site and gives it an empty text block. */
struct kt_error *kt_call_site_init(struct kt_call_site *site);

#endif
