// SPDX-License-Identifier: MIT
/*
 * kmem -p: struct page entries of the memory map (SPARSEMEM_VMEMMAP: vmemmap_base + pfn), as
 * crash lists them: page, physical address, mapping, index, _refcount and flags named by the
 * kernel's enum pageflags. Without a range: each node's span (node_data[]'s node_start_pfn and
 * node_spanned_pages; 0..max_pfn without them) widened to whole memory sections as crash walks
 * them (x86-64's SECTION_SIZE_BITS is 27: 32768 pages). At most PAGES_MAX rows.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/util.h"
#include "dump/reader.h"
#include "kernel/mem_map.h"
#include "kernel/object.h"
#include "ktriage.h"

enum { PAGES_MAX = 1 << 22, NAME_SLOTS = 4096 };
static const uint64_t pages_per_section = 1 << (27 - KT_MEM_PAGE_SHIFT);


struct page_walk {
	struct kt_program *prog;
	struct kt_mem_map m;
	struct kt_page_list *p;
	size_t cap, names_cap;
	uint64_t slot_key[NAME_SLOTS];
	const char *slot_name[NAME_SLOTS];
	bool nomem;
};

/* The names of flags' low bits, one string per distinct value. */
static const char *flag_names(struct page_walk *w, uint64_t flags)
{
	int nr = w->m.nr_pageflags > 0 && w->m.nr_pageflags < 64 ? w->m.nr_pageflags : 0;
	uint64_t key = nr ? flags & ((1ull << nr) - 1) : 0;
	size_t h = (size_t)((key * 0x9e3779b97f4a7c15ull) >> 52) % NAME_SLOTS;
	for (size_t i = 0; i < NAME_SLOTS; i++, h = (h + 1) % NAME_SLOTS) {
		if (w->slot_name[h] && w->slot_key[h] == key)
			return w->slot_name[h];
		if (!w->slot_name[h])
			break;
	}
	char buf[512];
	size_t len = 0;
	buf[0] = 0;
	for (int bit = 0; bit < nr; bit++) {
		const char *name = (key >> bit & 1) ? kt_enum_name(w->prog, "enum pageflags", bit) : NULL;
		if (!name)
			continue;
		if (!strncmp(name, "PG_", 3))
			name += 3;
		int n = snprintf(buf + len, sizeof(buf) - len, "%s%s", len ? "," : "", name);
		if (n < 0 || (size_t)n >= sizeof(buf) - len)
			break;
		len += (size_t)n;
	}
	char *s = strdup(buf);
	if (!s || !kt_grow((void **)&w->p->names, &w->names_cap, w->p->n_names, sizeof(char *), 64)) {
		free(s);
		w->nomem = true;
		return "";
	}
	w->p->names[w->p->n_names++] = s;
	if (!w->slot_name[h]) {
		w->slot_key[h] = key;
		w->slot_name[h] = s;
	}
	return s;
}

static void pages(struct page_walk *w, uint64_t first_pfn, uint64_t end_pfn)
{
	struct kt_reader *r = &w->prog->reader;
	const struct kt_mem_map *m = &w->m;
	for (uint64_t pfn = first_pfn; pfn < end_pfn && !w->nomem; pfn++) {
		if (w->p->n >= PAGES_MAX) {
			if (!w->p->limits) {
				char buf[128];
				snprintf(buf, sizeof(buf), "listing stops at %u pages, at pfn %llx",
					 (unsigned)PAGES_MAX, (unsigned long long)pfn);
				w->p->limits = strdup(buf);
			}
			return;
		}
		struct kt_page_row row = {.page = kt_mem_pfn_to_page(m, pfn),
					  .phys = pfn * KT_MEM_PAGE_SIZE};
		uint32_t count = 0;
		if (!kt_error_none(kt_read_u64(r, row.page + m->flags_off, &row.flags)) ||
		    !kt_error_none(kt_read_u64(r, row.page + m->mapping_off, &row.mapping)) ||
		    !kt_error_none(kt_read_u64(r, row.page + m->index_off, &row.index)) ||
		    !kt_error_none(kt_read_u32(r, row.page + m->refcount_off, &count)))
			row.unreadable = true;
		row.count = (int32_t)count;
		row.flag_names = row.unreadable ? "" : flag_names(w, row.flags);
		if (!kt_grow((void **)&w->p->rows, &w->cap, w->p->n, sizeof(row), 1024)) {
			w->nomem = true;
			return;
		}
		w->p->rows[w->p->n++] = row;
	}
}

static void section_pages(struct page_walk *w, uint64_t start, uint64_t end)
{
	uint64_t s = start / pages_per_section * pages_per_section;
	uint64_t e = (end + pages_per_section - 1) / pages_per_section * pages_per_section;
	if (w->p->n && w->p->rows[w->p->n - 1].phys >> KT_MEM_PAGE_SHIFT >= s)
		s = (w->p->rows[w->p->n - 1].phys >> KT_MEM_PAGE_SHIFT) + 1;  // a section two nodes share
	pages(w, s, e);
}

/* Each node's [start, end) pfns; false without node_data (one node: 0..max_pfn). */
static bool node_spans(struct page_walk *w)
{
	uint64_t addr, data;
	uint32_t nr = 0;
	if (!kt_error_none(kt_program_symbol_address(w->prog, "nr_node_ids", &addr)) ||
	    !kt_error_none(kt_read_u32(&w->prog->reader, addr, &nr)) || !nr || nr > 1024 ||
	    !kt_error_none(kt_program_symbol_address(w->prog, "node_data", &addr)))
		return false;
	bool any = false;
	for (uint32_t n = 0; n < nr; n++) {
		struct kt_object o;
		uint64_t start, spanned;
		if (!kt_error_none(kt_read_u64(&w->prog->reader, addr + 8 * n, &data)) || !data ||
		    !kt_error_none(kt_object_from_address(w->prog, "struct pglist_data", data, &o)) ||
		    !kt_object_member_u64(&o, "node_start_pfn", &start) ||
		    !kt_object_member_u64(&o, "node_spanned_pages", &spanned))
			continue;
		section_pages(w, start, start + spanned);
		any = true;
	}
	return any;
}

uint64_t kt_page_list_phys(struct kt_program *prog, uint64_t addr)
{
	struct kt_mem_map m;
	if (kt_error_none(kt_mem_map_get(prog, &m)) && addr >= m.vmemmap &&
	    (addr - m.vmemmap) / m.page_size < m.max_pfn)
		return (addr - m.vmemmap) / m.page_size * KT_MEM_PAGE_SIZE;
	return addr;
}

struct kt_error *kt_page_list_read(struct kt_program *prog, uint64_t start, uint64_t end,
				   struct kt_page_list **ret)
{
	struct page_walk *w = calloc(1, sizeof(*w));
	struct kt_page_list *p = calloc(1, sizeof(*p));
	struct kt_error *err = !w || !p ? &kt_enomem : NULL;
	if (!err && (err = kt_mem_map_get(prog, &w->m)))
		err = kt_error_prefix(err, "kmem -p");
	if (!err) {
		w->prog = prog;
		w->p = p;
		if (start || end)
			pages(w, start >> KT_MEM_PAGE_SHIFT,
			      end > start ? (end + KT_MEM_PAGE_SIZE - 1) >> KT_MEM_PAGE_SHIFT
					  : (start >> KT_MEM_PAGE_SHIFT) + 1);
		else if (!node_spans(w))
			section_pages(w, 0, w->m.max_pfn);
		if (w->nomem)
			err = &kt_enomem;
	}
	free(w);
	if (err) {
		kt_page_list_destroy(p);
		return err;
	}
	*ret = p;
	return NULL;
}

void kt_page_list_destroy(struct kt_page_list *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_names; i++)
		free(p->names[i]);
	free(p->names);
	free(p->rows);
	free(p->limits);
	free(p);
}
