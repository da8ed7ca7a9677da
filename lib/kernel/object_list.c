// SPDX-License-Identifier: MIT
/*
 * Kernel lists as objects: each entry of a list_head or hlist_head list, as the object of the
 * type that links it (list_for_each_entry, hlist_for_each_entry). The walks are list.c's: a
 * budget and Brent's cycle check, so a corrupted list ends with an error naming where.
 */
#include <string.h>

#include "core/error.h"
#include "kernel/list.h"
#include "kernel/object.h"
#include "sym/type_print.h"

struct entry_walk {
	struct kt_object proto;  /* the entry type, its program and reader */
	uint64_t member_offset;
	kt_object_fn *fn;
	void *arg;
};

static bool visit_entry(uint64_t node, void *arg)
{
	struct entry_walk *w = arg;
	struct kt_object entry = w->proto;
	entry.address = node - w->member_offset;
	return w->fn(&entry, w->arg);
}

/* The address of the head (the object, or what a pointer to it points at), checked to be a
 * struct kind_name. */
static struct kt_error *head_address(const struct kt_object *head, const char *kind_name,
				     uint64_t *ret)
{
	struct kt_object h = *head;
	char name[128];
	const struct btf_type *t = h.btf && h.type_id > 0
		? btf__type_by_id(h.btf, kt_type_strip(h.btf, (uint32_t)h.type_id)) : NULL;
	struct kt_error *err;
	if (t && btf_is_ptr(t) && (err = kt_object_deref(&h, &h)))
		return err;
	t = h.btf && h.type_id > 0 ? btf__type_by_id(h.btf, kt_type_strip(h.btf, (uint32_t)h.type_id))
				   : NULL;
	const char *tname = t && btf_is_struct(t) ? btf__name_by_offset(h.btf, t->name_off) : NULL;
	if (!tname || strcmp(tname, kind_name))
		return kt_error_create(KT_ERROR_INVALID_ARGUMENT, "%s is not a struct %s",
				       kt_object_type_name(head, name, sizeof(name)), kind_name);
	if (h.is_value || h.percpu || h.bit_size)
		return kt_error_create(KT_ERROR_INVALID_ARGUMENT, "the %s at 0x%llx is not in memory",
				       kind_name, (unsigned long long)h.address);
	*ret = h.address;
	return NULL;
}

static struct kt_error *for_each(const struct kt_object *head, const char *type,
				 const char *member, uint64_t budget, kt_object_fn *fn, void *arg,
				 bool hash)
{
	const char *link = hash ? "hlist_node" : "list_head";
	struct entry_walk w = {.fn = fn, .arg = arg};
	struct kt_type_ref ref, member_type;
	uint64_t at = 0;
	struct kt_error *err;
	if ((err = head_address(head, hash ? "hlist_head" : "list_head", &at)) ||
	    (err = kt_object_lookup_type(head->prog, type, &ref)) ||
	    (err = kt_object_member_offset(head->prog, ref, member, &w.member_offset, &member_type)))
		return err;
	struct kt_object probe;
	kt_object_init(&probe, head->prog, head->reader, member_type, 0);
	const struct btf_type *t = btf__type_by_id(member_type.btf,
						   kt_type_strip(member_type.btf, (uint32_t)member_type.id));
	const char *mname = t && btf_is_struct(t) ? btf__name_by_offset(member_type.btf, t->name_off)
						  : NULL;
	if (!mname || strcmp(mname, link)) {
		char name[128];
		return kt_error_create(KT_ERROR_INVALID_ARGUMENT, "%s.%s is a %s, not a struct %s",
				       type, member, kt_object_type_name(&probe, name, sizeof(name)),
				       link);
	}
	kt_object_init(&w.proto, head->prog, head->reader, ref, 0);
	budget = budget ? budget : KT_OBJECT_LIST_MAX;
	struct kt_reader *r = kt_object_reader(head);
	return hash ? kt_hlist_for_each(r, at, budget, visit_entry, &w)
		    : kt_list_for_each(r, at, budget, visit_entry, &w);
}

struct kt_error *kt_object_list_for_each(const struct kt_object *head, const char *type,
					 const char *member, uint64_t budget, kt_object_fn *fn,
					 void *arg)
{
	return for_each(head, type, member, budget, fn, arg, false);
}

struct kt_error *kt_object_hlist_for_each(const struct kt_object *head, const char *type,
					  const char *member, uint64_t budget, kt_object_fn *fn,
					  void *arg)
{
	return for_each(head, type, member, budget, fn, arg, true);
}
