/* SPDX-License-Identifier: MIT */
/* Splitting a command line: words, quotes and redirections (shell.c runs what they say). */
#ifndef KTRIAGE_CLI_WORDS_H
#define KTRIAGE_CLI_WORDS_H

/* Splits one command (no ';') into at most max - 1 words, argv[argc] = NULL; quotes group words.
 * Modifies line. Returns argc. */
int cli_split_words(char *line, char **argv, int max);

/*
 * The first unquoted '|' or '>' of a command, as crash reads its command lines: the part after
 * '|' goes to /bin/sh, after '>' or '>>' is a file. A '>' right after '-' is the member
 * operator of an expression (p ptr->member), not a redirection. NULL if there is none.
 */
char *cli_redirection(char *cmd);

#endif
