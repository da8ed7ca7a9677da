// SPDX-License-Identifier: MIT
#include <stdlib.h>
#include <string.h>

#include "callsite/site_text.h"
#include "core/error.h"

struct kt_error *kt_call_site_init(struct kt_call_site *site)
{
	memset(site, 0, sizeof(*site));
	struct kt_call_site_text *t = calloc(1, sizeof(*t));
	if (!t)
		return &kt_enomem;
	site->text = t;
	site->instruction = t->instruction;
	site->expression = t->expression;
	site->reason = t->reason;
	for (size_t i = 0; i < KT_CALL_MAX_VALUES; i++) {
		site->values[i].name = t->values[i].name;
		site->values[i].source = t->values[i].source;
	}
	return NULL;
}

void kt_call_site_deinit(struct kt_call_site *site)
{
	if (!site)
		return;
	free(site->text);
	site->text = NULL;
}

void kt_call_sites_destroy(struct kt_call_site *sites, size_t n)
{
	for (size_t i = 0; sites && i < n; i++)
		kt_call_site_deinit(&sites[i]);
	free(sites);
}
