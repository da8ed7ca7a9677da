// SPDX-License-Identifier: MIT
/* ktriage batch and ktriage store: many dumps into the results store, and questions to it. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "debug_files.h"

static void batch_usage(FILE *f)
{
	fputs("usage: ktriage batch [OPTIONS] DUMP|DIR...\n\n"
	      "Every dump (found in each DIR by its first bytes) analysed in a worker process of its\n"
	      "own; each result stored, one line per dump as it finishes, then the signatures.\n\n"
	      "  -j N               workers at once (default: the CPU count)\n"
	      "  --timeout S        seconds per dump before its worker is killed (default 120; 0: none)\n"
	      "  --store PATH|URL   an SQLite file or a postgresql:// URL (default:\n"
	      "                     $XDG_DATA_HOME/ktriage/store.db, ~/.local/share/ktriage/store.db)\n"
	      "  --known FILE       known issues matched on each signature (docs/known-issues.md)\n"
	      "  --shard I/N        take only shard I (0..N-1) of the dumps: FNV-1a of each path\n"
	      "                     relative to its DIR, modulo N\n"
	      "  --reanalyse        analyse dumps the store holds already\n"
	      "  --json             one JSON document at the end (docs/json.md, \"batch\")\n"
	      "  --debuginfo PATH, --no-default-debuginfo, --no-debuginfo, --types=btf|dwarf\n"
	      "                     as for one dump (ktriage --help)\n", f);
}

/* The progress bar: on a terminal only, on stderr, redrawn under each dump's line. */
struct progress {
	bool tty, json;
};

static void on_dump(void *arg, const struct kt_batch_dump *d, size_t done, size_t total)
{
	struct progress *p = arg;
	if (p->tty)
		fputs("\r\033[K", stderr);
	if (!p->json) {
		kt_batch_dump_render(stdout, d);
		fflush(stdout);
	}
	if (p->tty && done < total) {
		enum { WIDTH = 30 };
		size_t fill = total ? done * WIDTH / total : 0;
		fprintf(stderr, "[%.*s%*s] %zu/%zu dumps", (int)fill, "##############################",
			(int)(WIDTH - fill), "", done, total);
	}
}

static int open_store(const char *location, struct kt_store **ret)
{
	char *def = location ? NULL : kt_store_default_location();
	if (!location && !def) {
		fputs("ktriage: no --store and no home directory for the default store\n", stderr);
		return 1;
	}
	struct kt_error *err = kt_store_open(location ? location : def, ret);
	free(def);
	return err ? cli_report_error(err) : 0;
}

int cli_batch(int argc, char **argv)
{
	static const struct option options[] = {
		{"timeout", required_argument, NULL, 't'},
		{"store", required_argument, NULL, 's'},
		{"known", required_argument, NULL, 'k'},
		{"shard", required_argument, NULL, 'S'},
		{"reanalyse", no_argument, NULL, 'r'},
		{"json", no_argument, NULL, 'J'},
		CLI_DEBUG_FILE_OPTIONS,
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	struct kt_batch_options o = {.timeout = 120};
	struct kt_open_options open = {0};
	const char *store_location = NULL, *known_path = NULL;
	struct cli_debug_files debug_files;
	bool json = false;
	if (!cli_debug_files_init(&debug_files, argc))
		return fputs("ktriage: out of memory\n", stderr), 1;
	int c, status = 2;
	optind = 1;
	while ((c = getopt_long(argc, argv, "j:h", options, NULL)) != -1) {
		char *end;
		int taken = cli_debug_files_option(&debug_files, c, optarg, &open, "ktriage batch");
		if (taken < 0)
			goto out;
		if (taken)
			continue;
		switch (c) {
		case 'j':
			o.jobs = (unsigned int)strtoul(optarg, &end, 10);
			if (*end || !o.jobs) {
				fprintf(stderr, "ktriage batch: -j takes a number of workers, not '%s'\n", optarg);
				goto out;
			}
			break;
		case 't':
			o.timeout = strtod(optarg, &end);
			if (*end || o.timeout < 0) {
				fprintf(stderr, "ktriage batch: --timeout takes seconds, not '%s'\n", optarg);
				goto out;
			}
			break;
		case 's':
			store_location = optarg;
			break;
		case 'k':
			known_path = optarg;
			break;
		case 'S':
			if (sscanf(optarg, "%u/%u%c", &o.shard, &o.n_shards, (char[1]){0}) != 2 ||
			    !o.n_shards || o.shard >= o.n_shards) {
				fprintf(stderr, "ktriage batch: --shard is I/N with 0 <= I < N, not '%s'\n", optarg);
				goto out;
			}
			break;
		case 'r':
			o.reanalyse = true;
			break;
		case 'J':
			json = true;
			break;
		case 'h':
			batch_usage(stdout);
			status = 0;
			goto out;
		default:
			batch_usage(stderr);
			goto out;
		}
	}
	if (optind >= argc) {
		batch_usage(stderr);
		goto out;
	}
	status = 1;
	if (!cli_debug_files_apply(&debug_files, &open)) {
		fputs("ktriage: out of memory\n", stderr);
		goto out;
	}
	struct kt_known_issues *known = NULL;
	struct kt_store *store = NULL;
	struct kt_error *err = known_path ? kt_known_issues_load(known_path, &known) : NULL;
	if (err) {
		cli_report_error(err);
	} else if (!open_store(store_location, &store)) {
		struct progress p = {.tty = isatty(STDERR_FILENO), .json = json};
		o.open = &open;
		o.known = known;
		o.store = store;
		o.on_dump = on_dump;
		o.arg = &p;
		struct kt_batch_summary *sum;
		err = kt_batch_run((const char *const *)argv + optind, (size_t)(argc - optind), &o, &sum);
		if (p.tty)
			fputs("\r\033[K", stderr);
		if (err) {
			cli_report_error(err);
		} else {
			kt_batch_summary_render(stdout, json ? KT_FORMAT_JSON : KT_FORMAT_TEXT, sum);
			status = 0;
			// A dump that could not be analysed makes the run's status 3: the rest is done.
			for (size_t i = 0; i < sum->n_dumps; i++)
				if (sum->dumps[i].status >= KT_BATCH_FAILED)
					status = 3;
			kt_batch_summary_destroy(sum);
		}
		kt_store_close(store);
	}
	kt_known_issues_destroy(known);
out:
	cli_debug_files_release(&debug_files);
	return status;
}

static void store_usage(FILE *f)
{
	fputs("usage: ktriage store [--store PATH|URL] [--json] query signatures\n"
	      "       ktriage store [--store PATH|URL] [--json] query dumps [--signature TEXT|HASH]\n"
	      "                                                          [--kernel RELEASE]\n\n"
	      "signatures: every signature with its count, first and last seen, most frequent first;\n"
	      "dumps: the dumps of one signature (its text or hash) and/or one kernel release\n", f);
}

int cli_store(int argc, char **argv)
{
	static const struct option options[] = {
		{"store", required_argument, NULL, 's'},
		{"json", no_argument, NULL, 'J'},
		{"signature", required_argument, NULL, 'g'},
		{"kernel", required_argument, NULL, 'k'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	const char *location = NULL, *signature = NULL, *release = NULL;
	bool json = false;
	int c;
	optind = 1;
	// Options anywhere: ktriage store query dumps --kernel R --json
	while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (c) {
		case 's':
			location = optarg;
			break;
		case 'J':
			json = true;
			break;
		case 'g':
			signature = optarg;
			break;
		case 'k':
			release = optarg;
			break;
		case 'h':
			store_usage(stdout);
			return 0;
		default:
			store_usage(stderr);
			return 2;
		}
	}
	int n = argc - optind;
	char **args = argv + optind;
	bool sigs = n == 2 && !strcmp(args[0], "query") && !strcmp(args[1], "signatures");
	bool dumps = n == 2 && !strcmp(args[0], "query") && !strcmp(args[1], "dumps");
	if ((!sigs && !dumps) || (sigs && (signature || release))) {
		store_usage(stderr);
		return 2;
	}
	struct kt_store *store;
	if (open_store(location, &store))
		return 1;
	enum kt_format format = json ? KT_FORMAT_JSON : KT_FORMAT_TEXT;
	struct kt_error *err;
	if (sigs) {
		struct kt_store_signature *rows;
		size_t n_rows;
		if (!(err = kt_store_signatures(store, &rows, &n_rows))) {
			kt_store_signatures_render(stdout, format, rows, n_rows);
			kt_store_signatures_destroy(rows, n_rows);
		}
	} else {
		struct kt_store_dump *rows;
		size_t n_rows;
		if (!(err = kt_store_dumps(store, signature, release, &rows, &n_rows))) {
			kt_store_dumps_render(stdout, format, rows, n_rows);
			kt_store_dumps_destroy(rows, n_rows);
		}
	}
	kt_store_close(store);
	return err ? cli_report_error(err) : 0;
}
