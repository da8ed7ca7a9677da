// SPDX-License-Identifier: MIT
/*
 * Entry format (SDM Vol. 3A, 4.5 "4-Level Paging and 5-Level Paging"): bit 0 present, bit 7 PS
 * (a 1 GiB page in a PDPTE, 2 MiB in a PDE), bits 51:12 the next table or page frame.
 */
#include "core/error.h"
#include "dump/pgtable.h"

enum {
	PTE_PRESENT = 1 << 0,
	PTE_PS = 1 << 7,
};
static const uint64_t PTE_ADDR_MASK = 0x000ffffffffff000ull;
static const char *const level_names[] = {"PTE", "PDE", "PDPTE", "PML4E", "PML5E"};

struct kt_error *kt_pgtable_walk(uint64_t root, bool la57, kt_phys_read_fn *read, void *arg,
				 uint64_t va, struct kt_pgtable_walk *walk)
{
	*walk = (struct kt_pgtable_walk){0};
	uint64_t table = root & PTE_ADDR_MASK;
	for (int level = la57 ? 4 : 3; level >= 0; level--) {
		unsigned int shift = 12 + 9 * (unsigned int)level;
		struct kt_pgtable_step *step = &walk->steps[walk->n_steps++];
		*step = (struct kt_pgtable_step){.level = level_names[level], .table = table,
						 .index = (unsigned int)((va >> shift) & 511)};
		uint64_t entry = 0;
		struct kt_error *err = read(arg, table + step->index * 8ull, &entry, 8);
		if (err)
			return kt_error_prefix(err, "page table walk for 0x%016llx (%s %u of table 0x%llx)",
					       (unsigned long long)va, step->level, step->index,
					       (unsigned long long)table);
		step->entry = entry;
		step->read = true;
		if (!(entry & PTE_PRESENT))
			return kt_error_fault(va, "0x%016llx: not mapped (%s 0x%llx not present)",
					      (unsigned long long)va, step->level,
					      (unsigned long long)entry);
		if (level == 0 || ((level == 1 || level == 2) && (entry & PTE_PS))) {
			uint64_t size_mask = (1ull << shift) - 1;
			walk->pa = (entry & PTE_ADDR_MASK & ~size_mask) | (va & size_mask);
			walk->page_size = size_mask + 1;
			return NULL;
		}
		table = entry & PTE_ADDR_MASK;
	}
	return kt_error_fault(va, "0x%016llx: page table walk did not end", (unsigned long long)va);
}

struct kt_error *kt_pgtable_translate(struct kt_pgtable *pt, kt_phys_read_fn *read, void *arg,
				      uint64_t va, uint64_t *pa_ret)
{
	uint64_t page = va & ~0xfffull;
	if (pt->cache_valid && pt->cached_page == page) {
		*pa_ret = pt->cached_pa | (va & 0xfff);
		return NULL;
	}
	struct kt_pgtable_walk walk;
	struct kt_error *err = kt_pgtable_walk(pt->root, pt->la57, read, arg, va, &walk);
	if (err)
		return err;
	pt->cached_page = page;
	pt->cached_pa = walk.pa & ~0xfffull;
	pt->cache_valid = true;
	*pa_ret = walk.pa;
	return NULL;
}
