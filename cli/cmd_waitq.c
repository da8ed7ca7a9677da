// SPDX-License-Identifier: MIT
/* waitq: the tasks on a wait queue, as crash's waitq. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"

const char cli_waitq_help[] =
	"usage: waitq SYMBOL | STRUCT.MEMBER ADDR | ADDR\n"
	"  SYMBOL          a global wait queue (wait_queue_head_t), by name\n"
	"  STRUCT.MEMBER   the wait queue that is MEMBER of the STRUCT at ADDR; its type says which\n"
	"                  kind: struct wait_queue_head, or struct swait_queue_head (a completion's\n"
	"                  wait, since Linux 4.19)\n"
	"  ADDR            a struct wait_queue_head at this address\n"
	"As crash's waitq: each waiting task's header (the task in wait_queue_entry.private or\n"
	"swait_queue.task), or 'wait queue ... is empty'. A walk that cannot go on ends with\n"
	"[walk stopped: why] and exit 1.\n"
	"examples: waitq kauditd_wait;  waitq completion.wait 0xffffffffc03e6280;  waitq 0xffff...\n";

int cmd_waitq(struct cli_context *ctx, int argc, char **argv)
{
	int c;
	optind = 0;  // 0: GNU getopt starts over, permutation state included
	while ((c = getopt(argc, argv, "")) != -1) {
		fputs(cli_waitq_help, stderr);
		return 2;
	}
	int n = argc - optind;
	const char *arg = n >= 1 ? argv[optind] : NULL;
	const char *dot = arg ? strchr(arg, '.') : NULL;
	if (n < 1 || n > 2 || (n == 2) != (dot != NULL)) {
		fputs(cli_waitq_help, stderr);
		return 2;
	}
	struct kt_object head;
	struct kt_error *err;
	const char *name = NULL;
	uint64_t address;
	if (dot) {
		char type[256];
		snprintf(type, sizeof(type), "struct %.*s", (int)(dot - arg), arg);
		if ((err = kt_program_parse_address(ctx->prog, argv[optind + 1], &address)) ||
		    (err = kt_object_from_address(ctx->prog, type, address, &head)) ||
		    (err = kt_object_member(&head, dot + 1, &head)))
			return cli_report_error_in("waitq", err);
	} else if ((err = kt_object_from_symbol(ctx->prog, arg, &head))) {
		kt_error_destroy(err);  // not a symbol: an address
		if ((err = kt_program_parse_address(ctx->prog, arg, &address)) ||
		    (err = kt_object_from_address(ctx->prog, "struct wait_queue_head", address, &head)))
			return cli_report_error_in("waitq", err);
	} else {
		name = arg;
	}
	struct kt_waitq *q;
	if ((err = kt_waitq_read(&head, &q)))
		return cli_report_error_in("waitq", err);
	kt_waitq_render(stdout, cli_format(ctx), name, q);
	int status = q->error != NULL;
	kt_waitq_destroy(q);
	return status;
}
