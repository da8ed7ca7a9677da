// SPDX-License-Identifier: MIT
#include <stdio.h>

#include "commands.h"

static const char *const module_states[] = {"live", "coming", "going", "unformed"};

int cmd_mod(struct cli_context *ctx, int argc, char **argv)
{
	(void)argv;
	if (argc > 1) {
		fprintf(stderr, "usage: mod\n");
		return 2;
	}
	const struct kt_module_info *mods;
	size_t n;
	struct kt_error *err = kt_module_list(ctx->prog, &mods, &n);
	if (err)
		return cli_report_error(err);
	if (ctx->json)
		printf("[");
	else
		printf("     MODULE              NAME                      BASE         SIZE  STATE     SYMBOLS\n");
	for (size_t i = 0; i < n; i++) {
		const struct kt_module_info *m = &mods[i];
		const char *state = m->state < 4 ? module_states[m->state] : "?";
		if (ctx->json)
			printf("%s\n  {\"module\": \"0x%016llx\", \"name\": \"%s\", \"base\": \"0x%016llx\", "
			       "\"size\": %llu, \"state\": \"%s\", \"symbols\": %zu}",
			       i ? "," : "", (unsigned long long)m->address, m->name,
			       (unsigned long long)m->base, (unsigned long long)m->size, state, m->n_symbols);
		else
			printf("%016llx  %-20s  %016llx  %8llu  %-8s  %zu\n", (unsigned long long)m->address,
			       m->name, (unsigned long long)m->base, (unsigned long long)m->size, state,
			       m->n_symbols);
	}
	if (ctx->json)
		printf("\n]\n");
	return 0;
}
