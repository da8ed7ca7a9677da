// SPDX-License-Identifier: MIT
#include <dirent.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "core/util.h"
#include "core/strbuf.h"
#include "sym/debuginfo.h"

/* Where distributions install debug files; callers add their own places (a cache, a build). */
#define DEFAULT_DIR "/usr/lib/debug"

static char *try_path(const char *fmt, const char *dir, const char *a, const char *b)
{
	char *path;
	if (asprintf(&path, fmt, dir, a, b) < 0)
		return NULL;
	if (!access(path, R_OK))
		return path;
	free(path);
	return NULL;
}

static char *search_dir(const char *dir, const char *release, const char *build_id)
{
	static const char *const by_release[] = {
		"%s/boot/vmlinux-%s%s",
		"%s/lib/modules/%s/vmlinux%s",
		"%s/usr/lib/debug/boot/vmlinux-%s%s",
		"%s/usr/lib/debug/lib/modules/%s/vmlinux%s",
	};
	char *path;
	if (build_id && strlen(build_id) > 2) {
		char head[3] = {build_id[0], build_id[1], '\0'};
		if ((path = try_path("%s/.build-id/%s/%s.debug", dir, head, build_id + 2)))
			return path;
	}
	for (size_t i = 0; release && i < KT_ARRAY_SIZE(by_release); i++)
		if ((path = try_path(by_release[i], dir, release, "")))
			return path;
	return NULL;
}

char *kt_debuginfo_find_vmlinux(const char *const *dirs, size_t n_dirs, const char *release,
				const char *build_id)
{
	if (!dirs)
		return search_dir(DEFAULT_DIR, release, build_id);
	for (size_t i = 0; i < n_dirs; i++) {
		char *path = search_dir(dirs[i], release, build_id);
		if (path)
			return path;
	}
	return NULL;
}

char **kt_debuginfo_all_vmlinux(const char *const *dirs, size_t n_dirs)
{
	glob_t g = {0};
	int flags = 0;
	char *pattern;
	for (size_t i = 0; dirs && i < n_dirs; i++) {
		if (asprintf(&pattern, "%s/{,usr/lib/debug/}boot/vmlinux-*", dirs[i]) < 0)
			continue;
		glob(pattern, flags | GLOB_BRACE, NULL, &g);
		flags = GLOB_APPEND;
		free(pattern);
	}
	if (!dirs)
		glob(DEFAULT_DIR "/boot/vmlinux-*", 0, NULL, &g);
	char **paths = calloc(g.gl_pathc + 1, sizeof(*paths));
	for (size_t i = 0; paths && i < g.gl_pathc; i++)
		paths[i] = strdup(g.gl_pathv[i]);
	globfree(&g);
	return paths;
}

/* Module names: modprobe treats '-' and '_' alike, and the kernel keeps '_'. */
static bool module_name_eq(const char *file, size_t len, const char *name)
{
	for (size_t i = 0; i < len; i++, name++) {
		char a = file[i] == '-' ? '_' : file[i], b = *name == '-' ? '_' : *name;
		if (!b || a != b)
			return false;
	}
	return !*name;
}

/* Symlink loops end here; a search stops after this many candidates. */
enum { WALK_DEPTH_MAX = 12, CANDIDATES_MAX = 64 };

struct module_search {
	const char *name;
	kt_debuginfo_try_fn *try_fn;
	void *arg;
	char *tried[CANDIDATES_MAX];  /* each path once (a link and its target are two) */
	size_t n_tried;
	bool stop;                    /* a candidate was taken, or out of memory */
	bool nomem;
};

/* Offers path (taken over; NULL: no file) unless offered before. */
static void offer(struct module_search *ms, char *path)
{
	if (!path || ms->stop) {
		free(path);
		return;
	}
	for (size_t i = 0; i < ms->n_tried; i++) {
		if (!strcmp(ms->tried[i], path)) {
			free(path);
			return;
		}
	}
	if (ms->n_tried == CANDIDATES_MAX) {
		free(path);
		ms->stop = true;
		return;
	}
	ms->tried[ms->n_tried++] = path;
	ms->stop = ms->try_fn(path, ms->arg);
}

/* The regular files NAME.ko and NAME.ko.debug in dir; below it too when recurse. */
static void scan_dir(struct module_search *ms, const char *dir, bool recurse, int depth)
{
	DIR *d = depth < WALK_DEPTH_MAX ? opendir(dir) : NULL;
	if (!d)
		return;
	struct dirent *e;
	while (!ms->stop && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		size_t len = strlen(e->d_name);
		size_t stem = len > 3 && !strcmp(e->d_name + len - 3, ".ko") ? len - 3
			      : len > 9 && !strcmp(e->d_name + len - 9, ".ko.debug") ? len - 9 : 0;
		bool named = stem && module_name_eq(e->d_name, stem, ms->name);
		bool maybe_dir = e->d_type == DT_DIR || e->d_type == DT_UNKNOWN || e->d_type == DT_LNK;
		if (!named && !(recurse && !stem && maybe_dir))
			continue;
		char *path;
		if (asprintf(&path, "%s/%s", dir, e->d_name) < 0) {
			ms->stop = ms->nomem = true;
			break;
		}
		struct stat st;
		if (named) {
			if (!stat(path, &st) && S_ISREG(st.st_mode))
				offer(ms, path);
			else
				free(path);
			continue;
		}
		scan_dir(ms, path, true, depth + 1);
		free(path);
	}
	closedir(d);
}

/* Debian's -dbg packages are extracted with their usr/lib/debug prefix; a debug tree has none. */
static const char *const PREFIXES[] = {"", "/usr/lib/debug"};

static void by_build_id(struct module_search *ms, const char *dir, const char *build_id)
{
	char head[3] = {build_id[0], build_id[1], '\0'};
	for (size_t i = 0; i < KT_ARRAY_SIZE(PREFIXES) && !ms->stop; i++) {
		char *base;
		if (asprintf(&base, "%s%s", dir, PREFIXES[i]) < 0) {
			ms->stop = ms->nomem = true;
			return;
		}
		offer(ms, try_path("%s/.build-id/%s/%s.debug", base, head, build_id + 2));
		free(base);
	}
}

static void by_release(struct module_search *ms, const char *dir, const char *release)
{
	for (size_t i = 0; i < KT_ARRAY_SIZE(PREFIXES) && !ms->stop; i++) {
		char *root;
		if (asprintf(&root, "%s%s/lib/modules/%s", dir, PREFIXES[i], release) < 0) {
			ms->stop = ms->nomem = true;
			return;
		}
		scan_dir(ms, root, true, 0);
		free(root);
	}
}

struct kt_error *kt_debuginfo_search_module(const char *const *dirs, size_t n_dirs,
					    const char *release, const char *name,
					    const char *build_id, kt_debuginfo_try_fn *try_fn,
					    void *arg, char **searched_ret)
{
	static const char *const defaults[] = {DEFAULT_DIR};
	if (!dirs) {
		dirs = defaults;
		n_dirs = KT_ARRAY_SIZE(defaults);
	}
	struct module_search ms = {.name = name, .try_fn = try_fn, .arg = arg};
	// Cheapest first: build-id links, then directories holding the modules themselves, then
	// the walks of whole lib/modules/RELEASE trees (thousands of files in a distribution's).
	for (size_t i = 0; build_id && strlen(build_id) > 2 && i < n_dirs; i++)
		by_build_id(&ms, dirs[i], build_id);
	for (size_t i = 0; i < n_dirs && !ms.stop; i++)
		scan_dir(&ms, dirs[i], false, 0);
	for (size_t i = 0; release && i < n_dirs && !ms.stop; i++)
		by_release(&ms, dirs[i], release);
	for (size_t i = 0; i < ms.n_tried; i++)
		free(ms.tried[i]);
	struct kt_strbuf sb = {0};
	for (size_t i = 0; i < n_dirs; i++)
		kt_strbuf_printf(&sb, "%s%s", i ? ", " : "", dirs[i]);
	char *searched = kt_strbuf_finish(&sb);
	if (ms.nomem || !searched) {
		free(searched);
		return &kt_enomem;
	}
	*searched_ret = searched;
	return NULL;
}

static bool take_first(const char *path, void *arg)
{
	char **found = arg;
	*found = strdup(path);
	return true;
}

char *kt_debuginfo_find_module(const char *const *dirs, size_t n_dirs, const char *release,
			       const char *name, const char *build_id, char **searched_ret)
{
	char *found = NULL;
	struct kt_error *err = kt_debuginfo_search_module(dirs, n_dirs, release, name, build_id,
							  take_first, &found, searched_ret);
	if (err) {
		*searched_ret = NULL;
		return NULL;
	}
	return found;
}
