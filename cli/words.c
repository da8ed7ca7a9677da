// SPDX-License-Identifier: MIT
/* The words of a command line, as crash reads them (words.h). */
#include <ctype.h>
#include <stddef.h>

#include "words.h"

int cli_split_words(char *line, char **argv, int max)
{
	int argc = 0;
	char *p = line;
	while (*p && argc < max - 1) {
		while (isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		char quote = (*p == '\'' || *p == '"') ? *p++ : 0;
		argv[argc++] = p;
		while (*p && (quote ? *p != quote : !isspace((unsigned char)*p)))
			p++;
		if (*p)
			*p++ = '\0';
	}
	argv[argc] = NULL;
	return argc;
}

char *cli_redirection(char *cmd)
{
	char quote = 0;
	for (char *p = cmd; *p; p++) {
		if (quote) {
			quote = *p == quote ? 0 : quote;
		} else if (*p == '\'' || *p == '"') {
			quote = *p;
		} else if (*p == '|' || (*p == '>' && !(p > cmd && p[-1] == '-'))) {
			return p;
		}
	}
	return NULL;
}
