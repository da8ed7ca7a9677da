// SPDX-License-Identifier: MIT
/*
 * swap: the swap areas, read as crash's swap reads them (mm/swapfile.c): swap_info[], pointers
 * to struct swap_info_struct since v2.6.35 (an array of the structs before, not read here), the
 * first nr_swapfiles of them made; an area is in use while its flags hold SWP_USED. Its size is
 * pages, its use inuse_pages, its path the swap file's (swap_file->f_path, as d_path() builds
 * it); a block device's inode is S_ISBLK.
 */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/util.h"
#include "kernel/d_path.h"
#include "kernel/object.h"
#include "ktriage.h"

/* MAX_SWAPFILES is at most 1 << MAX_SWAPFILES_SHIFT (5): more is not a kernel's count. */
enum { SWAPFILES_MAX = 32 };
enum { SWP_USED = 1 << 0 };       /* include/linux/swap.h */
enum { S_IFMT = 0170000, S_IFBLK = 0060000 };

static void area_error(struct kt_swap_area *a, struct kt_error *err)
{
	if (!a->error)
		a->error = strdup(kt_error_message(err));
	kt_error_destroy(err);
}

static struct kt_error *read_area(struct kt_program *prog, const struct kt_object *si,
				  struct kt_swap_area *a)
{
	uint64_t v, file = 0;
	struct kt_object o;
	struct kt_error *err;
	if (kt_object_member_u64(si, "pages", &v))
		a->pages = v;
	if (kt_object_member_u64(si, "inuse_pages", &v))
		a->inuse_pages = v;
	int64_t prio = 0;
	if (kt_error_none(kt_object_member(si, "prio", &o)))
		kt_error_none(kt_object_read_signed(&o, &prio));
	a->prio = (int)prio;
	if (!kt_object_member_u64(si, "swap_file", &file) || !file) {
		area_error(a, kt_error_create(KT_ERROR_NOT_FOUND, "no swap_file"));
		return NULL;
	}
	struct kt_object f;
	uint64_t mnt = 0, dentry = 0, mode = 0;
	if ((err = kt_object_from_address(prog, "struct file", file, &f))) {
		area_error(a, err);
		return NULL;
	}
	if (kt_object_member_u64(&f, "f_inode->i_mode", &mode))
		a->partition = (mode & S_IFMT) == S_IFBLK;
	if (!kt_object_member_u64(&f, "f_path.mnt", &mnt) || !kt_object_member_u64(&f, "f_path.dentry", &dentry)) {
		area_error(a, kt_error_create(KT_ERROR_FAULT, "swap_file 0x%llx: f_path unreadable",
					      (unsigned long long)file));
		return NULL;
	}
	if ((err = kt_d_path(prog, mnt, dentry, &a->path))) {
		if (kt_error_code(err) == KT_ERROR_NOMEM)
			return err;
		area_error(a, kt_error_prefix(err, "the swap file's path"));
	}
	return NULL;
}

struct kt_error *kt_swap_read(struct kt_program *prog, struct kt_swap **ret)
{
	uint64_t nr_addr, info_addr, ptrs[SWAPFILES_MAX];
	uint32_t nr;
	struct kt_error *err;
	if ((err = kt_program_symbol_address(prog, "nr_swapfiles", &nr_addr)) ||
	    (err = kt_program_read(prog, nr_addr, KT_KVADDR, &nr, sizeof(nr))))
		return kt_error_prefix(err, "nr_swapfiles");
	if ((err = kt_program_symbol_address(prog, "swap_info", &info_addr)))
		return kt_error_prefix(err, "swap_info");
	if (nr > SWAPFILES_MAX)
		return kt_error_create(KT_ERROR_BAD_DATA, "nr_swapfiles is %u: more than a kernel makes (%d)",
				       nr, SWAPFILES_MAX);
	if (nr && (err = kt_program_read(prog, info_addr, KT_KVADDR, ptrs, nr * sizeof(*ptrs))))
		return kt_error_prefix(err, "swap_info[]");
	struct kt_swap *s = calloc(1, sizeof(*s));
	if (!s || (nr && !(s->areas = calloc(nr, sizeof(*s->areas))))) {
		free(s);
		return &kt_enomem;
	}
	s->nr_swapfiles = nr;
	s->page_size = 4096;  // x86_64
	for (unsigned int i = 0; i < nr; i++) {
		struct kt_object si;
		uint64_t flags = 0;
		if (!ptrs[i])
			continue;
		struct kt_swap_area *a = &s->areas[s->n_areas];
		*a = (struct kt_swap_area){.swap_info_struct = ptrs[i], .type = (int)i};
		if ((err = kt_object_from_address(prog, "struct swap_info_struct", ptrs[i], &si)))
			break;
		if (!kt_object_member_u64(&si, "flags", &flags)) {
			s->n_areas++;
			area_error(a, kt_error_create(KT_ERROR_FAULT, "swap_info[%u] 0x%llx: flags unreadable", i,
						      (unsigned long long)ptrs[i]));
			continue;
		}
		if (!(flags & SWP_USED))
			continue;
		s->n_areas++;
		if ((err = read_area(prog, &si, a)))
			break;
	}
	if (err) {
		kt_swap_destroy(s);
		return err;
	}
	*ret = s;
	return NULL;
}

void kt_swap_destroy(struct kt_swap *swap)
{
	if (!swap)
		return;
	for (size_t i = 0; i < swap->n_areas; i++) {
		free(swap->areas[i].path);
		free(swap->areas[i].error);
	}
	free(swap->areas);
	free(swap);
}
