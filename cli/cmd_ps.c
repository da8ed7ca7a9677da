// SPDX-License-Identifier: MIT
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"

struct ps {
	struct kt_list_writer list;
	const char *state_filter;  /* -S XX: only tasks in that state */
};

static bool render_task(const struct kt_task *t, void *arg)
{
	struct ps *p = arg;
	if (!p->state_filter || !strcmp(p->state_filter, t->state_name))
		kt_task_render(&p->list, t);
	return true;
}

int cmd_ps(struct cli_context *ctx, int argc, char **argv)
{
	struct ps p = {0};
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
	kt_list_begin(&p.list, stdout, cli_format(ctx), KT_LIST_TASKS);
	struct kt_error *err = kt_task_for_each(ctx->prog, render_task, &p);
	kt_list_end(&p.list);
	return err ? cli_report_error(err) : 0;
}
