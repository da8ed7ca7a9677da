// SPDX-License-Identifier: MIT
#include <elfutils/libdwelf.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "core/util.h"
#include "sym/debuginfo.h"

char *kt_debuginfo_elf_build_id(Elf *elf)
{
	const void *id;
	ssize_t len = dwelf_elf_gnu_build_id(elf, &id);
	char *hex = len > 0 ? malloc(2 * (size_t)len + 1) : NULL;
	for (ssize_t i = 0; hex && i < len; i++)
		snprintf(hex + 2 * i, 3, "%02x", ((const uint8_t *)id)[i]);
	return hex;
}

struct kt_error *kt_debuginfo_path_build_id(const char *path, char **ret)
{
	elf_version(EV_CURRENT);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	Elf *elf = fd >= 0 ? elf_begin(fd, ELF_C_READ_MMAP, NULL) : NULL;
	struct kt_error *err = NULL;
	if (!elf || elf_kind(elf) != ELF_K_ELF)
		err = kt_error_create(KT_ERROR_NOT_FOUND, "cannot read %s as ELF: %s", path,
				      fd < 0 ? "cannot open it" : elf_errmsg(-1));
	else
		*ret = kt_debuginfo_elf_build_id(elf);
	if (elf)
		elf_end(elf);
	if (fd >= 0)
		close(fd);
	return err;
}

static bool is_file(const char *path)
{
	struct stat st;
	return !stat(path, &st) && S_ISREG(st.st_mode);
}

static bool is_dir(const char *path)
{
	struct stat st;
	return !stat(path, &st) && S_ISDIR(st.st_mode);
}

/* A growing NULL-terminated list of paths; false without memory (the list is then freed). */
struct paths {
	char **v;
	size_t n;
	bool nomem;
};

static void paths_add(struct paths *p, char *path)
{
	if (!path || p->nomem) {
		p->nomem |= !path;
		free(path);
		return;
	}
	for (size_t i = 0; i < p->n; i++) {
		if (!strcmp(p->v[i], path)) {
			free(path);
			return;
		}
	}
	char **grown = realloc(p->v, (p->n + 2) * sizeof(*grown));
	if (!grown) {
		p->nomem = true;
		free(path);
		return;
	}
	p->v = grown;
	p->v[p->n++] = path;
	p->v[p->n] = NULL;
}

static char **paths_finish(struct paths *p)
{
	if (p->nomem) {
		for (size_t i = 0; i < p->n; i++)
			free(p->v[i]);
		free(p->v);
		return NULL;
	}
	return p->v ? p->v : calloc(1, sizeof(char *));
}

static void add_existing(struct paths *p, const char *fmt, const char *dir, const char *a,
			 const char *b)
{
	char *path;
	if (asprintf(&path, fmt, dir, a, b) < 0) {
		p->nomem = true;
		return;
	}
	if (is_file(path))
		paths_add(p, path);
	else
		free(path);
}

static bool named_vmlinux(const char *path)
{
	const char *base = strrchr(path, '/');
	return !strncmp(base ? base + 1 : path, "vmlinux", 7);
}

/* The files given that are the dump's kernel by build-id (by name without one). */
static void given_files(struct paths *p, const char *const *places, size_t n_places,
			const char *build_id)
{
	for (size_t i = 0; i < n_places && !p->nomem; i++) {
		if (!is_file(places[i]))
			continue;
		if (!build_id) {
			if (named_vmlinux(places[i]))
				paths_add(p, strdup(places[i]));
			continue;
		}
		char *have = NULL;
		struct kt_error *err = kt_debuginfo_path_build_id(places[i], &have);
		p->nomem |= err == &kt_enomem;
		kt_error_destroy(err);
		if (have && !strcmp(have, build_id))
			paths_add(p, strdup(places[i]));
		free(have);
	}
}

char **kt_debuginfo_vmlinux_candidates(const char *const *places, size_t n_places,
				       const char *release, const char *build_id)
{
	static const char *const defaults[] = {KT_DEBUGINFO_DEFAULT_DIR};
	static const char *const by_release[] = {
		"%s/boot/vmlinux-%s%s",
		"%s/lib/modules/%s/vmlinux%s",
		"%s/usr/lib/debug/boot/vmlinux-%s%s",
		"%s/usr/lib/debug/lib/modules/%s/vmlinux%s",
	};
	if (!places) {
		places = defaults;
		n_places = KT_ARRAY_SIZE(defaults);
	}
	struct paths p = {0};
	given_files(&p, places, n_places, build_id);
	for (size_t i = 0; i < n_places && !p.nomem; i++) {
		if (!is_dir(places[i]))
			continue;
		if (build_id && strlen(build_id) > 2) {
			char head[3] = {build_id[0], build_id[1], '\0'};
			add_existing(&p, "%s/.build-id/%s/%s.debug", places[i], head, build_id + 2);
			add_existing(&p, "%s/usr/lib/debug/.build-id/%s/%s.debug", places[i], head,
				     build_id + 2);
		}
		for (size_t j = 0; release && j < KT_ARRAY_SIZE(by_release); j++)
			add_existing(&p, by_release[j], places[i], release, "");
		add_existing(&p, "%s/vmlinux%s%s", places[i], "", "");
	}
	return paths_finish(&p);
}

char **kt_debuginfo_all_vmlinux(const char *const *places, size_t n_places)
{
	static const char *const defaults[] = {KT_DEBUGINFO_DEFAULT_DIR};
	if (!places) {
		places = defaults;
		n_places = KT_ARRAY_SIZE(defaults);
	}
	struct paths p = {0};
	given_files(&p, places, n_places, NULL);
	for (size_t i = 0; i < n_places && !p.nomem; i++) {
		char *pattern;
		glob_t g = {0};
		if (!is_dir(places[i]))
			continue;
		if (asprintf(&pattern, "%s/{,usr/lib/debug/}boot/vmlinux-*", places[i]) < 0) {
			p.nomem = true;
			break;
		}
		if (!glob(pattern, GLOB_BRACE, NULL, &g))
			for (size_t j = 0; j < g.gl_pathc; j++)
				paths_add(&p, strdup(g.gl_pathv[j]));
		globfree(&g);
		free(pattern);
	}
	return paths_finish(&p);
}
