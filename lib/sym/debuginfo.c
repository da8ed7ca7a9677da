// SPDX-License-Identifier: MIT
#include <dirent.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/util.h"
#include "report/strbuf.h"
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

/* Candidate paths: at most this many, the same path once. */
enum { CANDIDATES_MAX = 64, WALK_DEPTH_MAX = 12 };

struct candidates {
	char **paths;
	size_t n;
	bool nomem;
};

/* Takes path (may be NULL: no file) over. */
static void candidate_add(struct candidates *c, char *path)
{
	if (!path)
		return;
	for (size_t i = 0; i < c->n; i++) {
		if (!strcmp(c->paths[i], path)) {
			free(path);
			return;
		}
	}
	if (c->n == CANDIDATES_MAX) {
		free(path);
		return;
	}
	char **grown = realloc(c->paths, (c->n + 2) * sizeof(*grown));
	if (!grown) {
		free(path);
		c->nomem = true;
		return;
	}
	c->paths = grown;
	c->paths[c->n++] = path;
	c->paths[c->n] = NULL;
}

/* The regular files NAME.ko and NAME.ko.debug in dir; below it too when recurse (depth bounds
 * symlink loops). */
static void scan_dir(struct candidates *c, const char *dir, const char *name, bool recurse,
		     int depth)
{
	DIR *d = depth < WALK_DEPTH_MAX ? opendir(dir) : NULL;
	if (!d)
		return;
	struct dirent *e;
	while (!c->nomem && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		size_t len = strlen(e->d_name);
		size_t stem = len > 3 && !strcmp(e->d_name + len - 3, ".ko") ? len - 3
			      : len > 9 && !strcmp(e->d_name + len - 9, ".ko.debug") ? len - 9 : 0;
		bool maybe_dir = e->d_type == DT_DIR || e->d_type == DT_UNKNOWN || e->d_type == DT_LNK;
		if ((!stem || !module_name_eq(e->d_name, stem, name)) && !(recurse && maybe_dir))
			continue;
		char *path;
		if (asprintf(&path, "%s/%s", dir, e->d_name) < 0) {
			c->nomem = true;
			break;
		}
		struct stat st;
		if (stem && module_name_eq(e->d_name, stem, name) && !stat(path, &st) &&
		    S_ISREG(st.st_mode)) {
			candidate_add(c, path);
			continue;
		}
		if (!stem && recurse)
			scan_dir(c, path, name, true, depth + 1);
		free(path);
	}
	closedir(d);
}

static void module_in_dir(struct candidates *c, const char *dir, const char *release,
			  const char *name, const char *build_id)
{
	static const char *const prefixes[] = {"", "/usr/lib/debug"};
	for (size_t i = 0; i < KT_ARRAY_SIZE(prefixes) && !c->nomem; i++) {
		char *base;
		if (asprintf(&base, "%s%s", dir, prefixes[i]) < 0) {
			c->nomem = true;
			return;
		}
		if (build_id && strlen(build_id) > 2) {
			char head[3] = {build_id[0], build_id[1], '\0'};
			candidate_add(c, try_path("%s/.build-id/%s/%s.debug", base, head, build_id + 2));
		}
		char *root;
		if (release && asprintf(&root, "%s/lib/modules/%s", base, release) >= 0) {
			scan_dir(c, root, name, true, 0);
			free(root);
		}
		free(base);
	}
	scan_dir(c, dir, name, false, 0);  // a directory that holds the modules themselves
}

char **kt_debuginfo_module_candidates(const char *const *dirs, size_t n_dirs, const char *release,
				      const char *name, const char *build_id, char **searched_ret)
{
	static const char *const defaults[] = {DEFAULT_DIR};
	if (!dirs) {
		dirs = defaults;
		n_dirs = KT_ARRAY_SIZE(defaults);
	}
	struct candidates c = {0};
	struct kt_strbuf sb = {0};
	for (size_t i = 0; i < n_dirs; i++) {
		kt_strbuf_printf(&sb, "%s%s", i ? ", " : "", dirs[i]);
		module_in_dir(&c, dirs[i], release, name, build_id);
	}
	*searched_ret = kt_strbuf_finish(&sb);
	if (!c.paths && !c.nomem)
		c.paths = calloc(1, sizeof(*c.paths));
	if (c.nomem || !c.paths || !*searched_ret) {
		for (size_t i = 0; i < c.n; i++)
			free(c.paths[i]);
		free(c.paths);
		free(*searched_ret);
		*searched_ret = NULL;
		return NULL;
	}
	return c.paths;
}

char *kt_debuginfo_find_module(const char *const *dirs, size_t n_dirs, const char *release,
			       const char *name, const char *build_id, char **searched_ret)
{
	char **all = kt_debuginfo_module_candidates(dirs, n_dirs, release, name, build_id,
						    searched_ret);
	char *found = all ? all[0] : NULL;
	for (size_t i = 1; all && all[i]; i++)
		free(all[i]);
	free(all);
	return found;
}
