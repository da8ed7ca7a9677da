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

#endif
