// SPDX-License-Identifier: MIT
/*
 * set and alias, as crash's: set chooses the task that bt and task show without an argument (a
 * pid, a task address, or the task current on a CPU); alias names a command with its arguments,
 * for the rest of the shell session or -c list.
 */
#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "numbers.h"

enum { ALIAS_MAX = 256, ALIAS_DEPTH_MAX = 8, ALIAS_ARGS_MAX = 256 };

const char cli_set_help[] =
	"usage: set [PID | TASK | -c CPU | -p]\n"
	"  (none)   the context: the task bt and task show without an argument\n"
	"  PID      the task with that pid becomes the context (digits)\n"
	"  TASK     the task_struct at that address\n"
	"  -c CPU   the task current on CPU\n"
	"  -p       back to the panicking task\n"
	"examples: set 108;  set -c 1;  bt;  task;  set -p\n";

const char cli_alias_help[] =
	"usage: alias [NAME [COMMAND [ARGS...]]]\n"
	"  (none)   every alias\n"
	"  NAME     what NAME stands for\n"
	"  COMMAND  NAME now runs COMMAND ARGS, then the arguments NAME is given; an alias may use\n"
	"           another, and a command's name (alias bt bt -f)\n"
	"examples: alias btf bt -f;  btf 107;  alias un foreach UN bt;  alias\n";

static void show_context(struct cli_context *ctx, const struct kt_task_info *info)
{
	if (ctx->json) {
		kt_task_info_render(stdout, KT_FORMAT_JSON, info);
		return;
	}
	// crash's set output
	const struct kt_task *t = &info->task;
	char comm[4 * sizeof(t->comm)], *o = comm;
	for (const char *p = t->comm; *p && p < t->comm + sizeof(t->comm); p++)
		o += isprint((unsigned char)*p) ? sprintf(o, "%c", *p) : sprintf(o, "\\x%02x", (unsigned char)*p);
	printf("    PID: %d\nCOMMAND: \"%s\"\n   TASK: %016llx\n    CPU: %d\n  STATE: %s%s\n", t->pid,
	       comm, (unsigned long long)t->address, t->cpu, t->state_name, t->active ? " (active)" : "");
}

int cmd_set(struct cli_context *ctx, int argc, char **argv)
{
	enum kt_task_key key = KT_TASK_PANICKING;
	uint64_t value = 0;
	int c;
	bool panicking = false;
	optind = 0;  // 0: GNU getopt starts over, permutation state included
	while ((c = getopt(argc, argv, "c:p")) != -1) {
		if (c == 'p') {
			panicking = true;
		} else if (c == 'c' && cli_parse_uint(optarg, 10, UINT32_MAX, &value)) {
			key = KT_TASK_ACTIVE_ON_CPU;
		} else {
			fputs(cli_set_help, stderr);
			return 2;
		}
	}
	int n_args = argc - optind;
	if (n_args > 1 || (n_args && (key != KT_TASK_PANICKING || panicking)) ||
	    (panicking && key != KT_TASK_PANICKING)) {
		fputs(cli_set_help, stderr);
		return 2;
	}
	struct kt_error *err;
	if (n_args) {
		const char *arg = argv[optind];
		if (cli_parse_uint(arg, 10, INT32_MAX, &value)) {
			key = KT_TASK_BY_PID;
		} else {
			key = KT_TASK_BY_ADDRESS;
			if ((err = kt_program_parse_address(ctx->prog, arg, &value)))
				return cli_report_error(err);
		}
	} else if (key == KT_TASK_PANICKING && !panicking && ctx->context_task) {
		key = KT_TASK_BY_ADDRESS;  // show the context as it is
		value = ctx->context_task;
	}
	struct kt_task_info info;
	if ((err = kt_task_info_find(ctx->prog, key, value, &info)))
		return cli_report_error(err);
	ctx->context_task = panicking ? 0 : info.task.address;
	show_context(ctx, &info);
	return 0;
}

static struct cli_alias *alias_find(struct cli_context *ctx, const char *name)
{
	for (size_t i = 0; i < ctx->n_aliases; i++)
		if (!strcmp(ctx->aliases[i].name, name))
			return &ctx->aliases[i];
	return NULL;
}

void cli_aliases_free(struct cli_context *ctx)
{
	for (size_t i = 0; i < ctx->n_aliases; i++) {
		free(ctx->aliases[i].name);
		free(ctx->aliases[i].command);
	}
	free(ctx->aliases);
	ctx->aliases = NULL;
	ctx->n_aliases = 0;
}

int cmd_alias(struct cli_context *ctx, int argc, char **argv)
{
	if (argc == 1) {
		for (size_t i = 0; i < ctx->n_aliases; i++)
			printf("%-12s %s\n", ctx->aliases[i].name, ctx->aliases[i].command);
		return 0;
	}
	const char *name = argv[1];
	for (const char *p = name; *p; p++) {
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-') {
			fprintf(stderr, "alias: '%s' is not a name (letters, digits, _ and -)\n", name);
			return 2;
		}
	}
	struct cli_alias *a = alias_find(ctx, name);
	if (argc == 2) {
		if (!a) {
			fprintf(stderr, "alias: no alias '%s'\n", name);
			return 1;
		}
		printf("%-12s %s\n", a->name, a->command);
		return 0;
	}
	size_t len = 1;
	for (int i = 2; i < argc; i++)
		len += strlen(argv[i]) + 3;
	char *command = calloc(1, len);
	if (!command)
		return fprintf(stderr, "ktriage: out of memory\n"), 1;
	for (int i = 2; i < argc; i++) {
		// Words with spaces were quoted: quote them again so that they split back the same.
		bool quote = strpbrk(argv[i], " \t") != NULL;
		strcat(command, i > 2 ? " " : "");
		strcat(command, quote ? "'" : "");
		strcat(command, argv[i]);
		strcat(command, quote ? "'" : "");
	}
	if (a) {
		free(a->command);
		a->command = command;
		return 0;
	}
	if (ctx->n_aliases == ALIAS_MAX) {
		free(command);
		fprintf(stderr, "alias: at most %d aliases\n", ALIAS_MAX);
		return 1;
	}
	struct cli_alias *grown = realloc(ctx->aliases, (ctx->n_aliases + 1) * sizeof(*grown));
	char *copy = strdup(name);
	if (!grown || !copy) {
		free(copy);
		free(command);
		if (grown)
			ctx->aliases = grown;
		return fprintf(stderr, "ktriage: out of memory\n"), 1;
	}
	ctx->aliases = grown;
	ctx->aliases[ctx->n_aliases++] = (struct cli_alias){copy, command};
	return 0;
}

/* The aliases being expanded, innermost last: an alias never expands inside itself. */
static const char *expanding[ALIAS_DEPTH_MAX];
static size_t n_expanding;

bool cli_alias_run(struct cli_context *ctx, int argc, char **argv, int *status)
{
	struct cli_alias *a = alias_find(ctx, argv[0]);
	for (size_t i = 0; a && i < n_expanding; i++)
		if (!strcmp(expanding[i], a->name))
			a = NULL;
	if (!a)
		return false;
	if (n_expanding == ALIAS_DEPTH_MAX) {
		fprintf(stderr, "alias %s: aliases nested deeper than %d\n", a->name, ALIAS_DEPTH_MAX);
		*status = 2;
		return true;
	}
	char *line = strdup(a->command);
	char *words[ALIAS_ARGS_MAX + 1];
	if (!line) {
		fprintf(stderr, "ktriage: out of memory\n");
		*status = 1;
		return true;
	}
	int n = cli_split_words(line, words, ALIAS_ARGS_MAX);
	for (int i = 1; i < argc && n < ALIAS_ARGS_MAX; i++)
		words[n++] = argv[i];
	words[n] = NULL;
	expanding[n_expanding++] = a->name;
	*status = cli_run_argv(ctx, n, words);
	n_expanding--;
	free(line);
	return true;
}
