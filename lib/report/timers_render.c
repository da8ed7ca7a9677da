// SPDX-License-Identifier: MIT
/* timer and timer -r as crash prints them, and as one JSON document (docs/json.md). */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ktriage.h"
#include "report/json.h"
#include "report/render.h"

/* crash's mkstring(CENTER): s centered in width, the odd space on the left when rjust (else on
 * the right); a longer s as it is. */
static void centered(FILE *out, const char *s, int width, bool rjust)
{
	int extra = width - (int)strlen(s);
	if (extra <= 0) {
		fputs(s, out);
		return;
	}
	int left = extra / 2 + (extra % 2 && rjust), right = extra - left;
	fprintf(out, "%*s%s%*s", left, "", s, right, "");
}

static int digits(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int digits(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	return n;
}

static void function_text(FILE *out, const struct kt_timer *t)
{
	fprintf(out, "%16llx  <", (unsigned long long)t->function);
	if (t->symbol)
		fputs(t->symbol, out);
	if (t->symbol && t->symbol_offset)
		fprintf(out, "+%llu", (unsigned long long)t->symbol_offset);
	fputs(">\n", out);
}

static void error_text(FILE *out, const struct kt_timer_base *b)
{
	if (b->error)
		fprintf(out, "  [walk stopped: %s]\n", b->error);
}

static void wheel_text(FILE *out, const struct kt_timer_base *b, int flen)
{
	fprintf(out, "TIMER_BASES[%u][%s]: %llx\n", b->cpu, b->name, (unsigned long long)b->address);
	uint64_t highest = 0;
	for (size_t i = 0; i < b->n_timers; i++) {
		uint64_t a = b->timers[i].tte < 0 ? -(uint64_t)b->timers[i].tte : (uint64_t)b->timers[i].tte;
		if (a > highest)
			highest = a;
	}
	// One more column for a possible "-".
	int tlen = digits("%" PRIu64, highest) + 1;
	if (tlen < 3)
		tlen = 3;
	fprintf(out, "  %-*s     %-*s     TIMER_LIST     FUNCTION\n", flen, "EXPIRES", tlen, "TTE");
	for (size_t i = 0; i < b->n_timers; i++) {
		const struct kt_timer *t = &b->timers[i];
		fprintf(out, "  %*llu  %*lld  %16llx  ", flen, (unsigned long long)t->expires, tlen,
			(long long)t->tte, (unsigned long long)t->address);
		function_text(out, t);
	}
	if (!b->n_timers)
		fputs("  (none)\n", out);
	error_text(out, b);
}

static void clock_text(FILE *out, const struct kt_timer_base *b)
{
	fprintf(out, "  CLOCK: %u  HRTIMER_CLOCK_BASE: %llx", b->index, (unsigned long long)b->address);
	if (b->name)
		fprintf(out, "  [%s]", b->name);
	putc('\n', out);
	if (!b->n_timers) {
		fputs("  (empty)\n", out);
		error_text(out, b);
		return;
	}
	// Column widths from the last timer, as crash takes them.
	const struct kt_timer *last = &b->timers[b->n_timers - 1];
	int elen = digits("%lld", (long long)last->expires), slen = digits("%lld", (long long)last->softexpires);
	int tlen = digits("%lld", (long long)last->tte);
	if (elen < 7)
		elen = 7;
	if (slen < 11)
		slen = 11;
	char now[32];
	snprintf(now, sizeof(now), "%lld", (long long)b->now);
	fputs("  ", out);
	centered(out, "CURRENT", slen, true);
	fputs("\n  ", out);
	centered(out, now, slen, true);
	fputs("\n  ", out);
	centered(out, "SOFTEXPIRES", slen, true);
	fputs("  ", out);
	centered(out, "EXPIRES", elen, true);
	fputs("  ", out);
	centered(out, "TTE", tlen, true);
	fputs("  ", out);
	centered(out, "HRTIMER", 16, false);
	fputs("  ", out);
	centered(out, "FUNCTION", 16, false);
	putc('\n', out);
	for (size_t i = 0; i < b->n_timers; i++) {
		const struct kt_timer *t = &b->timers[i];
		char v[32];
		fputs("  ", out);
		snprintf(v, sizeof(v), "%lld", (long long)t->softexpires);
		centered(out, v, slen, true);
		fputs("  ", out);
		snprintf(v, sizeof(v), "%lld", (long long)t->expires);
		centered(out, v, elen, true);
		fprintf(out, "  %*lld  %llx  ", tlen, (long long)t->tte, (unsigned long long)t->address);
		fprintf(out, "%llx  <%s", (unsigned long long)t->function, t->symbol ? t->symbol : "");
		if (t->symbol && t->symbol_offset)
			fprintf(out, "+%llu", (unsigned long long)t->symbol_offset);
		fputs(">\n", out);
	}
	error_text(out, b);
}

static void timer_json(FILE *out, const struct kt_timer *t, bool hrtimer)
{
	fputs("{\"address\": ", out);
	kt_json_address(out, t->address);
	fprintf(out, ", \"expires\": %llu", (unsigned long long)t->expires);
	if (hrtimer)
		fprintf(out, ", \"softexpires\": %llu", (unsigned long long)t->softexpires);
	fprintf(out, ", \"tte\": %lld", (long long)t->tte);
	kt_json_key(out, "function");
	kt_json_address(out, t->function);
	kt_json_key(out, "symbol");
	kt_json_string(out, t->symbol);
	fprintf(out, ", \"symbol_offset\": %llu}", (unsigned long long)t->symbol_offset);
}

static void base_json(FILE *out, const struct kt_timer_base *b, bool hrtimer)
{
	fprintf(out, "{\"cpu\": %u, \"index\": %u", b->cpu, b->index);
	kt_json_key(out, hrtimer ? "get_time" : "name");
	kt_json_string(out, b->name);
	kt_json_key(out, "address");
	kt_json_address_or_null(out, b->address);
	if (hrtimer) {
		kt_json_key(out, "cpu_base");
		kt_json_address_or_null(out, b->cpu_base);
		fprintf(out, ", \"now\": %lld", (long long)b->now);
	}
	kt_json_key(out, "timers");
	putc('[', out);
	for (size_t i = 0; i < b->n_timers; i++) {
		fputs(i ? ",\n    " : "\n    ", out);
		timer_json(out, &b->timers[i], hrtimer);
	}
	fputs("]", out);
	kt_json_error_text_members(out, b->error, b->error_code);
	fputs("}", out);
}

static void bases_json(FILE *out, const char *key, const struct kt_timer_base *bases, size_t n,
		       bool hrtimer)
{
	kt_json_key(out, key);
	putc('[', out);
	for (size_t i = 0; i < n; i++) {
		fputs(i ? ",\n  " : "\n  ", out);
		base_json(out, &bases[i], hrtimer);
	}
	fputs("]", out);
}

void kt_timers_render(FILE *out, enum kt_format format, const struct kt_timers *timers,
		      bool hrtimers)
{
	if (format == KT_FORMAT_JSON) {
		kt_json_document_begin(out);
		fprintf(out, ", \"jiffies\": %llu, \"hz\": ", (unsigned long long)timers->jiffies);
		if (timers->hz)
			fprintf(out, "%u", timers->hz);
		else
			fputs("null", out);
		if (hrtimers)
			bases_json(out, "hrtimer_bases", timers->clocks, timers->n_clocks, true);
		else
			bases_json(out, "bases", timers->wheels, timers->n_wheels, false);
		fputs("}\n", out);
		return;
	}
	if (hrtimers) {
		for (size_t i = 0; i < timers->n_clocks; i++) {
			const struct kt_timer_base *b = &timers->clocks[i];
			bool first = !i || timers->clocks[i - 1].cpu != b->cpu;
			if (first) {
				if (i)
					putc('\n', out);
				fprintf(out, "CPU: %u  HRTIMER_CPU_BASE: %llx\n", b->cpu,
					(unsigned long long)b->cpu_base);
			} else {
				putc('\n', out);
			}
			if (!b->address && b->error)
				error_text(out, b);
			else
				clock_text(out, b);
		}
		return;
	}
	int flen = digits("%llu", (unsigned long long)timers->jiffies);
	if (flen < 7)
		flen = 7;
	fprintf(out, "%-*s\n%*llu\n\n", flen, "JIFFIES", flen, (unsigned long long)timers->jiffies);
	for (size_t i = 0; i < timers->n_wheels; i++) {
		const struct kt_timer_base *b = &timers->wheels[i];
		if (i && timers->wheels[i - 1].cpu != b->cpu)
			putc('\n', out);
		wheel_text(out, b, flen);
	}
}
