// SPDX-License-Identifier: MIT
/* ktriage store query: signatures by count, and dumps (docs/json.md, "store"). */
#include <inttypes.h>
#include <stdio.h>
#include <time.h>

#include "ktriage.h"
#include "report/json.h"
#include "report/render.h"

/* A time the store keeps, as its rows print it: UTC to the second, or "?" padded to the same width. */
const char *kt_store_date_text(char *buf, size_t size, bool known, int64_t t)
{
	struct tm tm;
	time_t tt = (time_t)t;
	if (!known || !gmtime_r(&tt, &tm) || !strftime(buf, size, "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(buf, size, "%-19s", "?");
	return buf;
}

void kt_store_signatures_render(FILE *out, enum kt_format format, const struct kt_store_signature *rows,
				size_t n)
{
	if (format == KT_FORMAT_JSON) {
		kt_json_document_begin(out);
		fputs(", \"signatures\": [", out);
		for (size_t i = 0; i < n; i++) {
			const struct kt_store_signature *r = &rows[i];
			fputs(i ? ",\n  {\"text\": " : "\n  {\"text\": ", out);
			kt_json_string(out, r->text);
			kt_json_key(out, "hash");
			kt_json_string(out, r->hash);
			fprintf(out, ", \"count\": %" PRIu64 ", \"first_seen\": %" PRId64 ", \"last_seen\": %" PRId64
				     ", \"known_bug\": ", r->count, r->first_seen, r->last_seen);
			kt_json_string(out, r->known_bug);
			putc('}', out);
		}
		fputs("]}\n", out);
		return;
	}
	if (!n) {
		fputs("no signature in the store\n", out);
		return;
	}
	fprintf(out, "%6s  %-19s  %-19s  %s\n", "dumps", "first seen (UTC)", "last seen (UTC)", "signature");
	for (size_t i = 0; i < n; i++) {
		const struct kt_store_signature *r = &rows[i];
		char first[32], last[32];
		fprintf(out, "%6" PRIu64 "  %s  %s  %s", r->count, kt_store_date_text(first, sizeof(first), true, r->first_seen),
			kt_store_date_text(last, sizeof(last), true, r->last_seen), r->text);
		if (r->hash)
			fprintf(out, " [%s]", r->hash);
		if (r->known_bug)
			fprintf(out, "  known issue: %s", r->known_bug);
		putc('\n', out);
	}
}

void kt_store_dumps_render(FILE *out, enum kt_format format, const struct kt_store_dump *rows, size_t n)
{
	if (format == KT_FORMAT_JSON) {
		kt_json_document_begin(out);
		fputs(", \"dumps\": [", out);
		for (size_t i = 0; i < n; i++) {
			const struct kt_store_dump *r = &rows[i];
			fputs(i ? ",\n  {\"sha256\": " : "\n  {\"sha256\": ", out);
			kt_json_string(out, r->sha256);
			kt_json_key(out, "path");
			kt_json_string(out, r->path);
			fprintf(out, ", \"size\": %" PRIu64 ", \"format\": ", r->size);
			kt_json_string(out, r->format);
			kt_json_key(out, "status");
			kt_json_string(out, r->status);
			kt_json_key(out, "error");
			kt_json_string(out, r->error);
			kt_json_key(out, "release");
			kt_json_string(out, r->release);
			fputs(", \"crash_time\": ", out);
			if (r->has_crash_time)
				fprintf(out, "%" PRId64, r->crash_time);
			else
				fputs("null", out);
			kt_json_key(out, "panic_message");
			kt_json_string(out, r->panic_message);
			kt_json_key(out, "signature");
			kt_json_string(out, r->signature);
			kt_json_key(out, "signature_hash");
			kt_json_string(out, r->signature_hash);
			kt_json_key(out, "known_bug");
			kt_json_string(out, r->known_bug);
			fprintf(out, ", \"analysed_at\": %" PRId64 ", \"ktriage_version\": ", r->analysed_at);
			kt_json_string(out, r->ktriage_version);
			putc('}', out);
		}
		fputs("]}\n", out);
		return;
	}
	if (!n) {
		fputs("no dump in the store matches\n", out);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const struct kt_store_dump *r = &rows[i];
		char when[32];
		fprintf(out, "%.16s  %s UTC  %-8s %s  %s", r->sha256,
			kt_store_date_text(when, sizeof(when), r->has_crash_time, r->crash_time), r->status,
			r->release ? r->release : "?", r->path);
		if (r->signature)
			fprintf(out, "  %s", r->signature);
		if (r->error)
			fprintf(out, "  %s", r->error);
		if (r->known_bug)
			fprintf(out, "  known issue: %s", r->known_bug);
		putc('\n', out);
	}
}
