// SPDX-License-Identifier: MIT
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "debug_files.h"

const char cli_debug_files_help[] =
	"  --debuginfo PATH  a debug file (the vmlinux or a module's, matched by build-id) or a\n"
	"                    directory to search (/usr/lib/debug's layout, .build-id/, and\n"
	"                    NAME.ko, NAME.ko.debug, NAME.debug anywhere below it); repeatable,\n"
	"                    searched before the default places: /usr/lib/debug, the lab cache\n"
	"  --no-default-debuginfo  search only the --debuginfo places\n"
	"  --no-debuginfo    use only what the dump carries (kallsyms, BTF)\n"
	"  --types=btf|dwarf where types come from: BTF (default; the vmlinux's DWARF only\n"
	"                    when no BTF is at hand), or the vmlinux's DWARF\n";

bool cli_debug_files_init(struct cli_debug_files *d, int argc)
{
	*d = (struct cli_debug_files){0};
	// Each --debuginfo is a word of argv: at most argc of them.
	d->given = calloc((size_t)argc + 1, sizeof(*d->given));
	return d->given != NULL;
}

int cli_debug_files_option(struct cli_debug_files *d, int c, const char *arg,
			   struct kt_open_options *o, const char *who)
{
	switch (c) {
	case CLI_OPT_DEBUGINFO:
		d->given[d->n_given++] = arg;
		return 1;
	case CLI_OPT_NO_DEFAULT_DEBUGINFO:
		d->no_defaults = true;
		return 1;
	case CLI_OPT_NO_DEBUGINFO:
		o->no_debuginfo = true;
		return 1;
	case CLI_OPT_TYPES:
		if (strcmp(arg, "btf") && strcmp(arg, "dwarf")) {
			fprintf(stderr, "%s: --types is btf or dwarf, not '%s'\n", who, arg);
			return -1;
		}
		o->dwarf_types = !strcmp(arg, "dwarf");
		return 1;
	default:
		return 0;
	}
}

bool cli_debug_files_apply(struct cli_debug_files *d, struct kt_open_options *o)
{
	if (o->no_debuginfo)
		return true;
	const char *env = getenv("KTRIAGE_CACHE"), *home = getenv("HOME");
	char pattern[4096];
	int n = env ? snprintf(pattern, sizeof(pattern), "%s/kernel/*/dbg", env)
	       : home ? snprintf(pattern, sizeof(pattern), "%s/.cache/ktriage/kernel/*/dbg", home) : -1;
	glob_t *g = &d->cache_dirs;
	if (d->no_defaults || n < 0 || (size_t)n >= sizeof(pattern) ||
	    glob(pattern, GLOB_ONLYDIR, NULL, g))
		g->gl_pathc = 0;
	d->places = calloc(d->n_given + g->gl_pathc + 2, sizeof(*d->places));
	if (!d->places)
		return false;
	size_t k = 0;
	for (size_t i = 0; i < d->n_given; i++)
		d->places[k++] = d->given[i];
	if (!d->no_defaults)
		d->places[k++] = "/usr/lib/debug";
	for (size_t i = 0; i < g->gl_pathc; i++)
		d->places[k++] = g->gl_pathv[i];
	o->debuginfo_dirs = d->places;
	o->n_debuginfo_dirs = k;
	return true;
}

void cli_debug_files_release(struct cli_debug_files *d)
{
	free(d->places);
	free(d->given);
	globfree(&d->cache_dirs);
	*d = (struct cli_debug_files){0};
}
