// SPDX-License-Identifier: MIT
/* Running command lines: `-c 'cmd; cmd'`, and the interactive shell (libedit). */
#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <histedit.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "complete.h"
#include "words.h"

enum { MAX_ARGS = 64, LINE_MAX_LEN = 4096 };

const struct cli_command *cli_find_command(const char *name)
{
	// gdb's format suffix: p/x, x/8gx.
	size_t len = strcspn(name, "/");
	for (size_t i = 0; i < cli_n_commands; i++)
		if (strlen(cli_commands[i].name) == len && !strncmp(cli_commands[i].name, name, len))
			return &cli_commands[i];
	return NULL;
}

static void print_help(const struct cli_command *cmd)
{
	if (cmd->help)
		fputs(cmd->help, stdout);
	else
		printf("usage: %s\n  %s\n", cmd->usage, cmd->summary);
}

/* Edit distance of two short words (commands), for "did you mean". */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 31 || lb > 31)
		return SIZE_MAX;
	size_t row[32];
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			if (up + 1 < best)
				best = up + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

void cli_unknown_command(const char *name)
{
	const char *best = NULL;
	size_t best_d = SIZE_MAX;
	for (size_t i = 0; i < cli_n_commands; i++) {
		size_t d = distance(name, cli_commands[i].name);
		if (d < best_d) {
			best_d = d;
			best = cli_commands[i].name;
		}
	}
	// Close enough to be a typo: at most 2 edits, and fewer than the word has letters.
	if (best && best_d <= 2 && best_d < strlen(name))
		fprintf(stderr, "ktriage: unknown command '%s'; did you mean '%s'? (try 'help')\n", name, best);
	else
		fprintf(stderr, "ktriage: unknown command '%s' (try 'help')\n", name);
}

int cli_help(void)
{
	printf("commands:\n");
	for (size_t i = 0; i < cli_n_commands; i++)
		printf("  %-40s %s\n", cli_commands[i].usage, cli_commands[i].summary);
	printf("  %-40s %s\n", "help [COMMAND]", "this list, or one command's usage");
	printf("Any command takes --json and --help.\n");
	return 0;
}

/* "struct" or "union" if word (TYPE or TYPE.member) names a struct or union type; else NULL. */
const char *cli_type_keyword(struct kt_program *prog, const char *word)
{
	static const char *const keywords[] = {"struct", "union"};
	size_t len = strcspn(word, ".");
	if (!prog || !len || len > 256 || word[0] == '-')
		return NULL;
	for (size_t i = 0; i < 2; i++) {
		char name[300];
		snprintf(name, sizeof(name), "%s %.*s", keywords[i], (int)len, word);
		struct kt_value_options opts = {0};
		struct kt_declaration *decl;
		struct kt_error *err = kt_declaration_read(prog, name, &opts, &decl);
		if (!err) {
			kt_declaration_destroy(decl);
			return keywords[i];
		}
		kt_error_destroy(err);
	}
	return NULL;
}

bool cli_may_be_type(const char *word)
{
	size_t len = strcspn(word, ".");
	if (!len || !(isalpha((unsigned char)word[0]) || word[0] == '_'))
		return false;
	for (size_t i = 0; i < len; i++)
		if (!(isalnum((unsigned char)word[i]) || word[i] == '_' || word[i] == ':'))
			return false;
	return true;
}

static const char *type_keyword(struct cli_context *ctx, const char *word)
{
	return cli_type_keyword(ctx->prog, word);
}

int cli_run_argv(struct cli_context *ctx, int argc, char **argv)
{
	if (!argc)
		return 0;
	if (!strcmp(argv[0], "help")) {
		const struct cli_command *cmd = argc > 1 ? cli_find_command(argv[1]) : NULL;
		if (cmd) {
			print_help(cmd);
			return 0;
		}
		if (argc > 1 && strcmp(argv[1], "help")) {
			fprintf(stderr, "ktriage: help: unknown command '%s'\n", argv[1]);
			cli_help();
			return 2;
		}
		return cli_help();
	}
	int alias_status;
	if (cli_alias_run(ctx, argc, argv, &alias_status))
		return alias_status;
	const struct cli_command *cmd = cli_find_command(argv[0]);
	const char *keyword = cmd ? NULL : type_keyword(ctx, argv[0]);
	if (keyword) {
		// crash's shorthand: TYPE[.member] ... is struct (or union) TYPE[.member] ...
		char **full = calloc((size_t)argc + 2, sizeof(*full));
		if (!full) {
			fprintf(stderr, "ktriage: out of memory\n");
			return 1;
		}
		full[0] = (char *)keyword;
		memcpy(full + 1, argv, (size_t)argc * sizeof(*argv));
		int status = cli_run_argv(ctx, argc + 1, full);
		free(full);
		return status;
	}
	if (!cmd) {
		cli_unknown_command(argv[0]);
		return 2;
	}
	// --json and --help are everyone's: take them out before the command parses its options.
	bool json = ctx->json;
	int n = 1;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			ctx->json = true;
		} else if (!strcmp(argv[i], "--help") ||
			   (!strcmp(argv[i], "-h") && strcmp(cmd->name, "list"))) {  // list -h: crash's
			print_help(cmd);
			ctx->json = json;
			return 0;
		} else {
			argv[n++] = argv[i];
		}
	}
	argv[n] = NULL;
	optind = 0;  // 0: GNU getopt starts over, permutation state included  // each command parses its options from the start
	int status = cmd->run(ctx, n, argv);
	ctx->json = json;
	fflush(stdout);
	return status;
}

/* Runs argv with stdout on fd (a pipe to the shell, or a file); restores stdout after. */
static int run_to_fd(struct cli_context *ctx, int argc, char **argv, int fd)
{
	fflush(stdout);
	int saved = dup(STDOUT_FILENO);
	if (saved < 0 || dup2(fd, STDOUT_FILENO) < 0) {
		perror("ktriage: redirecting the output");
		if (saved >= 0)
			close(saved);
		return 1;
	}
	int status = cli_run_argv(ctx, argc, argv);
	fflush(stdout);
	clearerr(stdout);  // a reader that stopped early (| head) is not the command's failure
	dup2(saved, STDOUT_FILENO);
	close(saved);
	return status;
}

/* One command of a line, with its output piped to a shell command or written to a file. */
static int run_command(struct cli_context *ctx, char *cmd)
{
	char *argv[MAX_ARGS];
	char *redir = cli_redirection(cmd);
	if (!redir) {
		int argc = cli_split_words(cmd, argv, MAX_ARGS);
		return cli_run_argv(ctx, argc, argv);
	}
	char kind = *redir;
	bool append = kind == '>' && redir[1] == '>';
	*redir = '\0';
	char *target = redir + (append ? 2 : 1);
	target += strspn(target, " \t");
	int argc = cli_split_words(cmd, argv, MAX_ARGS);
	if (!argc || !*target) {
		fprintf(stderr, "ktriage: '%c' needs a command before it and a %s after it\n", kind,
			kind == '|' ? "shell command" : "file name");
		return 2;
	}
	if (kind == '|') {
		fflush(stdout);
		FILE *sh = popen(target, "w");
		if (!sh) {
			perror("ktriage: starting /bin/sh");
			return 1;
		}
		// The shell command may stop reading (| head): its end is not ktriage's.
		void (*old)(int) = signal(SIGPIPE, SIG_IGN);
		int status = run_to_fd(ctx, argc, argv, fileno(sh));
		pclose(sh);
		signal(SIGPIPE, old);
		return status;
	}
	target[strcspn(target, " \t")] = '\0';
	int fd = open(target, O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC), 0666);
	if (fd < 0) {
		fprintf(stderr, "ktriage: %s: %s\n", target, strerror(errno));
		return 1;
	}
	int status = run_to_fd(ctx, argc, argv, fd);
	close(fd);
	return status;
}

int cli_run_line(struct cli_context *ctx, const char *line)
{
	char buf[LINE_MAX_LEN];
	if (strlen(line) >= sizeof(buf)) {
		fprintf(stderr, "ktriage: command line too long\n");
		return 2;
	}
	strcpy(buf, line);
	// The worst status of the commands: 2 (usage) over 1 (failed) over 0.
	int status = 0;
	char *save;
	for (char *cmd = strtok_r(buf, ";", &save); cmd; cmd = strtok_r(NULL, ";", &save)) {
		int s = run_command(ctx, cmd);
		if (s > status)
			status = s;
	}
	return status;
}

/* libedit is opened when the shell starts: linked, it and the three libraries it needs cost
 * every command's start-up ~2 ms of loading and relocation. */
#define EDIT_FUNCTIONS(X) \
	X(el_end) X(el_get) X(el_gets) X(el_init) X(el_insertstr) X(el_line) X(el_set) X(history) \
	X(history_end) X(history_init)
#define EDIT_SLOT(name) __typeof__(name) *name;
#define EDIT_NAME(name) #name,
static const char *const edit_symbols[] = {EDIT_FUNCTIONS(EDIT_NAME)};
static union {
	struct {
		EDIT_FUNCTIONS(EDIT_SLOT)
	} fn;
	void *slots[sizeof(edit_symbols) / sizeof(edit_symbols[0])];
} edit;

/* Loads libedit into edit; false after saying why not. */
static bool load_libedit(void)
{
	static const char *const sonames[] = {"libedit.so.2", "libedit.so"};
	void *handle = NULL;
	const char *why = NULL;
	for (size_t i = 0; i < sizeof(sonames) / sizeof(sonames[0]) && !handle; i++)
		if (!(handle = dlopen(sonames[i], RTLD_NOW | RTLD_LOCAL)))
			why = dlerror();
	for (size_t i = 0; handle && i < sizeof(edit_symbols) / sizeof(edit_symbols[0]); i++)
		if (!(edit.slots[i] = dlsym(handle, edit_symbols[i]))) {
			why = dlerror();
			dlclose(handle);
			handle = NULL;
		}
	if (!handle)
		fprintf(stderr, "ktriage: cannot start the line editor: cannot load libedit: %s\n",
			why ? why : "unknown error");
	return handle != NULL;
}

static const char *prompt(EditLine *el)
{
	(void)el;
	return "ktriage> ";
}

/*
 * Tab: one candidate is inserted whole; several, as far as they agree, and when they agree no
 * further than what is typed, they are listed (cli_complete() says which names fit where).
 */
static unsigned char complete(EditLine *el, int ch)
{
	(void)ch;
	struct cli_context *ctx;
	const LineInfo *li = edit.fn.el_line(el);
	if (edit.fn.el_get(el, EL_CLIENTDATA, &ctx) || !ctx)
		return CC_ERROR;
	char line[LINE_MAX_LEN];
	size_t len = (size_t)(li->cursor - li->buffer);
	if (len >= sizeof(line))
		return CC_ERROR;
	memcpy(line, li->buffer, len);
	line[len] = '\0';
	struct cli_completion c;
	if (cli_complete(ctx, line, &c) || !c.n) {
		cli_completion_free(&c);
		return CC_ERROR;
	}
	unsigned char result = CC_REFRESH;
	if (c.n == 1) {
		edit.fn.el_insertstr(el, c.names[0] + c.word_len);
		edit.fn.el_insertstr(el, " ");
	} else if (c.common > c.word_len) {
		char part[LINE_MAX_LEN];
		snprintf(part, sizeof(part), "%.*s", (int)(c.common - c.word_len), c.names[0] + c.word_len);
		edit.fn.el_insertstr(el, part);
	} else {
		putchar('\n');
		for (size_t i = 0; i < c.n; i++)
			printf("%s%s", c.names[i], i + 1 < c.n ? "  " : "\n");
		if (c.truncated)
			printf("(more than %d)\n", CLI_COMPLETIONS_MAX);
		result = CC_REDISPLAY;
	}
	cli_completion_free(&c);
	return result;
}

int cli_shell(struct cli_context *ctx)
{
	if (!load_libedit())
		return 1;
	EditLine *el = edit.fn.el_init("ktriage", stdin, stdout, stderr);
	History *hist = edit.fn.history_init();
	HistEvent ev;
	if (!el || !hist) {
		fprintf(stderr, "ktriage: cannot start the line editor\n");
		return 1;
	}
	edit.fn.history(hist, &ev, H_SETSIZE, 1000);
	edit.fn.el_set(el, EL_PROMPT, prompt);
	edit.fn.el_set(el, EL_EDITOR, "emacs");
	edit.fn.el_set(el, EL_HIST, edit.fn.history, hist);
	edit.fn.el_set(el, EL_CLIENTDATA, ctx);
	edit.fn.el_set(el, EL_ADDFN, "kt-complete", "complete a command, type or symbol name", complete);
	edit.fn.el_set(el, EL_BIND, "^I", "kt-complete", NULL);
	const char *line;
	int count, ran = 0, failed = 0, worst = 0;
	while ((line = edit.fn.el_gets(el, &count)) && count > 0) {
		char buf[LINE_MAX_LEN];
		snprintf(buf, sizeof(buf), "%s", line);
		buf[strcspn(buf, "\n")] = '\0';
		if (!strcmp(buf, "quit") || !strcmp(buf, "q") || !strcmp(buf, "exit"))
			break;
		if (!buf[0])
			continue;
		edit.fn.history(hist, &ev, H_ENTER, buf);
		int s = cli_run_line(ctx, buf);
		ran++;
		if (s) {
			failed++;
			if (s > worst)
				worst = s;
		}
	}
	edit.fn.history_end(hist);
	edit.fn.el_end(el);
	// A session in which every line failed did not answer anything: say so to a script.
	return ran && failed == ran ? worst : 0;
}
