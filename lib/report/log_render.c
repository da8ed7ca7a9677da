// SPDX-License-Identifier: MIT
/* Kernel log records (log) as dmesg-like text and as JSON (docs/json.md, "log"). */
#include <time.h>

#include "ktriage.h"
#include "report/json.h"
#include "report/render.h"

/* "2026-11-25 13:17:40.861234" (sep ' ') or "2026-11-25T13:17:40.861234" (sep 'T'), UTC. */
static void format_wall(int64_t nsec, char sep, char *buf, size_t len)
{
	// Floor division: a clock set before 1970 still prints a valid date.
	int64_t sec = nsec / 1000000000, frac = nsec % 1000000000;
	if (frac < 0) {
		sec--;
		frac += 1000000000;
	}
	time_t t = (time_t)sec;
	struct tm tm = {0};
	char date[32] = "?";
	if (gmtime_r(&t, &tm))
		strftime(date, sizeof(date), "%Y-%m-%d", &tm);
	snprintf(buf, len, "%s%c%02d:%02d:%02d.%06lld", date, sep, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (long long)(frac / 1000));
}

void kt_log_record_render(struct kt_list_writer *w, const struct kt_log_record *rec,
			  const struct kt_log_render_options *opts)
{
	static const struct kt_log_render_options none;
	const struct kt_log_render_options *o = opts ? opts : &none;
	FILE *out = w->out;
	size_t len = rec->text_len;
	while (len && rec->text[len - 1] == '\n')
		len--;
	char buf[64];
	if (kt_list_item(w)) {
		fprintf(out, "{\"seq\": %llu, \"ts_nsec\": %llu, \"level\": %u, \"text\": ",
			(unsigned long long)rec->seq, (unsigned long long)rec->ts_nsec, rec->level);
		kt_json_string_n(out, rec->text, len);
		if (o->clock) {
			format_wall(o->clock->boot_wall_nsec + (int64_t)rec->ts_nsec, 'T', buf, sizeof(buf));
			fprintf(out, ", \"time\": \"%sZ\"", buf);
		}
		if (rec->damage) {
			fputs(", \"damage\": ", out);
			kt_json_string(out, rec->damage);
		}
		putc('}', out);
		return;
	}
	if (o->clock) {
		format_wall(o->clock->boot_wall_nsec + (int64_t)rec->ts_nsec, ' ', buf, sizeof(buf));
		fprintf(out, "[%s UTC] ", buf);
	} else {
		fprintf(out, "[%5llu.%06llu] ", (unsigned long long)(rec->ts_nsec / 1000000000),
			(unsigned long long)(rec->ts_nsec % 1000000000 / 1000));
	}
	if (o->level)
		fprintf(out, "<%u>", rec->level);
	kt_write_escaped(out, rec->text, len);
	if (rec->damage)
		fprintf(out, "%s(record %llu unreadable: %s)", len ? " " : "", (unsigned long long)rec->seq,
			rec->damage);
	putc('\n', out);
}
