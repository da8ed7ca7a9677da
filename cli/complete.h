/* SPDX-License-Identifier: MIT */
/* Completion of the word before the cursor: commands, then types or symbols, as the command wants. */
#ifndef KTRIAGE_CLI_COMPLETE_H
#define KTRIAGE_CLI_COMPLETE_H

#include "commands.h"

enum { CLI_COMPLETIONS_MAX = 500 };

struct cli_completion {
	char **names;       /* sorted, unique */
	size_t n;
	bool truncated;     /* more than CLI_COMPLETIONS_MAX matched */
	size_t word_len;    /* length of the word being completed (the end of line) */
	size_t common;      /* length of the prefix every name shares (>= word_len if n > 0) */
};

/* Candidates for the last word of line. Returns 0, or 1 if they cannot be had (no memory). */
int cli_complete(struct cli_context *ctx, const char *line, struct cli_completion *ret);
void cli_completion_free(struct cli_completion *c);

#endif
