// SPDX-License-Identifier: MIT
/* Which objects of a SLUB slab are free: its freelists walked, each link checked to name an
 * object of the slab not seen before (so a damaged or looping list stops, and says where). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "dump/reader.h"
#include "kernel/object.h"
#include "kernel/percpu.h"
#include "kernel/slab_objects.h"
#include "ktriage.h"

/* More objects than a slab's 15-bit counter holds is not a slab. */
enum { SLAB_OBJECTS_MAX = 1 << 15 };

struct kt_error *kt_slab_layout_get(struct kt_program *prog, uint64_t cache,
				    struct kt_slab_layout *l)
{
	struct kt_type_ref t;
	*l = (struct kt_slab_layout){.slab_type = "struct slab", .cpu_slab_member = "slab",
				     .cache = cache};
	if (!kt_error_none(kt_object_lookup_type(prog, "struct slab", &t))) {
		l->slab_type = "struct page";
		l->cpu_slab_member = "page";
	}
	struct kt_object c;
	struct kt_error *err = kt_object_from_address(prog, "struct kmem_cache", cache, &c);
	if (err)
		return err;
	if (!kt_object_member_u64(&c, "size", &l->size) || !l->size ||
	    !kt_object_member_u64(&c, "offset", &l->offset))
		return kt_error_create(KT_ERROR_BAD_DATA, "kmem_cache %llx: size or offset unreadable",
				       (unsigned long long)cache);
	kt_object_member_u64(&c, "red_left_pad", &l->red_left_pad);
	l->hardened = kt_object_member_u64(&c, "random", &l->random);
	return NULL;
}

int kt_slab_pfn_node(struct kt_program *prog, uint64_t pfn)
{
	uint64_t addr, data;
	uint32_t nr = 1;
	if (kt_error_none(kt_program_symbol_address(prog, "nr_node_ids", &addr)))
		kt_error_destroy(kt_read_u32(&prog->reader, addr, &nr));
	if (nr <= 1 || nr > 1024 ||
	    !kt_error_none(kt_program_symbol_address(prog, "node_data", &addr)))
		return 0;
	for (uint32_t n = 0; n < nr; n++) {
		struct kt_object o;
		uint64_t start, spanned;
		if (!kt_error_none(kt_read_u64(&prog->reader, addr + 8 * n, &data)) || !data ||
		    !kt_error_none(kt_object_from_address(prog, "struct pglist_data", data, &o)) ||
		    !kt_object_member_u64(&o, "node_start_pfn", &start) ||
		    !kt_object_member_u64(&o, "node_spanned_pages", &spanned))
			continue;
		if (pfn >= start && pfn < start + spanned)
			return (int)n;
	}
	return 0;
}

/* Marks the objects on one freelist starting at head; false (with s->error) if it stops short. */
static bool walk_freelist(struct kt_program *prog, const struct kt_slab_layout *l,
			  struct kt_slab_marks *s, uint64_t head, uint8_t mark, const char *which)
{
	uint64_t span = (uint64_t)s->objects * l->size;
	for (uint64_t obj = head, n = 0; obj; n++) {
		uint64_t index = (obj - s->first) / l->size;
		if (obj < s->first || obj - s->first >= span || (obj - s->first) % l->size) {
			snprintf(s->error, sizeof(s->error), "%s: link %llu (%llx) is not an object of "
				 "the slab", which, (unsigned long long)n, (unsigned long long)obj);
			return false;
		}
		if (s->marks[index]) {
			snprintf(s->error, sizeof(s->error), "%s: object %llx is linked twice (a loop)",
				 which, (unsigned long long)obj);
			return false;
		}
		s->marks[index] = mark;
		s->free++;
		uint64_t at = obj + l->offset, stored;
		if (!kt_error_none(kt_read_u64(&prog->reader, at, &stored))) {
			snprintf(s->error, sizeof(s->error), "%s: the link at %llx cannot be read", which,
				 (unsigned long long)at);
			return false;
		}
		if (!l->hardened) {
			obj = stored;
			continue;
		}
		obj = stored ^ l->random ^ __builtin_bswap64(at);
		// Before v5.7 the link's address was not byte-swapped.
		uint64_t plain = stored ^ l->random ^ at;
		if (obj && (obj < s->first || obj - s->first >= span) && plain >= s->first &&
		    plain - s->first < span)
			obj = plain;
	}
	return true;
}

struct kt_error *kt_slab_marks_read(struct kt_program *prog, const struct kt_mem_map *m,
				    const struct kt_slab_layout *l, uint64_t slab,
				    uint64_t cpu_freelist, struct kt_slab_marks *s)
{
	*s = (struct kt_slab_marks){0};
	struct kt_object o;
	uint64_t objects, freelist = 0;
	struct kt_error *err = kt_object_from_address(prog, l->slab_type, slab, &o);
	if (err)
		return err;
	if (!kt_object_member_u64(&o, "objects", &objects) || !objects ||
	    objects >= SLAB_OBJECTS_MAX)
		return kt_error_create(KT_ERROR_BAD_DATA, "slab %llx: no readable object count",
				       (unsigned long long)slab);
	if (slab < m->vmemmap || (slab - m->vmemmap) % m->page_size)
		return kt_error_create(KT_ERROR_BAD_DATA, "slab %llx is not a struct page of the "
				       "memory map", (unsigned long long)slab);
	kt_object_member_u64(&o, "freelist", &freelist);
	uint64_t pfn = (slab - m->vmemmap) / m->page_size;
	s->memory = m->page_offset + pfn * KT_MEM_PAGE_SIZE;
	s->first = s->memory + l->red_left_pad;
	s->objects = (uint32_t)objects;
	s->node = kt_slab_pfn_node(prog, pfn);
	if (!(s->marks = calloc(objects, 1)))
		return &kt_enomem;
	if (walk_freelist(prog, l, s, freelist, KT_SLAB_OBJECT_FREE, "the slab's freelist"))
		walk_freelist(prog, l, s, cpu_freelist, KT_SLAB_OBJECT_CPU_FREE, "the CPU's freelist");
	return NULL;
}

void kt_slab_marks_deinit(struct kt_slab_marks *s)
{
	free(s->marks);
	s->marks = NULL;
}

bool kt_slab_cpu_of(struct kt_program *prog, const struct kt_slab_layout *l, uint64_t slab,
		    unsigned int *cpu_ret, uint64_t *freelist_ret)
{
	const struct kt_percpu *pc;
	struct kt_object c, cs;
	uint64_t cpu_slab, s;
	if (!kt_error_none(kt_percpu_get(prog, &pc)) ||
	    !kt_error_none(kt_object_from_address(prog, "struct kmem_cache", l->cache, &c)) ||
	    !kt_object_member_u64(&c, "cpu_slab", &cpu_slab) || !cpu_slab)
		return false;
	for (unsigned int cpu = 0; cpu < pc->nr_cpu_ids; cpu++) {
		if (!kt_percpu_possible(pc, cpu) ||
		    !kt_error_none(kt_object_from_address(prog, "struct kmem_cache_cpu",
							  cpu_slab + pc->offsets[cpu], &cs)) ||
		    !kt_object_member_u64(&cs, l->cpu_slab_member, &s) || s != slab)
			continue;
		*cpu_ret = cpu;
		*freelist_ret = 0;
		kt_object_member_u64(&cs, "freelist", freelist_ret);
		return true;
	}
	return false;
}

static bool slab_member(struct kt_program *prog, const char *type, uint64_t addr, const char *member,
			uint64_t *ret)
{
	struct kt_object o, m;
	return kt_error_none(kt_object_from_address(prog, type, addr, &o)) &&
	       kt_error_none(kt_object_member(&o, member, &m)) &&
	       kt_error_none(kt_object_read_unsigned(&m, ret));
}

/* Whether the head page is a slab's: PG_slab, or (6.x) the page type. */
static bool page_is_slab(struct kt_program *prog, const struct kt_mem_map *m, uint64_t head,
			 uint64_t flags)
{
	if (m->pg_slab >= 0)
		return flags >> m->pg_slab & 1;
	uint64_t type;
	int64_t v;
	if (!slab_member(prog, "struct page", head, "page_type", &type))
		return false;
	if (kt_error_none(kt_enum_value(prog, "enum pagetype", "PGTY_slab", &v)))
		return (type & 0xffffffff) >> 24 == (uint64_t)v;
	if (kt_error_none(kt_enum_value(prog, "enum pagetype", "PG_slab", &v)))
		return (type & (0xf0000000 | (uint64_t)v)) == 0xf0000000;
	return false;
}

bool kt_slab_object_find(struct kt_program *prog, const struct kt_mem_map *m, uint64_t page,
			 uint64_t addr, struct kt_slab_object_ref *ret, char *why, size_t size)
{
	char none[1];
	if (!why)
		why = none, size = sizeof(none);
	why[0] = '\0';
	uint64_t head = page, ch, flags;
	if (m->has_compound_head &&
	    kt_error_none(kt_read_u64(&prog->reader, page + m->compound_head_off, &ch)) && (ch & 1))
		head = ch - 1;
	if (!kt_error_none(kt_read_u64(&prog->reader, head + m->flags_off, &flags)) ||
	    !page_is_slab(prog, m, head, flags))
		return false;
	struct kt_type_ref slab;
	const char *type = kt_error_none(kt_object_lookup_type(prog, "struct slab", &slab))
			   ? "struct slab" : "struct page";
	struct kt_slab_object_ref r = {.slab = head};
	uint64_t red = 0, objects = 0;
	if (!slab_member(prog, type, head, "slab_cache", &r.cache) || !r.cache ||
	    !slab_member(prog, "struct kmem_cache", r.cache, "size", &r.size) || !r.size ||
	    !slab_member(prog, "struct kmem_cache", r.cache, "object_size", &r.object_size)) {
		snprintf(why, size, "the slab at %llx names no readable kmem_cache",
			 (unsigned long long)head);
		return false;
	}
	slab_member(prog, "struct kmem_cache", r.cache, "red_left_pad", &red);
	struct kt_object o, n;
	if (kt_error_none(kt_object_from_address(prog, "struct kmem_cache", r.cache, &o)) &&
	    kt_error_none(kt_object_member(&o, "name", &n)))
		kt_error_destroy(kt_object_read_string(&n, r.cache_name, sizeof(r.cache_name)));
	r.memory = m->page_offset + (head - m->vmemmap) / m->page_size * KT_MEM_PAGE_SIZE;
	uint64_t index = (addr - r.memory) / r.size;
	if (slab_member(prog, type, head, "objects", &objects) && objects && index >= objects) {
		snprintf(why, size, "in slab %llx of %s past its %llu objects", (unsigned long long)head,
			 r.cache_name, (unsigned long long)objects);
		return false;
	}
	r.object = r.memory + index * r.size + red;
	*ret = r;
	return true;
}
