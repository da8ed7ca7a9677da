// SPDX-License-Identifier: MIT
#include <dirent.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/util.h"
#include "core/strbuf.h"
#include "sym/debuginfo.h"

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
	if (dirs) {
		for (size_t i = 0; i < n_dirs; i++) {
			char *path = search_dir(dirs[i], release, build_id);
			if (path)
				return path;
		}
		return NULL;
	}
	char *path = search_dir("/usr/lib/debug", release, build_id);
	if (path || !release)
		return path;
	char *cache;
	const char *env = getenv("KTRIAGE_CACHE"), *home = getenv("HOME");
	int n = env ? asprintf(&cache, "%s/kernel/%s/dbg", env, release)
		    : home ? asprintf(&cache, "%s/.cache/ktriage/kernel/%s/dbg", home, release) : -1;
	if (n < 0)
		return NULL;
	path = search_dir(cache, release, build_id);
	free(cache);
	return path;
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
	if (!dirs) {
		const char *env = getenv("KTRIAGE_CACHE"), *home = getenv("HOME");
		glob("/usr/lib/debug/boot/vmlinux-*", 0, NULL, &g);
		int n = env ? asprintf(&pattern, "%s/kernel/*/dbg/usr/lib/debug/boot/vmlinux-*", env)
			    : home ? asprintf(&pattern, "%s/.cache/ktriage/kernel/*/dbg/usr/lib/debug/boot/vmlinux-*", home)
				   : -1;
		if (n >= 0) {
			glob(pattern, GLOB_APPEND, NULL, &g);
			free(pattern);
		}
	}
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

/* Depth-first below dir for NAME.ko or NAME.ko.debug; depth bounds symlink loops. */
static char *walk_for_module(const char *dir, const char *name, int depth)
{
	DIR *d = depth < 12 ? opendir(dir) : NULL;
	if (!d)
		return NULL;
	char *found = NULL;
	struct dirent *e;
	while (!found && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		size_t len = strlen(e->d_name);
		size_t stem = len > 3 && !strcmp(e->d_name + len - 3, ".ko") ? len - 3
			      : len > 9 && !strcmp(e->d_name + len - 9, ".ko.debug") ? len - 9 : 0;
		char *path;
		if (asprintf(&path, "%s/%s", dir, e->d_name) < 0)
			break;
		struct stat st;
		if (stem && module_name_eq(e->d_name, stem, name) && !stat(path, &st) &&
		    S_ISREG(st.st_mode)) {
			found = path;
			break;
		}
		if (!stem && (e->d_type == DT_DIR || e->d_type == DT_UNKNOWN || e->d_type == DT_LNK))
			found = walk_for_module(path, name, depth + 1);
		free(path);
	}
	closedir(d);
	return found;
}

static char *module_in_dir(const char *dir, const char *release, const char *name,
			   const char *build_id)
{
	static const char *const prefixes[] = {"", "/usr/lib/debug"};
	for (size_t i = 0; i < KT_ARRAY_SIZE(prefixes); i++) {
		char *path = NULL;
		if (build_id && strlen(build_id) > 2) {
			char head[3] = {build_id[0], build_id[1], '\0'};
			char *base;
			if (asprintf(&base, "%s%s", dir, prefixes[i]) < 0)
				return NULL;
			path = try_path("%s/.build-id/%s/%s.debug", base, head, build_id + 2);
			free(base);
			if (path)
				return path;
		}
		if (!release)
			continue;
		char *root;
		if (asprintf(&root, "%s%s/lib/modules/%s", dir, prefixes[i], release) < 0)
			return NULL;
		path = walk_for_module(root, name, 0);
		free(root);
		if (path)
			return path;
	}
	return NULL;
}

char *kt_debuginfo_find_module(const char *const *dirs, size_t n_dirs, const char *release,
			       const char *name, const char *build_id, char **searched_ret)
{
	char *cache = NULL;
	const char *defaults[2] = {"/usr/lib/debug", NULL};
	if (!dirs) {
		const char *env = getenv("KTRIAGE_CACHE"), *home = getenv("HOME");
		if (release && (env ? asprintf(&cache, "%s/kernel/%s/dbg", env, release)
				    : home ? asprintf(&cache, "%s/.cache/ktriage/kernel/%s/dbg", home, release)
					   : -1) < 0)
			cache = NULL;
		defaults[1] = cache;
		dirs = defaults;
		n_dirs = cache ? 2 : 1;
	}
	char *found = NULL;
	struct kt_strbuf sb = {0};
	for (size_t i = 0; i < n_dirs; i++) {
		kt_strbuf_printf(&sb, "%s%s", i ? ", " : "", dirs[i]);
		if (!found)
			found = module_in_dir(dirs[i], release, name, build_id);
	}
	*searched_ret = kt_strbuf_finish(&sb);
	free(cache);
	return found;
}
