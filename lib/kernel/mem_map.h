/* SPDX-License-Identifier: MIT */
/*
 * The x86-64 kernel's memory layout as the dump's kernel set it (arch/x86/include/asm/
 * page_64_types.h, pgtable_64_types.h): the direct map at page_offset_base, the struct page
 * array (SPARSEMEM_VMEMMAP) at vmemmap_base, the vmalloc area, the kernel image at
 * __START_KERNEL_map loaded at phys_base; and the struct page members kmem reads.
 */
#ifndef KT_KERNEL_MEM_MAP_H
#define KT_KERNEL_MEM_MAP_H

#include "program.h"

enum { KT_MEM_PAGE_SHIFT = 12, KT_MEM_PAGE_SIZE = 1 << KT_MEM_PAGE_SHIFT };

struct kt_mem_map {
	uint64_t page_offset;      /* page_offset_base, else __PAGE_OFFSET_BASE_L4 */
	uint64_t vmemmap;          /* vmemmap_base, else __VMEMMAP_BASE_L4 */
	uint64_t vmalloc_start;    /* vmalloc_base, else __VMALLOC_BASE_L4 */
	uint64_t phys_base;        /* where __START_KERNEL_map is loaded */
	uint64_t max_pfn;          /* max_pfn: the direct map's extent */
	uint64_t page_size;        /* sizeof(struct page) */
	uint64_t flags_off, refcount_off, mapping_off, index_off, compound_head_off;
	bool has_compound_head;    /* page->compound_head (4.6+); else first_page */
	int pg_reserved, pg_slab, pg_head;    /* enum pageflags bits, -1 if unknown */
	int nr_pageflags;          /* __NR_PAGEFLAGS */
};

struct kt_error *kt_mem_map_get(struct kt_program *prog, struct kt_mem_map *ret);
/* The value of enumerator name in enum type (e.g. "enum pageflags", "PG_slab"). */
struct kt_error *kt_enum_value(struct kt_program *prog, const char *type, const char *name,
			       int64_t *ret);
/* The first name enum type gives value (the kernel's own name for a bit), or NULL. */
const char *kt_enum_name(struct kt_program *prog, const char *type, int64_t value);
/* Whether addr is in the direct map (below max_pfn), and its physical address. */
bool kt_mem_direct(const struct kt_mem_map *m, uint64_t addr, uint64_t *phys_ret);
static inline uint64_t kt_mem_pfn_to_page(const struct kt_mem_map *m, uint64_t pfn)
{
	return m->vmemmap + pfn * m->page_size;
}

#endif
