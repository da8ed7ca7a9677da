// SPDX-License-Identifier: MIT
/* Type expressions to BTF ids and back, and member paths: the vocabulary of the type commands. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/util.h"
#include "sym/btf_names.h"
#include "sym/type_print.h"

/* C spellings people type, and the DWARF names that pahole copies into BTF. */
static const struct {
	const char *c, *btf;
} int_spellings[] = {
	{"unsigned long", "long unsigned int"},
	{"unsigned long int", "long unsigned int"},
	{"long", "long int"},
	{"signed long", "long int"},
	{"unsigned", "unsigned int"},
	{"signed", "int"},
	{"signed int", "int"},
	{"unsigned long long", "long long unsigned int"},
	{"long long", "long long int"},
	{"unsigned short", "short unsigned int"},
	{"short", "short int"},
	{"bool", "_Bool"},
};

uint32_t kt_type_strip(const struct btf *btf, uint32_t id)
{
	for (int depth = 0; id && depth < KT_TYPE_NEST_MAX; depth++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		if (!t || !(btf_is_typedef(t) || btf_is_mod(t) || btf_is_type_tag(t)))
			return id;
		id = t->type;
	}
	return id;
}

/* id skipping only const/volatile/restrict: a typedef is a name of its own in a declarator. */
static uint32_t skip_qualifiers(const struct btf *btf, uint32_t id)
{
	for (int depth = 0; id && depth < KT_TYPE_NEST_MAX; depth++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		if (!t || !(btf_is_mod(t) || btf_is_type_tag(t)))
			return id;
		id = t->type;
	}
	return id;
}

/* A PTR type to target, which BTF holds only if the kernel uses one. */
static bool find_pointer(const struct btf *btf, uint32_t target, uint32_t *ret)
{
	uint32_t n = btf__type_cnt(btf);
	for (uint32_t id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		if (btf_is_ptr(t) && t->type == target) {
			*ret = id;
			return true;
		}
	}
	return false;
}

/* An array type the BTF already has (BTF is read-only here, as for pointers). */
static bool find_array(const struct btf *btf, uint32_t elem, uint32_t nelems, uint32_t *ret)
{
	uint32_t n = btf__type_cnt(btf);
	for (uint32_t id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		if (btf_is_array(t) && btf_array(t)->type == elem && btf_array(t)->nelems == nelems) {
			*ret = id;
			return true;
		}
	}
	return false;
}

/* Trailing "[N]" dimensions ("struct timer_base [2]", as DWARF spells a variable's type): their
 * counts outermost first, and the length of the expression before them. */
#define ARRAY_DIMS_MAX 8
static struct kt_error *array_dims(const char *expr, size_t *len, uint32_t dims[ARRAY_DIMS_MAX],
				   size_t *ndims)
{
	size_t end = strlen(expr), n = 0;
	uint32_t rev[ARRAY_DIMS_MAX];
	for (;;) {
		while (end && isspace((unsigned char)expr[end - 1]))
			end--;
		if (!end || expr[end - 1] != ']')
			break;
		size_t open = end - 1;
		while (open && expr[open - 1] != '[')
			open--;
		if (!open || n == ARRAY_DIMS_MAX)
			return kt_error_create(KT_ERROR_INVALID_ARGUMENT, "bad type '%s'", expr);
		char *stop;
		unsigned long count = strtoul(expr + open, &stop, 10);
		if (stop == expr + open || stop != expr + end - 1 || count > UINT32_MAX)
			return kt_error_create(KT_ERROR_INVALID_ARGUMENT,
					       "bad type '%s': an array's length is a number", expr);
		rev[n++] = (uint32_t)count;
		end = open - 1;
	}
	for (size_t i = 0; i < n; i++)
		dims[i] = rev[n - 1 - i];
	*len = end;
	*ndims = n;
	return NULL;
}

static int32_t find_named(const struct btf *btf, struct kt_btf_names *names, const char *name,
			  const int *kinds, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int32_t id = kt_btf_find_by_name_kind(btf, names, name, kinds[i]);
		if (id > 0)
			return id;
	}
	return -1;
}

/* The base of a type expression (no '*'), normalised to single spaces. */
static struct kt_error *parse_base(const struct btf *btf, struct kt_btf_names *names,
				   const char *base, uint32_t *ret)
{
	static const int any[] = {BTF_KIND_STRUCT, BTF_KIND_UNION, BTF_KIND_TYPEDEF,
				  BTF_KIND_ENUM,   BTF_KIND_ENUM64, BTF_KIND_INT, BTF_KIND_FLOAT};
	static const int structs[] = {BTF_KIND_STRUCT}, unions[] = {BTF_KIND_UNION};
	static const int enums[] = {BTF_KIND_ENUM, BTF_KIND_ENUM64};
	const int *kinds = any;
	size_t nkinds = KT_ARRAY_SIZE(any);
	const char *name = base;
	if (!strcmp(base, "void")) {
		*ret = 0;
		return NULL;
	}
	if (!strncmp(base, "struct ", 7)) {
		kinds = structs, nkinds = 1, name = base + 7;
	} else if (!strncmp(base, "union ", 6)) {
		kinds = unions, nkinds = 1, name = base + 6;
	} else if (!strncmp(base, "enum ", 5)) {
		kinds = enums, nkinds = 2, name = base + 5;
	} else {
		for (size_t i = 0; i < KT_ARRAY_SIZE(int_spellings); i++)
			if (!strcmp(base, int_spellings[i].c))
				name = int_spellings[i].btf;
	}
	int32_t id = find_named(btf, names, name, kinds, nkinds);
	if (id > 0) {
		*ret = (uint32_t)id;
		return NULL;
	}
	// A declaration without a definition: the kernel never uses the type by value.
	if (kinds != enums && kt_btf_find_by_name_kind(btf, names, name, BTF_KIND_FWD) > 0)
		return kt_error_create(KT_ERROR_NOT_FOUND,
				       "'%s' is only declared in the kernel's BTF, not defined (a type "
				       "private to a module?)", base);
	return kt_error_create(KT_ERROR_NOT_FOUND, "no type '%s' in the kernel's BTF", base);
}

struct kt_error *kt_type_parse(const struct btf *btf, struct kt_btf_names *names, const char *expr,
			       uint32_t *ret)
{
	// Normalise: single spaces, no qualifiers, trailing '*'s counted, then "[N]"s.
	uint32_t dims[ARRAY_DIMS_MAX];
	size_t len = 0, ndims = 0;
	struct kt_error *err = array_dims(expr, &len, dims, &ndims);
	if (err)
		return err;
	_cleanup_free_ char *base = malloc(len + 1);
	_cleanup_free_ char *head = strndup(expr, len);
	if (!base || !head)
		return &kt_enomem;
	size_t n = 0;
	unsigned int pointers = 0;
	for (const char *p = head; *p;) {
		if (isspace((unsigned char)*p)) {
			p++;
			continue;
		}
		if (*p == '*') {
			pointers++;
			p++;
			continue;
		}
		if (pointers)
			return kt_error_create(KT_ERROR_INVALID_ARGUMENT, "bad type '%s'", expr);
		size_t word = strcspn(p, " \t\n*");
		if ((word == 5 && !strncmp(p, "const", 5)) || (word == 8 && !strncmp(p, "volatile", 8))) {
			p += word;
			continue;
		}
		if (n)
			base[n++] = ' ';
		memcpy(base + n, p, word);
		n += word;
		p += word;
	}
	base[n] = '\0';
	if (!n)
		return kt_error_create(KT_ERROR_INVALID_ARGUMENT, "empty type name");
	uint32_t id = 0;
	if ((err = parse_base(btf, names, base, &id)))
		return err;
	for (unsigned int i = 0; i < pointers; i++) {
		if (!find_pointer(btf, id, &id))
			return kt_error_create(KT_ERROR_NOT_FOUND,
					       "the kernel's BTF has no pointer type '%s' (only "
					       "those the kernel uses)", expr);
	}
	for (size_t i = ndims; i-- > 0;) {
		if (!find_array(btf, id, dims[i], &id))
			return kt_error_create(KT_ERROR_NOT_FOUND,
					       "the kernel's BTF has no array type '%s' (only those "
					       "the kernel uses)", expr);
	}
	*ret = id;
	return NULL;
}

static void append_base(struct kt_strbuf *sb, const char *base, const char *inner)
{
	// BTF spells integers as DWARF does ("long unsigned int"); people write "unsigned long".
	static const char *const plain[][2] = {
		{"long unsigned int", "unsigned long"}, {"long int", "long"},
		{"long long unsigned int", "unsigned long long"}, {"long long int", "long long"},
		{"short unsigned int", "unsigned short"}, {"short int", "short"},
	};
	for (size_t i = 0; i < KT_ARRAY_SIZE(plain); i++)
		if (!strcmp(base, plain[i][0]))
			base = plain[i][1];
	kt_strbuf_printf(sb, "%s%s%s", base, *inner ? " " : "", inner);
}

static void declare(const struct btf *btf, uint32_t id, const char *inner, struct kt_strbuf *sb,
		    int depth);

enum { DECLARATION_MAX = 4096 };

static void declare_params(const struct btf *btf, const struct btf_type *t, struct kt_strbuf *sb,
			   int depth)
{
	const struct btf_param *p = btf_params(t);
	uint16_t n = btf_vlen(t);
	if (!n)
		kt_strbuf_printf(sb, "void");
	for (uint16_t i = 0; i < n; i++) {
		if (i)
			kt_strbuf_printf(sb, ", ");
		// Damaged BTF can make a prototype take pointers to itself, each level multiplying the
		// text; no kernel declaration comes close to this length.
		if (sb->len > DECLARATION_MAX) {
			kt_strbuf_printf(sb, "...");
			return;
		}
		if (!p[i].type && i == n - 1)
			kt_strbuf_printf(sb, "...");
		else
			declare(btf, p[i].type, "", sb, depth + 1);
	}
}

/* Builds a C declarator inside out: inner is what the outer type constructors produced so far. */
static void declare(const struct btf *btf, uint32_t id, const char *inner, struct kt_strbuf *sb,
		    int depth)
{
	const struct btf_type *t = id ? btf__type_by_id(btf, id) : NULL;
	if (!id) {
		append_base(sb, "void", inner);
		return;
	}
	if (!t || depth > KT_TYPE_NEST_MAX) {
		append_base(sb, "?", inner);
		return;
	}
	const char *name = btf__name_by_offset(btf, t->name_off);
	bool named = name && *name;
	struct kt_strbuf next = {0};
	switch (btf_kind(t)) {
	case BTF_KIND_PTR: {
		const struct btf_type *target = btf__type_by_id(btf, skip_qualifiers(btf, t->type));
		bool wrap = target && (btf_is_array(target) || btf_is_func_proto(target));
		kt_strbuf_printf(&next, wrap ? "(*%s)" : "*%s", inner);
		break;
	}
	case BTF_KIND_ARRAY:
		kt_strbuf_printf(&next, "%s[%u]", inner, btf_array(t)->nelems);
		declare(btf, btf_array(t)->type, next.s ? next.s : "", sb, depth + 1);
		free(next.s);
		return;
	case BTF_KIND_FUNC_PROTO:
		kt_strbuf_printf(&next, "%s(", inner);
		declare_params(btf, t, &next, depth);
		kt_strbuf_printf(&next, ")");
		break;
	case BTF_KIND_CONST:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_RESTRICT: {
		const char *q = btf_is_const(t) ? "const" : btf_is_volatile(t) ? "volatile" : "restrict";
		const struct btf_type *target = btf__type_by_id(btf, skip_qualifiers(btf, t->type));
		if (target && btf_is_ptr(target)) {  // the pointer itself is qualified: "*const p"
			kt_strbuf_printf(&next, "%s%s%s", q, *inner ? " " : "", inner);
			break;
		}
		kt_strbuf_printf(sb, "%s ", q);
		declare(btf, t->type, inner, sb, depth + 1);
		return;
	}
	case BTF_KIND_TYPE_TAG:
	case BTF_KIND_FUNC:
	case BTF_KIND_VAR:
		declare(btf, t->type, inner, sb, depth + 1);
		return;
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
	case BTF_KIND_FWD: {
		const char *tag = btf_is_union(t) || (btf_is_fwd(t) && btf_kflag(t)) ? "union"
				  : btf_is_any_enum(t)				    ? "enum"
										    : "struct";
		kt_strbuf_printf(sb, "%s %s%s%s", tag, named ? name : "{...}", *inner ? " " : "", inner);
		return;
	}
	default:
		append_base(sb, named ? name : "?", inner);
		return;
	}
	if (next.failed)
		sb->failed = true;
	else
		declare(btf, t->type, next.s ? next.s : "", sb, depth + 1);
	free(next.s);
}

void kt_type_name(const struct btf *btf, uint32_t id, const char *name, struct kt_strbuf *sb)
{
	declare(btf, id, name ? name : "", sb, 0);
}

char *kt_type_name_dup(const struct btf *btf, uint32_t id)
{
	struct kt_strbuf sb = {0};
	kt_type_name(btf, id, NULL, &sb);
	return kt_strbuf_finish(&sb);
}

/* A member search: the name, and how many members it may still look at. A struct cannot contain
 * itself, but damaged BTF can say it does through anonymous members, and each level multiplies
 * the work: the budget keeps that from running for hours. No kernel type comes close to it. */
enum { MEMBER_VISITS_MAX = 1 << 16 };

struct member_search {
	const char *name;
	size_t len;
	unsigned int visits_left;
};

/* Finds the member in struct/union id, looking into anonymous members as C does. */
static bool find_member(const struct btf *btf, uint32_t id, struct member_search *s, int depth,
			struct kt_type_place *place)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	if (!t || depth > KT_TYPE_NEST_MAX || !btf_is_composite(t))
		return false;
	const struct btf_member *m = btf_members(t);
	for (uint16_t i = 0; i < btf_vlen(t) && s->visits_left; i++, m++) {
		s->visits_left--;
		const char *mname = btf__name_by_offset(btf, m->name_off);
		uint64_t off = btf_member_bit_offset(t, i);
		if (mname && *mname) {
			if (strlen(mname) != s->len || memcmp(mname, s->name, s->len))
				continue;
			place->bit_offset += off;
			place->type = m->type;
			place->bit_size = btf_member_bitfield_size(t, i);
			return true;
		}
		struct kt_type_place inner = {0};
		if (find_member(btf, kt_type_strip(btf, m->type), s, depth + 1, &inner)) {
			place->bit_offset += off + inner.bit_offset;
			place->type = inner.type;
			place->bit_size = inner.bit_size;
			return true;
		}
	}
	return false;
}

static struct kt_error *subscript(const struct btf *btf, const char *path, const char **p,
				  struct kt_type_place *place)
{
	char *end;
	const struct btf_type *t = btf__type_by_id(btf, kt_type_strip(btf, place->type));
	unsigned long idx = strtoul(*p + 1, &end, 10);
	if (end == *p + 1 || *end != ']')
		return kt_error_create(KT_ERROR_INVALID_ARGUMENT, "'%s': bad subscript", path);
	if (!t || !btf_is_array(t) || place->bit_size)
		return kt_error_create(KT_ERROR_INVALID_ARGUMENT,
				       "'%s': subscript of something that is not an array", path);
	const struct btf_array *arr = btf_array(t);
	int64_t esize = btf__resolve_size(btf, arr->type);
	// A flexible array (nelems 0) has no bound to check; the reads that follow have.
	if (esize < 0 || (arr->nelems && idx >= arr->nelems) || idx > UINT32_MAX)
		return kt_error_create(KT_ERROR_INVALID_ARGUMENT, "'%s': index %lu out of range (%u elements)",
				       path, idx, arr->nelems);
	place->bit_offset += (uint64_t)idx * (uint64_t)esize * 8;
	place->type = arr->type;
	*p = end + 1;
	return NULL;
}

struct kt_error *kt_type_path(const struct btf *btf, uint32_t id, const char *path,
			      struct kt_type_place *ret)
{
	struct kt_type_place place = {.type = id};
	for (const char *p = path; *p;) {
		if (*p == '[') {
			struct kt_error *err = subscript(btf, path, &p, &place);
			if (err)
				return err;
			continue;
		}
		if (!strncmp(p, "->", 2))
			p += 2;
		else if (*p == '.')
			p++;
		else if (p != path)
			return kt_error_create(KT_ERROR_INVALID_ARGUMENT, "bad member path '%s'", path);
		size_t len = strcspn(p, ".[-");
		if (!len)
			return kt_error_create(KT_ERROR_INVALID_ARGUMENT, "bad member path '%s'", path);
		uint32_t outer = kt_type_strip(btf, place.type);
		const struct btf_type *t = btf__type_by_id(btf, outer);
		if (!t || !btf_is_composite(t) || place.bit_size) {
			_cleanup_free_ char *tname = kt_type_name_dup(btf, place.type);
			return kt_error_create(KT_ERROR_INVALID_ARGUMENT,
					       "'%s': '%.*s' is a member of %s, which is not a struct "
					       "or union", path, (int)len, p, tname ? tname : "?");
		}
		struct kt_type_place inner = {0};
		struct member_search search = {.name = p, .len = len, .visits_left = MEMBER_VISITS_MAX};
		if (!find_member(btf, outer, &search, 0, &inner)) {
			_cleanup_free_ char *tname = kt_type_name_dup(btf, place.type);
			if (!search.visits_left)
				return kt_error_create(KT_ERROR_BAD_DATA,
						       "BTF: looking for '%.*s' in %s visited %d members: "
						       "its anonymous members loop", (int)len, p,
						       tname ? tname : "?", MEMBER_VISITS_MAX);
			if (strlen(path) == len)
				return kt_error_create(KT_ERROR_NOT_FOUND, "%s has no member '%s'",
						       tname ? tname : "?", path);
			return kt_error_create(KT_ERROR_NOT_FOUND, "%s has no member '%.*s' (in '%s')",
					       tname ? tname : "?", (int)len, p, path);
		}
		place.bit_offset += inner.bit_offset;
		place.type = inner.type;
		place.bit_size = inner.bit_size;
		p += len;
	}
	*ret = place;
	return NULL;
}
