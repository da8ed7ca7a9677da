// SPDX-License-Identifier: MIT
/* sig: a task's signal state, as crash's sig. */
#include <getopt.h>
#include <stdio.h>

#include "commands.h"
#include "task_arg.h"

const char cli_sig_help[] =
	"usage: sig [PID | TASK]\n"
	"  (none)    the task set chose, else the task that panicked\n"
	"  PID       the task with this pid; TASK: a struct task_struct address (or expression)\n"
	"As crash's sig: SIGNAL_STRUCT (task->signal) and NR_THREADS; each signal's struct\n"
	"k_sigaction of task->sighand->action[] with its HANDLER (SIG_DFL, SIG_IGN or the user\n"
	"address), MASK and FLAGS (SA_* named); SIGPENDING (TIF_SIGPENDING), BLOCKED; the task's\n"
	"PRIVATE_PENDING and the group's SHARED_PENDING: the signal bitmap and the queued signals.\n"
	"What cannot be read ends with [walk stopped: why] and exit 1.\n"
	"examples: sig;  sig 1;  ktriage --json DUMP sig 1\n";

int cmd_sig(struct cli_context *ctx, int argc, char **argv)
{
	int c;
	optind = 0;  // 0: GNU getopt starts over, permutation state included
	while ((c = getopt(argc, argv, "")) != -1) {
		fputs(cli_sig_help, stderr);
		return 2;
	}
	if (argc - optind > 1) {
		fputs(cli_sig_help, stderr);
		return 2;
	}
	struct kt_task task;
	int status = cli_task_arg(ctx, "sig", optind < argc ? argv[optind] : NULL, &task);
	if (status)
		return status;
	struct kt_signals *signals;
	struct kt_error *err = kt_signals_read(ctx->prog, &task, &signals);
	if (err)
		return cli_report_error_in("sig", err);
	kt_signals_render(stdout, cli_format(ctx), signals);
	status = signals->error != NULL;
	kt_signals_destroy(signals);
	return status;
}
