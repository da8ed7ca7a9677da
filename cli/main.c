// SPDX-License-Identifier: MIT
/* ktriage: analyse a Linux kernel crash dump. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "debug_files.h"
#include "heap.h"

const struct cli_command cli_commands[] = {
	{"report", "report [-a]", "the triage report: the machine and the crash, findings ranked with evidence and commands, the signature, every CPU's backtrace (-a: every frame)", cmd_report, cli_report_help},
	{"sys", "sys", "kernel release, machine, CPUs, crash time and panic message", cmd_sys, cli_sys_help},
	{"log", "log [-T|-t] [-m] [-c] [-d] | -a", "the kernel log (printk ring buffer or log_buf); -t no timestamps, -c callers, -d device info, -a audit records", cmd_log, cli_log_help},
	{"mod", "mod [-s NAME [FILE] | -S [DIR] | -t]", "loaded modules: struct module, name, core base and size, state, symbols, the debug file each uses or why none; -s/-S load one's or all; -t taints", cmd_mod, cli_mod_help},
	{"sym", "sym ADDR|NAME|PATTERN|-l|-m MOD", "the symbol (kernel or module) containing ADDR, or NAME's address; -l every symbol, -m a module's, PATTERN a wildcard ('kvm_*')", cmd_sym, cli_sym_help},
	{"bt", "bt [-a|-c CPUS|PID|TASK] [-r] [-f]", "backtraces; every frame verified, inferred or stale, with the evidence (-r: the raw stack)", cmd_bt, cli_bt_help},
	{"ps", "ps [-S|-l|-m|-p|-c|-a] [-k|-u] [-G] [PID|TASK|NAME]...", "every task: pid, ppid, cpu, task address, state, comm ('>' = on CPU); -S: how many in each state; -a: command line and environment", cmd_ps, cli_ps_help},
	{"foreach", "foreach [PID|TASK|NAME|STATE|kernel|user]... bt|task|ps [OPTIONS]", "the selected tasks (all without a selector) given to bt, task or ps, as crash's foreach", cmd_foreach, cli_foreach_help},
	{"runq", "runq [-t|-m|-g] [-c CPUS]", "each CPU's running task and how long it has run, the tasks queued per class (RT, CFS, deadline), -g by task group", cmd_runq, cli_runq_help},
	{"set", "set [PID|TASK|-c CPU|-p]", "the task bt and task show without an argument (the context), as crash's set", cmd_set, cli_set_help},
	{"alias", "alias [NAME [COMMAND [ARGS...]]]", "name a command with its arguments (shell and -c lists), as crash's alias", cmd_alias, cli_alias_help},
	{"rd", "rd [-8|-16|-32|-64] [-p|-u] [-s|-S] [-x|-d|-D|-a] [-e END] ADDR|SYM[+OFF] [N]", "N words of memory with ASCII (-p physical, -u the context task's user memory, -s symbols, -x no ASCII, -d/-D decimal, -a a string, -e up to END); a fault ends it with the reason", cmd_rd, cli_rd_help},
	{"x", "x/FMT ADDR", "gdb's examine: x/8wx, x/2xg, x/3dg, x/s, x/4i; x without /FMT is rd", cmd_rd, cli_rd_help},
	{"percpu", "percpu [-x] SYM [CPU]", "a per-CPU variable's address on each CPU (-x: and its first 8 bytes)", cmd_percpu, cli_percpu_help},
	{"callsite", "callsite RETURN_ADDRESS [CALLEE]", "the call before a return address: instruction, the expression it went through, values, target, verdict", cmd_callsite, cli_callsite_help},
	{"complete", "complete TEXT...", "what Tab offers in the shell after TEXT: commands, types after struct/union/whatis/member-at/-t, symbols", cmd_complete, cli_complete_help},
	{"task", "task [PID|TASK|-c CPU]", "a task's pid, comm, state, cpu, flags, stack, sp, mm, parent (default: the panicking task)", cmd_task, cli_task_help},
	{"dis", "dis [-r|-f] FUNC|ADDR [N]", "disassemble a function, or N instructions, from the dump's code", cmd_dis, cli_dis_help},
	{"struct", "struct [-o] [-x|-d] [-l OFF] TYPE[.m,...] [ADDR[:CPUS]] [N]", "a kernel object (N of them; each CPU's copy); without ADDR, its layout; -o: members after their offsets, as crash", cmd_struct, cli_struct_help},
	{"union", "union ...", "the same for a union", cmd_union, cli_struct_help},
	{"whatis", "whatis TYPE|SYM", "a type's members with offsets and sizes (gdb's ptype /o; -r expands all), or a variable's type, or a function's prototype; types from vmlinux, then modules (MODULE:TYPE picks one)", cmd_whatis, cli_whatis_help},
	{"member-at", "member-at T OFF", "the member path(s) at byte offset OFF of type T, every union alternative", cmd_member_at, cli_member_at_help},
	{"p", "p EXPR, p/x EXPR, p/d EXPR", "a C expression: numbers and arithmetic, sizeof, offsetof, casts, &, *, ->, [], variables (NAME:CPU per-CPU)", cmd_p, cli_p_help},
	{"eval", "eval [-b] EXPR", "crash's calculator: a value in hexadecimal, decimal, octal and binary (-b: the bits set); 1k, 3m, 1g", cmd_eval, cli_eval_help},
	{"kvm", "kvm", "every KVM VM (owner, vCPUs, memslots) and vCPU (thread, mode, CPU, running now, last exit reason)", cmd_kvm, cli_kvm_help},
	{"vmx", "vmx [VCPU]", "VMX state of each vCPU: loaded VMCS, revision id, VMX-abort indicator, MSR lists checked against the SDM; per-CPU VMCS state", cmd_vmx, cli_vmx_help},
	{"svm", "svm [VCPU]", "SVM state of each vCPU: the VMCB in use, exit code by name, exit information, key saved registers", cmd_svm, cli_svm_help},
	{"findings", "findings", "conclusions drawn across layers (a VMX abort on a CPU that ignored the crash NMI), with evidence and commands", cmd_findings, cli_findings_help},
	{"kmem", "kmem -i | kmem -s [CACHE] | kmem ADDR...", "the memory summary (-i) as crash's kmem -i; slab caches (-s) as kmem -s; what an address is: symbol, per-CPU area, slab cache and object, task, vmap_area, struct page", cmd_kmem, cli_kmem_help},
	{"search", "search [-s START] [-e END|-l LEN] [-m MASK] [-k|-p|-u|-t] VALUE...", "64-bit values in memory: a range, the direct map (-k, bounded), physical memory (-p), the context task's user memory (-u) or every task's stack (-t), as crash's search", cmd_search, cli_search_help},
	{"files", "files [PID|TASK]", "a task's root, cwd and open files (fd, struct file, dentry, inode, type, path), as crash's files", cmd_files, cli_files_help},
	{"mount", "mount [-n PID|TASK]", "the mounts of a mount namespace (pid 1's): struct mount, super block, type, device name, mount point, as crash's mount", cmd_mount, cli_mount_help},
	{"sig", "sig [PID|TASK]", "a task's signal state: handlers (sa_handler, mask, flags per signal), pending, blocked, shared pending, as crash's sig", cmd_sig, cli_sig_help},
	{"net", "net", "the network devices of init_net: struct net_device, name, IPv4 addresses, as crash's net", cmd_net, cli_net_help},
	{"waitq", "waitq SYMBOL|STRUCT.MEMBER ADDR|ADDR", "the tasks waiting on a wait queue (wait_queue_head or swait_queue_head), as crash's waitq", cmd_waitq, cli_waitq_help},
	{"list", "list [-o OFF|-o T.member] [-s T[.m,...]] [-h|-H] START", "a linked list's entries from START (next pointers, or list_heads: -H START heads the list, -h START is an entry), each optionally as struct prints it; loops and bad links end it with why", cmd_list, cli_list_help},
	{"tree", "tree -t rbtree|xarray|radix|maple [-o OFF|-o T.member] [-r OFF|-r T.member] [-s T[.m,...]] ADDR", "a red-black tree's nodes in order, or an XArray's (radix tree's) or a maple tree's entries, each optionally as struct prints it; a damaged tree ends it with why", cmd_tree, cli_tree_help},
	{"timer", "timer [-r] [-C CPUS]", "each CPU's timer wheel bases and their queued timer_lists by expiry (jiffies, function); -r the hrtimer clock bases and their hrtimers, as crash's timer", cmd_timer, cli_timer_help},
	{"dev", "dev", "the character device majors (name, cdev, file operations) and block device majors, as crash's dev", cmd_dev, cli_dev_help},
	{"swap", "swap", "the swap areas in use: swap_info_struct, type, size, used, priority, file path, as crash's swap", cmd_swap, cli_swap_help},
	{"vm", "vm [PID|TASK]", "a task's address space: mm_struct, pgd, RSS and TOTAL_VM, then each VMA (struct vm_area_struct, start, end, flags, file), as crash's vm", cmd_vm, cli_vm_help},
	{"irq", "irq [IRQ]", "each IRQ number's struct irq_desc and handlers (struct irqaction, name), as crash's irq", cmd_irq, cli_irq_help},
	{"vtop", "vtop [-u|-k] [-c PID|TASK] ADDR...", "virtual addresses translated to physical, with each level of the page-table walk (table, index, entry), the page's flags and struct page, as crash's vtop", cmd_vtop, cli_vtop_help},
};

const size_t cli_n_commands = sizeof(cli_commands) / sizeof(cli_commands[0]);

/* The program cli_report_error() asks for names like an unknown symbol's (set by cli_run_argv). */
static struct kt_program *error_prog;

void cli_set_error_program(struct kt_program *prog)
{
	error_prog = prog;
}

/* After "no symbol 'NAME' ..." (kernel/symbols.c), the names it may have meant. */
static void suggest_symbols(const char *message)
{
	static const char prefix[] = "no symbol '";
	const char *at = strstr(message, prefix);
	if (!error_prog || !at)
		return;
	at += sizeof(prefix) - 1;
	size_t len = strcspn(at, "'");
	char name[256];
	if (!len || len >= sizeof(name) || at[len] != '\'')
		return;
	memcpy(name, at, len);
	name[len] = 0;
	const char *near[5];
	size_t n = 0;
	kt_error_destroy(kt_names_nearest(error_prog, name, near, 5, &n));
	if (!n)
		return;
	fputs("ktriage: did you mean", stderr);
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, "%s %s", i ? "," : "", near[i]);
	fputs("?\n", stderr);
}

int cli_report_error(struct kt_error *err)
{
	return cli_report_error_in(NULL, err);
}

int cli_report_error_in(const char *context, struct kt_error *err)
{
	cli_progress_clear();
	fprintf(stderr, "ktriage: %s%s%s\n", context ? context : "", context ? ": " : "", kt_error_message(err));
	if (kt_error_code(err) == KT_ERROR_NOT_FOUND)
		suggest_symbols(kt_error_message(err));
	kt_error_destroy(err);
	return 1;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: ktriage [OPTIONS] DUMP [COMMAND [ARGS...]]\n"
		   "       ktriage batch [OPTIONS] DUMP|DIR...     (ktriage batch --help)\n"
		   "       ktriage store [OPTIONS] query signatures|dumps  (ktriage store --help)\n\n"
		   "options:\n"
		   "  --known FILE      known issues matched on the report's signature\n"
		   "                    (docs/known-issues.md)\n"
		   "  --json            print JSON (schemas in docs/json.md)\n"
		   "  --no-color        no colours in the report, even on a terminal\n"
		   "  --vmlinux FILE    the debug vmlinux that matches the dump (refused if it does not)\n"
		   "%s"
		   "  --read-ahead=WHEN read on a second thread: the next tasks' pages in walks over\n"
		   "                    every task, half of the kernel's symbols and types read from\n"
		   "                    the dump: auto (default: kdump-compressed files, 2+ CPUs),\n"
		   "                    never, always\n"
		   "  -c 'CMD; CMD'     run these commands and exit\n"
		   "  -h, --help        this help\n\n"
		   "COMMAND is one of the commands below (default: report), or `shell` for an interactive\n"
		   "prompt with history and completion. `ktriage DUMP CMD --help` explains CMD.\n\n"
		   "commands:\n", cli_debug_files_help);
	for (size_t i = 0; i < cli_n_commands; i++)
		fprintf(f, "  %-40s %s\n", cli_commands[i].usage, cli_commands[i].summary);
}

/* Long steps shown on a terminal's stderr, each line replacing the last, cleared before the
 * output. */
static bool progress_shown;

static void progress(void *arg, const char *what)
{
	(void)arg;
	fprintf(stderr, "\r\033[Kktriage: %s ...", what);
	progress_shown = true;
}

void cli_progress_clear(void)
{
	if (progress_shown)
		fputs("\r\033[K", stderr);
	progress_shown = false;
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{"json", no_argument, NULL, 'j'},
		{"no-color", no_argument, NULL, 'C'},
		{"vmlinux", required_argument, NULL, 'v'},
		CLI_DEBUG_FILE_OPTIONS,
		{"read-ahead", required_argument, NULL, 'R'},
		{"known", required_argument, NULL, 'K'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	cli_heap_on_huge_pages();
	if (argc > 1 && !strcmp(argv[1], "batch"))
		return cli_batch(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "store"))
		return cli_store(argc - 1, argv + 1);
	struct cli_debug_files debug_files;
	if (!cli_debug_files_init(&debug_files, argc)) {
		fprintf(stderr, "ktriage: out of memory\n");
		return 1;
	}
	struct kt_open_options opts = {0};
	struct cli_context ctx = {0};
	const char *command_list = NULL, *known_path = NULL;
	int c;
	// '+': stop at the first non-option, so that command arguments are the command's. Options
	// may come before the dump and again right after it (ktriage DUMP --json bt -a).
	const char *path = NULL;
	for (int pass = 0; pass < 2; pass++) {
		while ((c = getopt_long(argc, argv, "+hc:", options, NULL)) != -1) {
			int taken = cli_debug_files_option(&debug_files, c, optarg, &opts, "ktriage");
			if (taken < 0)
				return cli_debug_files_release(&debug_files), 2;
			if (taken)
				continue;
			switch (c) {
			case 'c':
				command_list = optarg;
				break;
			case 'j':
				ctx.json = true;
				break;
			case 'C':
				ctx.no_color = true;
				break;
			case 'v':
				opts.vmlinux = optarg;
				break;
			case 'R':
				if (!strcmp(optarg, "auto")) {
					opts.read_ahead = KT_READ_AHEAD_AUTO;
				} else if (!strcmp(optarg, "never")) {
					opts.read_ahead = KT_READ_AHEAD_NEVER;
				} else if (!strcmp(optarg, "always")) {
					opts.read_ahead = KT_READ_AHEAD_ALWAYS;
				} else {
					fprintf(stderr, "ktriage: --read-ahead is auto, never or always, not '%s'\n",
						optarg);
					return cli_debug_files_release(&debug_files), 2;
				}
				break;
			case 'K':
				known_path = optarg;
				break;
			case 'h':
				usage(stdout);
				return cli_debug_files_release(&debug_files), 0;
			default:
				usage(stderr);
				return cli_debug_files_release(&debug_files), 2;
			}
		}
		if (pass == 0) {
			if (optind >= argc) {
				usage(stderr);
				return cli_debug_files_release(&debug_files), 2;
			}
			path = argv[optind++];
		}
	}
	ctx.dump_path = path;
	// -c may also follow the dump: ktriage DUMP -c 'bt -a; log'
	if (optind + 1 < argc && !strcmp(argv[optind], "-c")) {
		command_list = argv[optind + 1];
		optind += 2;
	}
	char *default_argv[] = {"report", NULL};
	int cargc = argc - optind;
	char **cargv = argv + optind;
	if (cargc == 0) {
		cargc = 1;
		cargv = default_argv;
	}
	bool shell = !command_list && !strcmp(cargv[0], "shell");
	// A word that may name a type (crash's TYPE ADDR) waits for the dump's types to say.
	if (!command_list && !shell && strcmp(cargv[0], "help") && !cli_find_command(cargv[0]) &&
	    !((cargc > 1 || strchr(cargv[0], '.')) && cli_may_be_type(cargv[0]))) {
		cli_unknown_command(cargv[0]);
		usage(stderr);
		return cli_debug_files_release(&debug_files), 2;
	}
	struct kt_known_issues *known = NULL;
	if (known_path) {
		struct kt_error *err = kt_known_issues_load(known_path, &known);
		if (err)
			return cli_debug_files_release(&debug_files), cli_report_error(err);
		ctx.known = known;
	}
	if (!cli_debug_files_apply(&debug_files, &opts)) {
		cli_debug_files_release(&debug_files);
		kt_known_issues_destroy(known);
		fprintf(stderr, "ktriage: out of memory\n");
		return 1;
	}
	// The report renders after it has read everything, so its progress cannot mix with output.
	if (isatty(STDERR_FILENO) && !command_list && !strcmp(cargv[0], "report"))
		opts.progress = progress;
	struct kt_error *err = kt_program_open(path, &opts, &ctx.prog);
	if (err) {
		cli_debug_files_release(&debug_files);
		kt_known_issues_destroy(known);
		return cli_report_error(err);
	}
	// Said once, where it does not mix with the output: what this mode cannot answer.
	if (!ctx.json && !kt_program_has_debuginfo(ctx.prog))
		fprintf(stderr, "ktriage: symbols and types: %s\n", kt_program_debuginfo_mode(ctx.prog));
	int status;
	cli_set_error_program(ctx.prog);
	if (command_list)
		status = cli_run_line(&ctx, command_list);
	else if (shell)
		status = cli_shell(&ctx);
	else
		status = cli_run_argv(&ctx, cargc, cargv);
	cli_progress_clear();
	cli_set_error_program(NULL);
	cli_aliases_free(&ctx);
	kt_program_destroy(ctx.prog);
	kt_known_issues_destroy(known);
	cli_debug_files_release(&debug_files);
	return status;
}
