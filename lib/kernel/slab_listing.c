// SPDX-License-Identifier: MIT
/*
 * kmem -S: the slabs SLUB keeps on lists and their objects (mm/slub.c). Each CPU's
 * kmem_cache_cpu names its slab (.slab, .page before v5.17) with a lockless freelist, and
 * partial slabs linked by ->next; each node's kmem_cache_node links partial slabs, and full
 * ones only when the cache stores users (CONFIG_SLUB_DEBUG's full list, SLAB_STORE_USER): other
 * full slabs are on no list and cannot be listed. Every walk is bounded (the enum below).
 */
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
#include "kernel/slab_objects.h"
#include "ktriage.h"

/* Slabs of one list, of one CPU's partial chain, and objects of all caches listed. */
enum { NODE_LIST_MAX = 1 << 16, CPU_PARTIAL_MAX = 1 << 12, OBJECTS_MAX = 1 << 24 };
/* SLAB_STORE_USER before v6.10's enum _slab_flag_bits. */
static const uint64_t slab_store_user_old = 0x00010000;

struct listing_walk {
	struct kt_program *prog;
	struct kt_mem_map m;
	struct kt_slab_layout l;
	struct kt_slab_cache_listing *c;
	size_t cap_slabs;
	uint64_t objects;        /* across caches, for OBJECTS_MAX */
	bool nomem;
};

static void limit(struct kt_slab_cache_listing *c, const char *fmt, ...)
{
	char buf[320];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	size_t old = c->limits ? strlen(c->limits) : 0;
	char *n = realloc(c->limits, old + strlen(buf) + 3);
	if (!n)
		return;
	if (old)
		strcpy(n + old, "; ");
	else
		n[0] = 0;
	strcat(n, buf);
	c->limits = n;
}

static bool add_slab(struct listing_walk *w, uint64_t slab, enum kt_slab_where where, int owner,
		     uint64_t cpu_freelist)
{
	struct kt_slab_cache_listing *c = w->c;
	if (!kt_grow((void **)&c->slabs, &w->cap_slabs, c->n_slabs, sizeof(*c->slabs), 16)) {
		w->nomem = true;
		return false;
	}
	struct kt_slab_listed *s = &c->slabs[c->n_slabs++];
	*s = (struct kt_slab_listed){.where = where, .owner = owner, .slab = slab,
				     .stride = w->l.size};
	if (w->objects >= OBJECTS_MAX) {
		s->error = strdup("not read: the listing's object limit is reached");
		return true;
	}
	struct kt_slab_marks marks;
	struct kt_error *err = kt_slab_marks_read(w->prog, &w->m, &w->l, slab, cpu_freelist, &marks);
	if (err) {
		s->error = strdup(kt_error_message(err));
		kt_error_destroy(err);
		return true;
	}
	s->memory = marks.memory;
	s->first_object = marks.first;
	s->node = marks.node;
	s->total = marks.objects;
	s->free = marks.free;
	s->states = marks.marks;
	if (marks.error[0])
		s->error = strdup(marks.error);
	w->objects += marks.objects;
	return true;
}

static void cpu_slabs(struct listing_walk *w, const struct kt_object *cache)
{
	const struct kt_percpu *pc;
	uint64_t cpu_slab;
	struct kt_slab_cache_listing *c = w->c;
	if (!kt_error_none(kt_percpu_get(w->prog, &pc)) ||
	    !kt_object_member_u64(cache, "cpu_slab", &cpu_slab) || !cpu_slab) {
		limit(c, "the per-CPU slabs cannot be read (kmem_cache.cpu_slab)");
		return;
	}
	size_t cap = 0;
	for (unsigned int cpu = 0; cpu < pc->nr_cpu_ids && !w->nomem; cpu++) {
		struct kt_object cs;
		uint64_t addr = cpu_slab + pc->offsets[cpu], slab = 0, freelist = 0, partial = 0;
		if (!kt_percpu_possible(pc, cpu))
			continue;
		if (!kt_grow((void **)&c->cpus, &cap, c->n_cpus, sizeof(*c->cpus), 8)) {
			w->nomem = true;
			return;
		}
		c->cpus[c->n_cpus++] = (struct kt_slab_cpu_listed){cpu, addr};
		if (!kt_error_none(kt_object_from_address(w->prog, "struct kmem_cache_cpu", addr, &cs)) ||
		    !kt_object_member_u64(&cs, w->l.cpu_slab_member, &slab)) {
			limit(c, "CPU %u's kmem_cache_cpu at %llx cannot be read", cpu,
			      (unsigned long long)addr);
			continue;
		}
		kt_object_member_u64(&cs, "freelist", &freelist);
		kt_object_member_u64(&cs, "partial", &partial);
		if (slab && !add_slab(w, slab, KT_SLAB_CPU, (int)cpu, freelist))
			return;
		unsigned int i = 0;
		for (; partial && i < CPU_PARTIAL_MAX; i++) {
			struct kt_object so;
			if (!add_slab(w, partial, KT_SLAB_CPU_PARTIAL, (int)cpu, 0))
				return;
			if (!kt_error_none(kt_object_from_address(w->prog, w->l.slab_type, partial, &so)) ||
			    !kt_object_member_u64(&so, "next", &partial)) {
				limit(c, "CPU %u's partial slab %llx: its next cannot be read", cpu,
				      (unsigned long long)partial);
				break;
			}
		}
		if (partial && i == CPU_PARTIAL_MAX)
			limit(c, "CPU %u's partial slabs: cut at %u", cpu, (unsigned)CPU_PARTIAL_MAX);
	}
}

struct node_walk {
	struct listing_walk *w;
	enum kt_slab_where where;
	int node;
};

static bool node_slab(const struct kt_object *slab, void *arg)
{
	struct node_walk *nw = arg;
	return add_slab(nw->w, slab->address, nw->where, nw->node, 0);
}

static void node_list(struct listing_walk *w, const struct kt_object *node, const char *member,
		      enum kt_slab_where where, int n)
{
	struct kt_object head;
	if (!kt_error_none(kt_object_member(node, member, &head)))
		return;
	struct node_walk nw = {w, where, n};
	struct kt_error *err = kt_object_list_for_each(&head, w->l.slab_type, "slab_list",
						       NODE_LIST_MAX, node_slab, &nw);
	if (err) {
		limit(w->c, "node %d's %s list: %s", n, member, kt_error_message(err));
		kt_error_destroy(err);
	}
}

static bool stores_user(struct kt_program *prog, const struct kt_object *cache)
{
	uint64_t flags = 0;
	int64_t bit;
	kt_object_member_u64(cache, "flags", &flags);
	if (kt_error_none(kt_enum_value(prog, "enum _slab_flag_bits", "_SLAB_STORE_USER", &bit)))
		return bit >= 0 && bit < 64 && (flags >> bit & 1);
	return flags & slab_store_user_old;
}

static void node_slabs(struct listing_walk *w, const struct kt_object *cache)
{
	struct kt_slab_cache_listing *c = w->c;
	uint32_t nr_nodes = 1;
	uint64_t addr;
	if (kt_error_none(kt_program_symbol_address(w->prog, "nr_node_ids", &addr)))
		kt_error_destroy(kt_read_u32(&w->prog->reader, addr, &nr_nodes));
	if (!nr_nodes || nr_nodes > 1024)
		nr_nodes = 1;
	struct kt_object arr, np, node;
	if (!kt_error_none(kt_object_member(cache, "node", &arr))) {
		limit(c, "struct kmem_cache has no node[] (not SLUB)");
		return;
	}
	bool tracked = stores_user(w->prog, cache);
	size_t cap = 0;
	for (uint32_t n = 0; n < nr_nodes && !w->nomem; n++) {
		uint64_t ptr;
		if (!kt_error_none(kt_object_subscript(&arr, n, &np)) ||
		    !kt_error_none(kt_object_read_unsigned(&np, &ptr)))
			break;
		if (!ptr ||
		    !kt_error_none(kt_object_from_address(w->prog, "struct kmem_cache_node", ptr, &node)))
			continue;
		if (!kt_grow((void **)&c->nodes, &cap, c->n_nodes, sizeof(*c->nodes), 2)) {
			w->nomem = true;
			return;
		}
		struct kt_slab_node_listed *nl = &c->nodes[c->n_nodes++];
		uint64_t cpu_partial = 0;
		*nl = (struct kt_slab_node_listed){.node = (int)n, .kmem_cache_node = ptr};
		nl->has_counts = kt_object_member_u64(&node, "nr_slabs.counter", &nl->slabs);
		kt_object_member_u64(&node, "nr_partial", &nl->partial);
		for (size_t i = 0; i < c->n_slabs; i++)
			if (c->slabs[i].node == (int)n && c->slabs[i].where == KT_SLAB_CPU)
				nl->per_cpu++;
			else if (c->slabs[i].node == (int)n && c->slabs[i].where == KT_SLAB_CPU_PARTIAL)
				cpu_partial++;
		size_t before = c->n_slabs;
		node_list(w, &node, "partial", KT_SLAB_NODE_PARTIAL, (int)n);
		struct kt_object full;
		nl->full_tracked = tracked && kt_error_none(kt_object_member(&node, "full", &full));
		if (nl->full_tracked)
			node_list(w, &node, "full", KT_SLAB_NODE_FULL, (int)n);
		uint64_t listed = nl->per_cpu + cpu_partial + (c->n_slabs - before);
		if (nl->has_counts && nl->slabs > listed) {
			nl->unlisted = nl->slabs - listed;
			limit(c, "node %u: %llu full slabs are on no list (%s)", n,
			      (unsigned long long)nl->unlisted,
			      nl->full_tracked ? "the full list is short" :
			      "full slabs are tracked only with SLAB_STORE_USER");
		} else if (!nl->has_counts) {
			limit(c, "node %u: full slabs are on no list and not counted (no "
			      "CONFIG_SLUB_DEBUG)", n);
		}
	}
}

static void listing_destroy_one(struct kt_slab_cache_listing *c)
{
	for (size_t i = 0; i < c->n_slabs; i++) {
		free(c->slabs[i].states);
		free(c->slabs[i].error);
	}
	free(c->slabs);
	free(c->cpus);
	free(c->nodes);
	free(c->limits);
	free(c->cache.error);
}

struct kt_error *kt_slab_listing_read(struct kt_program *prog, const char *name,
				      struct kt_slab_listing **ret)
{
	struct kt_slab_caches *caches;
	struct kt_error *err = kt_slab_caches_read(prog, name, &caches);
	if (err)
		return kt_error_prefix(err, "kmem -S");
	struct kt_slab_listing *r = calloc(1, sizeof(*r));
	struct listing_walk w = {.prog = prog};
	if (r && caches->n && !(r->caches = calloc(caches->n, sizeof(*r->caches))))
		err = &kt_enomem;
	if (!r)
		err = &kt_enomem;
	if (!err)
		err = kt_mem_map_get(prog, &w.m);
	for (size_t i = 0; !err && i < caches->n; i++) {
		struct kt_slab_cache_listing *c = &r->caches[r->n++];
		c->cache = caches->caches[i];
		caches->caches[i].error = NULL;
		w.c = c;
		w.cap_slabs = 0;
		struct kt_object cache;
		struct kt_error *e = kt_slab_layout_get(prog, c->cache.address, &w.l);
		if (!e)
			e = kt_object_from_address(prog, "struct kmem_cache", c->cache.address, &cache);
		if (e) {
			limit(c, "%s", kt_error_message(e));
			kt_error_destroy(e);
			continue;
		}
		cpu_slabs(&w, &cache);
		node_slabs(&w, &cache);
		if (w.nomem)
			err = &kt_enomem;
	}
	kt_slab_caches_destroy(caches);
	if (err) {
		kt_slab_listing_destroy(r);
		return kt_error_prefix(err, "kmem -S");
	}
	*ret = r;
	return NULL;
}

void kt_slab_listing_destroy(struct kt_slab_listing *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		listing_destroy_one(&l->caches[i]);
	free(l->caches);
	free(l);
}
