/* SPDX-License-Identifier: MIT */
/* The fields of a report's JSON that batch and the store use; strings belong to root. */
#ifndef KT_BATCH_REPORT_FIELDS_H
#define KT_BATCH_REPORT_FIELDS_H

#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"

struct json_object;

struct kt_report_fields {
	struct json_object *root;
	const char *release, *panic_message, *signature, *signature_hash;
	bool has_crash_time;
	int64_t crash_time;
	struct kt_store_finding *findings;
	size_t n_findings;
};

struct kt_error *kt_report_fields_parse(const char *json, struct kt_report_fields *ret);
void kt_report_fields_deinit(struct kt_report_fields *fields);

#endif
