/* SPDX-License-Identifier: MIT */
/* Finding the debug vmlinux that belongs to a dump, in Debian's /usr/lib/debug layout. */
#ifndef KT_SYM_DEBUGINFO_H
#define KT_SYM_DEBUGINFO_H

#include "ktriage.h"

struct kt_error;

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
 * Offers try_fn every file that may be a kernel module's debug file, cheapest first, until it
 * returns true: .build-id/xx/yyyy.debug in each directory (when build_id is known), then
 * NAME.ko or NAME.ko.debug in each directory itself (a build directory, a copy of the modules),
 * then anywhere below each directory's lib/modules/RELEASE ('-' and '_' alike, as modprobe has
 * them); build-id links and lib/modules also below usr/lib/debug/ (an extracted -dbg package).
 * A namesake of another build may come first: try_fn checks build-ids. dirs NULL:
 * /usr/lib/debug. *searched_ret (allocated) lists the directories, for a notice. Fails only
 * without memory.
 */
typedef bool kt_debuginfo_try_fn(const char *path, void *arg);
struct kt_error *kt_debuginfo_search_module(const char *const *dirs, size_t n_dirs,
					    const char *release, const char *name,
					    const char *build_id, kt_debuginfo_try_fn *try_fn,
					    void *arg, char **searched_ret);

/* The first of those candidates, or NULL. */
char *kt_debuginfo_find_module(const char *const *dirs, size_t n_dirs, const char *release,
			       const char *name, const char *build_id, char **searched_ret);

#endif
