// SPDX-License-Identifier: MIT
/* mod: the loaded modules and the debug file each uses, as crash's `mod`, `mod -s`, `mod -S`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"

static int usage(void)
{
	fprintf(stderr, "usage: mod                 every loaded module and its debug file (or why none)\n"
			"       mod -s NAME [FILE]  load NAME's debug file: FILE, or searched\n"
			"       mod -S [DIR]        load every module's debug file: from DIR, or searched\n"
			"       mod -t              each tainted module's taints (O out-of-tree, E unsigned,\n"
			"                           ...), as crash's mod -t\n"
			"examples: mod;  mod -s kvm_intel;  mod -S /usr/lib/debug;  mod -t\n");
	return 2;
}

/* The list, each module with its debug file's state; only (NULL: all) the module named. */
static int list(struct cli_context *ctx, const char *only)
{
	const struct kt_module_info *mods;
	size_t n;
	struct kt_error *err = kt_module_list(ctx->prog, &mods, &n);
	if (err)
		return cli_report_error(err);
	struct kt_list_writer w;
	kt_list_begin(&w, stdout, cli_format(ctx), KT_LIST_MODULES);
	for (size_t i = 0; i < n; i++) {
		if (only && strcmp(only, mods[i].name))
			continue;
		struct kt_module_debug debug;
		err = kt_module_debug_status(ctx->prog, mods[i].name, &debug);
		kt_module_render(&w, &mods[i], err ? NULL : &debug);
		if (err && kt_error_code(err) == KT_ERROR_NOMEM) {
			kt_list_end(&w);
			return cli_report_error(err);
		}
		kt_error_destroy(err);
	}
	const struct kt_error *damage = kt_module_list_incomplete(ctx->prog);
	if (damage) {
		kt_list_end_incomplete(&w, damage);
		fprintf(stderr, "ktriage: %s\n", kt_error_message(damage));
		return 1;
	}
	kt_list_end(&w);
	return 0;
}

int cmd_mod(struct cli_context *ctx, int argc, char **argv)
{
	if (argc == 1)
		return list(ctx, NULL);
	if (!strcmp(argv[1], "-s") && (argc == 3 || argc == 4)) {
		// The kernel keeps '_' where modprobe accepts '-' too (kvm-intel is kvm_intel).
		for (char *c = argv[2]; *c; c++)
			*c = *c == '-' ? '_' : *c;
		struct kt_module_debug debug;
		struct kt_error *err = kt_module_debug_load(ctx->prog, argv[2], argc == 4 ? argv[3] : NULL,
							    &debug);
		int status = list(ctx, argv[2]);
		return err ? cli_report_error(err) : status;
	}
	if (!strcmp(argv[1], "-t") && argc == 2) {
		struct kt_module_taint *taints;
		size_t n;
		struct kt_error *err = kt_module_taints_read(ctx->prog, &taints, &n);
		if (err)
			return cli_report_error(err);
		kt_module_taints_render(stdout, cli_format(ctx), taints, n);
		free(taints);
		return 0;
	}
	if (!strcmp(argv[1], "-S") && argc <= 3) {
		size_t loaded;
		struct kt_error *err = kt_module_debug_load_all(ctx->prog, argc == 3 ? argv[2] : NULL,
								&loaded);
		if (err)
			return cli_report_error(err);
		return list(ctx, NULL);
	}
	return usage();
}
