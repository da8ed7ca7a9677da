// SPDX-License-Identifier: MIT
/*
 * whatis: a type described as data (struct kt_type_description, ktriage.h): each member with its
 * offset, size and bits, the structs and unions that gdb's `ptype /o` prints in place (anonymous
 * ones always, named ones when expanding), enumerators, a typedef's target, a function's
 * parameters. lib/report writes it as text or JSON.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/strbuf.h"
#include "core/util.h"
#include "sym/type_print.h"

struct describer {
	const struct btf *btf;
	bool expand;
	bool failed;  /* out of memory */
	/* Members described so far: damaged BTF can nest an anonymous union in itself, and each
	 * level multiplies the work; no kernel type, fully expanded, comes close to the limit. */
	unsigned int members;
	bool loops;
};

enum { MEMBERS_MAX = 1 << 18 };

static int64_t type_size(const struct btf *btf, uint32_t id)
{
	int64_t size = btf__resolve_size(btf, id);
	return size < 0 ? 0 : size;
}

static bool is_anonymous(const struct btf *btf, const struct btf_type *t)
{
	const char *name = btf__name_by_offset(btf, t->name_off);
	return !name || !*name;
}

static char *dup_name(struct describer *d, const char *s)
{
	char *c = strdup(s ? s : "");
	if (!c)
		d->failed = true;
	return c;
}

static char *type_name(struct describer *d, uint32_t id, const char *declared)
{
	struct kt_strbuf sb = {0};
	kt_type_name(d->btf, id, declared, &sb);
	char *s = kt_strbuf_finish(&sb);
	if (!s)
		d->failed = true;
	return s;
}

/* Whether member type id is described in place: anonymous structs and unions always (C reaches
 * their members directly), named ones when expanding. As in gdb's ptype /o, a typedef stays a
 * name. */
static bool expands(const struct describer *d, uint32_t id, int level)
{
	const struct btf_type *t = btf__type_by_id(d->btf, id);
	while (t && btf_is_mod(t))
		t = btf__type_by_id(d->btf, t->type);  // const struct {...}: still expanded
	if (!t || !btf_is_composite(t) || level >= KT_TYPE_NEST_MAX)
		return false;
	return d->expand || is_anonymous(d->btf, t);
}

static enum kt_type_description_kind kind_of(const struct btf_type *t)
{
	if (!t)
		return KT_DESCRIBED_VOID;
	switch (btf_kind(t)) {
	case BTF_KIND_STRUCT:
		return KT_DESCRIBED_STRUCT;
	case BTF_KIND_UNION:
		return KT_DESCRIBED_UNION;
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		return KT_DESCRIBED_ENUM;
	case BTF_KIND_TYPEDEF:
		return KT_DESCRIBED_TYPEDEF;
	case BTF_KIND_INT:
		return KT_DESCRIBED_INT;
	case BTF_KIND_FLOAT:
		return KT_DESCRIBED_FLOAT;
	case BTF_KIND_PTR:
		return KT_DESCRIBED_POINTER;
	case BTF_KIND_ARRAY:
		return KT_DESCRIBED_ARRAY;
	case BTF_KIND_FUNC_PROTO:
	case BTF_KIND_FUNC:
		return KT_DESCRIBED_FUNCTION;
	default:
		return KT_DESCRIBED_OTHER;
	}
}

const char *kt_type_description_kind_name(enum kt_type_description_kind kind)
{
	static const char *const names[] = {
		[KT_DESCRIBED_STRUCT] = "struct",     [KT_DESCRIBED_UNION] = "union",
		[KT_DESCRIBED_ENUM] = "enum",         [KT_DESCRIBED_TYPEDEF] = "typedef",
		[KT_DESCRIBED_INT] = "int",           [KT_DESCRIBED_FLOAT] = "float",
		[KT_DESCRIBED_POINTER] = "pointer",   [KT_DESCRIBED_ARRAY] = "array",
		[KT_DESCRIBED_FUNCTION] = "function", [KT_DESCRIBED_VOID] = "void",
		[KT_DESCRIBED_OTHER] = "other",
	};
	return (unsigned int)kind < KT_ARRAY_SIZE(names) && names[kind] ? names[kind] : "other";
}

static struct kt_type_description *describe(struct describer *d, uint32_t id, int depth);

/* The members of composite id, at bit base_bits of the outermost type. */
static void describe_members(struct describer *d, uint32_t id, uint64_t base_bits, int level,
			     struct kt_type_description *out)
{
	const struct btf *btf = d->btf;
	const struct btf_type *t = btf__type_by_id(btf, id);
	uint16_t n = btf_vlen(t);
	if (!n || d->loops)
		return;
	if ((d->members += n) > MEMBERS_MAX) {
		d->loops = true;
		return;
	}
	if (!(out->members = calloc(n, sizeof(*out->members)))) {
		d->failed = true;
		return;
	}
	out->n_members = n;
	const struct btf_member *m = btf_members(t);
	for (uint16_t i = 0; i < n && !d->failed; i++, m++) {
		struct kt_type_member *mem = &out->members[i];
		const char *name = btf__name_by_offset(btf, m->name_off);
		uint64_t bits = base_bits + btf_member_bit_offset(t, i);
		mem->name = dup_name(d, name);
		mem->type = type_name(d, m->type, NULL);
		mem->declaration = type_name(d, m->type, name);
		mem->offset = bits / 8;
		mem->bit_offset = (uint32_t)(bits % 8);
		mem->bit_size = btf_member_bitfield_size(t, i);
		mem->size = (uint64_t)type_size(btf, m->type);
		if (mem->bit_size || !expands(d, m->type, level + 1))
			continue;
		uint32_t inner = kt_type_strip(btf, m->type);
		struct kt_type_description *e = describe(d, inner, KT_TYPE_NEST_MAX);
		mem->expanded = e;
		if (e)
			describe_members(d, inner, bits, level + 1, e);
	}
}

static void describe_enum(struct describer *d, const struct btf_type *t,
			  struct kt_type_description *out)
{
	uint16_t n = btf_vlen(t);
	out->is_signed = btf_kflag(t);
	if (!n)
		return;
	if (!(out->enumerators = calloc(n, sizeof(*out->enumerators)))) {
		d->failed = true;
		return;
	}
	out->n_enumerators = n;
	for (uint16_t i = 0; i < n; i++) {
		struct kt_enumerator *e = &out->enumerators[i];
		if (btf_is_enum(t)) {
			const struct btf_enum *v = btf_enum(t) + i;
			e->name = dup_name(d, btf__name_by_offset(d->btf, v->name_off));
			e->value = out->is_signed ? (uint64_t)(int64_t)v->val : (uint32_t)v->val;
		} else {
			const struct btf_enum64 *v = btf_enum64(t) + i;
			e->name = dup_name(d, btf__name_by_offset(d->btf, v->name_off));
			e->value = btf_enum64_value(v);
		}
	}
}

static void describe_function(struct describer *d, const struct btf_type *t,
			      struct kt_type_description *out)
{
	if (btf_is_func(t))
		t = btf__type_by_id(d->btf, t->type);
	if (!t || !btf_is_func_proto(t))
		return;
	out->return_type = type_name(d, t->type, NULL);
	uint16_t n = btf_vlen(t);
	const struct btf_param *p = btf_params(t);
	if (n && !p[n - 1].type) {  // C's "...": a last parameter of type void
		out->variadic = true;
		n--;
	}
	if (!n)
		return;
	if (!(out->params = calloc(n, sizeof(*out->params)))) {
		d->failed = true;
		return;
	}
	out->n_params = n;
	for (uint16_t i = 0; i < n; i++) {
		out->params[i].name = dup_name(d, btf__name_by_offset(d->btf, p[i].name_off));
		out->params[i].type = type_name(d, p[i].type, NULL);
	}
}

/* Type id without its members (describe_members adds them at the offset they are at). */
static struct kt_type_description *describe(struct describer *d, uint32_t id, int depth)
{
	const struct btf *btf = d->btf;
	const struct btf_type *t = id ? btf__type_by_id(btf, id) : NULL;
	struct kt_type_description *out = calloc(1, sizeof(*out));
	if (!out) {
		d->failed = true;
		return NULL;
	}
	out->kind = kind_of(t);
	out->size = (uint64_t)type_size(btf, id);
	if (out->kind == KT_DESCRIBED_TYPEDEF) {
		const char *name = btf__name_by_offset(btf, t->name_off);
		struct kt_strbuf sb = {0};
		kt_strbuf_printf(&sb, "typedef ");
		kt_type_name(btf, t->type, name, &sb);
		if (!(out->declaration = kt_strbuf_finish(&sb)))
			d->failed = true;
		out->name = dup_name(d, name);
		out->target_type = type_name(d, t->type, NULL);
		uint32_t target = kt_type_strip(btf, id);
		const struct btf_type *tt = btf__type_by_id(btf, target);
		if (depth < KT_TYPE_NEST_MAX && tt && (btf_is_composite(tt) || btf_is_any_enum(tt))) {
			out->target = describe(d, target, depth + 1);
			if (out->target && btf_is_composite(tt))
				describe_members(d, target, 0, 0, out->target);
		}
		return out;
	}
	out->name = type_name(d, id, NULL);
	if (t && (btf_is_composite(t) || btf_is_any_enum(t)) && !is_anonymous(btf, t))
		out->tag = dup_name(d, btf__name_by_offset(btf, t->name_off));
	if (out->kind == KT_DESCRIBED_ENUM)
		describe_enum(d, t, out);
	else if (out->kind == KT_DESCRIBED_FUNCTION)
		describe_function(d, t, out);
	return out;
}

void kt_type_description_destroy(struct kt_type_description *desc)
{
	if (!desc)
		return;
	for (size_t i = 0; i < desc->n_members; i++) {
		struct kt_type_member *m = &desc->members[i];
		free(m->name);
		free(m->type);
		free(m->declaration);
		kt_type_description_destroy(m->expanded);
	}
	free(desc->members);
	for (size_t i = 0; i < desc->n_enumerators; i++)
		free(desc->enumerators[i].name);
	free(desc->enumerators);
	for (size_t i = 0; i < desc->n_params; i++) {
		free(desc->params[i].name);
		free(desc->params[i].type);
	}
	free(desc->params);
	free(desc->name);
	free(desc->tag);
	free(desc->declaration);
	free(desc->target_type);
	kt_type_description_destroy(desc->target);
	free(desc->return_type);
	free(desc);
}

struct kt_error *kt_type_describe_btf(const struct btf *btf, uint32_t id, bool expand,
				      struct kt_type_description **ret)
{
	struct describer d = {.btf = btf, .expand = expand};
	struct kt_type_description *desc = describe(&d, id, 0);
	const struct btf_type *t = id ? btf__type_by_id(btf, id) : NULL;
	if (desc && t && btf_is_composite(t))
		describe_members(&d, id, 0, 0, desc);
	if (d.failed || d.loops) {
		kt_type_description_destroy(desc);
		if (d.failed)
			return &kt_enomem;
		return kt_error_create(KT_ERROR_BAD_DATA, "BTF: type %u has more than %d members "
				       "with the ones it nests: its members loop", id, MEMBERS_MAX);
	}
	*ret = desc;
	return NULL;
}
