// SPDX-License-Identifier: MIT
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"

struct ps_print {
	bool json, first;
	const char *state_filter;  /* -S XX: only tasks in that state */
	bool user_only, kernel_only;
	unsigned long count;
};

static bool print_task(const struct kt_task *t, void *arg)
{
	struct ps_print *p = arg;
	if (p->state_filter && strcmp(p->state_filter, t->state_name))
		return true;
	p->count++;
	if (p->json) {
		printf("%s\n  {\"pid\": %d, \"tgid\": %d, \"ppid\": %d, \"cpu\": %d, "
		       "\"task\": \"0x%016llx\", \"state\": \"%s\", \"state_value\": %llu, "
		       "\"active\": %s, \"idle\": %s, \"comm\": ",
		       p->first ? "" : ",", t->pid, t->tgid, t->ppid, t->cpu,
		       (unsigned long long)t->address, t->state_name, (unsigned long long)t->state,
		       t->active ? "true" : "false", t->idle ? "true" : "false");
		cli_json_string(t->comm);
		printf("}");
	} else {
		printf("%c%7d %7d %3d  %016llx  %s  %s\n", t->active ? '>' : ' ', t->pid, t->ppid, t->cpu,
		       (unsigned long long)t->address, t->state_name, t->comm);
	}
	p->first = false;
	return true;
}

int cmd_ps(struct cli_context *ctx, int argc, char **argv)
{
	struct ps_print p = {.json = ctx->json, .first = true};
	int c;
	optind = 0;  // 0: GNU getopt starts over, permutation state included
	while ((c = getopt(argc, argv, "S:")) != -1) {
		if (c == 'S') {
			p.state_filter = optarg;
		} else {
			fprintf(stderr, "usage: ps [-S STATE]   (STATE: RU IN UN ST TR DE ZO PA ID)\n");
			return 2;
		}
	}
	if (p.json)
		printf("[");
	else
		printf("    PID    PPID CPU        TASK         ST  COMM\n");
	struct kt_error *err = kt_task_for_each(ctx->prog, print_task, &p);
	if (p.json)
		printf("\n]\n");
	return err ? cli_report_error(err) : 0;
}
