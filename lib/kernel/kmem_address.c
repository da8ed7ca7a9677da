// SPDX-License-Identifier: MIT
/*
 * kmem ADDR: what a kernel address is. A symbol of the kernel image or a module; a CPU's
 * per-CPU area; a vmap_area of the busy tree (vmap_area_root, or from v6.9 each
 * vmap_nodes[i].busy.root: commit d093602919ad, "mm: vmalloc: remove global vmap_area_root
 * rb-tree") with its vm_struct's caller and page; a task's task_struct or kernel stack; a slab
 * object, from its page's slab: PG_slab (before 6.8), the page type (6.8+: PG_slab as a
 * page_type bit, PGTY_slab in its top byte from 6.11), and the cache in slab->slab_cache
 * (struct slab, 5.17+) or page->slab_cache. Slab objects are placed by SLUB's layout (the slab's
 * first byte, kmem_cache.size apart, after red_left_pad); whether it is free from the slab's
 * freelist and, for a CPU's slab, that CPU's lockless freelist (kernel/slab_objects.c).
 */
#include <bpf/btf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "dump/reader.h"
#include "kernel/mem_map.h"
#include "kernel/object.h"
#include "kernel/percpu.h"
#include "kernel/slab_objects.h"
#include "kernel/tasks.h"
#include "ktriage.h"

static const uint64_t kernel_map = 0xffffffff80000000ULL;

static void note(struct kt_kmem_address *a, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (a->notes)
		return;  // the first one says the most
	a->notes = strdup(buf);
}

static bool member_u64(struct kt_program *prog, const char *type, uint64_t addr,
		       const char *member, uint64_t *ret)
{
	struct kt_object o, m;
	return kt_error_none(kt_object_from_address(prog, type, addr, &o)) &&
	       kt_error_none(kt_object_member(&o, member, &m)) &&
	       kt_error_none(kt_object_read_unsigned(&m, ret));
}

static void percpu_area(struct kt_program *prog, struct kt_kmem_address *a)
{
	const struct kt_percpu *pc;
	uint64_t start, end;
	if (!kt_error_none(kt_percpu_get(prog, &pc)) ||
	    !kt_error_none(kt_program_symbol_address(prog, "__per_cpu_start", &start)) ||
	    !kt_error_none(kt_program_symbol_address(prog, "__per_cpu_end", &end)) || end <= start)
		return;
	for (unsigned int cpu = 0; cpu < pc->nr_cpu_ids; cpu++) {
		if (!kt_percpu_possible(pc, cpu))
			continue;
		uint64_t base = pc->offsets[cpu] + start;
		if (a->address >= base && a->address < base + (end - start)) {
			a->percpu = true;
			a->percpu_cpu = cpu;
			a->percpu_offset = a->address - base;
			return;
		}
	}
}

/* The busy vmap_area containing addr below rb_root (a binary search by va_start). */
static bool vmap_search(struct kt_program *prog, uint64_t root, uint64_t addr, uint64_t *va_ret)
{
	uint64_t node, off, left_off, right_off;
	struct kt_type_ref va, rb, member;
	if (!kt_error_none(kt_read_u64(&prog->reader, root, &node)) ||
	    !kt_error_none(kt_object_lookup_type(prog, "struct vmap_area", &va)) ||
	    !kt_error_none(kt_object_member_offset(prog, va, "rb_node", &off, &member)) ||
	    !kt_error_none(kt_object_lookup_type(prog, "struct rb_node", &rb)) ||
	    !kt_error_none(kt_object_member_offset(prog, rb, "rb_left", &left_off, &member)) ||
	    !kt_error_none(kt_object_member_offset(prog, rb, "rb_right", &right_off, &member)))
		return false;
	for (int depth = 0; node && depth < 128; depth++) {
		uint64_t area = node - off, start, end;
		if (!member_u64(prog, "struct vmap_area", area, "va_start", &start) ||
		    !member_u64(prog, "struct vmap_area", area, "va_end", &end))
			return false;
		if (addr >= start && addr < end) {
			*va_ret = area;
			return true;
		}
		if (!kt_error_none(kt_read_u64(&prog->reader, node + (addr < start ? left_off : right_off),
					       &node)))
			return false;
	}
	return false;
}

static bool vmap_find(struct kt_program *prog, uint64_t addr, uint64_t *va_ret)
{
	uint64_t root, nodes_p, nodes;
	uint32_t nr;
	if (kt_error_none(kt_program_symbol_address(prog, "vmap_area_root", &root)))
		return vmap_search(prog, root, addr, va_ret);
	// 6.9+: struct vmap_node *vmap_nodes, nr_vmap_nodes of them, each with its busy tree.
	struct kt_type_ref vn, member;
	uint64_t busy_off;
	if (!kt_error_none(kt_program_symbol_address(prog, "vmap_nodes", &nodes_p)) ||
	    !kt_error_none(kt_read_u64(&prog->reader, nodes_p, &nodes)) ||
	    !kt_error_none(kt_program_symbol_address(prog, "nr_vmap_nodes", &root)) ||
	    !kt_error_none(kt_read_u32(&prog->reader, root, &nr)) || nr > 4096 ||
	    !kt_error_none(kt_object_lookup_type(prog, "struct vmap_node", &vn)) ||
	    !kt_error_none(kt_object_member_offset(prog, vn, "busy.root", &busy_off, &member)))
		return false;
	long long size = btf__resolve_size(vn.btf, (uint32_t)vn.id);
	for (uint32_t i = 0; size > 0 && i < nr; i++)
		if (vmap_search(prog, nodes + i * (uint64_t)size + busy_off, addr, va_ret))
			return true;
	return false;
}

static void vmalloc_area(struct kt_program *prog, struct kt_kmem_address *a, uint64_t *page_ret)
{
	uint64_t va;
	if (!vmap_find(prog, a->address, &va))
		return;
	a->vmalloc = true;
	a->vmap_area = va;
	member_u64(prog, "struct vmap_area", va, "va_start", &a->vm_start);
	member_u64(prog, "struct vmap_area", va, "va_end", &a->vm_end);
	uint64_t vm = 0, vm_addr, pages, nr_pages;
	if (!member_u64(prog, "struct vmap_area", va, "vm", &vm) || !vm)
		return;
	a->vm_struct = vm;
	const char *module;
	if (member_u64(prog, "struct vm_struct", vm, "caller", &a->vm_caller) && a->vm_caller)
		kt_error_destroy(kt_program_symbolize(prog, a->vm_caller, &a->vm_caller_symbol,
						      &a->vm_caller_offset, &module));
	// The page behind the address: vm->pages[] of a vmalloc allocation (none for ioremap).
	if (member_u64(prog, "struct vm_struct", vm, "addr", &vm_addr) &&
	    member_u64(prog, "struct vm_struct", vm, "pages", &pages) && pages &&
	    member_u64(prog, "struct vm_struct", vm, "nr_pages", &nr_pages) &&
	    a->address >= vm_addr && (a->address - vm_addr) / KT_MEM_PAGE_SIZE < nr_pages)
		kt_error_destroy(kt_read_u64(&prog->reader,
					     pages + (a->address - vm_addr) / KT_MEM_PAGE_SIZE * 8,
					     page_ret));
}

struct task_find {
	struct kt_program *prog;
	struct kt_kmem_address *a;
	uint64_t stack_size, task_size;
	uint64_t stack_off;
};

static bool task_check(const struct kt_task *t, void *arg)
{
	struct task_find *f = arg;
	uint64_t addr = f->a->address, stack;
	// A task_struct in a slab is the object that starts at the task (sizeof(struct
	// task_struct) counts the largest FPU state, more than the cache's objects hold);
	// elsewhere (the init task) its type's extent.
	if (f->a->slab ? t->address == f->a->object
		       : addr >= t->address && addr < t->address + f->task_size) {
		f->a->has_task = true;
		f->a->task = *t;
		return false;
	}
	if (kt_error_none(kt_read_u64(&f->prog->reader, t->address + f->stack_off, &stack)) &&
	    addr >= stack && addr < stack + f->stack_size) {
		f->a->has_task = true;
		f->a->task_stack = true;
		f->a->task = *t;
		return false;
	}
	return true;
}

static void task_of(struct kt_program *prog, struct kt_kmem_address *a)
{
	struct task_find f = {prog, a, 0, 0, 0};
	struct kt_type_ref ts, member;
	if (!kt_error_none(kt_task_stack_size(prog, &f.stack_size)) ||
	    !kt_error_none(kt_object_lookup_type(prog, "struct task_struct", &ts)) ||
	    !kt_error_none(kt_object_member_offset(prog, ts, "stack", &f.stack_off, &member)))
		return;
	long long size = btf__resolve_size(ts.btf, (uint32_t)ts.id);
	f.task_size = size > 0 ? (uint64_t)size : 0;
	struct kt_error *err = kt_task_for_each(prog, task_check, &f);
	if (err) {
		note(a, "the task list: %s", kt_error_message(err));
		kt_error_destroy(err);
	}
}

/* Allocated or free, from the slab's freelists; and the cache's kmem -s line, as crash shows. */
static void object_state(struct kt_program *prog, const struct kt_mem_map *m,
			 struct kt_kmem_address *a)
{
	struct kt_slab_caches *caches;
	if (a->cache_name[0] &&
	    kt_error_none(kt_slab_caches_read(prog, a->cache_name, &caches))) {
		for (size_t i = 0; i < caches->n; i++)
			if (caches->caches[i].address == a->slab_cache && !a->has_cache_counts) {
				a->cache_counts = caches->caches[i];
				caches->caches[i].error = NULL;
				a->has_cache_counts = true;
			}
		kt_slab_caches_destroy(caches);
	}
	struct kt_slab_layout l;
	struct kt_slab_marks marks;
	unsigned int cpu = 0;
	uint64_t cpu_freelist = 0;
	bool on_cpu = false;
	struct kt_error *err = kt_slab_layout_get(prog, a->slab_cache, &l);
	if (!err) {
		on_cpu = kt_slab_cpu_of(prog, &l, a->slab_page, &cpu, &cpu_freelist);
		err = kt_slab_marks_read(prog, m, &l, a->slab_page, on_cpu ? cpu_freelist : 0, &marks);
	}
	if (err) {
		note(a, "whether the object is free: %s", kt_error_message(err));
		kt_error_destroy(err);
		return;
	}
	uint64_t index = (a->object - marks.first) / l.size;
	if (index < marks.objects) {
		a->object_state_known = true;
		a->object_state = marks.marks[index];
		a->object_cpu = on_cpu ? (int)cpu : -1;  // crash's "(cpu N cache)"
		a->slab_node = marks.node;
		a->slab_objects = marks.objects;
		a->slab_free = marks.free;
	}
	if (marks.error[0])
		note(a, "%s (objects after it may show as allocated)", marks.error);
	kt_slab_marks_deinit(&marks);
}

static void slab_object(struct kt_program *prog, const struct kt_mem_map *m,
			struct kt_kmem_address *a, uint64_t page)
{
	struct kt_slab_object_ref r;
	char why[160];
	if (!kt_slab_object_find(prog, m, page, a->address, &r, why, sizeof(why))) {
		if (why[0])
			note(a, "%s", why);
		return;
	}
	a->slab = true;
	a->slab_cache = r.cache;
	snprintf(a->cache_name, sizeof(a->cache_name), "%s", r.cache_name);
	a->slab_page = r.slab;
	a->slab_memory = r.memory;
	a->object = r.object;
	a->object_size = r.object_size;
	a->object_stride = r.size;
	object_state(prog, m, a);
}

static void page_of(struct kt_program *prog, const struct kt_mem_map *m, struct kt_kmem_address *a,
		    uint64_t page)
{
	uint64_t flags, mapping, index;
	uint32_t count;
	if (!kt_error_none(kt_read_u64(&prog->reader, page + m->flags_off, &flags)) ||
	    !kt_error_none(kt_read_u64(&prog->reader, page + m->mapping_off, &mapping)) ||
	    !kt_error_none(kt_read_u64(&prog->reader, page + m->index_off, &index)) ||
	    !kt_error_none(kt_read_u32(&prog->reader, page + m->refcount_off, &count))) {
		note(a, "struct page at %llx cannot be read", (unsigned long long)page);
		return;
	}
	a->page = true;
	a->page_address = page;
	a->phys = (page - m->vmemmap) / m->page_size * KT_MEM_PAGE_SIZE;
	a->page_flags = flags;
	a->page_mapping = mapping;
	a->page_index = index;
	a->page_count = (int32_t)count;
	size_t len = 0;
	int nr = m->nr_pageflags > 0 && m->nr_pageflags < 64 ? m->nr_pageflags : 0;
	for (int bit = 0; bit < nr; bit++) {
		if (!(flags >> bit & 1))
			continue;
		const char *name = kt_enum_name(prog, "enum pageflags", bit);
		if (!name)
			continue;
		if (!strncmp(name, "PG_", 3))
			name += 3;
		int w = snprintf(a->page_flag_names + len, sizeof(a->page_flag_names) - len, "%s%s",
				 len ? "," : "", name);
		if (w < 0 || (size_t)w >= sizeof(a->page_flag_names) - len)
			break;
		len += (size_t)w;
	}
	slab_object(prog, m, a, page);
}

struct kt_error *kt_kmem_address_read(struct kt_program *prog, uint64_t address,
				      struct kt_kmem_address *a)
{
	*a = (struct kt_kmem_address){.address = address};
	struct kt_mem_map m;
	struct kt_error *err = kt_mem_map_get(prog, &m);
	if (err)
		return kt_error_prefix(err, "kmem");
	if (address >= kernel_map)
		kt_error_destroy(kt_program_symbolize(prog, address, &a->symbol, &a->symbol_offset,
						      &a->module));
	percpu_area(prog, a);
	uint64_t phys, page = 0;
	if (kt_mem_direct(&m, address, &phys)) {
		page = kt_mem_pfn_to_page(&m, phys >> KT_MEM_PAGE_SHIFT);
	} else if (address >= kernel_map && !a->module && a->symbol) {
		page = kt_mem_pfn_to_page(&m, (address - kernel_map + m.phys_base) >> KT_MEM_PAGE_SHIFT);
	} else {
		vmalloc_area(prog, a, &page);
	}
	if (page)
		page_of(prog, &m, a, page);
	task_of(prog, a);
	return NULL;
}

void kt_kmem_address_deinit(struct kt_kmem_address *a)
{
	free(a->notes);
	a->notes = NULL;
	free(a->cache_counts.error);
	a->cache_counts.error = NULL;
}
