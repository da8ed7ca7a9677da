// SPDX-License-Identifier: MIT
/* files: a task's root, cwd and open files, as crash's files. */
#include <getopt.h>
#include <stdio.h>

#include "commands.h"
#include "task_arg.h"

const char cli_files_help[] =
	"usage: files [PID | TASK]\n"
	"  (none)    the task set chose, else the task that panicked\n"
	"  PID       the task with this pid; TASK: a struct task_struct address (or expression)\n"
	"The task header, ROOT and CWD (task->fs->root, ->pwd), then each open file of\n"
	"task->files->fdt->fd[] (the max_fds slots): FD, struct file, its dentry, the dentry's inode,\n"
	"the inode's TYPE (REG DIR CHR BLK LNK FIFO SOCK) and the PATH, built as d_path() builds it\n"
	"(dentry names up to the mount's root, then on from the mountpoint in the parent mount);\n"
	"pipes, sockets and anonymous inodes named as /proc/PID/fd names them (pipe:[INO]).\n"
	"A descriptor table that cannot be read whole ends with [walk stopped: why], and a path that\n"
	"cannot be built is (unreadable: why); both exit 1.\n"
	"examples: files;  files 1;  files ffff8ddb2fe31840;  ktriage --json DUMP files 1\n";

int cmd_files(struct cli_context *ctx, int argc, char **argv)
{
	int c;
	optind = 0;  // 0: GNU getopt starts over, permutation state included
	while ((c = getopt(argc, argv, "")) != -1) {
		fputs(cli_files_help, stderr);
		return 2;
	}
	if (argc - optind > 1) {
		fputs(cli_files_help, stderr);
		return 2;
	}
	struct kt_task task;
	int status = cli_task_arg(ctx, "files", optind < argc ? argv[optind] : NULL, &task);
	if (status)
		return status;
	struct kt_files *files;
	struct kt_error *err = kt_files_read(ctx->prog, &task, &files);
	if (err)
		return cli_report_error_in("files", err);
	kt_files_render(stdout, cli_format(ctx), files);
	status = files->error != NULL;
	for (size_t i = 0; i < files->n_files; i++)
		status |= files->files[i].path_error != NULL;
	kt_files_destroy(files);
	return status;
}
