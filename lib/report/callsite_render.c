// SPDX-License-Identifier: MIT
/* Call sites (bt --explain, callsite, dis) as text and as JSON (docs/json.md, "callsite"). */
#include <stdio.h>

#include "ktriage.h"
#include "report/json.h"
#include "report/render.h"

static void print_target(FILE *out, const struct kt_call_site *cs)
{
	fprintf(out, "0x%016llx", (unsigned long long)cs->target);
	if (cs->target_function) {
		fprintf(out, " %s", cs->target_function);
		if (cs->target_offset)
			fprintf(out, "+0x%llx", (unsigned long long)cs->target_offset);
		if (cs->target_module)
			fprintf(out, " [%s]", cs->target_module);
	}
}

void kt_call_site_text(FILE *out, const struct kt_call_site *cs, const char *indent)
{
	if (cs->kind == KT_CALL_NONE) {
		fprintf(out, "%scall site: %s\n", indent, cs->reason);
		return;
	}
	fprintf(out, "%scall site: 0x%016llx <%s>: %s  (%s)\n", indent, (unsigned long long)cs->address,
	       cs->caller ? cs->caller : "?", cs->instruction, kt_call_kind_name(cs->kind));
	if (cs->expression[0])
		fprintf(out, "%s  through: %s\n", indent, cs->expression);
	for (size_t i = 0; i < cs->n_values; i++)
		fprintf(out, "%s    %s = 0x%llx  (%s)\n", indent, cs->values[i].name,
		       (unsigned long long)cs->values[i].value, cs->values[i].source);
	if (cs->has_target) {
		fprintf(out, "%s  target: ", indent);
		print_target(out, cs);
		fprintf(out, "\n");
	}
	fprintf(out, "%s  verdict: %s: %s\n", indent, kt_call_verdict_name(cs->verdict), cs->reason);
}

static void call_site_json(FILE *out, const struct kt_call_site *cs, bool document)
{
	if (document)
		kt_json_document_begin(out);
	fprintf(out, "%s\"return_address\": ", document ? ", " : "{");
	fprintf(out, "\"0x%016llx\", \"address\": ", (unsigned long long)cs->return_address);
	if (cs->kind == KT_CALL_NONE)
		fprintf(out, "null");
	else
		fprintf(out, "\"0x%016llx\"", (unsigned long long)cs->address);
	fprintf(out, ", \"caller\": ");
	kt_json_string(out, cs->caller);
	fprintf(out, ", \"instruction\": ");
	kt_json_string(out, cs->kind == KT_CALL_NONE ? NULL : cs->instruction);
	fprintf(out, ", \"kind\": \"%s\", \"expression\": ", kt_call_kind_name(cs->kind));
	kt_json_string(out, cs->expression[0] ? cs->expression : NULL);
	fprintf(out, ", \"values\": [");
	for (size_t i = 0; i < cs->n_values; i++) {
		fprintf(out, "%s{\"name\": ", i ? ", " : "");
		kt_json_string(out, cs->values[i].name);
		fprintf(out, ", \"value\": \"0x%llx\", \"source\": ", (unsigned long long)cs->values[i].value);
		kt_json_string(out, cs->values[i].source);
		fprintf(out, "}");
	}
	fprintf(out, "], \"target\": ");
	if (cs->has_target) {
		fprintf(out, "{\"address\": \"0x%016llx\", \"symbol\": ", (unsigned long long)cs->target);
		kt_json_string(out, cs->target_function);
		fprintf(out, ", \"offset\": %llu, \"module\": ", (unsigned long long)cs->target_offset);
		kt_json_string(out, cs->target_module);
		fprintf(out, "}");
	} else {
		fprintf(out, "null");
	}
	fprintf(out, ", \"verdict\": \"%s\", \"reason_code\": \"%s\", \"reason\": ",
		kt_call_verdict_name(cs->verdict), kt_call_reason_code_name(cs->reason_code));
	kt_json_string(out, cs->reason);
	fprintf(out, "}");
}

void kt_call_site_json(FILE *out, const struct kt_call_site *cs)
{
	call_site_json(out, cs, false);
}

void kt_call_site_render(FILE *out, enum kt_format format, const struct kt_call_site *cs)
{
	if (format == KT_FORMAT_TEXT) {
		kt_call_site_text(out, cs, "");
		return;
	}
	call_site_json(out, cs, true);
	putc('\n', out);
}
