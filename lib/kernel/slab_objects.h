/* SPDX-License-Identifier: MIT */
/*
 * SLUB's objects of one slab and which of them are free (mm/slub.c): the slab's own freelist
 * and, for a CPU's slab, that CPU's lockless freelist (kmem_cache_cpu.freelist). Each link is
 * stored at object + kmem_cache.offset, obfuscated with CONFIG_SLAB_FREELIST_HARDENED as
 * freelist_ptr() does: ptr ^ s->random ^ swab(address of the link) (plain address of the link
 * before v5.7, commit 1ad53d9fa3f6). The slab is struct slab from v5.17, struct page before.
 */
#ifndef KT_KERNEL_SLAB_OBJECTS_H
#define KT_KERNEL_SLAB_OBJECTS_H

#include "kernel/mem_map.h"
#include "program.h"

/* One cache's layout, read once. */
struct kt_slab_layout {
	const char *slab_type;        /* "struct slab" or "struct page" */
	const char *cpu_slab_member;  /* kmem_cache_cpu's "slab" or "page" */
	bool hardened;                /* kmem_cache.random exists */
	uint64_t cache, offset, random, size, red_left_pad;
};
struct kt_error *kt_slab_layout_get(struct kt_program *prog, uint64_t cache,
				    struct kt_slab_layout *ret);

/* marks[i] for object i: KT_SLAB_OBJECT_ALLOCATED, _FREE or _CPU_FREE (a CPU's freelist). */
struct kt_slab_marks {
	uint64_t memory;              /* the slab's first byte */
	uint64_t first;               /* its first object (memory + red_left_pad) */
	uint32_t objects, free;
	int node;
	uint8_t *marks;
	char error[192];              /* why a freelist was cut short, or "" */
};
/* cpu_freelist: the lockless freelist of the CPU whose slab this is (0 for none). */
struct kt_error *kt_slab_marks_read(struct kt_program *prog, const struct kt_mem_map *m,
				    const struct kt_slab_layout *l, uint64_t slab,
				    uint64_t cpu_freelist, struct kt_slab_marks *ret);
void kt_slab_marks_deinit(struct kt_slab_marks *s);

/* The CPU whose kmem_cache_cpu holds slab as its slab, with its freelist; false if none. */
bool kt_slab_cpu_of(struct kt_program *prog, const struct kt_slab_layout *l, uint64_t slab,
		    unsigned int *cpu_ret, uint64_t *freelist_ret);

/* The slab object a kernel address is in, found from its struct page: the page's slab (the
 * head page of a compound one) and that slab's kmem_cache. */
struct kt_slab_object_ref {
	uint64_t cache;               /* struct kmem_cache * */
	char cache_name[64];
	uint64_t slab;                /* the struct slab (6.x) or head struct page of the slab */
	uint64_t memory;              /* the slab's first byte */
	uint64_t object;              /* the object's first byte */
	uint64_t size, object_size;   /* kmem_cache.size (the stride) and .object_size */
};
/* page: the struct page of addr's memory. False when it is no slab page; why (size bytes, may be
 * NULL) then says what could not be read, or is "" for memory that is simply not a slab's. */
bool kt_slab_object_find(struct kt_program *prog, const struct kt_mem_map *m, uint64_t page,
			 uint64_t addr, struct kt_slab_object_ref *ret, char *why, size_t size);

/* The NUMA node of a pfn: node_data[]'s spans (0 on a single node). */
int kt_slab_pfn_node(struct kt_program *prog, uint64_t pfn);

#endif
