// SPDX-License-Identifier: MIT
/*
 * mount: the mounts of a task's mount namespace (task->nsproxy->mnt_ns), as crash's mount reads
 * them. Linux 6.8 moved them from the mnt_ns->list list (linked by struct mount.mnt_list) to an
 * rbtree, mnt_ns->mounts (linked by mnt_node; commit 2eea9ce4310d, "mounts: keep list of mounts in
 * an rbtree"); the member the kernel has says which.
 */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/util.h"
#include "kernel/d_path.h"
#include "kernel/list.h"
#include "kernel/object.h"
#include "kernel/rbtree.h"
#include "ktriage.h"

/* More mounts than this in one namespace is a loop (the kernel's default mount-max is 100000). */
enum { MOUNTS_MAX = 1 << 20 };

struct mount_walk {
	struct kt_program *prog;
	struct kt_mounts *m;
	uint64_t link_offset;    /* of mnt_list or mnt_node in struct mount */
	size_t cap;
	struct kt_error *fatal;
};

static bool add_mount(uint64_t node, void *arg)
{
	struct mount_walk *w = arg;
	struct kt_object mnt, o;
	uint64_t sb = 0, root = 0;
	struct kt_error *err = kt_object_from_address(w->prog, "struct mount", node - w->link_offset, &mnt);
	if (err) {
		w->fatal = err;
		return false;
	}
	if (!kt_object_member_u64(&mnt, "mnt.mnt_sb", &sb) || !sb)
		return true;  // a cursor of a /proc/PID/mounts reader (MNT_CURSOR), or unreadable
	if (!kt_grow((void **)&w->m->mounts, &w->cap, w->m->n_mounts, sizeof(*w->m->mounts), 16)) {
		w->fatal = &kt_enomem;
		return false;
	}
	struct kt_mount *k = &w->m->mounts[w->m->n_mounts++];
	*k = (struct kt_mount){.mount = mnt.address, .super_block = sb};
	if (!kt_error_none(kt_object_member(&mnt, "mnt.mnt_sb->s_type->name", &o)) ||
	    !kt_error_none(kt_object_read_string(&o, k->type, sizeof(k->type))))
		k->type[0] = 0;
	char dev[KT_D_PATH_MAX];
	if (kt_error_none(kt_object_member(&mnt, "mnt_devname", &o)) &&
	    kt_error_none(kt_object_read_string(&o, dev, sizeof(dev))) && !(k->devname = strdup(dev))) {
		w->fatal = &kt_enomem;
		return false;
	}
	// Where it is mounted: the path of its own root seen through it (drgn's mount_dst()).
	struct kt_object vfsmount;
	if (!(err = kt_object_member(&mnt, "mnt", &vfsmount)) &&
	    !(err = kt_object_member(&vfsmount, "mnt_root", &o)) &&
	    !(err = kt_object_read_unsigned(&o, &root)))
		err = kt_d_path(w->prog, vfsmount.address, root, &k->dirname);
	if (err) {
		if (kt_error_code(err) == KT_ERROR_NOMEM) {
			w->fatal = err;
			return false;
		}
		k->dirname_error = strdup(kt_error_message(err));
		kt_error_destroy(err);
	}
	return true;
}

static struct kt_error *field_offset(struct kt_program *prog, const char *type, const char *path,
				     uint64_t *ret)
{
	struct kt_type_ref ref, member;
	struct kt_error *err = kt_object_lookup_type(prog, type, &ref);
	return err ? err : kt_object_member_offset(prog, ref, path, ret, &member);
}

struct kt_error *kt_mounts_read(struct kt_program *prog, const struct kt_task *task,
				struct kt_mounts **ret)
{
	struct kt_object t, ns;
	struct kt_error *err;
	if ((err = kt_object_from_address(prog, "struct task_struct", task->address, &t)))
		return err;
	struct kt_mounts *m = calloc(1, sizeof(*m));
	if (!m)
		return &kt_enomem;
	m->task = *task;
	struct mount_walk w = {.prog = prog, .m = m};
	if ((err = kt_object_member(&t, "nsproxy->mnt_ns", &ns)) ||
	    (err = kt_object_read_unsigned(&ns, &m->mnt_ns)))
		goto fail;
	if (!m->mnt_ns) {
		err = kt_error_create(KT_ERROR_NOT_FOUND, "task 0x%llx has no mount namespace (nsproxy->mnt_ns "
				      "is NULL: an exiting task)", (unsigned long long)task->address);
		goto fail;
	}
	if ((err = kt_object_deref(&ns, &ns)))
		goto fail;
	struct kt_type_ref ns_type = kt_object_type(&ns);
	// Before 6.8 "mounts" is the count (unsigned int); 6.8 renamed that nr_mounts, as crash checks.
	m->rbtree = kt_object_type_has_member(prog, ns_type, "nr_mounts");
	struct kt_error *walk;
	if (m->rbtree) {
		struct kt_rbtree_layout rb;
		uint64_t root;
		struct kt_object o;
		if ((err = kt_rbtree_layout_get(prog, &rb)) ||
		    (err = field_offset(prog, "struct mount", "mnt_node", &w.link_offset)) ||
		    (err = kt_object_member(&ns, "mounts.rb_node", &o)) ||
		    (err = kt_object_read_unsigned(&o, &root)))
			goto fail;
		walk = kt_rbtree_for_each(&prog->reader, &rb, root, MOUNTS_MAX, add_mount, &w);
	} else {
		uint64_t list;
		if ((err = field_offset(prog, "struct mount", "mnt_list", &w.link_offset)) ||
		    (err = field_offset(prog, "struct mnt_namespace", "list", &list)))
			goto fail;
		walk = kt_list_for_each(&prog->reader, m->mnt_ns + list, MOUNTS_MAX, add_mount, &w);
	}
	if (w.fatal) {
		kt_error_destroy(walk);
		err = w.fatal;
		goto fail;
	}
	if (walk) {
		m->error = strdup(kt_error_message(walk));
		m->error_code = kt_error_code(walk);
		kt_error_destroy(walk);
	}
	*ret = m;
	return NULL;
fail:
	kt_mounts_destroy(m);
	return err;
}

void kt_mounts_destroy(struct kt_mounts *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n_mounts; i++) {
		free(m->mounts[i].devname);
		free(m->mounts[i].dirname);
		free(m->mounts[i].dirname_error);
	}
	free(m->mounts);
	free(m->error);
	free(m);
}
