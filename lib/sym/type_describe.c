// SPDX-License-Identifier: MIT
/*
 * whatis: a type's declaration with each member's offset and size, in the layout of gdb's
 * `ptype /o` (holes marked) or as JSON; and member-at, the reverse: the members at an offset.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/util.h"
#include "sym/type_print.h"

/* A union of unions of arrays can cover one byte many times over; no kernel type comes close. */
enum { HITS_MAX = 4096 };
/* Width of the "offset | size" comment that starts every member line. */
static const char COLUMN_BLANK[] = "                         ";

struct describer {
	const struct btf *btf;
	const struct kt_describe_options *opts;
	struct kt_strbuf sb;
};

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

/* Whether member type id is printed member by member: anonymous structs and unions always (C
 * reaches their members directly), named ones when asked to expand. As in gdb's ptype /o, a
 * typedef stays a name. */
static bool expands(const struct describer *d, uint32_t id, int level)
{
	const struct btf_type *t = btf__type_by_id(d->btf, id);
	while (t && btf_is_mod(t))
		t = btf__type_by_id(d->btf, t->type);  // const struct {...}: still expanded
	if (!t || !btf_is_composite(t) || level >= KT_TYPE_NEST_MAX)
		return false;
	return d->opts->expand || is_anonymous(d->btf, t);
}

static void hole_text(struct describer *d, uint64_t bits, const char *what)
{
	if (bits % 8)
		kt_strbuf_printf(&d->sb, "/* XXX %3llu-bit %s   */\n", (unsigned long long)bits, what);
	else
		kt_strbuf_printf(&d->sb, "/* XXX %3llu-byte %s  */\n", (unsigned long long)bits / 8,
				 what);
}

static void layout_text(struct describer *d, uint32_t id, uint64_t base_bits, int level)
{
	const struct btf *btf = d->btf;
	const struct btf_type *t = btf__type_by_id(btf, id);
	const struct btf_member *m = btf_members(t);
	uint64_t end_bits = base_bits;
	int indent = 4 + 4 * level;
	for (uint16_t i = 0; i < btf_vlen(t); i++, m++) {
		const char *name = btf__name_by_offset(btf, m->name_off);
		uint64_t bits = base_bits + btf_member_bit_offset(t, i);
		uint32_t bit_size = btf_member_bitfield_size(t, i);
		int64_t size = type_size(btf, m->type);
		if (!btf_is_union(t) && bits > end_bits)
			hole_text(d, bits - end_bits, "hole");
		char off[32];
		if (bit_size)
			snprintf(off, sizeof(off), "0x%llx:%2u", (unsigned long long)bits / 8,
				 (unsigned int)(bits % 8));
		else
			snprintf(off, sizeof(off), "0x%llx", (unsigned long long)bits / 8);
		kt_strbuf_printf(&d->sb, "/* %10s | %6lld */%*s", off, (long long)size, indent, "");
		uint32_t inner = kt_type_strip(btf, m->type);
		if (!bit_size && expands(d, m->type, level + 1)) {
			const struct btf_type *it = btf__type_by_id(btf, inner);
			const char *iname = btf__name_by_offset(btf, it->name_off);
			kt_strbuf_printf(&d->sb, "%s%s%s {\n", btf_is_union(it) ? "union" : "struct",
					 iname && *iname ? " " : "", iname ? iname : "");
			layout_text(d, inner, bits, level + 1);
			kt_strbuf_printf(&d->sb, "%s%*s}%s%s;\n", COLUMN_BLANK, indent, "",
					 name && *name ? " " : "", name ? name : "");
		} else {
			kt_type_name(btf, m->type, name, &d->sb);
			if (bit_size)
				kt_strbuf_printf(&d->sb, " : %u", bit_size);
			kt_strbuf_printf(&d->sb, ";\n");
		}
		uint64_t end = bits + (bit_size ? bit_size : (uint64_t)size * 8);
		if (end > end_bits)
			end_bits = end;
	}
	uint64_t total = base_bits + (uint64_t)t->size * 8;
	if (!btf_is_union(t) && total > end_bits && btf_vlen(t))
		hole_text(d, total - end_bits, "padding");
}

static void layout_json(struct describer *d, uint32_t id, uint64_t base_bits, int level,
			json_object *members)
{
	const struct btf *btf = d->btf;
	const struct btf_type *t = btf__type_by_id(btf, id);
	const struct btf_member *m = btf_members(t);
	for (uint16_t i = 0; i < btf_vlen(t); i++, m++) {
		const char *name = btf__name_by_offset(btf, m->name_off);
		uint64_t bits = base_bits + btf_member_bit_offset(t, i);
		uint32_t bit_size = btf_member_bitfield_size(t, i);
		json_object *o = json_object_new_object();
		_cleanup_free_ char *tname = kt_type_name_dup(btf, m->type);
		json_object_object_add(o, "name", json_object_new_string(name ? name : ""));
		json_object_object_add(o, "type", json_object_new_string(tname ? tname : "?"));
		json_object_object_add(o, "offset", json_object_new_uint64(bits / 8));
		json_object_object_add(o, "size", json_object_new_int64(type_size(btf, m->type)));
		if (bit_size) {
			json_object_object_add(o, "bit_offset", json_object_new_int((int)(bits % 8)));
			json_object_object_add(o, "bit_size", json_object_new_int((int)bit_size));
		} else if (expands(d, m->type, level + 1)) {
			json_object *inner = json_object_new_array();
			layout_json(d, kt_type_strip(btf, m->type), bits, level + 1, inner);
			json_object_object_add(o, "members", inner);
		}
		json_object_array_add(members, o);
	}
}

static const char *kind_name(const struct btf_type *t)
{
	if (!t)
		return "void";
	switch (btf_kind(t)) {
	case BTF_KIND_STRUCT:
		return "struct";
	case BTF_KIND_UNION:
		return "union";
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		return "enum";
	case BTF_KIND_TYPEDEF:
		return "typedef";
	case BTF_KIND_INT:
		return "int";
	case BTF_KIND_FLOAT:
		return "float";
	case BTF_KIND_PTR:
		return "pointer";
	case BTF_KIND_ARRAY:
		return "array";
	case BTF_KIND_FUNC_PROTO:
	case BTF_KIND_FUNC:
		return "function";
	default:
		return "other";
	}
}

static void enum_entry(const struct btf *btf, const struct btf_type *t, uint16_t i,
		       const char **name, long long *sval, unsigned long long *uval)
{
	bool is_signed = btf_kflag(t);
	if (btf_is_enum(t)) {
		const struct btf_enum *e = btf_enum(t) + i;
		*name = btf__name_by_offset(btf, e->name_off);
		*sval = e->val;
		*uval = (uint32_t)e->val;
	} else {
		const struct btf_enum64 *e = btf_enum64(t) + i;
		*name = btf__name_by_offset(btf, e->name_off);
		*uval = btf_enum64_value(e);
		*sval = (long long)*uval;
	}
	if (!is_signed)
		*sval = (long long)*uval;
}

static void describe_text(struct describer *d, uint32_t id, int depth)
{
	const struct btf *btf = d->btf;
	const struct btf_type *t = id ? btf__type_by_id(btf, id) : NULL;
	_cleanup_free_ char *tname = kt_type_name_dup(btf, id);
	if (t && btf_is_composite(t)) {
		const char *anon = btf_is_union(t) ? "union" : "struct";
		kt_strbuf_printf(&d->sb, "/*     offset |   size */  type = %s {\n",
				 is_anonymous(btf, t) ? anon : tname ? tname : "?");
		layout_text(d, id, 0, 0);
		kt_strbuf_printf(&d->sb, "\n%s    /* total size (bytes): %u */\n%s  }\n", COLUMN_BLANK,
				 t->size, COLUMN_BLANK);
	} else if (t && btf_is_any_enum(t)) {
		kt_strbuf_printf(&d->sb, "%s {\n", tname ? tname : "?");
		for (uint16_t i = 0; i < btf_vlen(t); i++) {
			const char *name;
			long long s;
			unsigned long long u;
			enum_entry(btf, t, i, &name, &s, &u);
			if (btf_kflag(t))
				kt_strbuf_printf(&d->sb, "    %s = %lld,\n", name, s);
			else
				kt_strbuf_printf(&d->sb, "    %s = %llu,\n", name, u);
		}
		kt_strbuf_printf(&d->sb, "};  /* size: %u */\n", t->size);
	} else if (t && btf_is_typedef(t) && depth < KT_TYPE_NEST_MAX) {
		kt_strbuf_printf(&d->sb, "typedef ");
		kt_type_name(btf, t->type, btf__name_by_offset(btf, t->name_off), &d->sb);
		kt_strbuf_printf(&d->sb, ";  /* size: %lld */\n", (long long)type_size(btf, id));
		uint32_t target = kt_type_strip(btf, id);
		const struct btf_type *tt = btf__type_by_id(btf, target);
		if (tt && (btf_is_composite(tt) || btf_is_any_enum(tt)))
			describe_text(d, target, depth + 1);
	} else {
		kt_strbuf_printf(&d->sb, "type = %s  /* size: %lld */\n", tname ? tname : "?",
				 (long long)type_size(btf, id));
	}
}

static json_object *describe_json(struct describer *d, uint32_t id, int depth)
{
	const struct btf *btf = d->btf;
	const struct btf_type *t = id ? btf__type_by_id(btf, id) : NULL;
	_cleanup_free_ char *tname = kt_type_name_dup(btf, id);
	json_object *o = json_object_new_object();
	const char *name = t && btf_is_typedef(t) ? btf__name_by_offset(btf, t->name_off) : tname;
	json_object_object_add(o, "name", json_object_new_string(name ? name : "?"));
	json_object_object_add(o, "kind", json_object_new_string(kind_name(t)));
	json_object_object_add(o, "size", json_object_new_int64(type_size(btf, id)));
	if (t && btf_is_composite(t)) {
		json_object *members = json_object_new_array();
		layout_json(d, id, 0, 0, members);
		json_object_object_add(o, "members", members);
	} else if (t && btf_is_any_enum(t)) {
		json_object *list = json_object_new_array();
		for (uint16_t i = 0; i < btf_vlen(t); i++) {
			const char *ename;
			long long s;
			unsigned long long u;
			enum_entry(btf, t, i, &ename, &s, &u);
			json_object *e = json_object_new_object();
			json_object_object_add(e, "name", json_object_new_string(ename));
			json_object_object_add(e, "value", btf_kflag(t) ? json_object_new_int64(s)
								       : json_object_new_uint64(u));
			json_object_array_add(list, e);
		}
		json_object_object_add(o, "enumerators", list);
	} else if (t && btf_is_typedef(t) && depth < KT_TYPE_NEST_MAX) {
		_cleanup_free_ char *target = kt_type_name_dup(btf, t->type);
		json_object_object_add(o, "type", json_object_new_string(target ? target : "?"));
		uint32_t inner = kt_type_strip(btf, id);
		const struct btf_type *it = btf__type_by_id(btf, inner);
		if (it && (btf_is_composite(it) || btf_is_any_enum(it)))
			json_object_object_add(o, "target", describe_json(d, inner, depth + 1));
	}
	return o;
}

struct kt_error *kt_type_describe_btf(const struct btf *btf, uint32_t id,
				      const struct kt_describe_options *opts, char **ret)
{
	struct describer d = {.btf = btf, .opts = opts};
	if (opts->json) {
		json_object *o = describe_json(&d, id, 0);
		const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
								     JSON_C_TO_STRING_NOSLASHESCAPE);
		char *out = s ? strdup(s) : NULL;
		json_object_put(o);
		if (!out)
			return &kt_enomem;
		*ret = out;
		return NULL;
	}
	describe_text(&d, id, 0);
	char *out = kt_strbuf_finish(&d.sb);
	if (!out)
		return &kt_enomem;
	*ret = out;
	return NULL;
}

/* member-at */

struct hits {
	const struct btf *btf;
	struct kt_member_at *v;
	size_t n, cap;
	struct kt_strbuf path;
	struct kt_error *err;
};

static void add_hit(struct hits *h, uint32_t type, uint64_t offset, uint64_t size,
		    uint32_t bit_offset, uint32_t bit_size, bool padding)
{
	if (h->err)
		return;
	if (h->n == HITS_MAX) {
		h->err = kt_error_create(KT_ERROR_LIMIT, "more than %d members cover one offset",
					 HITS_MAX);
		return;
	}
	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 8;
		struct kt_member_at *grown = realloc(h->v, cap * sizeof(*grown));
		if (!grown) {
			h->err = &kt_enomem;
			return;
		}
		h->v = grown;
		h->cap = cap;
	}
	struct kt_member_at *m = &h->v[h->n];
	*m = (struct kt_member_at){
		.path = strdup(h->path.s ? h->path.s : ""),
		.type = kt_type_name_dup(h->btf, type),
		.offset = offset,
		.size = size,
		.bit_offset = bit_offset,
		.bit_size = bit_size,
		.padding = padding,
	};
	h->n++;
	if (!m->path || !m->type)
		h->err = &kt_enomem;
}

static void path_truncate(struct kt_strbuf *sb, size_t len)
{
	if (sb->s) {
		sb->len = len;
		sb->s[len] = '\0';
	}
}

/* No member of struct t covers target: reports the hole, named after the member it follows. */
static void add_padding(struct hits *h, const struct btf_type *t, uint32_t id, uint64_t target,
			uint64_t base, uint64_t size)
{
	const struct btf *btf = h->btf;
	const struct btf_member *m = btf_members(t);
	const char *before = NULL;
	uint64_t start = 0, end = size;
	for (uint16_t i = 0; i < btf_vlen(t); i++, m++) {
		uint64_t bits = btf_member_bit_offset(t, i);
		uint32_t bit_size = btf_member_bitfield_size(t, i);
		uint64_t first = bits / 8;
		uint64_t stop = bit_size ? (bits + bit_size + 7) / 8
					 : first + (uint64_t)type_size(btf, m->type);
		if (stop <= target && stop >= start) {
			start = stop;
			before = btf__name_by_offset(btf, m->name_off);
		}
		if (first > target && first < end)
			end = first;
	}
	size_t saved = h->path.len;
	if (before && *before)
		kt_strbuf_printf(&h->path, "%s%s", saved ? "." : "", before);
	add_hit(h, id, base + start, end - start, 0, 0, true);
	path_truncate(&h->path, saved);
}

/* Collects the leaves of type id (at byte base of the outer type) that cover byte target of it. */
static void collect(struct hits *h, uint32_t id, uint64_t target, uint64_t base, int depth)
{
	const struct btf *btf = h->btf;
	uint32_t inner = kt_type_strip(btf, id);
	const struct btf_type *t = btf__type_by_id(btf, inner);
	int64_t size = type_size(btf, id);
	if (!t || depth > KT_TYPE_NEST_MAX || !(btf_is_composite(t) || btf_is_array(t))) {
		add_hit(h, id, base, (uint64_t)size, 0, 0, false);
		return;
	}
	size_t saved = h->path.len;
	if (btf_is_array(t)) {
		int64_t esize = type_size(btf, btf_array(t)->type);
		uint64_t idx = esize ? target / (uint64_t)esize : 0;
		if (!esize) {
			add_hit(h, id, base, (uint64_t)size, 0, 0, false);
			return;
		}
		kt_strbuf_printf(&h->path, "[%llu]", (unsigned long long)idx);
		collect(h, btf_array(t)->type, target % (uint64_t)esize, base + idx * (uint64_t)esize,
			depth + 1);
		path_truncate(&h->path, saved);
		return;
	}
	bool found = false;
	const struct btf_member *m = btf_members(t);
	for (uint16_t i = 0; i < btf_vlen(t) && !h->err; i++, m++) {
		const char *name = btf__name_by_offset(btf, m->name_off);
		uint64_t bits = btf_member_bit_offset(t, i);
		uint32_t bit_size = btf_member_bitfield_size(t, i);
		uint64_t first = bits / 8;
		uint64_t last = bit_size ? (bits + bit_size - 1) / 8
					 : first + (uint64_t)type_size(btf, m->type) - 1;
		if (target < first || target > last || (!bit_size && !type_size(btf, m->type)))
			continue;
		found = true;
		if (name && *name)  // anonymous members add nothing: C names their members directly
			kt_strbuf_printf(&h->path, "%s%s", saved ? "." : "", name);
		if (bit_size)
			add_hit(h, m->type, base + first, last - first + 1, (uint32_t)(bits % 8),
				bit_size, false);
		else
			collect(h, m->type, target - first, base + first, depth + 1);
		path_truncate(&h->path, saved);
	}
	if (!found)
		add_padding(h, t, id, target, base, (uint64_t)size);
}

struct kt_error *kt_type_members_at(const struct btf *btf, uint32_t id, uint64_t offset,
				    struct kt_member_at **ret, size_t *count_ret)
{
	int64_t size = btf__resolve_size(btf, id);
	if (size < 0)
		return kt_error_create(KT_ERROR_BAD_DATA, "BTF: type %u has no size", id);
	if (offset >= (uint64_t)size) {
		_cleanup_free_ char *tname = kt_type_name_dup(btf, id);
		return kt_error_create(KT_ERROR_INVALID_ARGUMENT,
				       "offset 0x%llx is past the end of %s (%lld bytes)",
				       (unsigned long long)offset, tname ? tname : "?", (long long)size);
	}
	struct hits h = {.btf = btf};
	kt_strbuf_printf(&h.path, "%s", "");
	collect(&h, id, offset, 0, 0);
	if (!h.err && h.path.failed)
		h.err = &kt_enomem;
	free(h.path.s);
	if (h.err) {
		kt_members_at_destroy(h.v, h.n);
		return h.err;
	}
	*ret = h.v;
	*count_ret = h.n;
	return NULL;
}

void kt_members_at_destroy(struct kt_member_at *members, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		free(members[i].path);
		free(members[i].type);
	}
	free(members);
}
