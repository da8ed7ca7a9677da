/* SPDX-License-Identifier: MIT */
/* Finding the debug vmlinux that belongs to a dump, in Debian's /usr/lib/debug layout. */
#ifndef KT_SYM_DEBUGINFO_H
#define KT_SYM_DEBUGINFO_H

#include "ktriage.h"

/*
 * Looks in each directory for .build-id/xx/yyyy.debug (when build_id is known), then
 * boot/vmlinux-RELEASE and lib/modules/RELEASE/vmlinux, also below usr/lib/debug/ (an extracted
 * -dbg package). dirs NULL: /usr/lib/debug, then $KTRIAGE_CACHE/kernel/RELEASE/dbg (the lab's cache,
 * ~/.cache/ktriage by default). Returns an allocated path, or NULL if nothing was found.
 */
char *kt_debuginfo_find_vmlinux(const char *const *dirs, size_t n_dirs, const char *release,
				const char *build_id);

/* For a dump that names no release: every boot/vmlinux-* in the same places (lab cache: every
 * cached kernel), NULL-terminated; free each and the array. */
char **kt_debuginfo_all_vmlinux(const char *const *dirs, size_t n_dirs);

/*
 * A kernel module's debug file: .build-id/xx/yyyy.debug (when build_id is known), then NAME.ko or
 * NAME.ko.debug anywhere below lib/modules/RELEASE ('-' and '_' alike, as modprobe has them), in
 * each directory and its usr/lib/debug/. dirs NULL: the same defaults as for the vmlinux. Returns
 * an allocated path or NULL; *searched_ret (allocated) lists the places, for a notice.
 */
char *kt_debuginfo_find_module(const char *const *dirs, size_t n_dirs, const char *release,
			       const char *name, const char *build_id, char **searched_ret);

#endif
