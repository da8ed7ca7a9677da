// SPDX-License-Identifier: MIT
/*
 * ktriage batch's output: a line per dump as it finishes, then the signatures of the run with
 * how often the store has seen each (docs/json.md, "batch").
 */
#include <inttypes.h>
#include <stdio.h>
#include <time.h>

#include "ktriage.h"
#include "report/json.h"
#include "report/render.h"

const char *kt_batch_status_name(enum kt_batch_status s)
{
	switch (s) {
	case KT_BATCH_ANALYSED:
		return "analysed";
	case KT_BATCH_STORED:
		return "stored";
	case KT_BATCH_DUPLICATE:
		return "duplicate";
	case KT_BATCH_FAILED:
		return "failed";
	case KT_BATCH_CRASHED:
		return "crashed";
	case KT_BATCH_TIMEOUT:
		return "timeout";
	case KT_BATCH_NOT_A_DUMP:
		return "not_a_dump";
	}
	return "?";
}

void kt_batch_dump_render(FILE *out, const struct kt_batch_dump *d)
{
	fprintf(out, "%-10s %s", kt_batch_status_name(d->status), d->path);
	if (d->status != KT_BATCH_ANALYSED && d->status != KT_BATCH_STORED &&
	    d->status != KT_BATCH_DUPLICATE) {
		fprintf(out, ": %s\n", d->error ? d->error : "?");
		return;
	}
	// Stored, or a copy of one, that an earlier run could not analyse.
	if (d->error && !d->signature) {
		fprintf(out, ": not analysed by an earlier run: %s (--reanalyse to retry)\n", d->error);
		return;
	}
	char when[32];
	fprintf(out, "  %s UTC  %s  \"%s\"  %s", kt_store_date_text(when, sizeof(when), d->has_crash_time, d->crash_time),
		d->release ? d->release : "?", d->panic_message ? d->panic_message : "no panic message",
		d->signature ? d->signature : "?");
	if (d->signature_hash)
		fprintf(out, " [%s]", d->signature_hash);
	if (d->status == KT_BATCH_ANALYSED)
		fprintf(out, "  %s", d->new_signature ? "new signature" : "seen before");
	if (d->signature_count)
		fprintf(out, " (%" PRIu64 " in the store)", d->signature_count);
	if (d->same_as)
		fprintf(out, "  same content as %s", d->same_as);
	if (d->known)
		fprintf(out, "  known issue: %s", d->known->bug ? d->known->bug : d->known->pattern);
	if (d->status == KT_BATCH_ANALYSED)
		fprintf(out, "  %.2f s", d->seconds);
	putc('\n', out);
}

static void summary_text(FILE *out, const struct kt_batch_summary *s)
{
	size_t by[KT_BATCH_NOT_A_DUMP + 1] = {0};
	for (size_t i = 0; i < s->n_dumps; i++)
		by[s->dumps[i].status]++;
	fprintf(out, "\nSignatures: %zu of this run\n", s->n_groups);
	if (s->n_groups)
		fprintf(out, "%6s %7s  %-19s  %-19s  %s\n", "dumps", "stored", "first seen (UTC)",
			"last seen (UTC)", "signature");
	for (size_t i = 0; i < s->n_groups; i++) {
		const struct kt_batch_group *g = &s->groups[i];
		char first[32], last[32];
		fprintf(out, "%6zu %7" PRIu64 "  %s  %s  %s", g->count, g->stored,
			kt_store_date_text(first, sizeof(first), g->stored, g->first_seen),
			kt_store_date_text(last, sizeof(last), g->stored, g->last_seen), g->signature);
		if (g->hash)
			fprintf(out, " [%s]", g->hash);
		if (g->known_bug)
			fprintf(out, "  known issue: %s", g->known_bug);
		putc('\n', out);
	}
	fprintf(out, "\n%zu files: %zu analysed, %zu from the store, %zu duplicates, %zu failed, "
		     "%zu crashed, %zu timed out, %zu not dumps",
		s->n_dumps, by[KT_BATCH_ANALYSED], by[KT_BATCH_STORED], by[KT_BATCH_DUPLICATE],
		by[KT_BATCH_FAILED], by[KT_BATCH_CRASHED], by[KT_BATCH_TIMEOUT], by[KT_BATCH_NOT_A_DUMP]);
	if (s->n_skipped)
		fprintf(out, "; %zu other files skipped", s->n_skipped);
	if (s->n_other_shards)
		fprintf(out, "; %zu dumps left to other shards", s->n_other_shards);
	fprintf(out, "\n%u workers, %.1f s (hashing %.1f s of worker time)\n", s->jobs, s->seconds,
		s->hash_seconds);
}

static void int_or_null(FILE *out, bool known, int64_t v)
{
	if (known)
		fprintf(out, "%" PRId64, v);
	else
		fputs("null", out);
}

static void dump_json(FILE *out, const struct kt_batch_dump *d)
{
	fputs("{\"path\": ", out);
	kt_json_string(out, d->path);
	kt_json_key(out, "sha256");
	kt_json_string(out, d->sha256[0] ? d->sha256 : NULL);
	fprintf(out, ", \"size\": %" PRIu64 ", \"format\": ", d->size);
	kt_json_string(out, d->format);
	fprintf(out, ", \"status\": \"%s\", \"error\": ", kt_batch_status_name(d->status));
	kt_json_string(out, d->error);
	kt_json_key(out, "same_as");
	kt_json_string(out, d->same_as);
	kt_json_key(out, "release");
	kt_json_string(out, d->release);
	fputs(", \"crash_time\": ", out);
	int_or_null(out, d->has_crash_time, d->crash_time);
	kt_json_key(out, "panic_message");
	kt_json_string(out, d->panic_message);
	kt_json_key(out, "signature");
	kt_json_string(out, d->signature);
	kt_json_key(out, "signature_hash");
	kt_json_string(out, d->signature_hash);
	fputs(", \"new_signature\": ", out);
	kt_json_bool(out, d->new_signature);
	fprintf(out, ", \"signature_count\": %" PRIu64 ", \"known\": ", d->signature_count);
	kt_known_issue_json(out, d->known);
	fprintf(out, ", \"seconds\": %.3f, \"max_rss_kb\": %ld}", d->seconds, d->max_rss_kb);
}

static void summary_json(FILE *out, const struct kt_batch_summary *s)
{
	kt_json_document_begin(out);
	fputs(", \"batch\": {\"dumps\": [", out);
	for (size_t i = 0; i < s->n_dumps; i++) {
		fputs(i ? ",\n   " : "\n   ", out);
		dump_json(out, &s->dumps[i]);
	}
	fputs("],\n  \"groups\": [", out);
	for (size_t i = 0; i < s->n_groups; i++) {
		const struct kt_batch_group *g = &s->groups[i];
		fputs(i ? ",\n   {\"signature\": " : "\n   {\"signature\": ", out);
		kt_json_string(out, g->signature);
		kt_json_key(out, "hash");
		kt_json_string(out, g->hash);
		fprintf(out, ", \"count\": %zu, \"stored\": %" PRIu64 ", \"first_seen\": ", g->count, g->stored);
		int_or_null(out, g->stored, g->first_seen);
		fputs(", \"last_seen\": ", out);
		int_or_null(out, g->stored, g->last_seen);
		kt_json_key(out, "known_bug");
		kt_json_string(out, g->known_bug);
		putc('}', out);
	}
	fprintf(out, "],\n  \"skipped\": %zu, \"other_shards\": %zu, \"analysed\": %zu, \"jobs\": %u, "
		     "\"seconds\": %.3f, \"hash_seconds\": %.3f}}\n",
		s->n_skipped, s->n_other_shards, s->n_analysed, s->jobs, s->seconds, s->hash_seconds);
}

void kt_batch_summary_render(FILE *out, enum kt_format format, const struct kt_batch_summary *s)
{
	if (format == KT_FORMAT_JSON)
		summary_json(out, s);
	else
		summary_text(out, s);
}
