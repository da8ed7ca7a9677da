// SPDX-License-Identifier: MIT
#include <bpf/btf.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "sym/btf_names.h"

struct kt_btf_names {
	const struct btf *btf;
	struct kt_btf_names *base;
	uint32_t first;      /* the first id indexed */
	uint32_t indexed;    /* ids [first, indexed) are in the table */
	uint32_t *slots;     /* open addressing: id + 1, 0 empty; the first id of each kind and name */
	size_t size;         /* a power of two, at least twice the ids */
};

/* Kinds that are looked up by name (types by C name, functions, variables). The others (pointers,
 * arrays, qualifiers, prototypes, tags: about half the types, nameless but for tags) are not
 * indexed; a lookup of one scans. */
static bool indexed_kind(int kind)
{
	switch (kind) {
	case BTF_KIND_PTR:
	case BTF_KIND_ARRAY:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_FUNC_PROTO:
	case BTF_KIND_DECL_TAG:
	case BTF_KIND_TYPE_TAG:
		return false;
	default:
		return true;
	}
}

/* NULL for an offset outside the strings: a scan matches no name there. */
static const char *type_name(const struct btf *btf, const struct btf_type *t)
{
	return btf__name_by_offset(btf, t->name_off);
}

static size_t key_hash(const char *name, int kind)
{
	return (size_t)kt_hash_u64(kt_hash_string(name) ^ (uint64_t)kind);
}

/* The slot holding kind + name, or the empty slot where it goes. */
static uint32_t *slot_of(struct kt_btf_names *names, const char *name, int kind)
{
	size_t mask = names->size - 1, at = (key_hash(name, kind) >> 16) & mask;
	for (;; at = (at + 1) & mask) {
		uint32_t *slot = &names->slots[at];
		if (!*slot)
			return slot;
		const struct btf_type *t = btf__type_by_id(names->btf, *slot - 1);
		const char *s = type_name(names->btf, t);
		if ((int)btf_kind(t) == kind && s && !strcmp(s, name))
			return slot;
	}
}

static bool resize(struct kt_btf_names *names, size_t size)
{
	uint32_t *slots = calloc(size, sizeof(*slots));
	if (!slots)
		return false;
	uint32_t *old = names->slots;
	size_t old_size = names->size;
	names->slots = slots;
	names->size = size;
	for (size_t i = 0; i < old_size; i++) {
		if (!old[i])
			continue;
		const struct btf_type *t = btf__type_by_id(names->btf, old[i] - 1);
		*slot_of(names, type_name(names->btf, t), (int)btf_kind(t)) = old[i];
	}
	free(old);
	return true;
}

/* Indexes the types added since the last call; false without memory (then lookups scan). */
static bool catch_up(struct kt_btf_names *names)
{
	uint32_t n = btf__type_cnt(names->btf);
	if (names->indexed >= n)
		return true;
	size_t want = names->size ? names->size : 64;
	while (want < 2 * ((size_t)n - names->first + 1))
		want <<= 1;
	if (want != names->size && !resize(names, want))
		return false;
	for (uint32_t id = names->indexed; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(names->btf, id);
		const char *s = t && indexed_kind((int)btf_kind(t)) ? type_name(names->btf, t) : NULL;
		if (!s)
			continue;  // a scan compares no name here either
		uint32_t *slot = slot_of(names, s, (int)btf_kind(t));
		if (!*slot)  // the lowest id of a kind and name stays
			*slot = id + 1;
	}
	names->indexed = n;
	return true;
}

struct kt_btf_names *kt_btf_names_create(const struct btf *btf, uint32_t first,
					 struct kt_btf_names *base)
{
	struct kt_btf_names *names = calloc(1, sizeof(*names));
	if (!names)
		return NULL;
	names->btf = btf;
	names->base = base;
	names->first = names->indexed = first ? first : 1;
	return names;
}

void kt_btf_names_destroy(struct kt_btf_names *names)
{
	if (!names)
		return;
	free(names->slots);
	free(names);
}

/* The scan the index stands for. */
static int32_t scan(const struct btf *btf, uint32_t first, const char *name, int kind)
{
	uint32_t n = btf__type_cnt(btf);
	for (uint32_t id = first; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		if ((int)btf_kind(t) != kind)
			continue;
		const char *s = btf__name_by_offset(btf, t->name_off);
		if (s && !strcmp(s, name))
			return (int32_t)id;
	}
	return -1;
}

int32_t kt_btf_names_find(struct kt_btf_names *names, const char *name, int kind)
{
	if (!indexed_kind(kind) || !catch_up(names))
		return scan(names->btf, names->first, name, kind);
	if (!names->size)
		return -1;
	uint32_t *slot = slot_of(names, name, kind);
	return *slot ? (int32_t)(*slot - 1) : -1;
}

int32_t kt_btf_find_by_name_kind(const struct btf *btf, struct kt_btf_names *names,
				 const char *name, int kind)
{
	if (!names)
		return btf__find_by_name_kind(btf, name, (uint32_t)kind);
	// libbpf's own answers, which no type's name gives.
	if (kind == BTF_KIND_UNKN || !strcmp(name, "void"))
		return 0;
	if (names->first > 1) {  // a split BTF: its base's types come first
		int32_t id = names->base ? kt_btf_names_find(names->base, name, kind)
					 : scan(btf, 1, name, kind);
		if (id > 0 && (uint32_t)id < names->first)
			return id;
	}
	return kt_btf_names_find(names, name, kind);
}
