// SPDX-License-Identifier: MIT
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "core/strbuf.h"
#include "core/util.h"
#include "sym/debuginfo.h"
#include "sym/debuginfo_index.h"

/*
 * Bounds of the walk: symlinks may loop and a place may be /; a distribution's whole debug tree
 * (Debian's 6.1: ~4,900 entries, ~600 directories) stays far below them.
 */
enum { WALK_DEPTH_MAX = 16, WALK_DIRS_MAX = 20000, WALK_FILES_MAX = 200000, CANDIDATES_MAX = 64 };

struct entry {
	char *path;
	char *stem;          /* the module name it stands for, '-' as '_' */
	size_t order;        /* the walk's order: places first to last */
	bool given;          /* a place itself, not found in a directory */
	bool id_read;
	char *build_id;      /* read once; NULL: none */
};

struct dir_id {
	dev_t dev;
	ino_t ino;
};

struct kt_debuginfo_index {
	char **places;
	size_t n_places;
	char *places_text;
	char *release;
	bool walked;
	bool nomem;
	struct entry *entries;   /* sorted by (stem, order) once walked */
	size_t n, cap;
	struct dir_id *seen;     /* directories walked: a link loop or a second link ends here */
	size_t n_seen, seen_cap;
	size_t build_ids_read;
	char cut[256];           /* why the walk stopped early, or "" */
};

/* '-' and '_' are one character in module names; the kernel keeps '_'. */
static void stem_normalise(char *s)
{
	for (; *s; s++)
		if (*s == '-')
			*s = '_';
}

/* NAME for NAME.ko, NAME.ko.debug, NAME.debug; NULL for anything else. */
static char *stem_of(const char *file)
{
	static const char *const suffixes[] = {".ko.debug", ".ko", ".debug"};
	size_t len = strlen(file);
	for (size_t i = 0; i < KT_ARRAY_SIZE(suffixes); i++) {
		size_t sl = strlen(suffixes[i]);
		if (len > sl && !strcmp(file + len - sl, suffixes[i])) {
			char *stem = strndup(file, len - sl);
			if (stem)
				stem_normalise(stem);
			return stem;
		}
	}
	return NULL;
}

static void add_entry(struct kt_debuginfo_index *ix, char *path, char *stem, bool given)
{
	if (!kt_grow((void **)&ix->entries, &ix->cap, ix->n, sizeof(*ix->entries), 64)) {
		free(path);
		free(stem);
		ix->nomem = true;
		return;
	}
	ix->entries[ix->n] = (struct entry){.path = path, .stem = stem, .order = ix->n, .given = given};
	ix->n++;
}

/* Whether the directory was walked already (through another link, or a loop); records it. */
static bool dir_seen(struct kt_debuginfo_index *ix, const struct stat *st)
{
	for (size_t i = 0; i < ix->n_seen; i++)
		if (ix->seen[i].dev == st->st_dev && ix->seen[i].ino == st->st_ino)
			return true;
	if (!kt_grow((void **)&ix->seen, &ix->seen_cap, ix->n_seen, sizeof(*ix->seen), 64)) {
		ix->nomem = true;
		return true;
	}
	ix->seen[ix->n_seen++] = (struct dir_id){st->st_dev, st->st_ino};
	return false;
}

/* lib/modules/OTHER: another kernel's modules, never this one's. */
static bool other_release(const struct kt_debuginfo_index *ix, const char *dir, const char *name)
{
	size_t len = strlen(dir);
	return ix->release && len >= 12 && !strcmp(dir + len - 12, "/lib/modules") &&
	       strcmp(name, ix->release);
}

static void walk(struct kt_debuginfo_index *ix, const char *dir, int depth)
{
	if (depth > WALK_DEPTH_MAX) {
		kt_textf(ix->cut, sizeof(ix->cut), "%s is deeper than %d directories", dir,
			 WALK_DEPTH_MAX);
		return;
	}
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while (!ix->nomem && (e = readdir(d))) {
		// Hidden entries: ".", "..", and .build-id/, which is looked up by name instead.
		if (e->d_name[0] == '.')
			continue;
		bool maybe_dir = e->d_type == DT_DIR || e->d_type == DT_LNK || e->d_type == DT_UNKNOWN;
		char *stem = stem_of(e->d_name);
		if (!stem && !maybe_dir)
			continue;
		if (!stem && other_release(ix, dir, e->d_name))
			continue;
		char *path;
		if (asprintf(&path, "%s/%s", dir, e->d_name) < 0) {
			free(stem);
			ix->nomem = true;
			break;
		}
		struct stat st;
		bool regular = e->d_type == DT_REG;
		if (!regular && stat(path, &st)) {
			free(stem), free(path);
			continue;
		}
		if (stem && (regular || S_ISREG(st.st_mode))) {
			if (ix->n >= WALK_FILES_MAX) {
				kt_textf(ix->cut, sizeof(ix->cut), "more than %d debug files",
					 WALK_FILES_MAX);
				free(stem), free(path);
				break;
			}
			add_entry(ix, path, stem, false);
			continue;
		}
		free(stem);
		if (!regular && S_ISDIR(st.st_mode) && !dir_seen(ix, &st)) {
			if (ix->n_seen > WALK_DIRS_MAX)
				kt_textf(ix->cut, sizeof(ix->cut), "more than %d directories",
					 WALK_DIRS_MAX);
			else
				walk(ix, path, depth + 1);
		}
		free(path);
	}
	closedir(d);
}

static int stem_cmp(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->stem, ((const struct entry *)b)->stem);
}

static int entry_cmp(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	int c = strcmp(x->stem, y->stem);
	return c ? c : (x->order > y->order) - (x->order < y->order);
}

/* Files given are entries from the start (their build-ids are wanted before any walk). */
static void add_given(struct kt_debuginfo_index *ix)
{
	for (size_t i = 0; i < ix->n_places && !ix->nomem; i++) {
		struct stat st;
		if (stat(ix->places[i], &st) || !S_ISREG(st.st_mode))
			continue;
		const char *base = strrchr(ix->places[i], '/');
		base = base ? base + 1 : ix->places[i];
		char *stem = stem_of(base);
		if (!stem && !(stem = strdup(base)))
			ix->nomem = true;
		char *path = stem ? strdup(ix->places[i]) : NULL;
		if (!path) {
			free(stem);
			ix->nomem = true;
			break;
		}
		stem_normalise(stem);
		add_entry(ix, path, stem, true);
	}
}

/* The directories, walked once, places first to last; the entries then sorted by name. */
static void walk_all(struct kt_debuginfo_index *ix)
{
	if (ix->walked)
		return;
	ix->walked = true;
	for (size_t i = 0; i < ix->n_places && !ix->nomem; i++) {
		struct stat st;
		if (!stat(ix->places[i], &st) && S_ISDIR(st.st_mode) && !dir_seen(ix, &st))
			walk(ix, ix->places[i], 0);
	}
	if (!ix->nomem && ix->n)
		qsort(ix->entries, ix->n, sizeof(*ix->entries), entry_cmp);
}

struct kt_error *kt_debuginfo_index_create(const char *const *places, size_t n_places,
					   const char *release, struct kt_debuginfo_index **ret)
{
	static const char *const defaults[] = {KT_DEBUGINFO_DEFAULT_DIR};
	if (!places) {
		places = defaults;
		n_places = KT_ARRAY_SIZE(defaults);
	}
	struct kt_debuginfo_index *ix = calloc(1, sizeof(*ix));
	if (!ix || !(ix->places = calloc(n_places ? n_places : 1, sizeof(*ix->places))))
		goto nomem;
	struct kt_strbuf sb = {0};
	for (size_t i = 0; i < n_places; i++) {
		if (!(ix->places[i] = strdup(places[i])))
			goto nomem;
		ix->n_places++;
		kt_strbuf_printf(&sb, "%s%s", i ? ", " : "", places[i]);
	}
	if (!(ix->places_text = kt_strbuf_finish(&sb)) ||
	    (release && !(ix->release = strdup(release))))
		goto nomem;
	add_given(ix);
	if (ix->nomem)
		goto nomem;
	*ret = ix;
	return NULL;
nomem:
	kt_debuginfo_index_destroy(ix);
	return &kt_enomem;
}

void kt_debuginfo_index_destroy(struct kt_debuginfo_index *ix)
{
	if (!ix)
		return;
	for (size_t i = 0; ix->places && i < ix->n_places; i++)
		free(ix->places[i]);
	free(ix->places);
	free(ix->places_text);
	free(ix->release);
	for (size_t i = 0; i < ix->n; i++) {
		free(ix->entries[i].path);
		free(ix->entries[i].stem);
		free(ix->entries[i].build_id);
	}
	free(ix->entries);
	free(ix->seen);
	free(ix);
}

const char *kt_debuginfo_index_places(const struct kt_debuginfo_index *ix)
{
	return ix->places_text;
}

void kt_debuginfo_index_stats(const struct kt_debuginfo_index *ix,
			      struct kt_debuginfo_walk_stats *ret)
{
	*ret = (struct kt_debuginfo_walk_stats){.dirs = ix->n_seen, .files = ix->n,
						.build_ids_read = ix->build_ids_read,
						.cut = ix->cut[0] ? ix->cut : NULL};
}

static const char *entry_build_id(struct kt_debuginfo_index *ix, struct entry *e)
{
	if (!e->id_read) {
		e->id_read = true;
		ix->build_ids_read++;
		struct kt_error *err = kt_debuginfo_path_build_id(e->path, &e->build_id);
		if (err == &kt_enomem)
			ix->nomem = true;
		kt_error_destroy(err);
	}
	return e->build_id;
}

/* One module's search: each path offered once. */
struct offers {
	struct kt_debuginfo_index *ix;
	kt_debuginfo_candidate_fn *try_fn;
	void *arg;
	const char *offered[CANDIDATES_MAX];  /* borrowed: entries' paths, or owned links below */
	char *links[CANDIDATES_MAX];          /* .build-id paths made for this search */
	size_t n, n_links;
	bool stop;
};

static void offer(struct offers *o, const char *path, const char *build_id)
{
	if (o->stop || o->ix->nomem)
		return;
	for (size_t i = 0; i < o->n; i++)
		if (!strcmp(o->offered[i], path))
			return;
	if (o->n == CANDIDATES_MAX) {
		o->stop = true;
		return;
	}
	o->offered[o->n++] = path;
	o->stop = o->try_fn(path, build_id, o->arg);
}

/* Debian's -dbg packages are extracted with their usr/lib/debug prefix; a debug tree has none. */
static void by_build_id_link(struct offers *o, const char *dir, const char *build_id)
{
	static const char *const prefixes[] = {"", "/usr/lib/debug"};
	for (size_t i = 0; i < KT_ARRAY_SIZE(prefixes) && !o->stop && o->n_links < CANDIDATES_MAX; i++) {
		char *path;
		if (asprintf(&path, "%s%s/.build-id/%.2s/%s.debug", dir, prefixes[i], build_id,
			     build_id + 2) < 0) {
			o->ix->nomem = true;
			return;
		}
		if (access(path, R_OK)) {
			free(path);
			continue;
		}
		o->links[o->n_links++] = path;
		char *have = NULL;
		struct kt_error *err = kt_debuginfo_path_build_id(path, &have);
		if (err == &kt_enomem)
			o->ix->nomem = true;
		kt_error_destroy(err);
		offer(o, path, have);
		free(have);
	}
}

struct kt_error *kt_debuginfo_index_candidates(struct kt_debuginfo_index *ix, const char *name,
					       const char *build_id,
					       kt_debuginfo_candidate_fn *try_fn, void *arg,
					       size_t *n_offered_ret)
{
	struct offers o = {.ix = ix, .try_fn = try_fn, .arg = arg};
	_cleanup_free_ char *stem = strdup(name);
	if (!stem)
		return &kt_enomem;
	stem_normalise(stem);
	// Cheapest first: the files given whose build-id is the module's, the build-id links,
	// then the walk of the directories (once per index) for files of the module's name.
	for (size_t i = 0; build_id && i < ix->n && !o.stop; i++) {
		struct entry *e = &ix->entries[i];
		const char *have = e->given ? entry_build_id(ix, e) : NULL;
		if (have && !strcmp(have, build_id))
			offer(&o, e->path, have);
	}
	struct stat st;
	for (size_t i = 0; build_id && strlen(build_id) > 2 && i < ix->n_places && !o.stop; i++)
		if (!stat(ix->places[i], &st) && S_ISDIR(st.st_mode))
			by_build_id_link(&o, ix->places[i], build_id);
	if (!o.stop)
		walk_all(ix);
	struct entry key = {.stem = stem};
	struct entry *first = ix->walked && !ix->nomem && ix->n
		? bsearch(&key, ix->entries, ix->n, sizeof(*ix->entries), stem_cmp) : NULL;
	// bsearch found one of the namesakes: back to the first.
	while (first && first > ix->entries && !strcmp(first[-1].stem, stem))
		first--;
	for (struct entry *e = first; e && e < ix->entries + ix->n && !strcmp(e->stem, stem) && !o.stop;
	     e++)
		offer(&o, e->path, entry_build_id(ix, e));
	for (size_t i = 0; i < o.n_links; i++)
		free(o.links[i]);
	if (ix->nomem)
		return &kt_enomem;
	*n_offered_ret = o.n;
	return NULL;
}
