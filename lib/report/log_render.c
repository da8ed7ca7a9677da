// SPDX-License-Identifier: MIT
/* Kernel log records (log) as dmesg-like text and as JSON (docs/json.md, "log"). */
#include <string.h>
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

/* printk's caller id: T<pid> from a task, C<cpu> (top bit set) outside task context; "" for
 * none. */
static void caller_text(const struct kt_log_record *rec, char *buf, size_t size)
{
	// Before 5.10 an id of 0 means the kernel kept none (no CONFIG_PRINTK_CALLER); from 5.10
	// (subsystem not NULL) every record has one, and 0 is T0, the idle task.
	uint32_t id = rec->caller_id;
	if (!id && !rec->subsystem)
		snprintf(buf, size, "%s", "");
	else if (id & 0x80000000u)
		snprintf(buf, size, "C%u", id & ~0x80000000u);
	else
		snprintf(buf, size, "T%u", id);
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
		caller_text(rec, buf, sizeof(buf));
		fputs(", \"caller\": ", out);
		kt_json_string(out, buf[0] ? buf : NULL);
		fputs(", \"subsystem\": ", out);
		kt_json_string(out, rec->subsystem && rec->subsystem[0] ? rec->subsystem : NULL);
		fputs(", \"device\": ", out);
		kt_json_string(out, rec->device && rec->device[0] ? rec->device : NULL);
		putc('}', out);
		return;
	}
	int indent = 0;
	if (o->no_time) {
		// log -t: the message alone
	} else if (o->clock) {
		format_wall(o->clock->boot_wall_nsec + (int64_t)rec->ts_nsec, ' ', buf, sizeof(buf));
		indent = fprintf(out, "[%s UTC] ", buf);
	} else {
		indent = fprintf(out, "[%5llu.%06llu] ", (unsigned long long)(rec->ts_nsec / 1000000000),
				 (unsigned long long)(rec->ts_nsec % 1000000000 / 1000));
	}
	if (o->caller) {
		caller_text(rec, buf, sizeof(buf));
		indent += fprintf(out, "[%6s] ", buf);
	}
	if (o->level)
		fprintf(out, "<%u>", rec->level);
	kt_write_escaped(out, rec->text, len);
	if (rec->damage)
		fprintf(out, "%s(record %llu unreadable: %s)", len ? " " : "", (unsigned long long)rec->seq,
			rec->damage);
	putc('\n', out);
	// crash's log -d: the record's dictionary under its text, where the text starts.
	const char *keys[] = {"SUBSYSTEM", "DEVICE"}, *values[] = {rec->subsystem, rec->device};
	for (size_t i = 0; o->dev_info && i < 2; i++) {
		if (!values[i] || !values[i][0])
			continue;
		fprintf(out, "%*s%s=", indent < 0 ? 0 : indent, "", keys[i]);
		kt_write_escaped(out, values[i], strlen(values[i]));
		putc('\n', out);
	}
}

void kt_audit_log_render(FILE *out, enum kt_format format, const struct kt_audit_log *log)
{
	if (format == KT_FORMAT_JSON) {
		kt_json_document_begin(out);
		kt_json_key(out, "audit");
		putc('[', out);
		for (size_t i = 0; i < log->n; i++) {
			const struct kt_audit_record *r = &log->records[i];
			fprintf(out, "%s\n  {\"queue\": \"%s\", \"skb\": ", i ? "," : "", r->queue);
			kt_json_address(out, r->skb);
			fprintf(out, ", \"type\": %u, \"text\": ", r->type);
			kt_json_string(out, r->text);
			putc('}', out);
		}
		fputs("\n]}\n", out);
		return;
	}
	if (!log->n)
		fputs("kernel audit log is empty\n", out);
	for (size_t i = 0; i < log->n; i++) {
		fprintf(out, "type=%u ", log->records[i].type);
		kt_write_escaped(out, log->records[i].text, strlen(log->records[i].text));
		putc('\n', out);
	}
}
