// SPDX-License-Identifier: MIT
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"

struct log_print {
	bool json;
	bool first;
};

static void json_string(const char *s, size_t len)
{
	putchar('"');
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static bool print_record(const struct kt_log_record *rec, void *arg)
{
	struct log_print *p = arg;
	size_t len = rec->text_len;
	while (len && rec->text[len - 1] == '\n')
		len--;
	if (p->json) {
		printf("%s\n  {\"seq\": %llu, \"ts_nsec\": %llu, \"level\": %u, \"text\": ",
		       p->first ? "" : ",", (unsigned long long)rec->seq,
		       (unsigned long long)rec->ts_nsec, rec->level);
		json_string(rec->text, len);
		putchar('}');
	} else {
		printf("[%5llu.%06llu] %.*s\n", (unsigned long long)(rec->ts_nsec / 1000000000),
		       (unsigned long long)(rec->ts_nsec % 1000000000 / 1000), (int)len, rec->text);
	}
	p->first = false;
	return true;
}

int cmd_log(struct cli_context *ctx, int argc, char **argv)
{
	if (argc > 1) {
		fprintf(stderr, "usage: log\n");
		return 2;
	}
	(void)argv;
	struct log_print p = {.json = ctx->json, .first = true};
	if (p.json)
		printf("[");
	struct kt_error *err = kt_log_for_each(ctx->prog, print_record, &p);
	if (p.json)
		printf("\n]\n");
	return err ? cli_report_error(err) : 0;
}
