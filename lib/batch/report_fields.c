// SPDX-License-Identifier: MIT
/* What the store keeps of a worker's report (docs/json.md, "report"), read back from its JSON. */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "batch/report_fields.h"
#include "core/error.h"

static const char *str(struct json_object *o, const char *key)
{
	struct json_object *v;
	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
		       ? json_object_get_string(v) : NULL;
}

static struct json_object *member(struct json_object *o, const char *key, enum json_type type)
{
	struct json_object *v;
	return o && json_object_object_get_ex(o, key, &v) && json_object_is_type(v, type) ? v : NULL;
}

struct kt_error *kt_report_fields_parse(const char *json, struct kt_report_fields *f)
{
	memset(f, 0, sizeof(*f));
	enum json_tokener_error jerr;
	f->root = json_tokener_parse_verbose(json, &jerr);
	if (!f->root)
		return kt_error_create(KT_ERROR_BAD_DATA, "the worker's report is not JSON: %s",
				       json_tokener_error_desc(jerr));
	struct json_object *report = member(f->root, "report", json_type_object);
	struct json_object *sys = member(report, "system", json_type_object);
	struct json_object *sig = member(report, "signature", json_type_object);
	struct json_object *findings = member(report, "findings", json_type_array);
	if (!sys || !sig || !findings) {
		kt_report_fields_deinit(f);
		return kt_error_create(KT_ERROR_BAD_DATA, "the worker's report has no system, signature or findings");
	}
	f->release = str(sys, "release");
	f->panic_message = str(sys, "panic_message");
	struct json_object *t = member(sys, "crash_time", json_type_int);
	f->has_crash_time = t != NULL;
	f->crash_time = t ? json_object_get_int64(t) : 0;
	f->signature = str(sig, "text");
	f->signature_hash = str(sig, "hash");
	size_t n = json_object_array_length(findings);
	if (n && !(f->findings = calloc(n, sizeof(*f->findings)))) {
		kt_report_fields_deinit(f);
		return &kt_enomem;
	}
	for (size_t i = 0; i < n; i++) {
		struct json_object *o = json_object_array_get_idx(findings, i);
		struct json_object *cpu = member(o, "cpu", json_type_int);
		struct kt_store_finding *g = &f->findings[f->n_findings];
		g->code = str(o, "code");
		g->severity = str(o, "severity");
		g->title = str(o, "title");
		g->task = str(o, "task");
		g->cpu = cpu ? json_object_get_int(cpu) : -1;
		if (g->code && g->severity && g->title)
			f->n_findings++;
	}
	return NULL;
}

void kt_report_fields_deinit(struct kt_report_fields *f)
{
	json_object_put(f->root);
	free(f->findings);
	memset(f, 0, sizeof(*f));
}
