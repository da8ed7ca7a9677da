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

const char cli_log_help[] =
	"usage: log [-T | -t] [-m] [-c] [-d] | -a\n"
	"  (none)  the kernel log, oldest first: [seconds.micro] since boot, then the message\n"
	"  -T      wall-clock times (UTC, from the timekeeper) instead of seconds since boot\n"
	"  -t      no timestamps\n"
	"  -m      each message's level, as <N>\n"
	"  -c      who printed it: [T<pid>] a task, [C<cpu>] outside task context (5.10+, or\n"
	"          CONFIG_PRINTK_CALLER)\n"
	"  -d      under a message from dev_printk, its SUBSYSTEM= and DEVICE= (5.10+)\n"
	"  -a      the audit records the kernel still holds for auditd (audit_queue, ...), as\n"
	"          type=N TEXT lines\n"
	"examples: log;  log -T;  log -t | grep ktest;  log -c -d;  log -a\n";

int cmd_log(struct cli_context *ctx, int argc, char **argv)
{
	struct log l = {0};
	struct kt_log_clock clock;
	bool wall = false;
	int c;
	optind = 0;  // 0: GNU getopt starts over, permutation state included
	bool audit = false;
	while ((c = getopt(argc, argv, "Tmtcda")) != -1) {
		if (c == 'a') {
			audit = true;
		} else if (c == 'T') {
			wall = true;
		} else if (c == 'm') {
			l.render.level = true;
		} else if (c == 't') {
			l.render.no_time = true;
		} else if (c == 'c') {
			l.render.caller = true;
		} else if (c == 'd') {
			l.render.dev_info = true;
		} else {
			fputs(cli_log_help, stderr);
			return 2;
		}
	}
	if (optind < argc || (wall && l.render.no_time)) {
		fputs(cli_log_help, stderr);
		return 2;
	}
	struct kt_error *err;
	if (audit) {
		struct kt_audit_log *log;
		if ((err = kt_audit_log_read(ctx->prog, &log)))
			return cli_report_error(err);
		kt_audit_log_render(stdout, cli_format(ctx), log);
		kt_audit_log_destroy(log);
		return 0;
	}
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
