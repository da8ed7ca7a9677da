/* SPDX-License-Identifier: MIT */
/* Writing JSON by hand to a FILE*, for the renderers (docs/json.md has every document). */
#ifndef KT_REPORT_JSON_H
#define KT_REPORT_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ktriage.h"

/* A JSON string, escaped and quoted; NULL writes null. */
void kt_json_string(FILE *out, const char *s);
void kt_json_string_n(FILE *out, const char *s, size_t len);
/* "0x%016llx" as a string. */
void kt_json_address(FILE *out, uint64_t v);
/* The address, or null for 0. */
void kt_json_address_or_null(FILE *out, uint64_t v);
void kt_json_bool(FILE *out, bool v);
/* ", \"KEY\": " between members of an object. */
void kt_json_key(FILE *out, const char *key);
/* The opening of a document: {"schema": "ktriage/1" (members follow with kt_json_key). */
void kt_json_document_begin(FILE *out);
/* `, "error": MESSAGE, "error_code": "error.fault"` (both null for NULL). */
void kt_json_error_members(FILE *out, const struct kt_error *err);
/* The same from a result's own error text and code (error NULL: no error; code then unread). */
void kt_json_error_text_members(FILE *out, const char *error, enum kt_error_code code);

#endif
