// SPDX-License-Identifier: MIT
/*
 * vm: a task's address space (task->mm, struct mm_struct) as crash's vm reads it: mm->pgd,
 * mm->total_vm, the resident pages of mm->rss_stat, and the VMAs. v6.1 moved the VMAs from the
 * mm->mmap list (linked by vm_area_struct.vm_next, sorted by address) into the maple tree
 * mm->mm_mt, indexed by address; which one a kernel has is told by its struct mm_struct. Either
 * walk checks that the VMAs come in address order without overlap, so a loop or a stray pointer
 * ends it with the reason.
 */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/util.h"
#include "dump/reader.h"
#include "kernel/d_path.h"
#include "kernel/maple_tree.h"
#include "kernel/mem_map.h"
#include "kernel/object.h"
#include "kernel/percpu.h"
#include "kernel/vm.h"
#include "ktriage.h"

/* More VMAs than this is no address space (vm.max_map_count defaults to 65530). */
enum { VM_VMAS_MAX = 1 << 22 };
/* The rss_stat counters crash adds (include/linux/mm_types_task.h, an anonymous enum whose order
 * has held since v2.6.34): file-backed and anonymous pages. */
enum { MM_FILEPAGES = 0, MM_ANONPAGES = 1 };

static struct kt_error *pointer(const struct kt_object *obj, const char *path, uint64_t *ret)
{
	struct kt_object o;
	struct kt_error *err = kt_object_member(obj, path, &o);
	return err ? err : kt_object_read_unsigned(&o, ret);
}

static struct kt_error *signed_member(const struct kt_object *obj, const char *path, int64_t *ret)
{
	struct kt_object o;
	struct kt_error *err = kt_object_member(obj, path, &o);
	return err ? err : kt_object_read_signed(&o, ret);
}

/* One rss_stat counter: an atomic_long_t (count[i].counter) before v6.2, a struct
 * percpu_counter since (its count plus each online CPU's share, as percpu_counter_sum()). */
static struct kt_error *rss_counter(struct kt_program *prog, const struct kt_object *mm, int i,
				    int64_t *ret)
{
	char path[64];
	snprintf(path, sizeof(path), "rss_stat.count[%d].counter", i);
	if (!kt_object_type_has_member(prog, kt_object_type(mm), "rss_stat.count"))
		snprintf(path, sizeof(path), "rss_stat[%d].count", i);
	struct kt_error *err = signed_member(mm, path, ret);
	if (err || strstr(path, ".counter"))
		return err;
	uint64_t counters;
	const struct kt_percpu *pc;
	snprintf(path, sizeof(path), "rss_stat[%d].counters", i);
	if ((err = pointer(mm, path, &counters)) || (err = kt_percpu_get(prog, &pc)))
		return err;
	for (unsigned int cpu = 0; cpu < pc->nr_cpu_ids; cpu++) {
		uint64_t at;
		uint32_t share;
		if (!kt_percpu_online(pc, cpu) || kt_percpu_address(pc, counters, cpu, &at))
			continue;
		if ((err = kt_read(&prog->reader, at, &share, sizeof(share))))
			return kt_error_prefix(err, "mm 0x%llx: %s on CPU %u",
					       (unsigned long long)mm->address, path, cpu);
		*ret += (int32_t)share;
	}
	return NULL;
}

struct thread_rss {
	struct kt_program *prog;
	int32_t tgid;
	int64_t pages;
};

/* With SPLIT_RSS_COUNTING (before v6.2) each thread keeps counts not yet added to the mm. */
static bool add_thread_rss(const struct kt_task *task, void *arg)
{
	struct thread_rss *t = arg;
	struct kt_object obj;
	int64_t file, anon;
	char path[48];
	if (task->tgid != t->tgid || task->idle ||
	    kt_object_from_address(t->prog, "struct task_struct", task->address, &obj))
		return true;
	snprintf(path, sizeof(path), "rss_stat.count[%d]", MM_FILEPAGES);
	struct kt_error *err = signed_member(&obj, path, &file);
	snprintf(path, sizeof(path), "rss_stat.count[%d]", MM_ANONPAGES);
	if (!err)
		err = signed_member(&obj, path, &anon);
	if (!err)
		t->pages += file + anon;
	kt_error_destroy(err);
	return true;
}

static struct kt_error *rss_read(struct kt_program *prog, const struct kt_object *mm,
				 const struct kt_task *task, uint64_t *ret)
{
	int64_t file = 0, anon = 0;
	struct kt_error *err;
	if ((err = rss_counter(prog, mm, MM_FILEPAGES, &file)) ||
	    (err = rss_counter(prog, mm, MM_ANONPAGES, &anon)))
		return err;
	int64_t pages = file + anon;
	struct kt_type_ref task_type;
	if (!kt_object_lookup_type(prog, "struct task_struct", &task_type) &&
	    kt_object_type_has_member(prog, task_type, "rss_stat.count")) {
		struct thread_rss t = {.prog = prog, .tgid = task->tgid};
		if ((err = kt_task_for_each(prog, add_thread_rss, &t)))
			return err;
		pages += t.pages;
	}
	*ret = pages > 0 ? (uint64_t)pages : 0;
	return NULL;
}

static void set_error(struct kt_vm *vm, struct kt_error *err)
{
	if (!vm->error) {
		vm->error = strdup(kt_error_message(err));
		vm->error_code = kt_error_code(err);
	}
	kt_error_destroy(err);
}

/* One VMA: its range, flags and file (its path when paths). Out of address order is an error (a
 * loop, a stray pointer); only that and running out of memory stop the walk. */
static struct kt_error *vma_add(struct kt_program *prog, struct kt_vm *vm, size_t *cap,
				uint64_t address, bool paths)
{
	struct kt_object vma, path;
	struct kt_vma v = {.vma = address};
	struct kt_error *err;
	if ((err = kt_object_from_address(prog, "struct vm_area_struct", address, &vma)) ||
	    (err = pointer(&vma, "vm_start", &v.start)) || (err = pointer(&vma, "vm_end", &v.end)) ||
	    (err = pointer(&vma, "vm_flags", &v.flags)) || (err = pointer(&vma, "vm_file", &v.file)))
		return kt_error_prefix(err, "vm_area_struct 0x%llx", (unsigned long long)address);
	uint64_t floor = vm->n_vmas ? vm->vmas[vm->n_vmas - 1].end : 0;
	if (v.end <= v.start || v.start < floor)
		return kt_error_create(KT_ERROR_BAD_DATA, "vm_area_struct 0x%llx: 0x%llx-0x%llx is not "
				       "an address range past 0x%llx (a loop or a damaged VMA)",
				       (unsigned long long)address, (unsigned long long)v.start,
				       (unsigned long long)v.end, (unsigned long long)floor);
	if (vm->n_vmas >= VM_VMAS_MAX)
		return kt_error_create(KT_ERROR_LIMIT, "more than %d VMAs", VM_VMAS_MAX);
	if (v.file && paths) {
		uint64_t mnt = 0, dentry = 0;
		struct kt_object file;
		err = kt_object_from_address(prog, "struct file", v.file, &file);
		if (!err && !(err = kt_object_member(&file, "f_path", &path)) &&
		    !(err = pointer(&path, "mnt", &mnt)) && !(err = pointer(&path, "dentry", &dentry)))
			err = mnt && dentry ? kt_d_path(prog, mnt, dentry, &v.path)
					    : kt_error_create(KT_ERROR_BAD_DATA, "file 0x%llx has no path",
							      (unsigned long long)v.file);
		if (err && kt_error_code(err) == KT_ERROR_NOMEM)
			return err;
		if (err) {
			v.path_error = strdup(kt_error_message(err));
			kt_error_destroy(err);
			if (!v.path_error)
				return &kt_enomem;
		}
	}
	if (!kt_grow((void **)&vm->vmas, cap, vm->n_vmas, sizeof(*vm->vmas), 16)) {
		free(v.path);
		free(v.path_error);
		return &kt_enomem;
	}
	vm->vmas[vm->n_vmas++] = v;
	return NULL;
}

struct maple_collect {
	struct kt_program *prog;
	struct kt_vm *vm;
	size_t *cap;
	bool paths;
	struct kt_error *err;
};

static bool maple_vma(uint64_t first, uint64_t last, uint64_t entry, void *arg)
{
	(void)first;
	(void)last;
	struct maple_collect *c = arg;
	if (entry & 3)
		return true;  // a reserved entry (XA_ZERO_ENTRY after a failed fork) is no VMA
	c->err = vma_add(c->prog, c->vm, c->cap, entry, c->paths);
	return !c->err;
}

static struct kt_error *vmas_read(struct kt_program *prog, const struct kt_object *mm,
				  struct kt_vm *vm, bool paths)
{
	size_t cap = 0;
	struct kt_error *err;
	if (kt_object_type_has_member(prog, kt_object_type(mm), "mm_mt")) {
		struct kt_object mt;
		vm->layout = "maple";
		if ((err = kt_object_member(mm, "mm_mt", &mt)))
			return err;
		struct maple_collect c = {.prog = prog, .vm = vm, .cap = &cap, .paths = paths};
		err = kt_maple_for_each(&mt, 0, maple_vma, &c);
		if (c.err) {
			kt_error_destroy(err);
			return c.err;
		}
		return err;
	}
	if (!kt_object_type_has_member(prog, kt_object_type(mm), "mmap"))
		return kt_error_create(KT_ERROR_UNSUPPORTED, "struct mm_struct has neither mm_mt (a maple "
				       "tree of VMAs, v6.1+) nor mmap (a list of VMAs)");
	vm->layout = "list";
	uint64_t vma;
	if ((err = pointer(mm, "mmap", &vma)))
		return err;
	while (vma) {
		struct kt_object obj;
		if ((err = vma_add(prog, vm, &cap, vma, paths)))
			return err;
		if ((err = kt_object_from_address(prog, "struct vm_area_struct", vma, &obj)) ||
		    (err = pointer(&obj, "vm_next", &vma)))
			return kt_error_prefix(err, "vm_area_struct 0x%llx", (unsigned long long)vma);
	}
	return NULL;
}

/* details: the sizes and the files' paths too (vm), not only the ranges (search -u). */
static struct kt_error *vm_read(struct kt_program *prog, const struct kt_task *task, bool details,
				struct kt_vm **ret)
{
	struct kt_object t, mm;
	struct kt_error *err;
	if ((err = kt_object_from_address(prog, "struct task_struct", task->address, &t)))
		return err;
	struct kt_vm *vm = calloc(1, sizeof(*vm));
	if (!vm)
		return &kt_enomem;
	vm->task = *task;
	vm->page_size = KT_MEM_PAGE_SIZE;
	if ((err = pointer(&t, "mm", &vm->mm)))
		goto fail;
	if (!vm->mm) {
		*ret = vm;  // a kernel thread: no address space
		return NULL;
	}
	if ((err = kt_object_from_address(prog, "struct mm_struct", vm->mm, &mm)))
		goto fail;
	// The sizes are kept going without: the VMAs are what vm is for.
	if (details &&
	    ((err = pointer(&mm, "pgd", &vm->pgd)) || (err = pointer(&mm, "total_vm", &vm->total_vm)) ||
	     (err = rss_read(prog, &mm, task, &vm->rss)))) {
		if (kt_error_code(err) == KT_ERROR_NOMEM)
			goto fail;
		set_error(vm, kt_error_prefix(err, "mm_struct 0x%llx", (unsigned long long)vm->mm));
	}
	if ((err = vmas_read(prog, &mm, vm, details))) {
		if (kt_error_code(err) == KT_ERROR_NOMEM || kt_error_code(err) == KT_ERROR_UNSUPPORTED)
			goto fail;
		set_error(vm, err);
	}
	*ret = vm;
	return NULL;
fail:
	kt_vm_destroy(vm);
	return err;
}

struct kt_error *kt_vm_read(struct kt_program *prog, const struct kt_task *task, struct kt_vm **ret)
{
	return vm_read(prog, task, true, ret);
}

struct kt_error *kt_vm_areas_read(struct kt_program *prog, uint64_t task, struct kt_vm **ret)
{
	return vm_read(prog, &(struct kt_task){.address = task}, false, ret);
}

void kt_vm_destroy(struct kt_vm *vm)
{
	if (!vm)
		return;
	for (size_t i = 0; i < vm->n_vmas; i++) {
		free(vm->vmas[i].path);
		free(vm->vmas[i].path_error);
	}
	free(vm->vmas);
	free(vm->error);
	free(vm);
}
