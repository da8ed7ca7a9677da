/* SPDX-License-Identifier: MIT */
/*
 * Finding the debug vmlinux that belongs to a dump among the places the program was given:
 * files named themselves, and directories in Debian's /usr/lib/debug layout or a kernel build
 * directory. Modules' debug files: sym/debuginfo_index.h.
 */
#ifndef KT_SYM_DEBUGINFO_H
#define KT_SYM_DEBUGINFO_H

#include <gelf.h>

#include "ktriage.h"

struct kt_error;

/* Where distributions install debug files; the library's only place when given none. */
#define KT_DEBUGINFO_DEFAULT_DIR "/usr/lib/debug"

/* A file's GNU build-id in lower-case hex; *ret NULL when it has none. NOT_FOUND if the file
 * cannot be read as ELF. */
struct kt_error *kt_debuginfo_path_build_id(const char *path, char **ret);
/* The same for an open ELF; NULL when it has none (or without memory). */
char *kt_debuginfo_elf_build_id(Elf *elf);

/*
 * Every file that may be the dump's debug vmlinux, in the order to try them, NULL-terminated
 * (free each and the array; NULL without memory): files given whose build-id is build_id (any
 * file given whose name starts with "vmlinux" when the dump names no build-id), then in each
 * directory .build-id/xx/yyyy.debug, boot/vmlinux-RELEASE, lib/modules/RELEASE/vmlinux (also below
 * usr/lib/debug/, an extracted -dbg package) and DIR/vmlinux (a build directory). places NULL:
 * /usr/lib/debug. The caller checks each (build-id, banner) and takes the first that fits.
 */
char **kt_debuginfo_vmlinux_candidates(const char *const *places, size_t n_places,
				       const char *release, const char *build_id);

/* For a dump that names no release: every boot/vmlinux-* in the directories and every file
 * given, NULL-terminated; free each and the array. */
char **kt_debuginfo_all_vmlinux(const char *const *places, size_t n_places);

#endif
