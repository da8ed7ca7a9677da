/* SPDX-License-Identifier: MIT */
/* Opening a lab dump in the C test drivers, on every kernel the lab runs. */
#ifndef KT_TESTS_TAP_OPEN_H
#define KT_TESTS_TAP_OPEN_H

#include <ktriage.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * kt_program_open for a lab dump. The dump alone (kallsyms and BTF from its memory) needs the
 * kallsyms VMCOREINFO carries from Linux 6.0 on; when the library says the dump has none (asked
 * for one symbol right after the open) and the options name no vmlinux, the dump is opened with its scenario's debug vmlinux (the "vmlinux"
 * link beside it) instead, and a TAP comment says so. Any other error is returned as it is.
 */
static inline struct kt_error *tap_program_open(const char *path, const struct kt_open_options *opts,
						struct kt_program **prog)
{
	static _Thread_local char vmlinux[PATH_MAX]; /* threads_test opens dumps on several threads */
	struct kt_open_options o = opts ? *opts : (struct kt_open_options){0};
	struct kt_error *err = kt_program_open(path, opts, prog);
	if (err || o.vmlinux)
		return err;
	/* Symbols are read at first use: ask for one. */
	uint64_t stext;
	err = kt_program_symbol_address(*prog, "_stext", &stext);
	if (!err)
		return NULL;
	if (!strstr(kt_error_message(err), "VMCOREINFO lacks the kallsyms tables")) {
		kt_program_destroy(*prog);
		*prog = NULL;
		return err;
	}
	kt_program_destroy(*prog);
	*prog = NULL;
	/* A scenario's vmlinux link; a patched copy elsewhere takes the panic scenario's (one
	 * dumps tree, one kernel). */
	const char *slash = strrchr(path, '/');
	int dir = slash ? (int)(slash - path) : 1;
	if (snprintf(vmlinux, sizeof(vmlinux), "%.*s/vmlinux", dir, slash ? path : ".") >= (int)sizeof(vmlinux))
		return err;
	const char *lab = getenv("KTRIAGE_LAB");
	if (access(vmlinux, R_OK) && lab &&
	    snprintf(vmlinux, sizeof(vmlinux), "%s/panic/vmlinux", lab) >= (int)sizeof(vmlinux))
		return err;
	printf("# %s: %s: opened with the debug vmlinux %s\n", path, kt_error_message(err), vmlinux);
	kt_error_destroy(err);
	o.vmlinux = vmlinux;
	o.no_debuginfo = false;
	return kt_program_open(path, &o, prog);
}

#endif
