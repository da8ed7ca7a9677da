/* SPDX-License-Identifier: MIT */
/*
 * Where a loaded module's debug file may be, among the places the program was given: files
 * named themselves, and directories searched recursively for NAME.ko, NAME.ko.debug and
 * NAME.debug, with .build-id/xx/yyyy.debug looked up directly. The directories are walked once
 * per index (on the first name lookup: a module found by its build-id link needs no walk), and
 * each candidate's build-id is read once.
 */
#ifndef KT_SYM_DEBUGINFO_INDEX_H
#define KT_SYM_DEBUGINFO_INDEX_H

#include <stdbool.h>
#include <stddef.h>

struct kt_error;
struct kt_debuginfo_index;

/*
 * An index of places (files or directories, copied; NULL: /usr/lib/debug). release (may be NULL)
 * prunes lib/modules/OTHER-RELEASE trees: a module of another kernel is never this one's.
 */
struct kt_error *kt_debuginfo_index_create(const char *const *places, size_t n_places,
					   const char *release, struct kt_debuginfo_index **ret);
void kt_debuginfo_index_destroy(struct kt_debuginfo_index *index);

/* The places, "a, b, c", for messages; valid while the index is. */
const char *kt_debuginfo_index_places(const struct kt_debuginfo_index *index);

/*
 * Offers try_fn the candidates for a module, until it returns true: files given whose build-id
 * is build_id, then .build-id/xx/yyyy.debug in each directory (also below usr/lib/debug/, an
 * extracted -dbg package), then every file of the module's name ('-' and '_' alike, as modprobe
 * has them) in the order of the places. file_build_id is the candidate's own (NULL: it has none
 * or it is no ELF file). build_id NULL: by name only. Each path is offered once, at most
 * CANDIDATES_MAX of them. *n_offered_ret counts them. Fails only without memory.
 */
typedef bool kt_debuginfo_candidate_fn(const char *path, const char *file_build_id, void *arg);
struct kt_error *kt_debuginfo_index_candidates(struct kt_debuginfo_index *index, const char *name,
					       const char *build_id,
					       kt_debuginfo_candidate_fn *try_fn, void *arg,
					       size_t *n_offered_ret);

/* What the walk covered, for the performance notes and messages: directories read, files kept,
 * and why it stopped early (NULL if it did not). */
struct kt_debuginfo_walk_stats {
	size_t dirs, files, build_ids_read;
	const char *cut;
};
void kt_debuginfo_index_stats(const struct kt_debuginfo_index *index,
			      struct kt_debuginfo_walk_stats *ret);

#endif
