/* SPDX-License-Identifier: MIT */
/* Finding the debug vmlinux that belongs to a dump, in Debian's /usr/lib/debug layout. */
#ifndef KT_SYM_DEBUGINFO_H
#define KT_SYM_DEBUGINFO_H

#include "ktriage.h"

/*
 * Looks in each directory for .build-id/xx/yyyy.debug (when build_id is known), then
 * boot/vmlinux-RELEASE and lib/modules/RELEASE/vmlinux, also below usr/lib/debug/ (an extracted
 * -dbg package). dirs NULL: /usr/lib/debug (callers pass their own places, such as a cache of
 * extracted packages). Returns an allocated path, or NULL if nothing was found.
 */
char *kt_debuginfo_find_vmlinux(const char *const *dirs, size_t n_dirs, const char *release,
				const char *build_id);

/* For a dump that names no release: every boot/vmlinux-* in the same places, NULL-terminated;
 * free each and the array. */
char **kt_debuginfo_all_vmlinux(const char *const *dirs, size_t n_dirs);

/*
 * Every file that may be a kernel module's debug file, in order: for each directory,
 * .build-id/xx/yyyy.debug (when build_id is known), then every NAME.ko or NAME.ko.debug below
 * lib/modules/RELEASE ('-' and '_' alike, as modprobe has them), both also below usr/lib/debug/,
 * then NAME.ko[.debug] in the directory itself (a build directory, a copy of the modules). A
 * namesake of another build may come first: the caller checks build-ids and takes the first that
 * matches. dirs NULL: /usr/lib/debug. NULL-terminated (free each and the array), NULL only when
 * out of memory; *searched_ret (allocated) lists the directories, for a notice.
 */
char **kt_debuginfo_module_candidates(const char *const *dirs, size_t n_dirs, const char *release,
				      const char *name, const char *build_id, char **searched_ret);

/* The first of those candidates, or NULL. */
char *kt_debuginfo_find_module(const char *const *dirs, size_t n_dirs, const char *release,
			       const char *name, const char *build_id, char **searched_ret);

#endif
