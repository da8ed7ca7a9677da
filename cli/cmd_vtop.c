// SPDX-License-Identifier: MIT
/* vtop: virtual addresses translated to physical with their page-table walk, as crash's vtop. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "commands.h"
#include "task_arg.h"

const char cli_vtop_help[] =
	"usage: vtop [-u|-k] [-c PID|TASK] ADDRESS...\n"
	"  ADDRESS   a virtual address or symbol expression\n"
	"  -k        a kernel address: walk the kernel's top-level table (init_top_pgt; for a dump\n"
	"            without VMCOREINFO, a CPU's CR3)\n"
	"  -u        a user address: walk the context task's mm->pgd (set; else the panicking task)\n"
	"  -c TASK   the task (a pid or a task_struct address) whose page tables -u walks\n"
	"Without -u or -k, addresses below the end of the user half are user addresses.\n"
	"For each address: VIRTUAL and PHYSICAL, then each level of the walk (PML5E with 5-level\n"
	"paging, PML4E, PDPTE, PDE, PTE) with the table's physical address, the index, the entry's\n"
	"physical address and its value, down to the page (1GB at a PDPTE with PS, 2MB at a PDE\n"
	"with PS, else 4KB) with the entry's flags decoded and the frame's struct page. An address\n"
	"that is not mapped names the entry that is not present (exit status 1; the other addresses\n"
	"are still shown).\n"
	"examples: vtop jiffies;  vtop -k ffff888100000000;  vtop -u -c 1 0x55d4c0000000\n";

int cmd_vtop(struct cli_context *ctx, int argc, char **argv)
{
	enum kt_vtop_space space = KT_VTOP_AUTO;
	const char *task_arg = NULL;
	int c;
	optind = 0;  // 0: GNU getopt starts over, permutation state included
	while ((c = getopt(argc, argv, "ukc:")) != -1) {
		switch (c) {
		case 'u':
		case 'k':
			if (space != KT_VTOP_AUTO && space != (c == 'u' ? KT_VTOP_USER : KT_VTOP_KERNEL)) {
				fputs("vtop: -u and -k exclude each other\n", stderr);
				return 2;
			}
			space = c == 'u' ? KT_VTOP_USER : KT_VTOP_KERNEL;
			break;
		case 'c':
			task_arg = optarg;
			break;
		default:
			fputs(cli_vtop_help, stderr);
			return 2;
		}
	}
	if (optind == argc) {
		fputs(cli_vtop_help, stderr);
		return 2;
	}
	size_t n_addrs = (size_t)(argc - optind);
	struct kt_vtop *vtops = calloc(n_addrs, sizeof(*vtops));
	if (!vtops) {
		fputs("vtop: out of memory\n", stderr);
		return 1;
	}
	int status = 0;
	size_t n = 0;
	bool have_task = false;
	struct kt_task task = {0};
	for (int i = optind; i < argc; i++) {
		uint64_t addr;
		struct kt_error *err = kt_program_parse_address(ctx->prog, argv[i], &addr);
		if (err) {
			cli_report_error_in("vtop", err);
			status = status ? status : 1;
			continue;
		}
		// The task matters only for user addresses: look it up on the first one.
		bool user = space == KT_VTOP_USER ||
			    (space == KT_VTOP_AUTO && kt_vtop_user_address(ctx->prog, addr));
		if (user && !have_task) {
			int s = cli_task_arg(ctx, "vtop", task_arg, &task);
			if (s) {
				status = s;
				break;
			}
			have_task = true;
		}
		if ((err = kt_vtop_init(ctx->prog, addr, space, task.address, &vtops[n]))) {
			cli_report_error_in("vtop", err);
			status = status ? status : 1;
			continue;
		}
		status |= !vtops[n].mapped;
		n++;
	}
	kt_vtop_render(stdout, cli_format(ctx), vtops, n);
	for (size_t i = 0; i < n; i++)
		kt_vtop_deinit(&vtops[i]);
	free(vtops);
	return status;
}
