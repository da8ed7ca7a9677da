// SPDX-License-Identifier: MIT
/*
 * What a Tab after a partial word offers: a command name at the start of a command, a type
 * name where the command takes one (struct, union, whatis, member-at, p -t), else a symbol.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "complete.h"

struct collect {
	struct cli_completion *c;
	size_t cap;
	bool nomem;
};

static bool add(const char *name, void *arg)
{
	struct collect *k = arg;
	if (k->c->n >= CLI_COMPLETIONS_MAX * 4) {  // duplicates are removed later: keep some slack
		k->c->truncated = true;
		return false;
	}
	if (k->c->n == k->cap) {
		size_t cap = k->cap ? 2 * k->cap : 64;
		char **grown = realloc(k->c->names, cap * sizeof(*grown));
		if (!grown) {
			k->nomem = true;
			return false;
		}
		k->c->names = grown;
		k->cap = cap;
	}
	if (!(k->c->names[k->c->n] = strdup(name))) {
		k->nomem = true;
		return false;
	}
	k->c->n++;
	return true;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Whether the word before the one being completed asks for a type. */
static bool wants_type(const char *cmd, size_t cmd_len, const char *prev, size_t prev_len)
{
	static const char *const type_commands[] = {"struct", "union", "whatis", "member-at"};
	for (size_t i = 0; i < sizeof(type_commands) / sizeof(type_commands[0]); i++)
		if (strlen(type_commands[i]) == cmd_len && !strncmp(cmd, type_commands[i], cmd_len))
			return prev == cmd || (prev_len == 2 && prev[0] == '-');  // after options too
	return prev_len == 2 && !strncmp(prev, "-t", 2);
}

int cli_complete(struct cli_context *ctx, const char *line, struct cli_completion *ret)
{
	*ret = (struct cli_completion){0};
	// The command being typed starts after the last ';'.
	const char *start = strrchr(line, ';');
	start = start ? start + 1 : line;
	size_t len = strlen(start);
	const char *word = start + len;
	while (word > start && !isspace((unsigned char)word[-1]))
		word--;
	ret->word_len = (size_t)(start + len - word);
	const char *cmd = start, *prev = NULL;
	while (isspace((unsigned char)*cmd))
		cmd++;
	size_t cmd_len = strcspn(cmd, " \t");
	// The word before this one, if any.
	const char *p = word;
	while (p > start && isspace((unsigned char)p[-1]))
		p--;
	size_t prev_len = 0;
	if (p > cmd) {
		prev = p;
		while (prev > start && !isspace((unsigned char)prev[-1]))
			prev--;
		prev_len = (size_t)(p - prev);
	}
	struct collect k = {.c = ret};
	if (word == cmd) {
		for (size_t i = 0; i < cli_n_commands && !k.nomem; i++)
			if (!strncmp(cli_commands[i].name, word, ret->word_len))
				add(cli_commands[i].name, &k);
	} else {
		enum kt_name_kind kind = prev && wants_type(cmd, cmd_len, prev, prev_len) ? KT_NAMES_TYPES
											   : KT_NAMES_SYMBOLS;
		char prefix[256];
		snprintf(prefix, sizeof(prefix), "%.*s", (int)ret->word_len, word);
		kt_error_destroy(kt_names_with_prefix(ctx->prog, kind, prefix, add, &k));
	}
	if (k.nomem) {
		cli_completion_free(ret);
		return 1;
	}
	if (ret->n)  // names is NULL when nothing matched: qsort must not see it
		qsort(ret->names, ret->n, sizeof(*ret->names), by_name);
	size_t out = 0;
	for (size_t i = 0; i < ret->n; i++) {
		if (out && !strcmp(ret->names[out - 1], ret->names[i])) {
			free(ret->names[i]);
			continue;
		}
		ret->names[out++] = ret->names[i];
	}
	ret->n = out;
	if (ret->n > CLI_COMPLETIONS_MAX) {
		for (size_t i = CLI_COMPLETIONS_MAX; i < ret->n; i++)
			free(ret->names[i]);
		ret->n = CLI_COMPLETIONS_MAX;
		ret->truncated = true;
	}
	ret->common = ret->n ? strlen(ret->names[0]) : 0;
	for (size_t i = 1; i < ret->n; i++) {
		size_t c = 0;
		while (c < ret->common && ret->names[i][c] == ret->names[0][c])
			c++;
		ret->common = c;
	}
	return 0;
}

void cli_completion_free(struct cli_completion *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->names[i]);
	free(c->names);
	*c = (struct cli_completion){0};
}

static const char usage[] =
	"usage: complete TEXT...\n"
	"  What Tab offers in the shell after TEXT (the words joined by spaces): command names for\n"
	"  the first word, type names after struct, union, whatis, member-at and -t, symbols of the\n"
	"  kernel and its modules elsewhere; one per line, sorted.\n";

int cmd_complete(struct cli_context *ctx, int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage, stderr);
		return 2;
	}
	char line[1024] = "";
	for (int i = 1; i < argc; i++) {
		size_t used = strlen(line);
		snprintf(line + used, sizeof(line) - used, "%s%s", i > 1 ? " " : "", argv[i]);
	}
	struct cli_completion c;
	if (cli_complete(ctx, line, &c)) {
		fprintf(stderr, "ktriage: complete: out of memory\n");
		return 1;
	}
	for (size_t i = 0; i < c.n; i++)
		printf("%s\n", c.names[i]);
	if (c.truncated)
		fprintf(stderr, "ktriage: more than %d names match\n", CLI_COMPLETIONS_MAX);
	cli_completion_free(&c);
	return 0;
}
