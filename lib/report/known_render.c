// SPDX-License-Identifier: MIT
/* A known issue a signature matched (docs/known-issues.md), in the report and the batch. */
#include <stdio.h>

#include "ktriage.h"
#include "report/json.h"
#include "report/render.h"

void kt_known_issue_text(FILE *out, const char *prefix, const struct kt_known_issue *k)
{
	fprintf(out, "%s%s%s%s (%s %s, line %u)\n", prefix, k->bug ? k->bug : "(no bug link)",
		k->note ? ": " : "", k->note ? k->note : "", kt_known_kind_name(k->kind), k->pattern,
		k->line);
}

void kt_known_issue_json(FILE *out, const struct kt_known_issue *k)
{
	if (!k) {
		fputs("null", out);
		return;
	}
	fprintf(out, "{\"kind\": \"%s\", \"pattern\": ", kt_known_kind_name(k->kind));
	kt_json_string(out, k->pattern);
	kt_json_key(out, "bug");
	kt_json_string(out, k->bug);
	kt_json_key(out, "note");
	kt_json_string(out, k->note);
	fprintf(out, ", \"line\": %u}", k->line);
}
