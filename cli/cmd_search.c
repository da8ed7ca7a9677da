// SPDX-License-Identifier: MIT
/* search: values in memory, as crash's search (-s/-e/-l, -k, -p, -u, -t, -m). */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "task_arg.h"

/* -k reads the direct map from its start; this much at most, so that it ends in seconds. */
enum { SEARCH_K_MAX_BYTES = 256 << 20 };

const char cli_search_help[] =
	"usage: search [-s START] [-e END | -l LENGTH] [-m MASK] [-k | -p | -u | -t] VALUE...\n"
	"  -s START  the first address (hexadecimal or SYMBOL[+OFF])\n"
	"  -e END    the address after the last one searched\n"
	"  -l LENGTH how many bytes from START (hexadecimal), instead of -e\n"
	"  -t        every task's kernel stack (task->stack, THREAD_SIZE bytes), each hit under\n"
	"            its task's line, as crash's search -t\n"
	"  -k        kernel memory from the direct map's start (page_offset_base), or from START:\n"
	"            at most 256 MiB without -e, so that it ends in seconds (give -s/-e for more)\n"
	"  -p        physical memory: from START (default 0) to END (default the end of memory,\n"
	"            max_pfn pages), at most 256 MiB without -e\n"
	"  -u        the context task's user memory (set; else the panicking task) through its\n"
	"            page tables: each of its VMAs, as vm lists them, or START to END; most\n"
	"            kdump files leave user pages out, and such pages are skipped\n"
	"  -m MASK   bits ignored in the compare (search -m 0xfff ffff8d9819a79000)\n"
	"Each hit is printed as ADDRESS: VALUE for aligned 64-bit words. Pages the dump lacks are\n"
	"skipped; Ctrl-C stops the search with what it found.\n"
	"examples: search -t ffff8d9819a79840;  search -s ffffd4dc800ec000 -e ffffd4dc800f0000 "
	"ffffffffc03e6300\n"
	"          search -p -s 1000000 -l 100000 ffffffffc03e6300;  set 1; search -u 0\n";

static volatile sig_atomic_t search_interrupted;

static void on_sigint(int sig)
{
	(void)sig;
	search_interrupted = 1;
}

/* Whether a probe succeeded; its error is dropped. */
static bool probe_ok(struct kt_error *err)
{
	if (!err)
		return true;
	kt_error_destroy(err);
	return false;
}

static bool parse_number(const char *s, uint64_t *ret)
{
	char *end;
	*ret = strtoull(s, &end, 16);
	return *s && !*end;
}

int cmd_search(struct cli_context *ctx, int argc, char **argv)
{
	struct kt_search_options o = {0};
	const char *start = NULL, *end = NULL, *length = NULL;
	bool kernel = false;
	int c, spaces = 0;
	optind = 0;
	while ((c = getopt(argc, argv, "+s:e:l:m:kput")) != -1) {
		switch (c) {
		case 's': start = optarg; break;
		case 'e': end = optarg; break;
		case 'l': length = optarg; break;
		case 'k': kernel = true; spaces++; break;
		case 't': o.tasks = true; spaces++; break;
		case 'p': o.space = KT_KPHYSADDR; spaces++; break;
		case 'u': o.space = KT_UVADDR; spaces++; break;
		case 'm':
			if (!parse_number(optarg, &o.mask)) {
				fprintf(stderr, "search: bad mask '%s'\n", optarg);
				return 2;
			}
			break;
		default:
			fputs(cli_search_help, stderr);
			return 2;
		}
	}
	// -u takes a whole range (-s with -e or -l) or none (every VMA).
	bool user = o.space == KT_UVADDR;
	if (optind == argc || spaces > 1 || (o.tasks && (start || end || length)) || (end && length) ||
	    (!o.tasks && !start && !kernel && o.space != KT_KPHYSADDR && !user) ||
	    (user && !start != !(end || length))) {
		fputs(cli_search_help, stderr);
		return 2;
	}
	size_t n = (size_t)(argc - optind);
	uint64_t *values = calloc(n, sizeof(*values));
	if (!values)
		return fputs("search: out of memory\n", stderr), 1;
	for (size_t i = 0; i < n; i++)
		if (!parse_number(argv[optind + (int)i], &values[i])) {
			fprintf(stderr, "search: bad value '%s' (hexadecimal)\n", argv[optind + (int)i]);
			free(values);
			return 2;
		}
	o.values = values;
	o.n_values = n;
	struct kt_error *err = NULL;
	if (o.space == KT_UVADDR) {
		struct kt_task task;
		int status = cli_task_arg(ctx, "search -u", NULL, &task);
		if (status) {
			free(values);
			return status;
		}
		o.task = task.address;
	}
	if (!o.tasks && !(user && !start)) {  // -u without a range: every VMA, start = end = 0
		uint64_t len;
		if (start)
			err = kt_program_parse_address(ctx->prog, start, &o.start);
		else if (o.space == KT_KPHYSADDR)
			o.start = 0;
		else
			err = kt_program_parse_address(ctx->prog, "page_offset_base", &o.start),
			err = err ? err : kt_program_read(ctx->prog, o.start, KT_KVADDR, &o.start, 8);
		if (!err && end)
			err = kt_program_parse_address(ctx->prog, end, &o.end);
		else if (!err && length) {
			if (!parse_number(length, &len)) {
				fprintf(stderr, "search: bad length '%s'\n", length);
				free(values);
				return 2;
			}
			o.end = o.start + len;
		} else if (!err) {
			if (!kernel && o.space != KT_KPHYSADDR) {
				fputs("search: -e END or -l LENGTH is needed with -s\n", stderr);
				free(values);
				return 2;
			}
			// To the end of the direct map (max_pfn pages), at most SEARCH_K_MAX_BYTES:
			// the search then says where it stopped.
			uint64_t max_pfn = 0, at;
			if (probe_ok(kt_program_parse_address(ctx->prog, "max_pfn", &at)) &&
			    probe_ok(kt_program_read(ctx->prog, at, KT_KVADDR, &max_pfn, 8)) &&
			    max_pfn && max_pfn < (1ULL << 40))
				o.end = (o.space == KT_KPHYSADDR ? 0 : o.start) + (max_pfn << 12);
			else
				o.end = o.start + SEARCH_K_MAX_BYTES;
			o.max_bytes = SEARCH_K_MAX_BYTES;
		}
		if (err) {
			free(values);
			return cli_report_error(err);
		}
	}
	search_interrupted = 0;
	o.interrupted = (volatile const int *)&search_interrupted;
	void (*old)(int) = signal(SIGINT, on_sigint);
	struct kt_search_result *r;
	err = kt_search_memory(ctx->prog, &o, &r);
	signal(SIGINT, old);
	free(values);
	if (err)
		return cli_report_error(err);
	kt_search_result_render(stdout, cli_format(ctx), r);
	int status = r->stopped && search_interrupted ? 1 : 0;
	kt_search_result_destroy(r);
	return status;
}
