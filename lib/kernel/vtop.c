// SPDX-License-Identifier: MIT
/*
 * vtop: a virtual address translated as the CPU would, every level of the walk kept for the
 * reader of page-table entries. Kernel addresses walk the kernel's own top-level table,
 * init_top_pgt (init_level4_pgt before 4.13), a symbol of the kernel image, so at
 * symbol - __START_KERNEL_map + phys_base in physical memory; a dump without VMCOREINFO is
 * read through a CPU's CR3, and its walk starts there. User addresses walk the task's mm->pgd.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "dump/dump.h"
#include "dump/pgtable.h"
#include "dump/reader.h"
#include "kernel/mem_map.h"
#include "kernel/user_memory.h"
#include "program.h"

static const uint64_t START_KERNEL_MAP = 0xffffffff80000000ull;  // __START_KERNEL_map

static struct kt_error *read_table(void *reader, uint64_t addr, void *buf, size_t len)
{
	return kt_read_phys(reader, addr, buf, len);
}

static struct kt_error *kernel_root(struct kt_program *prog, struct kt_vtop *v)
{
	const struct kt_dump *dump = prog->reader.dump;
	if (dump->own_translation) {
		v->root = dump->pgtable.root;
		v->root_source = "cr3";
		return NULL;
	}
	static const char *const names[] = {"init_top_pgt", "init_level4_pgt"};
	uint64_t sym = 0;
	struct kt_error *err = NULL;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		kt_error_destroy(err);
		if (!(err = kt_program_symbol_address(prog, names[i], &sym))) {
			v->root_source = names[i];
			break;
		}
	}
	if (err)
		return kt_error_prefix(err, "the kernel's top-level page table");
	if (sym < START_KERNEL_MAP)
		return kt_error_create(KT_ERROR_BAD_DATA, "%s at 0x%llx is not in the kernel image",
				       v->root_source, (unsigned long long)sym);
	struct kt_mem_map map;
	if ((err = kt_mem_map_get(prog, &map)))
		return kt_error_prefix(err, "the kernel's memory layout");
	v->root = sym - START_KERNEL_MAP + map.phys_base;
	return NULL;
}

/* The struct page of pa's frame: the vmemmap array covers the frames below max_pfn. */
static uint64_t page_of(struct kt_program *prog, uint64_t pa)
{
	struct kt_mem_map map;
	struct kt_error *err = kt_mem_map_get(prog, &map);
	if (err) {
		kt_error_destroy(err);
		return 0;
	}
	uint64_t pfn = pa >> KT_MEM_PAGE_SHIFT;
	return pfn < map.max_pfn ? kt_mem_pfn_to_page(&map, pfn) : 0;
}

bool kt_vtop_user_address(struct kt_program *prog, uint64_t address)
{
	return address < kt_user_space_end(prog);
}

struct kt_error *kt_vtop_init(struct kt_program *prog, uint64_t address, enum kt_vtop_space space,
			      uint64_t task, struct kt_vtop *ret)
{
	struct kt_vtop v = {.address = address};
	v.user = space == KT_VTOP_USER ||
		 (space == KT_VTOP_AUTO && kt_vtop_user_address(prog, address));
	struct kt_error *err;
	if (v.user) {
		v.task = task;
		v.root_source = "mm->pgd";
		err = kt_user_root(prog, task, &v.root);
	} else {
		err = kernel_root(prog, &v);
	}
	if (err)
		return err;
	struct kt_pgtable_walk walk;
	err = kt_pgtable_walk(v.root, prog->reader.dump->la57, read_table, &prog->reader, address,
			      &walk);
	v.n_steps = walk.n_steps;
	for (size_t i = 0; i < walk.n_steps; i++) {
		const struct kt_pgtable_step *s = &walk.steps[i];
		v.steps[i] = (struct kt_vtop_step){.level = s->level, .table = s->table, .index = s->index,
						   .entry_address = s->table + s->index * 8ull,
						   .entry = s->entry, .read = s->read};
	}
	if (err) {
		v.error_code = kt_error_code(err);
		v.error = strdup(kt_error_message(err));
		kt_error_destroy(err);
		if (!v.error)
			return kt_error_create(KT_ERROR_NOMEM, "vtop: out of memory");
	} else {
		v.mapped = true;
		v.physical = walk.pa;
		v.page_size = walk.page_size;
		v.flags = walk.steps[walk.n_steps - 1].entry & (0xfffull | 1ull << 63);
		v.page = page_of(prog, walk.pa);
	}
	*ret = v;
	return NULL;
}

void kt_vtop_deinit(struct kt_vtop *vtop)
{
	if (!vtop)
		return;
	free(vtop->error);
	vtop->error = NULL;
}

/* The flag bits of a paging-structure entry, SDM Vol. 3A 4.5, tables 4-15 to 4-20: bit 7 is
 * PS in a PDPTE or PDE (the entry maps a page) and PAT in a PTE; bit 63 is XD (no execute). */
const char *kt_vtop_flags_text(uint64_t entry, bool pte, const char *sep, char *buf, size_t size)
{
	static const struct {
		int bit;
		const char *name;
	} bits[] = {{0, "present"}, {1, "rw"}, {2, "user"}, {3, "pwt"}, {4, "pcd"}, {5, "accessed"},
		    {6, "dirty"}, {7, NULL}, {8, "global"}, {63, "nx"}};
	size_t len = 0;
	if (size)
		buf[0] = 0;
	for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
		if (!(entry >> bits[i].bit & 1))
			continue;
		const char *name = bits[i].name ? bits[i].name : pte ? "pat" : "ps";
		int n = snprintf(buf + len, size - len, "%s%s", len ? sep : "", name);
		if (n < 0 || (size_t)n >= size - len)
			break;
		len += (size_t)n;
	}
	return buf;
}
