// SPDX-License-Identifier: MIT
/* timer: each CPU's queued timers, as crash's timer (-r: hrtimers, -C CPUS). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "commands.h"
#include "numbers.h"

const char cli_timer_help[] =
	"usage: timer [-r] [-C CPUS]\n"
	"  (none)    jiffies, then each online CPU's timer wheel bases (per-CPU timer_bases:\n"
	"            BASE_STD and BASE_DEF; BASE_LOCAL, BASE_GLOBAL and BASE_DEF since v6.9) with the\n"
	"            struct timer_list queued in their vectors[] buckets, by expiry: EXPIRES\n"
	"            (jiffies), TTE (expires - jiffies), TIMER_LIST, FUNCTION <symbol>\n"
	"  -r        the hrtimers instead: each CPU's struct hrtimer_cpu_base (hrtimer_bases) and\n"
	"            its clock bases, each with the clock's CURRENT time (uptime in jiffies as ns,\n"
	"            plus the base's offset, as crash computes it) and the struct hrtimer queued in\n"
	"            its timerqueue rbtree: SOFTEXPIRES, EXPIRES, TTE (ns), HRTIMER, FUNCTION\n"
	"  -C CPUS   only these CPUs (crash's lists: 1, 0,2, 0-3)\n"
	"A bucket or tree that cannot be walked whole (unreadable node, loop, broken parent link) ends\n"
	"its base with [walk stopped: why], the timers read kept, and timer exits 1.\n"
	"examples: timer;  timer -r;  timer -C 1;  ktriage --json DUMP timer -r\n";

int cmd_timer(struct cli_context *ctx, int argc, char **argv)
{
	bool hrtimers = false;
	const char *cpu_list = NULL;
	int c;
	optind = 0;  // 0: GNU getopt starts over, permutation state included
	while ((c = getopt(argc, argv, "rC:")) != -1) {
		if (c == 'r') {
			hrtimers = true;
		} else if (c == 'C') {
			cpu_list = optarg;
		} else {
			fputs(cli_timer_help, stderr);
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "timer: unexpected argument '%s'\n", argv[optind]);
		fputs(cli_timer_help, stderr);
		return 2;
	}
	bool *cpus = NULL;
	unsigned int n = 0;
	struct kt_error *err;
	if (cpu_list) {
		if ((err = kt_program_cpu_count(ctx->prog, &n)))
			return cli_report_error(err);
		if (!cli_parse_cpu_list("timer", cpu_list, n, &cpus))
			return 2;
	}
	struct kt_timers *timers;
	err = kt_timers_read(ctx->prog, cpus, n, hrtimers, &timers);
	free(cpus);
	if (err)
		return cli_report_error(err);
	kt_timers_render(stdout, cli_format(ctx), timers, hrtimers);
	int status = 0;
	const struct kt_timer_base *bases = hrtimers ? timers->clocks : timers->wheels;
	size_t nb = hrtimers ? timers->n_clocks : timers->n_wheels;
	for (size_t i = 0; i < nb; i++)
		status |= bases[i].error != NULL;
	kt_timers_destroy(timers);
	return status;
}
