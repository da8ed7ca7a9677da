/* SPDX-License-Identifier: MIT */
/*
 * The options that say where debug files come from, shared by one dump's command line and
 * batch's: --debuginfo PATH (repeatable), --no-default-debuginfo, --no-debuginfo and
 * --types=btf|dwarf, turned into kt_open_options.
 */
#ifndef KT_CLI_DEBUG_FILES_H
#define KT_CLI_DEBUG_FILES_H

#include <glob.h>
#include <stdbool.h>
#include <stddef.h>

#include "ktriage.h"

/* getopt_long values, above every short option. */
enum {
	CLI_OPT_DEBUGINFO = 0x100,
	CLI_OPT_NO_DEFAULT_DEBUGINFO,
	CLI_OPT_NO_DEBUGINFO,
	CLI_OPT_TYPES,
};

/* Entries of a struct option table. */
#define CLI_DEBUG_FILE_OPTIONS                                                         \
	{"debuginfo", required_argument, NULL, CLI_OPT_DEBUGINFO},                     \
	{"no-default-debuginfo", no_argument, NULL, CLI_OPT_NO_DEFAULT_DEBUGINFO},     \
	{"no-debuginfo", no_argument, NULL, CLI_OPT_NO_DEBUGINFO},                     \
	{"types", required_argument, NULL, CLI_OPT_TYPES}

/* Their help lines, as both usages print them. */
extern const char cli_debug_files_help[];

struct cli_debug_files {
	const char **given;      /* the --debuginfo arguments, in order */
	size_t n_given;
	bool no_defaults;        /* --no-default-debuginfo */
	glob_t cache_dirs;       /* the lab cache's kernels, when searched */
	const char **places;     /* what kt_open_options.debuginfo_dirs points at */
};

/* Room for the --debuginfo arguments of an argv of argc words; false without memory. */
bool cli_debug_files_init(struct cli_debug_files *d, int argc);
/* Takes getopt_long's c if it is one of CLI_DEBUG_FILE_OPTIONS: 1 taken, 0 not one of them,
 * -1 a bad value (said on stderr after "WHO: "). */
int cli_debug_files_option(struct cli_debug_files *d, int c, const char *arg,
			   struct kt_open_options *o, const char *who);
/*
 * Sets o->debuginfo_dirs (unless --no-debuginfo): the --debuginfo places first, then, unless
 * --no-default-debuginfo, the distribution's place and every kernel the lab's cache holds
 * extracted (KTRIAGE_CACHE, ~/.cache/ktriage by default: kernel/RELEASE/dbg). The library
 * searches only what it is given. False without memory.
 */
bool cli_debug_files_apply(struct cli_debug_files *d, struct kt_open_options *o);
void cli_debug_files_release(struct cli_debug_files *d);

#endif
