// SPDX-License-Identifier: MIT
#include <getopt.h>
#include <stdio.h>

#include "commands.h"

struct log {
	struct kt_list_writer list;
	struct kt_log_render_options render;
	size_t damaged;
	uint64_t first_damaged;
};

static bool render_record(const struct kt_log_record *rec, void *arg)
{
	struct log *l = arg;
	if (rec->damage && !l->damaged++)
		l->first_damaged = rec->seq;
	kt_log_record_render(&l->list, rec, &l->render);
	return true;
}

int cmd_log(struct cli_context *ctx, int argc, char **argv)
{
	struct log l = {0};
	struct kt_log_clock clock;
	bool wall = false;
	int c;
	optind = 0;  // 0: GNU getopt starts over, permutation state included
	while ((c = getopt(argc, argv, "Tm")) != -1) {
		if (c == 'T') {
			wall = true;
		} else if (c == 'm') {
			l.render.level = true;
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
	if (wall) {
		if ((err = kt_log_clock_get(ctx->prog, &clock)))
			return cli_report_error(err);
		if (!clock.from_timekeeper)
			fprintf(stderr, "ktriage: log -T: %s\n", clock.method);
		l.render.clock = &clock;
	}
	kt_list_begin(&l.list, stdout, cli_format(ctx), KT_LIST_LOG);
	err = kt_log_for_each(ctx->prog, render_record, &l);
	kt_list_end_incomplete(&l.list, err);
	if (err)
		return cli_report_error(err);
	if (l.damaged) {
		fprintf(stderr, "ktriage: log: %zu record%s could not be read whole (the first: seq %llu); "
			"each says why\n", l.damaged, l.damaged == 1 ? "" : "s",
			(unsigned long long)l.first_damaged);
		return 1;
	}
	return 0;
}
