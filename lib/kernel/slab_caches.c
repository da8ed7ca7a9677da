// SPDX-License-Identifier: MIT
/*
 * kmem -s: every cache of slab_caches with SLUB's counts, read as crash reads them
 * (mm/slub.c). Each node (kmem_cache.node[]) counts its slabs and objects in nr_slabs and
 * total_objects, members that only CONFIG_SLUB_DEBUG builds: without them TOTAL, SLABS and
 * ALLOCATED cannot be given. Free objects are those of the nodes' partial slabs (objects -
 * inuse), of each CPU's slab, its lockless freelist (each link decoded as
 * CONFIG_SLAB_FREELIST_HARDENED stores it: ptr ^ s->random ^ swab(address of the link)) and
 * its partial slabs. The slab is struct slab from v5.17 (commit d122019bf061), struct page
 * before; kmem_cache_cpu.page became .slab with it.
 */
#include <bpf/btf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/util.h"
#include "dump/reader.h"
#include "kernel/mem_map.h"
#include "kernel/object.h"
#include "kernel/percpu.h"
#include "ktriage.h"

/* Slabs on one list, or links of one freelist, beyond which the list is damage. */
enum { SLAB_LIST_MAX = 1 << 20, FREELIST_MAX = 1 << 16, CPU_PARTIAL_MAX = 1 << 12 };

struct slab_walk {
	struct kt_program *prog;
	const char *slab_type;      /* "struct slab" or "struct page" */
	const char *cpu_slab_member; /* "slab" or "page" */
	bool hardened;              /* kmem_cache.random exists */
};

static bool member_u64(const struct kt_object *o, const char *path, uint64_t *ret)
{
	return kt_object_member_u64(o, path, ret);
}

static void cache_error(struct kt_slab_cache *c, const char *fmt, ...)
{
	if (c->error)
		return;
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	c->error = strdup(buf);
}

/* objects - inuse of one slab; false if it cannot be read. */
static bool slab_free(struct slab_walk *w, uint64_t slab, uint64_t *ret)
{
	struct kt_object o;
	uint64_t objects, inuse;
	if (!kt_error_none(kt_object_from_address(w->prog, w->slab_type, slab, &o)) ||
	    !member_u64(&o, "objects", &objects) || !member_u64(&o, "inuse", &inuse))
		return false;
	*ret = objects > inuse ? objects - inuse : 0;
	return true;
}

struct partial_walk {
	struct slab_walk *w;
	struct kt_slab_cache *c;
	uint64_t free;
};

static bool partial_slab(const struct kt_object *slab, void *arg)
{
	struct partial_walk *p = arg;
	uint64_t f;
	if (slab_free(p->w, slab->address, &f))
		p->free += f;
	else
		cache_error(p->c, "partial slab %llx cannot be read", (unsigned long long)slab->address);
	return true;
}

static uint64_t freelist_count(struct slab_walk *w, struct kt_slab_cache *c, uint64_t head,
			       uint64_t offset, uint64_t random)
{
	uint64_t n = 0;
	for (uint64_t obj = head; obj && n < FREELIST_MAX; n++) {
		uint64_t stored, at = obj + offset;
		if (!kt_error_none(kt_read_u64(&w->prog->reader, at, &stored))) {
			cache_error(c, "freelist link at %llx cannot be read", (unsigned long long)at);
			break;
		}
		obj = w->hardened ? stored ^ random ^ __builtin_bswap64(at) : stored;
	}
	return n;
}

static void cache_counts(struct slab_walk *w, const struct kt_object *cache, struct kt_slab_cache *c)
{
	struct kt_program *prog = w->prog;
	const struct kt_percpu *pc;
	uint32_t nr_nodes = 1;
	uint64_t addr;
	if (kt_error_none(kt_program_symbol_address(prog, "nr_node_ids", &addr)))
		kt_error_destroy(kt_read_u32(&prog->reader, addr, &nr_nodes));
	if (!nr_nodes || nr_nodes > 1024)
		nr_nodes = 1;
	struct kt_object node_arr, np, node;
	if (!kt_error_none(kt_object_member(cache, "node", &node_arr))) {
		cache_error(c, "struct kmem_cache has no node[] (not SLUB)");
		return;
	}
	c->has_counts = true;
	uint64_t free = 0;
	for (uint32_t n = 0; n < nr_nodes; n++) {
		uint64_t ptr, nr_slabs, total;
		if (!kt_error_none(kt_object_subscript(&node_arr, n, &np)) ||
		    !kt_error_none(kt_object_read_unsigned(&np, &ptr)))
			break;
		if (!ptr)
			continue;
		if (!kt_error_none(kt_object_from_address(prog, "struct kmem_cache_node", ptr, &node)))
			continue;
		if (!member_u64(&node, "nr_slabs.counter", &nr_slabs) ||
		    !member_u64(&node, "total_objects.counter", &total)) {
			c->has_counts = false;
			cache_error(c, "kmem_cache_node has no nr_slabs/total_objects (a kernel without "
				    "CONFIG_SLUB_DEBUG): TOTAL, SLABS and ALLOCATED are unknown");
			return;
		}
		c->slabs += nr_slabs;
		c->total += total;
		struct kt_object head;
		struct partial_walk p = {w, c, 0};
		if (kt_error_none(kt_object_member(&node, "partial", &head))) {
			struct kt_error *err = kt_object_list_for_each(&head, w->slab_type, "slab_list",
								       SLAB_LIST_MAX, partial_slab, &p);
			if (err) {
				cache_error(c, "node %u's partial list: %s", n, kt_error_message(err));
				kt_error_destroy(err);
			}
		}
		free += p.free;
	}
	uint64_t offset = 0, random = 0, cpu_slab;
	struct kt_object cs;
	member_u64(cache, "offset", &offset);
	if (w->hardened)
		member_u64(cache, "random", &random);
	if (kt_error_none(kt_percpu_get(prog, &pc)) && member_u64(cache, "cpu_slab", &cpu_slab) &&
	    cpu_slab) {
		for (unsigned int cpu = 0; cpu < pc->nr_cpu_ids; cpu++) {
			if (!kt_percpu_possible(pc, cpu) ||
			    !kt_error_none(kt_object_from_address(prog, "struct kmem_cache_cpu",
								  cpu_slab + pc->offsets[cpu], &cs)))
				continue;
			uint64_t slab = 0, freelist = 0, partial = 0, f;
			member_u64(&cs, w->cpu_slab_member, &slab);
			member_u64(&cs, "freelist", &freelist);
			member_u64(&cs, "partial", &partial);
			if (slab && slab_free(w, slab, &f))
				free += f;
			if (slab)
				free += freelist_count(w, c, freelist, offset, random);
			// A CPU keeps a few partial slabs (cpu_partial_slabs), linked by ->next.
			for (unsigned int i = 0; partial && i < CPU_PARTIAL_MAX; i++) {
				struct kt_object so;
				if (slab_free(w, partial, &f))
					free += f;
				if (!kt_error_none(kt_object_from_address(prog, w->slab_type, partial, &so)) ||
				    !member_u64(&so, "next", &partial))
					break;
			}
		}
	}
	c->free = free;
	c->allocated = c->total > free ? c->total - free : 0;
}

struct caches_walk {
	struct slab_walk *w;
	const char *name;
	struct kt_slab_caches *r;
	size_t cap;
	bool nomem;
};

static bool one_cache(const struct kt_object *cache, void *arg)
{
	struct caches_walk *cw = arg;
	struct kt_slab_cache c = {.address = cache->address};
	struct kt_object n;
	if (kt_error_none(kt_object_member(cache, "name", &n)))
		kt_error_destroy(kt_object_read_string(&n, c.name, sizeof(c.name)));
	if (cw->name && strcmp(cw->name, c.name))
		return true;
	uint64_t oo = 0;
	member_u64(cache, "object_size", &c.object_size);
	member_u64(cache, "size", &c.stride);
	member_u64(cache, "oo.x", &oo);
	c.objects_per_slab = (uint32_t)(oo & 0xffff);  // OO_SHIFT 16 (mm/slub.c)
	c.slab_size = (uint64_t)KT_MEM_PAGE_SIZE << (oo >> 16 & 0x1f);
	cache_counts(cw->w, cache, &c);
	if (!kt_grow((void **)&cw->r->caches, &cw->cap, cw->r->n, sizeof(c), 64)) {
		free(c.error);
		cw->nomem = true;
		return false;
	}
	cw->r->caches[cw->r->n++] = c;
	return true;
}

struct kt_error *kt_slab_caches_read(struct kt_program *prog, const char *name,
				     struct kt_slab_caches **ret)
{
	struct kt_type_ref t;
	struct slab_walk w = {.prog = prog, .slab_type = "struct slab", .cpu_slab_member = "slab"};
	if (!kt_error_none(kt_object_lookup_type(prog, "struct slab", &t))) {
		w.slab_type = "struct page";
		w.cpu_slab_member = "page";
	}
	struct kt_type_ref kc;
	struct kt_error *err = kt_object_lookup_type(prog, "struct kmem_cache", &kc);
	if (err)
		return kt_error_prefix(err, "kmem -s");
	w.hardened = kt_object_type_has_member(prog, kc, "random");
	uint64_t head;
	if ((err = kt_program_symbol_address(prog, "slab_caches", &head)))
		return kt_error_prefix(err, "kmem -s");
	struct kt_object h;
	if ((err = kt_object_from_address(prog, "struct list_head", head, &h)))
		return kt_error_prefix(err, "kmem -s");
	struct kt_slab_caches *r = calloc(1, sizeof(*r));
	if (!r)
		return &kt_enomem;
	struct caches_walk cw = {&w, name, r, 0, false};
	err = kt_object_list_for_each(&h, "struct kmem_cache", "list", 0, one_cache, &cw);
	if (!err && cw.nomem)
		err = &kt_enomem;
	if (!err && name && !r->n)
		err = kt_error_create(KT_ERROR_NOT_FOUND, "kmem: no slab cache named '%s'", name);
	if (err) {
		kt_slab_caches_destroy(r);
		return kt_error_prefix(err, "slab_caches");
	}
	*ret = r;
	return NULL;
}

void kt_slab_caches_destroy(struct kt_slab_caches *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++)
		free(c->caches[i].error);
	free(c->caches);
	free(c);
}
