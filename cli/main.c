// SPDX-License-Identifier: MIT
/* ktriage: analyse a Linux kernel crash dump. */
#include <getopt.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"

const struct cli_command cli_commands[] = {
	{"sys", "sys", "kernel release, machine, CPUs, crash time and panic message", cmd_sys},
	{"log", "log", "the kernel log (printk ring buffer or log_buf)", cmd_log},
	{"mod", "mod", "loaded modules: struct module, name, core base and size, state, symbols", cmd_mod},
	{"sym", "sym ADDR|NAME", "the symbol (kernel or module) containing ADDR, or NAME's address", cmd_sym},
	{"bt", "bt [-a|-c N|PID|TASK] [-r] [-f]", "backtraces; every frame verified, inferred or stale, with the evidence", cmd_bt},
	{"ps", "ps [-S ST]", "every task: pid, ppid, cpu, task address, state, comm ('>' = on CPU)", cmd_ps},
	{"rd", "rd [-8|-16|-32|-64] [-p] [-s] ADDR|SYM[+OFF] [N]", "N words of memory with ASCII (-p physical, -s symbols); a fault ends it with the reason", cmd_rd},
	{"x", "x ...", "the same as rd", cmd_rd},
	{"percpu", "percpu [-x] SYM [CPU]", "a per-CPU variable's address on each CPU (-x: and its first 8 bytes)", cmd_percpu},
	{"callsite", "callsite RETURN_ADDRESS [CALLEE]", "the call before a return address: instruction, the expression it went through, values, target, verdict", cmd_callsite},
	{"complete", "complete TEXT...", "what Tab offers in the shell after TEXT: commands, types after struct/union/whatis/member-at/-t, symbols", cmd_complete},
	{"task", "task [PID|TASK|-c CPU]", "a task's pid, comm, state, cpu, flags, stack, sp, mm, parent (default: the panicking task)", cmd_task},
	{"dis", "dis [-r|-f] FUNC|ADDR [N]", "disassemble a function, or N instructions, from the dump's code", cmd_dis},
	{"struct", "struct TYPE ADDR", "a kernel object: struct [-x] TYPE[.member,...] ADDR|SYMBOL; without ADDR, its layout", cmd_struct},
	{"union", "union TYPE ADDR", "the same for a union", cmd_union},
	{"whatis", "whatis TYPE|SYM", "a type's members with offsets and sizes (gdb's ptype /o; -r expands all), or a variable's type, or a function's prototype; types from vmlinux, then modules (MODULE:TYPE picks one)", cmd_whatis},
	{"member-at", "member-at T OFF", "the member path(s) at byte offset OFF of type T, every union alternative", cmd_member_at},
	{"p", "p EXPR", "a variable: [-t TYPE] SYMBOL[:CPU|:a][.member], or *(TYPE *)ADDR[->member]", cmd_p},
};

const size_t cli_n_commands = sizeof(cli_commands) / sizeof(cli_commands[0]);

int cli_report_error(struct kt_error *err)
{
	fprintf(stderr, "ktriage: %s\n", kt_error_message(err));
	kt_error_destroy(err);
	return 1;
}

/*
 * Where debug files are looked for without --debuginfo: the distribution's place, then every
 * kernel that the lab's cache holds extracted (KTRIAGE_CACHE, ~/.cache/ktriage by default:
 * kernel/RELEASE/dbg). The library searches only what it is given.
 */
static const char **default_debuginfo_dirs(glob_t *g, size_t *n_ret)
{
	const char *env = getenv("KTRIAGE_CACHE"), *home = getenv("HOME");
	char pattern[4096];
	int n = env ? snprintf(pattern, sizeof(pattern), "%s/kernel/*/dbg", env)
	       : home ? snprintf(pattern, sizeof(pattern), "%s/.cache/ktriage/kernel/*/dbg", home) : -1;
	if (n < 0 || (size_t)n >= sizeof(pattern) || glob(pattern, GLOB_ONLYDIR, NULL, g))
		g->gl_pathc = 0;
	const char **dirs = calloc(g->gl_pathc + 1, sizeof(*dirs));
	if (!dirs)
		return NULL;
	dirs[0] = "/usr/lib/debug";
	for (size_t i = 0; i < g->gl_pathc; i++)
		dirs[i + 1] = g->gl_pathv[i];
	*n_ret = g->gl_pathc + 1;
	return dirs;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: ktriage [OPTIONS] DUMP [COMMAND [ARGS...]]\n\n"
		   "options:\n"
		   "  --json            print JSON (schemas in docs/json.md)\n"
		   "  --vmlinux FILE    the debug vmlinux that matches the dump (refused if it does not)\n"
		   "  --debuginfo DIR   where to look for it (repeatable; Debian's /usr/lib/debug layout,\n"
		   "                    .build-id/xx/yyyy.debug); default: /usr/lib/debug, then the lab cache\n"
		   "  --no-debuginfo    use only what the dump carries (kallsyms, BTF)\n"
		   "  --types=btf|dwarf where types come from: BTF (default; the vmlinux's DWARF only\n"
		   "                    when no BTF is at hand), or the vmlinux's DWARF\n"
		   "  --read-ahead=WHEN walks over every task read the next tasks' pages on a second\n"
		   "                    thread: auto (default: kdump-compressed files, 2+ CPUs),\n"
		   "                    never, always\n"
		   "  -c 'CMD; CMD'     run these commands and exit\n"
		   "  -h, --help        this help\n\n"
		   "COMMAND is one of the commands below (default: sys), or `shell` for an interactive\n"
		   "prompt with history and completion. `ktriage DUMP CMD --help` explains CMD.\n\n"
		   "commands:\n");
	for (size_t i = 0; i < cli_n_commands; i++)
		fprintf(f, "  %-40s %s\n", cli_commands[i].usage, cli_commands[i].summary);
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{"json", no_argument, NULL, 'j'},
		{"vmlinux", required_argument, NULL, 'v'},
		{"no-debuginfo", no_argument, NULL, 'n'},
		{"debuginfo", required_argument, NULL, 'd'},
		{"types", required_argument, NULL, 't'},
		{"read-ahead", required_argument, NULL, 'R'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	enum { MAX_DEBUGINFO_DIRS = 16 };
	const char *dirs[MAX_DEBUGINFO_DIRS];
	size_t n_dirs = 0;
	struct kt_open_options opts = {0};
	struct cli_context ctx = {0};
	const char *command_list = NULL;
	int c;
	// '+': stop at the first non-option, so that command arguments are the command's.
	while ((c = getopt_long(argc, argv, "+hc:", options, NULL)) != -1) {
		switch (c) {
		case 'c':
			command_list = optarg;
			break;
		case 'j':
			ctx.json = true;
			break;
		case 'v':
			opts.vmlinux = optarg;
			break;
		case 'n':
			opts.no_debuginfo = true;
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
				return 2;
			}
			break;
		case 't':
			if (strcmp(optarg, "btf") && strcmp(optarg, "dwarf")) {
				fprintf(stderr, "ktriage: --types is btf or dwarf, not '%s'\n", optarg);
				return 2;
			}
			opts.dwarf_types = !strcmp(optarg, "dwarf");
			break;
		case 'd':
			if (n_dirs == MAX_DEBUGINFO_DIRS) {
				fprintf(stderr, "ktriage: at most %d --debuginfo directories\n",
					MAX_DEBUGINFO_DIRS);
				return 2;
			}
			dirs[n_dirs++] = optarg;
			opts.debuginfo_dirs = dirs;
			opts.n_debuginfo_dirs = n_dirs;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	const char *path = argv[optind++];
	// -c may also follow the dump: ktriage DUMP -c 'bt -a; log'
	if (optind + 1 < argc && !strcmp(argv[optind], "-c")) {
		command_list = argv[optind + 1];
		optind += 2;
	}
	char *default_argv[] = {"sys", NULL};
	int cargc = argc - optind;
	char **cargv = argv + optind;
	if (cargc == 0) {
		cargc = 1;
		cargv = default_argv;
	}
	bool shell = !command_list && !strcmp(cargv[0], "shell");
	if (!command_list && !shell && strcmp(cargv[0], "help") && !cli_find_command(cargv[0])) {
		fprintf(stderr, "ktriage: unknown command '%s'\n", cargv[0]);
		usage(stderr);
		return 2;
	}
	glob_t cache_dirs = {0};
	const char **defaults = NULL;
	if (!n_dirs && !opts.no_debuginfo &&
	    (defaults = default_debuginfo_dirs(&cache_dirs, &opts.n_debuginfo_dirs)))
		opts.debuginfo_dirs = defaults;
	struct kt_error *err = kt_program_open(path, &opts, &ctx.prog);
	if (err) {
		free(defaults);
		globfree(&cache_dirs);
		return cli_report_error(err);
	}
	// Said once, where it does not mix with the output: what this mode cannot answer.
	if (!ctx.json && !kt_program_has_debuginfo(ctx.prog))
		fprintf(stderr, "ktriage: symbols and types: %s\n", kt_program_debuginfo_mode(ctx.prog));
	int status;
	if (command_list)
		status = cli_run_line(&ctx, command_list);
	else if (shell)
		status = cli_shell(&ctx);
	else
		status = cli_run_argv(&ctx, cargc, cargv);
	kt_program_destroy(ctx.prog);
	free(defaults);
	globfree(&cache_dirs);
	return status;
}
