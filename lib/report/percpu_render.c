// SPDX-License-Identifier: MIT
/* A per-CPU variable's address on each CPU (percpu), as text and as JSON (docs/json.md). */
#include "ktriage.h"
#include "report/json.h"
#include "report/render.h"

static void cpu_text(FILE *out, const struct kt_percpu_values *pv, const struct kt_percpu_value *v)
{
	fprintf(out, "  [%u]: %016llx", v->slot.cpu, (unsigned long long)v->slot.address);
	if (v->has_value)
		fprintf(out, ":  %016llx", (unsigned long long)v->value);
	else if (pv->values)
		fprintf(out, ":  <unreadable: %s>", v->error);
	fprintf(out, "%s\n", v->slot.online ? "" : "  (offline)");
}

static void cpu_json(FILE *out, const struct kt_percpu_values *pv, const struct kt_percpu_value *v)
{
	fprintf(out, "{\"cpu\": %u, \"online\": %s, \"address\": \"0x%016llx\"", v->slot.cpu,
		v->slot.online ? "true" : "false", (unsigned long long)v->slot.address);
	if (pv->values) {
		fputs(", \"value\": ", out);
		if (v->has_value)
			kt_json_address(out, v->value);
		else
			fputs("null", out);
		kt_json_error_text_members(out, v->error, v->error_code);
	}
	putc('}', out);
}

void kt_percpu_values_render(FILE *out, enum kt_format format, const struct kt_percpu_values *pv)
{
	bool json = format == KT_FORMAT_JSON;
	if (json) {
		kt_json_document_begin(out);
		kt_json_key(out, "expression");
		kt_json_string(out, pv->expression);
		fprintf(out, ", \"offset\": \"0x%llx\", \"cpus\": [", (unsigned long long)pv->offset);
	} else {
		fprintf(out, "%s: per-CPU offset 0x%llx\n", pv->expression, (unsigned long long)pv->offset);
	}
	for (size_t i = 0; i < pv->n_cpus; i++) {
		if (json) {
			fputs(i ? ",\n  " : "\n  ", out);
			cpu_json(out, pv, &pv->cpus[i]);
		} else {
			cpu_text(out, pv, &pv->cpus[i]);
		}
	}
	if (json)
		fputs("\n]}\n", out);
}
