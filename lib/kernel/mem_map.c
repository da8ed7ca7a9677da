// SPDX-License-Identifier: MIT
/*
 * The direct map, the struct page array and the struct page members, read from the kernel's own
 * variables (KASLR moves page_offset_base, vmemmap_base and vmalloc_base:
 * CONFIG_RANDOMIZE_MEMORY) and types; without those variables, the 4-level defaults of
 * Documentation/x86/x86_64/mm.rst.
 */
#include <bpf/btf.h>
#include <string.h>

#include "core/error.h"
#include "dump/reader.h"
#include "kernel/mem_map.h"
#include "kernel/object.h"
#include "ktriage.h"

static uint64_t symbol_u64_or(struct kt_program *prog, const char *name, uint64_t fallback)
{
	uint64_t addr, v;
	if (kt_error_none(kt_program_symbol_address(prog, name, &addr)) &&
	    kt_error_none(kt_read_u64(&prog->reader, addr, &v)))
		return v;
	return fallback;
}

static const struct btf_type *enum_type(struct kt_program *prog, const char *type,
					struct kt_type_ref *ref)
{
	if (!kt_error_none(kt_object_lookup_type(prog, type, ref)))
		return NULL;
	const struct btf_type *t = btf__type_by_id(ref->btf, (uint32_t)ref->id);
	return t && (btf_is_enum(t) || btf_is_enum64(t)) ? t : NULL;
}

static int64_t enumerator_value(const struct btf_type *t, uint16_t i)
{
	if (btf_is_enum(t))
		return btf_kflag(t) ? (int64_t)btf_enum(t)[i].val : (int64_t)(uint32_t)btf_enum(t)[i].val;
	return (int64_t)btf_enum64_value(&btf_enum64(t)[i]);
}

static uint32_t enumerator_name_off(const struct btf_type *t, uint16_t i)
{
	return btf_is_enum(t) ? btf_enum(t)[i].name_off : btf_enum64(t)[i].name_off;
}

struct kt_error *kt_enum_value(struct kt_program *prog, const char *type, const char *name,
			       int64_t *ret)
{
	struct kt_type_ref ref;
	const struct btf_type *t = enum_type(prog, type, &ref);
	if (!t)
		return kt_error_create(KT_ERROR_NOT_FOUND, "no %s in the kernel's types", type);
	for (uint16_t i = 0; i < btf_vlen(t); i++) {
		const char *n = btf__name_by_offset(ref.btf, enumerator_name_off(t, i));
		if (n && !strcmp(n, name)) {
			*ret = enumerator_value(t, i);
			return NULL;
		}
	}
	return kt_error_create(KT_ERROR_NOT_FOUND, "%s has no %s", type, name);
}

const char *kt_enum_name(struct kt_program *prog, const char *type, int64_t value)
{
	struct kt_type_ref ref;
	const struct btf_type *t = enum_type(prog, type, &ref);
	for (uint16_t i = 0; t && i < btf_vlen(t); i++)
		if (enumerator_value(t, i) == value)
			return btf__name_by_offset(ref.btf, enumerator_name_off(t, i));
	return NULL;
}

static int page_flag(struct kt_program *prog, const char *name)
{
	int64_t v;
	return kt_error_none(kt_enum_value(prog, "enum pageflags", name, &v)) && v >= 0 && v < 64
	       ? (int)v : -1;
}

struct kt_error *kt_mem_map_get(struct kt_program *prog, struct kt_mem_map *m)
{
	*m = (struct kt_mem_map){0};
	m->page_offset = symbol_u64_or(prog, "page_offset_base", 0xffff888000000000ULL);
	m->vmemmap = symbol_u64_or(prog, "vmemmap_base", 0xffffea0000000000ULL);
	m->vmalloc_start = symbol_u64_or(prog, "vmalloc_base", 0xffffc90000000000ULL);
	m->phys_base = symbol_u64_or(prog, "phys_base", 0);
	m->max_pfn = symbol_u64_or(prog, "max_pfn", 0);
	struct kt_type_ref page, member;
	struct kt_error *err = kt_object_lookup_type(prog, "struct page", &page);
	if (err)
		return kt_error_prefix(err, "struct page");
	long long size = btf__resolve_size(page.btf, (uint32_t)page.id);
	if (size <= 0 || size > 256)
		return kt_error_create(KT_ERROR_UNSUPPORTED, "struct page has no sane size (%lld)", size);
	m->page_size = (uint64_t)size;
	// _refcount from v4.6 (commit 0139aa7b7fa1, "mm: rename _count, field of the struct page,
	// to _refcount"), _count before.
	if ((err = kt_object_member_offset(prog, page, "flags", &m->flags_off, &member)) ||
	    ((err = kt_object_member_offset(prog, page, "_refcount", &m->refcount_off, &member)) &&
	     kt_error_catch(&err, KT_ERROR_NOT_FOUND) &&
	     (err = kt_object_member_offset(prog, page, "_count", &m->refcount_off, &member))) ||
	    (err = kt_object_member_offset(prog, page, "mapping", &m->mapping_off, &member)) ||
	    (err = kt_object_member_offset(prog, page, "index", &m->index_off, &member)))
		return kt_error_prefix(err, "struct page");
	m->has_compound_head = kt_error_none(kt_object_member_offset(prog, page, "compound_head",
								     &m->compound_head_off, &member));
	m->pg_reserved = page_flag(prog, "PG_reserved");
	m->pg_slab = page_flag(prog, "PG_slab");
	m->pg_head = page_flag(prog, "PG_head");
	m->nr_pageflags = page_flag(prog, "__NR_PAGEFLAGS");
	return NULL;
}

bool kt_mem_direct(const struct kt_mem_map *m, uint64_t addr, uint64_t *phys_ret)
{
	if (addr < m->page_offset)
		return false;
	uint64_t phys = addr - m->page_offset;
	if (m->max_pfn && phys >> KT_MEM_PAGE_SHIFT >= m->max_pfn)
		return false;
	if (!m->max_pfn && phys >= (1ULL << 46))
		return false;
	*phys_ret = phys;
	return true;
}
