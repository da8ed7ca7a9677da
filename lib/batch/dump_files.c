// SPDX-License-Identifier: MIT
/*
 * Which files are dumps: recognised by their first bytes, never by name (capture hosts name
 * dumps vmcore, dump.202612061230, crash-HOST.elf ...): a kdump-compressed header
 * ("KDUMP   " or "DISKDUMP"), an ELF core file (e_type ET_CORE, so that a vmlinux or a module
 * beside the dump is not taken), or makedumpfile's flattened format ("makedumpfile").
 */
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "batch/batch.h"
#include "core/error.h"
#include "core/util.h"

const char *kt_dump_file_format(const char *path, const char **why)
{
	unsigned char hdr[64] = {0};
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		*why = "cannot be opened";
		return NULL;
	}
	ssize_t n = read(fd, hdr, sizeof(hdr));
	close(fd);
	if (n < 0) {
		*why = "cannot be read";
		return NULL;
	}
	if (n >= 8 && (!memcmp(hdr, "KDUMP   ", 8) || !memcmp(hdr, "DISKDUMP", 8)))
		return "kdump";
	if (n >= 16 && !memcmp(hdr, "makedumpfile", 13))
		return "flattened";
	if (n >= (ssize_t)sizeof(Elf64_Ehdr) && !memcmp(hdr, ELFMAG, SELFMAG)) {
		uint16_t type;
		memcpy(&type, hdr + offsetof(Elf64_Ehdr, e_type), sizeof(type));
		if (hdr[EI_CLASS] == ELFCLASS64 && hdr[EI_DATA] == ELFDATA2LSB && type == ET_CORE)
			return "ELF";
		*why = "an ELF file that is not a 64-bit little-endian core file";
		return NULL;
	}
	*why = n < 8 ? "too short for any dump header" : "no kdump, ELF core or flattened header";
	return NULL;
}

unsigned int kt_batch_shard_of(const char *relative_path, unsigned int n_shards)
{
	return n_shards > 1 ? (unsigned int)(kt_hash_string(relative_path) % n_shards) : 0;
}

static struct kt_error *add(struct kt_batch_files *f, const char *path, const char *format,
			    const char *why, uint64_t size)
{
	if (!kt_grow((void **)&f->items, &f->cap, f->n, sizeof(*f->items), 64))
		return &kt_enomem;
	struct kt_batch_file *item = &f->items[f->n];
	if (!(item->path = strdup(path)))
		return &kt_enomem;
	item->format = format;
	item->why = why;
	item->unreadable = false;
	item->size = size;
	f->n++;
	return NULL;
}

/* nftw() takes no argument: the walk's state for the one walk at a time of this thread. */
static __thread struct walk {
	struct kt_batch_files *files;
	struct kt_error *err;
	size_t root_len;
	unsigned int shard, n_shards;
} *walking;

static int visit(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)ftw;
	struct walk *w = walking;
	if (type != FTW_F || !S_ISREG(st->st_mode))
		return 0;
	const char *why;
	const char *format = kt_dump_file_format(path, &why);
	if (!format) {
		w->files->n_skipped++;
		return 0;
	}
	const char *rel = path + w->root_len;
	while (*rel == '/')
		rel++;
	if (kt_batch_shard_of(rel, w->n_shards) != w->shard) {
		w->files->n_other_shards++;
		return 0;
	}
	w->err = add(w->files, path, format, NULL, (uint64_t)st->st_size);
	return w->err ? 1 : 0;
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const struct kt_batch_file *)a)->path, ((const struct kt_batch_file *)b)->path);
}

struct kt_error *kt_batch_files_find(const char *const *paths, size_t n, unsigned int shard,
				     unsigned int n_shards, struct kt_batch_files *f)
{
	memset(f, 0, sizeof(*f));
	struct kt_error *err = NULL;
	for (size_t i = 0; i < n && !err; i++) {
		struct stat st;
		if (stat(paths[i], &st)) {
			if (!(err = add(f, paths[i], NULL, strerror(errno), 0)))
				f->items[f->n - 1].unreadable = true;
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			struct walk w = {.files = f, .root_len = strlen(paths[i]), .shard = shard,
					 .n_shards = n_shards};
			walking = &w;
			if (nftw(paths[i], visit, 32, FTW_PHYS) < 0 && !w.err)
				w.err = kt_error_create(KT_ERROR_OS, "walking %s: %s", paths[i], strerror(errno));
			walking = NULL;
			err = w.err;
			continue;
		}
		if (kt_batch_shard_of(paths[i], n_shards) != shard) {
			f->n_other_shards++;
			continue;
		}
		const char *why = NULL;
		const char *format = S_ISREG(st.st_mode) ? kt_dump_file_format(paths[i], &why) : NULL;
		if (!S_ISREG(st.st_mode))
			why = "not a regular file";
		err = add(f, paths[i], format, why, (uint64_t)st.st_size);
	}
	if (err) {
		kt_batch_files_deinit(f);
		return err;
	}
	if (f->n)  // qsort(NULL, 0, ...) is undefined
		qsort(f->items, f->n, sizeof(*f->items), by_path);
	// The same file given twice (or inside a directory also given) is one file.
	size_t k = 0;
	for (size_t i = 0; i < f->n; i++) {
		if (k && !strcmp(f->items[k - 1].path, f->items[i].path)) {
			free(f->items[i].path);
			continue;
		}
		f->items[k++] = f->items[i];
	}
	f->n = k;
	return NULL;
}

void kt_batch_files_deinit(struct kt_batch_files *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->items[i].path);
	free(f->items);
	memset(f, 0, sizeof(*f));
}
