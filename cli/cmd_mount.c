// SPDX-License-Identifier: MIT
/* mount: the mounts of a mount namespace, as crash's mount. */
#include <getopt.h>
#include <stdio.h>

#include "commands.h"
#include "task_arg.h"

const char cli_mount_help[] =
	"usage: mount [-n PID | -n TASK]\n"
	"  (none)    the mounts of pid 1's mount namespace (init_task's if there is no pid 1), as\n"
	"            crash: MOUNT (struct mount), SUPERBLK (mnt.mnt_sb), TYPE (s_type->name),\n"
	"            DEVNAME (mnt_devname), DIRNAME (where it is mounted, built as d_path() does)\n"
	"  -n PID    the mount namespace of this task (task->nsproxy->mnt_ns); also a task address\n"
	"Mounts come from mnt_ns->mounts (an rbtree, Linux 6.8+) or mnt_ns->list; a walk that cannot\n"
	"go on ends with [walk stopped: why] and exit 1.\n"
	"examples: mount;  mount -n 1;  ktriage --json DUMP mount\n";

int cmd_mount(struct cli_context *ctx, int argc, char **argv)
{
	const char *task_arg = NULL;
	int c;
	optind = 0;  // 0: GNU getopt starts over, permutation state included
	while ((c = getopt(argc, argv, "n:")) != -1) {
		if (c != 'n') {
			fputs(cli_mount_help, stderr);
			return 2;
		}
		task_arg = optarg;
	}
	if (optind != argc) {
		fprintf(stderr, "mount: unexpected argument '%s'\n", argv[optind]);
		fputs(cli_mount_help, stderr);
		return 2;
	}
	struct kt_task task;
	struct kt_task_info info;
	struct kt_error *err;
	int status;
	if (task_arg) {
		if ((status = cli_task_arg(ctx, "mount", task_arg, &task)))
			return status;
	} else if (!(err = kt_task_info_find(ctx->prog, KT_TASK_BY_PID, 1, &info))) {
		task = info.task;
	} else {
		// No pid 1 (a dump taken before init ran): init_task's namespace, as crash's next pid.
		kt_error_destroy(err);
		if ((err = kt_task_info_find(ctx->prog, KT_TASK_BY_PID, 0, &info)))
			return cli_report_error_in("mount", err);
		task = info.task;
	}
	struct kt_mounts *mounts;
	if ((err = kt_mounts_read(ctx->prog, &task, &mounts)))
		return cli_report_error_in("mount", err);
	kt_mounts_render(stdout, cli_format(ctx), mounts);
	status = mounts->error != NULL;
	for (size_t i = 0; i < mounts->n_mounts; i++)
		status |= mounts->mounts[i].dirname == NULL;
	kt_mounts_destroy(mounts);
	return status;
}
