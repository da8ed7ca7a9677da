// SPDX-License-Identifier: MIT
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "commands.h"

struct log_print {
	bool json;
	bool first;
	bool wall;          /* -T: wall-clock times from clock */
	bool level;         /* -m: the level as <N> */
	struct kt_log_clock clock;
};

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

static bool print_record(const struct kt_log_record *rec, void *arg)
{
	struct log_print *p = arg;
	size_t len = rec->text_len;
	while (len && rec->text[len - 1] == '\n')
		len--;
	if (p->json) {
		printf("%s\n  {\"seq\": %llu, \"ts_nsec\": %llu, \"level\": %u, \"text\": ",
		       p->first ? "" : ",", (unsigned long long)rec->seq,
		       (unsigned long long)rec->ts_nsec, rec->level);
		cli_json_string_n(rec->text, len);
		if (p->wall) {
			char buf[64];
			format_wall(p->clock.boot_wall_nsec + (int64_t)rec->ts_nsec, 'T', buf, sizeof(buf));
			printf(", \"time\": \"%sZ\"", buf);
		}
		putchar('}');
		p->first = false;
		return true;
	}
	if (p->wall) {
		char buf[64];
		format_wall(p->clock.boot_wall_nsec + (int64_t)rec->ts_nsec, ' ', buf, sizeof(buf));
		printf("[%s UTC] ", buf);
	} else {
		printf("[%5llu.%06llu] ", (unsigned long long)(rec->ts_nsec / 1000000000),
		       (unsigned long long)(rec->ts_nsec % 1000000000 / 1000));
	}
	if (p->level)
		printf("<%u>", rec->level);
	printf("%.*s\n", (int)len, rec->text);
	p->first = false;
	return true;
}

int cmd_log(struct cli_context *ctx, int argc, char **argv)
{
	struct log_print p = {.json = ctx->json, .first = true};
	int c;
	optind = 0;  // 0: GNU getopt starts over, permutation state included
	while ((c = getopt(argc, argv, "Tm")) != -1) {
		if (c == 'T') {
			p.wall = true;
		} else if (c == 'm') {
			p.level = true;
		} else {
			fprintf(stderr, "usage: log [-T] [-m]\n"
					"  -T  wall-clock times (UTC) instead of seconds since boot\n"
					"  -m  each message's level, as <N>\n");
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "usage: log [-T] [-m]\n");
		return 2;
	}
	struct kt_error *err;
	if (p.wall) {
		if ((err = kt_log_clock_get(ctx->prog, &p.clock)))
			return cli_report_error(err);
		if (!p.clock.from_timekeeper)
			fprintf(stderr, "ktriage: log -T: %s\n", p.clock.method);
	}
	if (p.json)
		printf("[");
	err = kt_log_for_each(ctx->prog, print_record, &p);
	if (p.json)
		printf("\n]\n");
	return err ? cli_report_error(err) : 0;
}
