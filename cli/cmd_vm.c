// SPDX-License-Identifier: MIT
/* vm: a task's address space and its VMAs, as crash's vm. */
#include <getopt.h>
#include <stdio.h>

#include "commands.h"
#include "task_arg.h"

const char cli_vm_help[] =
	"usage: vm [PID | TASK]\n"
	"  (none)    the task set chose, else the task that panicked\n"
	"  PID       the task with this pid; TASK: a struct task_struct address (or expression)\n"
	"The task header, then its address space (task->mm): MM (struct mm_struct), PGD (mm->pgd),\n"
	"RSS (resident: MM_FILEPAGES + MM_ANONPAGES of mm->rss_stat, with each thread's unsynced\n"
	"task->rss_stat before 6.2) and TOTAL_VM (mm->total_vm), in KiB; then each VMA in address\n"
	"order: VMA (struct vm_area_struct), START and END (vm_start, vm_end), FLAGS (vm_flags, hex)\n"
	"and FILE (vm_file's path, built as d_path() builds it; empty for anonymous memory). The\n"
	"VMAs are the maple tree mm->mm_mt from Linux 6.1, the mm->mmap list (vm_next) before.\n"
	"A kernel thread has no mm: its line is zeroes, as crash prints it. A VMA tree or list that\n"
	"cannot be walked whole ends with [walk stopped: why], and a path that cannot be built is\n"
	"(unreadable: why); both exit 1.\n"
	"examples: vm;  vm 1;  vm ffff8ddb2fe31840;  ktriage --json DUMP vm 1\n";

int cmd_vm(struct cli_context *ctx, int argc, char **argv)
{
	int c;
	optind = 0;  // 0: GNU getopt starts over, permutation state included
	while ((c = getopt(argc, argv, "")) != -1) {
		fputs(cli_vm_help, stderr);
		return 2;
	}
	if (argc - optind > 1) {
		fputs(cli_vm_help, stderr);
		return 2;
	}
	struct kt_task task;
	int status = cli_task_arg(ctx, "vm", optind < argc ? argv[optind] : NULL, &task);
	if (status)
		return status;
	struct kt_vm *vm;
	struct kt_error *err = kt_vm_read(ctx->prog, &task, &vm);
	if (err)
		return cli_report_error_in("vm", err);
	kt_vm_render(stdout, cli_format(ctx), vm);
	status = vm->error != NULL;
	for (size_t i = 0; i < vm->n_vmas; i++)
		status |= vm->vmas[i].file && !vm->vmas[i].path;
	kt_vm_destroy(vm);
	return status;
}
