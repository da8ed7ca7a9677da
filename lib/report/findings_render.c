// SPDX-License-Identifier: MIT
/* findings: each conclusion with its facts and the commands that show them. */
#include <inttypes.h>

#include "ktriage.h"
#include "report/json.h"
#include "report/render.h"

void kt_finding_json(FILE *out, const struct kt_finding *f)
{
	fputs("{\"code\": ", out);
	kt_json_string(out, f->code);
	kt_json_key(out, "title");
	kt_json_string(out, f->title);
	fprintf(out, ", \"severity\": \"%s\"", kt_severity_name(f->severity));
	fprintf(out, ", \"cpu\": %d, \"vcpu\": ", f->cpu);
	kt_json_address_or_null(out, f->vcpu);
	kt_json_key(out, "task");
	kt_json_address_or_null(out, f->task);
	fprintf(out, ", \"abort\": %u", f->abort);
	kt_json_key(out, "summary");
	kt_json_string(out, f->summary);
	fputs(", \"facts\": [", out);
	for (size_t i = 0; i < f->n_facts; i++) {
		fputs(i ? ",\n    {\"key\": " : "\n    {\"key\": ", out);
		kt_json_string(out, f->facts[i].key);
		kt_json_key(out, "value");
		kt_json_string(out, f->facts[i].value);
		putc('}', out);
	}
	fputs("], \"commands\": [", out);
	for (size_t i = 0; i < f->n_commands; i++) {
		fputs(i ? ", " : "", out);
		kt_json_string(out, f->commands[i]);
	}
	fputs("], \"signature\": ", out);
	if (f->signature[0]) {
		kt_json_string(out, f->signature);
		fputs(", \"signature_corrupted\": ", out);
		kt_json_bool(out, f->signature_corrupted);
	} else {
		fputs("null, \"signature_corrupted\": false", out);
	}
	fputs(", \"signature_frames\": [", out);
	for (size_t i = 0; i < f->n_signature_frames; i++) {
		fputs(i ? ", " : "", out);
		kt_json_string(out, f->signature_frames[i]);
	}
	fputs("]}", out);
}

void kt_findings_render(FILE *out, enum kt_format format, const struct kt_finding *findings, size_t n)
{
	if (format == KT_FORMAT_JSON) {
		kt_json_document_begin(out);
		fputs(", \"findings\": [", out);
		for (size_t i = 0; i < n; i++) {
			fputs(i ? ",\n  " : "\n  ", out);
			kt_finding_json(out, &findings[i]);
		}
		fputs("]}\n", out);
		return;
	}
	if (!n)
		fputs("no finding\n", out);
	for (size_t i = 0; i < n; i++) {
		const struct kt_finding *f = &findings[i];
		fprintf(out, "%s[%s] %s: %s\n  %s\n", i ? "\n" : "", f->code, kt_severity_name(f->severity),
			f->title, f->summary);
		if (f->signature[0])
			fprintf(out, "  %-22s %s\n", "signature", f->signature);
		for (size_t k = 0; k < f->n_facts; k++)
			fprintf(out, "  %-22s %s\n", f->facts[k].key, f->facts[k].value);
		fputs("  shown by:\n", out);
		for (size_t k = 0; k < f->n_commands; k++)
			fprintf(out, "    %s\n", f->commands[k]);
	}
}
