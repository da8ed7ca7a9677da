// SPDX-License-Identifier: MIT
/*
 * Command lines as `ktriage DUMP -c '...'` and the shell read them: the words and redirections of
 * cli/words.c, then every word through the number and CPU-list parsers of cli/numbers.c. The
 * commands themselves run on an opened dump; the line is split here exactly as shell.c splits
 * it before running one (';' between commands, then '|' or '>', then words).
 */
#include <stdlib.h>
#include <string.h>

#include "numbers.h"
#include "words.h"

enum { MAX_ARGS = 64, LINE_MAX_LEN = 4096 };

static void parse_words(int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		uint64_t v;
		bool *cpus = NULL;
		cli_parse_uint(argv[i], 10, UINT64_MAX, &v);
		if (cli_parse_uint(argv[i], 16, 0xffffffffffffull, &v) && v > 0xffffffffffffull)
			__builtin_trap();  // beyond the maximum asked for
		if (cli_parse_cpu_list("fuzz", argv[i], 64, &cpus))
			free(cpus);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size >= LINE_MAX_LEN)
		return 0;
	char line[LINE_MAX_LEN];
	memcpy(line, data, size);
	line[size] = '\0';
	char *save;
	for (char *cmd = strtok_r(line, ";", &save); cmd; cmd = strtok_r(NULL, ";", &save)) {
		char *argv[MAX_ARGS];
		char *redir = cli_redirection(cmd);
		if (redir)
			*redir = '\0';
		int argc = cli_split_words(cmd, argv, MAX_ARGS);
		if (argc < 0 || argc >= MAX_ARGS || argv[argc])
			__builtin_trap();
		parse_words(argc, argv);
	}
	return 0;
}
