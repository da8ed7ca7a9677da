// SPDX-License-Identifier: MIT
/*
 * files: a task's root and working directory (task->fs: struct fs_struct's root and pwd) and its
 * open files (task->files: struct files_struct, whose fdt points at the struct fdtable in use:
 * max_fds slots of fd[], a struct file * each or NULL), as crash's files reads them. The
 * fdtable has been reached through files->fdt since v2.6.14; the layout is the same in 5.10, 6.1
 * and 6.12.
 */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/util.h"
#include "dump/reader.h"
#include "kernel/d_path.h"
#include "kernel/object.h"
#include "ktriage.h"

/* More slots than this is not a descriptor table (sysctl fs.nr_open is at most 1 << 30, but
 * no process of a triaged machine holds millions of slots; the walk says where it stopped). */
enum { FILES_FDS_MAX = 1 << 24 };
/* Slots read at once. */
enum { FILES_CHUNK = 512 };

static struct kt_error *pointer(const struct kt_object *obj, const char *path, uint64_t *ret)
{
	struct kt_object o;
	struct kt_error *err = kt_object_member(obj, path, &o);
	return err ? err : kt_object_read_unsigned(&o, ret);
}

/* A struct path's members (fs->root, fs->pwd, file->f_path) as a path. */
static struct kt_error *path_of(const struct kt_object *path, char **ret)
{
	uint64_t mnt, dentry;
	struct kt_error *err;
	if ((err = pointer(path, "mnt", &mnt)) || (err = pointer(path, "dentry", &dentry)))
		return err;
	if (!mnt || !dentry)
		return kt_error_create(KT_ERROR_BAD_DATA, "struct path at 0x%llx has no %s",
				       (unsigned long long)path->address, mnt ? "dentry" : "mount");
	return kt_d_path(path->prog, mnt, dentry, ret);
}

static void set_error(struct kt_files *f, struct kt_error *err)
{
	if (!f->error) {
		f->error = strdup(kt_error_message(err));
		f->error_code = kt_error_code(err);
	}
	kt_error_destroy(err);
}

/* One open file: its dentry, inode, mode and path. Only running out of memory fails. */
static struct kt_error *file_read(struct kt_program *prog, struct kt_open_file *of)
{
	struct kt_object file, o;
	struct kt_error *err = kt_object_from_address(prog, "struct file", of->file, &file);
	if (!err && !(err = kt_object_member(&file, "f_path", &o)) &&
	    !(err = pointer(&o, "dentry", &of->dentry)) && !(err = pointer(&o, "mnt", &of->vfsmount))) {
		if (of->dentry)
			kt_object_member_u64(&file, "f_path.dentry->d_inode", &of->inode);
		uint64_t mode;
		if (of->inode && kt_object_member_u64(&file, "f_path.dentry->d_inode->i_mode", &mode)) {
			of->mode = (uint32_t)mode;
			of->has_mode = true;
		}
		err = path_of(&o, &of->path);
	}
	if (err && kt_error_code(err) == KT_ERROR_NOMEM)
		return err;
	if (err) {
		of->path_error = strdup(kt_error_message(err));
		kt_error_destroy(err);
		if (!of->path_error)
			return &kt_enomem;
	}
	return NULL;
}

static struct kt_error *fds_read(struct kt_program *prog, const struct kt_object *task,
				 struct kt_files *f)
{
	struct kt_object fdt;
	uint64_t fd_array, max_fds;
	struct kt_error *err;
	if ((err = pointer(task, "files", &f->files_struct)))
		return err;
	if (!f->files_struct)
		return NULL;
	if ((err = pointer(task, "files->fdt", &f->fdt)) ||
	    (err = kt_object_from_address(prog, "struct fdtable", f->fdt, &fdt)) ||
	    (err = pointer(&fdt, "max_fds", &max_fds)) || (err = pointer(&fdt, "fd", &fd_array)))
		return err;
	f->max_fds = (unsigned int)max_fds;
	if (max_fds > FILES_FDS_MAX)
		return kt_error_create(KT_ERROR_LIMIT, "fdtable 0x%llx: max_fds %llu is more than %d",
				       (unsigned long long)f->fdt, (unsigned long long)max_fds,
				       FILES_FDS_MAX);
	size_t cap = 0;
	uint64_t slots[FILES_CHUNK];
	for (uint64_t base = 0; base < max_fds; base += FILES_CHUNK) {
		size_t n = max_fds - base < FILES_CHUNK ? max_fds - base : FILES_CHUNK;
		if ((err = kt_read(&prog->reader, fd_array + base * 8, slots, n * 8)))
			return kt_error_prefix(err, "fdtable 0x%llx: fd[%llu..%llu]",
					       (unsigned long long)f->fdt, (unsigned long long)base,
					       (unsigned long long)(base + n - 1));
		for (size_t i = 0; i < n; i++) {
			if (!slots[i])
				continue;
			if (!kt_grow((void **)&f->files, &cap, f->n_files, sizeof(*f->files), 16))
				return &kt_enomem;
			struct kt_open_file *of = &f->files[f->n_files++];
			*of = (struct kt_open_file){.fd = (unsigned int)(base + i), .file = slots[i]};
			if ((err = file_read(prog, of)))
				return err;
		}
	}
	return NULL;
}

struct kt_error *kt_files_read(struct kt_program *prog, const struct kt_task *task,
			       struct kt_files **ret)
{
	struct kt_object t, o;
	struct kt_error *err;
	if ((err = kt_object_from_address(prog, "struct task_struct", task->address, &t)))
		return err;
	struct kt_files *f = calloc(1, sizeof(*f));
	if (!f)
		return &kt_enomem;
	f->task = *task;
	if ((err = pointer(&t, "fs", &f->fs)))
		goto fail;
	if (f->fs) {
		char **where[] = {&f->root, &f->cwd};
		const char *member[] = {"fs->root", "fs->pwd"};
		for (int i = 0; i < 2; i++) {
			err = kt_object_member(&t, member[i], &o);
			if (!err)
				err = path_of(&o, where[i]);
			if (err && kt_error_code(err) == KT_ERROR_NOMEM)
				goto fail;
			if (err)
				set_error(f, kt_error_prefix(err, "task 0x%llx: %s", (unsigned long long)task->address,
							     member[i]));
		}
	}
	if ((err = fds_read(prog, &t, f))) {
		if (kt_error_code(err) == KT_ERROR_NOMEM || kt_error_code(err) == KT_ERROR_NOT_FOUND)
			goto fail;
		set_error(f, err);
	}
	*ret = f;
	return NULL;
fail:
	kt_files_destroy(f);
	return err;
}

void kt_files_destroy(struct kt_files *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n_files; i++) {
		free(f->files[i].path);
		free(f->files[i].path_error);
	}
	free(f->files);
	free(f->root);
	free(f->cwd);
	free(f->error);
	free(f);
}

const char *kt_inode_type_name(uint32_t mode)
{
	switch (mode & 0170000) {  // S_IFMT
	case 0100000: return "REG";
	case 0040000: return "DIR";
	case 0020000: return "CHR";
	case 0060000: return "BLK";
	case 0120000: return "LNK";
	case 0010000: return "FIFO";
	case 0140000: return "SOCK";
	default: return "UNKN";
	}
}
