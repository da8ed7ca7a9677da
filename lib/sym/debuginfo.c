// SPDX-License-Identifier: MIT
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/util.h"
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
