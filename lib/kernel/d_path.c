// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "kernel/d_path.h"
#include "kernel/object.h"

/* A pointer member of obj. */
static struct kt_error *pointer(const struct kt_object *obj, const char *path, uint64_t *ret)
{
	struct kt_object o;
	struct kt_error *err = kt_object_member(obj, path, &o);
	return err ? err : kt_object_read_unsigned(&o, ret);
}

/* NAME_MAX is 255: a dentry name is at most that. */
enum { NAME_SIZE = 256 };

static struct kt_error *dentry_name(const struct kt_object *dentry, char buf[NAME_SIZE])
{
	struct kt_object o;
	struct kt_error *err = kt_object_member(dentry, "d_name.name", &o);
	if (!err)
		err = kt_object_read_string(&o, buf, NAME_SIZE);
	return err;
}

/* What /proc/PID/fd shows for a dentry whose filesystem names it (d_op->d_dname), or *named
 * false for an ordinary dentry. */
static struct kt_error *pseudo_name(const struct kt_object *dentry, char **ret, bool *named)
{
	uint64_t d_op, d_dname = 0;
	struct kt_object o;
	struct kt_error *err = pointer(dentry, "d_op", &d_op);
	if (!err && d_op)
		err = pointer(dentry, "d_op->d_dname", &d_dname);
	*named = false;
	if (err || !d_dname)
		return err;
	*named = true;
	char fstype[64], name[NAME_SIZE];
	uint64_t ino = 0;
	if ((err = kt_object_member(dentry, "d_sb->s_type->name", &o)) ||
	    (err = kt_object_read_string(&o, fstype, sizeof(fstype))) ||
	    (err = dentry_name(dentry, name)))
		return err;
	if (!kt_object_member_u64(dentry, "d_inode->i_ino", &ino))
		ino = 0;
	int n;
	if (!strcmp(fstype, "pipefs"))
		n = asprintf(ret, "pipe:[%llu]", (unsigned long long)ino);
	else if (!strcmp(fstype, "sockfs"))
		n = asprintf(ret, "socket:[%llu]", (unsigned long long)ino);
	else if (!strcmp(fstype, "anon_inodefs"))
		n = asprintf(ret, "anon_inode:%s", name);
	else
		n = asprintf(ret, "[%s]", fstype);
	return n < 0 ? &kt_enomem : NULL;
}

struct kt_error *kt_d_path(struct kt_program *prog, uint64_t vfsmount, uint64_t dentry_addr, char **ret)
{
	struct kt_object dentry, mnt;
	struct kt_error *err;
	if ((err = kt_object_from_address(prog, "struct dentry", dentry_addr, &dentry)))
		return err;
	bool named;
	if ((err = pseudo_name(&dentry, ret, &named)) || named)
		return err ? kt_error_prefix(err, "dentry 0x%llx", (unsigned long long)dentry_addr) : NULL;
	if ((err = kt_object_from_address(prog, "struct vfsmount", vfsmount, &mnt)) ||
	    (err = kt_object_container_of(&mnt, "struct mount", "mnt", &mnt)))
		return err;
	// Built from the end of buf towards its start, as prepend() does.
	char *buf = malloc(KT_D_PATH_MAX);
	if (!buf)
		return &kt_enomem;
	size_t start = KT_D_PATH_MAX - 1;
	buf[start] = 0;
	unsigned int steps = 0;
	for (;;) {
		if (++steps > KT_D_PATH_STEPS_MAX) {
			err = kt_error_create(KT_ERROR_LIMIT, "more than %d steps from dentry 0x%llx "
					      "(a loop at dentry 0x%llx)", KT_D_PATH_STEPS_MAX,
					      (unsigned long long)dentry_addr,
					      (unsigned long long)dentry.address);
			break;
		}
		uint64_t mnt_root, d_parent;
		if ((err = pointer(&mnt, "mnt.mnt_root", &mnt_root)))
			break;
		if (dentry.address == mnt_root) {
			uint64_t parent, mountpoint;
			if ((err = pointer(&mnt, "mnt_parent", &parent)) ||
			    (err = pointer(&mnt, "mnt_mountpoint", &mountpoint)))
				break;
			if (parent == mnt.address)
				break;  // the namespace's root mount
			if ((err = kt_object_from_address(prog, "struct dentry", mountpoint, &dentry)) ||
			    (err = kt_object_from_address(prog, "struct mount", parent, &mnt)))
				break;
			continue;
		}
		if ((err = pointer(&dentry, "d_parent", &d_parent)))
			break;
		if (d_parent == dentry.address)
			break;  // a filesystem's root not mounted in this chain: where d_path stops too
		char name[NAME_SIZE];
		if ((err = dentry_name(&dentry, name)))
			break;
		size_t len = strlen(name);
		if (len + 1 > start) {
			err = kt_error_create(KT_ERROR_LIMIT, "the path of dentry 0x%llx is longer than %d "
					      "bytes", (unsigned long long)dentry_addr, KT_D_PATH_MAX);
			break;
		}
		start -= len;
		memcpy(buf + start, name, len);
		buf[--start] = '/';
		if ((err = kt_object_from_address(prog, "struct dentry", d_parent, &dentry)))
			break;
	}
	if (err) {
		free(buf);
		return err;
	}
	if (!buf[start])
		buf[--start] = '/';
	memmove(buf, buf + start, KT_D_PATH_MAX - start);
	*ret = buf;
	return NULL;
}
