// SPDX-License-Identifier: MIT
/* runq: each CPU's running task and queued tasks, as crash's runq (-t, -m, -g, -c CPUS). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "numbers.h"

const char cli_runq_help[] =
	"usage: runq [-t | -m | -g] [-c CPUS]\n"
	"  (none)    each online CPU's runqueue (struct rq): the task running there, then the tasks\n"
	"            queued in each class, [prio] first: RT (rq->rt.active, by priority), CFS\n"
	"            (rq->cfs.tasks_timeline, by vruntime, group queues walked into), deadline\n"
	"            (rq->dl.root, by deadline; a deadline server is named as such)\n"
	"  -t        the runqueue clock (rq->clock, ns) and, under it, when the running task went\n"
	"            on the CPU (sched_info.last_arrival)\n"
	"  -m        how long each running task has run: [days hh:mm:ss.ms] of rq->clock since\n"
	"            its last_arrival\n"
	"  -g        the queues by task group: the root group, then each cgroup's queue on the CPU\n"
	"            nested under its parent (cgroup name in <>), the running task marked [CURRENT]\n"
	"  -c CPUS   only these CPUs (crash's lists: 1, 0,2, 0-3); a CPU that is not online is an\n"
	"            error\n"
	"A queue that cannot be walked whole (unreadable node, loop, broken parent link) ends with\n"
	"[walk stopped: why] under its CPU, the tasks before it kept, and runq exits 1.\n"
	"examples: runq;  runq -m;  runq -t -c 0;  runq -g;  ktriage --json DUMP runq\n";

int cmd_runq(struct cli_context *ctx, int argc, char **argv)
{
	enum kt_runq_view view = KT_RUNQ_QUEUES;
	char chosen = 0;
	const char *cpu_list = NULL;
	int c;
	optind = 0;  // 0: GNU getopt starts over, permutation state included
	while ((c = getopt(argc, argv, "tmgc:")) != -1) {
		if (c == 'c') {
			cpu_list = optarg;
			continue;
		}
		if (!strchr("tmg", c) || (chosen && chosen != c)) {
			fputs(cli_runq_help, stderr);
			return 2;
		}
		chosen = (char)c;
		view = c == 't' ? KT_RUNQ_TIMESTAMPS : c == 'm' ? KT_RUNQ_TIME_RUN : KT_RUNQ_GROUPS;
	}
	if (optind != argc) {
		fprintf(stderr, "runq: unexpected argument '%s'\n", argv[optind]);
		fputs(cli_runq_help, stderr);
		return 2;
	}
	struct kt_runq *runq;
	struct kt_error *err = kt_runq_read(ctx->prog, &runq);
	if (err)
		return cli_report_error(err);
	int status = 0;
	if (cpu_list) {
		unsigned int n;
		bool *cpus = NULL;
		if ((err = kt_program_cpu_count(ctx->prog, &n))) {
			kt_runq_destroy(runq);
			return cli_report_error(err);
		}
		if (!cli_parse_cpu_list("runq", cpu_list, n, &cpus)) {
			kt_runq_destroy(runq);
			return 2;
		}
		size_t kept = 0;
		for (unsigned int cpu = 0; cpu < n; cpu++) {
			if (!cpus[cpu])
				continue;
			size_t i = 0;
			while (i < runq->n_cpus && runq->cpus[i].cpu != cpu)
				i++;
			if (i == runq->n_cpus) {
				fprintf(stderr, "runq: CPU %u is not online\n", cpu);
				status = 1;
				continue;
			}
			// Keep the selected CPUs in order at the front; the rest is freed with them.
			struct kt_runq_cpu t = runq->cpus[kept];
			runq->cpus[kept++] = runq->cpus[i];
			runq->cpus[i] = t;
		}
		free(cpus);
		// Render only the kept ones, then free all.
		size_t all = runq->n_cpus;
		runq->n_cpus = kept;
		kt_runq_render(stdout, cli_format(ctx), runq, view);
		for (size_t i = 0; i < kept; i++)
			status |= runq->cpus[i].error != NULL;
		runq->n_cpus = all;
		kt_runq_destroy(runq);
		return status;
	}
	kt_runq_render(stdout, cli_format(ctx), runq, view);
	for (size_t i = 0; i < runq->n_cpus; i++)
		status |= runq->cpus[i].error != NULL;
	kt_runq_destroy(runq);
	return status;
}
