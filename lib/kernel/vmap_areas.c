// SPDX-License-Identifier: MIT
/*
 * kmem -v: every busy vmap_area (mm/vmalloc.c), as crash lists them. The busy areas are linked in
 * address order on vmap_area_list (through vmap_area.list) up to v6.8; from v6.9 (commit
 * d093602919ad) each vmap_nodes[i].busy.root is an rbtree of its share, walked here in order and
 * merged by address. Each area names its vm_struct (vm: NULL for vm_map_ram's) whose caller is
 * who allocated it. Walks are bounded by AREAS_MAX.
 */
#include <bpf/btf.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/util.h"
#include "dump/reader.h"
#include "kernel/list.h"
#include "kernel/object.h"
#include "kernel/rbtree.h"
#include "ktriage.h"

enum { AREAS_MAX = 1 << 20 };

struct areas_walk {
	struct kt_program *prog;
	struct kt_vmap_areas *v;
	uint64_t link_off;         /* offset of the list_head or rb_node in struct vmap_area */
	size_t cap;
	bool nomem;
};

static bool one_area(uint64_t link, void *arg)
{
	struct areas_walk *w = arg;
	struct kt_vmap_area_row r = {.vmap_area = link - w->link_off};
	struct kt_object va, vm;
	if (!kt_error_none(kt_object_from_address(w->prog, "struct vmap_area", r.vmap_area, &va)) ||
	    !kt_object_member_u64(&va, "va_start", &r.start) ||
	    !kt_object_member_u64(&va, "va_end", &r.end))
		return true;  // an unreadable area is left out; the list link itself was readable
	kt_object_member_u64(&va, "vm", &r.vm_struct);
	if (r.vm_struct &&
	    kt_error_none(kt_object_from_address(w->prog, "struct vm_struct", r.vm_struct, &vm))) {
		kt_object_member_u64(&vm, "nr_pages", &r.nr_pages);
		if (kt_object_member_u64(&vm, "caller", &r.caller) && r.caller)
			kt_error_destroy(kt_program_symbolize(w->prog, r.caller, &r.caller_symbol,
							      &r.caller_offset, &r.caller_module));
	}
	if (!kt_grow((void **)&w->v->rows, &w->cap, w->v->n, sizeof(r), 256)) {
		w->nomem = true;
		return false;
	}
	w->v->rows[w->v->n++] = r;
	return true;
}

static int by_start(const void *a, const void *b)
{
	const struct kt_vmap_area_row *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

static struct kt_error *from_nodes(struct areas_walk *w)
{
	struct kt_program *prog = w->prog;
	uint64_t nodes_p, nodes, nr_p, busy_off;
	uint32_t nr;
	struct kt_type_ref vn, va, member;
	struct kt_rbtree_layout layout;
	struct kt_error *err;
	if ((err = kt_program_symbol_address(prog, "vmap_nodes", &nodes_p)) ||
	    (err = kt_read_u64(&prog->reader, nodes_p, &nodes)) ||
	    (err = kt_program_symbol_address(prog, "nr_vmap_nodes", &nr_p)) ||
	    (err = kt_read_u32(&prog->reader, nr_p, &nr)) ||
	    (err = kt_object_lookup_type(prog, "struct vmap_node", &vn)) ||
	    (err = kt_object_member_offset(prog, vn, "busy.root", &busy_off, &member)) ||
	    (err = kt_object_lookup_type(prog, "struct vmap_area", &va)) ||
	    (err = kt_object_member_offset(prog, va, "rb_node", &w->link_off, &member)) ||
	    (err = kt_rbtree_layout_get(prog, &layout)))
		return err;
	long long size = btf__resolve_size(vn.btf, (uint32_t)vn.id);
	if (size <= 0 || nr > 4096)
		return kt_error_create(KT_ERROR_BAD_DATA, "nr_vmap_nodes %u or struct vmap_node's size "
				       "is not believable", nr);
	w->v->source = "vmap_nodes";
	for (uint32_t i = 0; i < nr && !w->nomem; i++) {
		uint64_t root;
		if ((err = kt_read_u64(&prog->reader, nodes + i * (uint64_t)size + busy_off, &root)))
			return err;
		if ((err = kt_rbtree_for_each(&prog->reader, &layout, root, AREAS_MAX, one_area, w)))
			return kt_error_prefix(err, "vmap_nodes[%u].busy.root", i);
	}
	if (w->v->n)  // qsort(NULL, 0, ...) is undefined
		qsort(w->v->rows, w->v->n, sizeof(*w->v->rows), by_start);
	return NULL;
}

struct kt_error *kt_vmap_areas_read(struct kt_program *prog, struct kt_vmap_areas **ret)
{
	struct kt_vmap_areas *v = calloc(1, sizeof(*v));
	if (!v)
		return &kt_enomem;
	struct areas_walk w = {.prog = prog, .v = v};
	struct kt_type_ref va, member;
	uint64_t head;
	struct kt_error *err = NULL;
	if (kt_error_none(kt_program_symbol_address(prog, "vmap_area_list", &head))) {
		v->source = "vmap_area_list";
		if (!(err = kt_object_lookup_type(prog, "struct vmap_area", &va)) &&
		    !(err = kt_object_member_offset(prog, va, "list", &w.link_off, &member)))
			err = kt_list_for_each(&prog->reader, head, AREAS_MAX, one_area, &w);
	} else {
		err = from_nodes(&w);
	}
	if (!err && w.nomem)
		err = &kt_enomem;
	if (err && v->n && err != &kt_enomem) {
		// What was read stands; the reason it stopped is said.
		v->limits = strdup(kt_error_message(err));
		kt_error_destroy(err);
		err = NULL;
	}
	if (err) {
		kt_vmap_areas_destroy(v);
		return kt_error_prefix(err, "kmem -v");
	}
	*ret = v;
	return NULL;
}

void kt_vmap_areas_destroy(struct kt_vmap_areas *v)
{
	if (!v)
		return;
	free(v->rows);
	free(v->limits);
	free(v);
}
