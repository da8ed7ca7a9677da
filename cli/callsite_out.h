/* SPDX-License-Identifier: MIT */
/* A resolved call site, for people (bt --explain, callsite) and as the JSON of docs/json.md. */
#ifndef KTRIAGE_CLI_CALLSITE_OUT_H
#define KTRIAGE_CLI_CALLSITE_OUT_H

#include "ktriage.h"

/* Lines starting with indent: the instruction, what it went through, values, target, verdict. */
void cli_call_site_text(const struct kt_call_site *cs, const char *indent);
/* One JSON object (no newline). */
void cli_call_site_json(const struct kt_call_site *cs);

#endif
