// SPDX-License-Identifier: MIT
#include <bpf/btf.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/util.h"
#include "sym/types.h"

/* vmlinux BTF is a few MB; more than this between the two symbols means they are garbage. */
static const uint64_t BTF_MAX_SIZE = 256ull << 20;
/* Nesting of anonymous members and typedef chains that a sane type never exceeds. */
enum { TYPE_DEPTH_MAX = 32 };

/*
 * libbpf finds a type by name with a linear scan over every type (~100,000 in vmlinux), and
 * walkers ask for the same few types for every task: remember the answers.
 */
enum { TYPE_CACHE_SIZE = 512 };

struct type_cache_entry {
	char *name;
	int32_t id;       /* resolved id, or -1: not found */
};

/* Member paths asked for per task (task_struct.pid, .thread.sp, ...), remembered likewise. */
enum { MEMBER_CACHE_SIZE = 1024 };

struct member_cache_entry {
	char *key;        /* "type\0path" */
	size_t key_len;
	bool found;       /* lookups that fail are asked again and again too (feature tests) */
	struct kt_member_info info;
};

struct kt_types {
	struct btf *btf;
	struct type_cache_entry cache[TYPE_CACHE_SIZE];
	struct member_cache_entry members[MEMBER_CACHE_SIZE];
};

/* Takes ownership of btf. */
static struct kt_error *types_wrap(struct btf *btf, struct kt_types **ret)
{
	struct kt_types *types = calloc(1, sizeof(*types));
	if (!types) {
		btf__free(btf);
		return &kt_enomem;
	}
	types->btf = btf;
	*ret = types;
	return NULL;
}

struct kt_error *kt_types_load_from_dump(struct kt_reader *reader, const struct kt_kallsyms *ks,
					 struct kt_types **ret)
{
	const struct kt_symbol *start = kt_kallsyms_by_name(ks, "__start_BTF");
	const struct kt_symbol *stop = kt_kallsyms_by_name(ks, "__stop_BTF");
	if (!start || !stop)
		return kt_error_create(KT_ERROR_NOT_FOUND,
				       "the kernel has no BTF (__start_BTF/__stop_BTF absent: built "
				       "without CONFIG_DEBUG_INFO_BTF); give the debug vmlinux");
	uint64_t size = stop->address - start->address;
	if (stop->address <= start->address || size > BTF_MAX_SIZE)
		return kt_error_create(KT_ERROR_BAD_DATA, "kernel BTF: implausible size %llu",
				       (unsigned long long)size);
	_cleanup_free_ void *data = malloc(size);
	if (!data)
		return &kt_enomem;
	struct kt_error *err = kt_read(reader, start->address, data, size);
	if (err)
		return kt_error_prefix(err, "reading the kernel's BTF");
	struct btf *btf = btf__new(data, (uint32_t)size);
	if (!btf)
		return kt_error_create(KT_ERROR_BAD_DATA, "the kernel's BTF does not parse: %s",
				       strerror(errno));
	return types_wrap(btf, ret);
}

struct kt_error *kt_types_load_from_file(const char *path, struct kt_types **ret)
{
	struct btf *btf = btf__parse_elf(path, NULL);
	if (!btf)
		return kt_error_create(KT_ERROR_NOT_FOUND, "%s: no usable .BTF section: %s", path,
				       strerror(errno));
	return types_wrap(btf, ret);
}

void kt_types_destroy(struct kt_types *types)
{
	if (!types)
		return;
	btf__free(types->btf);
	for (size_t i = 0; i < TYPE_CACHE_SIZE; i++)
		free(types->cache[i].name);
	for (size_t i = 0; i < MEMBER_CACHE_SIZE; i++)
		free(types->members[i].key);
	free(types);
}

const struct btf *kt_types_btf(const struct kt_types *types)
{
	return types->btf;
}

/* The id of struct/union/typedef NAME, with typedefs and qualifiers resolved. */
static struct kt_error *find_type_uncached(struct kt_types *types, const char *name, int32_t *ret);

static struct kt_error *find_type(struct kt_types *types, const char *name, int32_t *ret)
{
	size_t slot = kt_hash_string(name) & (TYPE_CACHE_SIZE - 1);
	for (size_t probe = 0; probe < 8; probe++, slot = (slot + 1) & (TYPE_CACHE_SIZE - 1)) {
		struct type_cache_entry *e = &types->cache[slot];
		if (e->name && !strcmp(e->name, name)) {
			if (e->id < 0)
				return kt_error_create(KT_ERROR_NOT_FOUND, "no type '%s' in BTF", name);
			*ret = e->id;
			return NULL;
		}
		if (!e->name) {
			struct kt_error *err = find_type_uncached(types, name, ret);
			if (err && err->code != KT_ERROR_NOT_FOUND)
				return err;
			if ((e->name = strdup(name)))
				e->id = err ? -1 : *ret;
			return err;
		}
	}
	return find_type_uncached(types, name, ret);  // a crowded neighbourhood: just look
}

static struct kt_error *find_type_uncached(struct kt_types *types, const char *name, int32_t *ret)
{
	static const int kinds[] = {BTF_KIND_STRUCT, BTF_KIND_UNION, BTF_KIND_TYPEDEF};
	for (size_t i = 0; i < KT_ARRAY_SIZE(kinds); i++) {
		int32_t id = btf__find_by_name_kind(types->btf, name, kinds[i]);
		if (id > 0) {
			int resolved = btf__resolve_type(types->btf, (uint32_t)id);
			if (resolved < 0)
				break;
			*ret = resolved;
			return NULL;
		}
	}
	return kt_error_create(KT_ERROR_NOT_FOUND, "no type '%s' in BTF", name);
}

struct kt_error *kt_types_size(struct kt_types *types, const char *name, uint64_t *ret)
{
	int32_t id;
	struct kt_error *err = find_type(types, name, &id);
	if (err)
		return err;
	int64_t size = btf__resolve_size(types->btf, (uint32_t)id);
	if (size < 0)
		return kt_error_create(KT_ERROR_BAD_DATA, "BTF: no size for '%s'", name);
	*ret = (uint64_t)size;
	return NULL;
}

/* Finds member name in composite type id, descending into anonymous members. */
static bool find_member(const struct btf *btf, uint32_t id, const char *name, size_t name_len,
			int depth, uint64_t *bit_off, uint32_t *member_type, uint32_t *bitfield)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	if (!t || depth > TYPE_DEPTH_MAX || (!btf_is_struct(t) && !btf_is_union(t)))
		return false;
	const struct btf_member *m = btf_members(t);
	for (uint16_t i = 0; i < btf_vlen(t); i++, m++) {
		const char *mname = btf__name_by_offset(btf, m->name_off);
		uint32_t off = btf_member_bit_offset(t, i);
		if (mname && *mname) {
			if (strlen(mname) == name_len && !memcmp(mname, name, name_len)) {
				*bit_off += off;
				*member_type = m->type;
				*bitfield = btf_member_bitfield_size(t, i);
				return true;
			}
			continue;
		}
		int inner = btf__resolve_type(btf, m->type);
		uint64_t sub = 0;
		if (inner > 0 && find_member(btf, (uint32_t)inner, name, name_len, depth + 1, &sub,
					     member_type, bitfield)) {
			*bit_off += off + sub;
			return true;
		}
	}
	return false;
}

static struct kt_error *member_uncached(struct kt_types *types, const char *name, const char *path,
				       struct kt_member_info *ret);

struct kt_error *kt_types_member(struct kt_types *types, const char *name, const char *path,
				 struct kt_member_info *ret)
{
	char key[256];
	size_t nlen = strlen(name), plen = strlen(path);
	if (nlen + plen + 2 > sizeof(key))
		return member_uncached(types, name, path, ret);
	memcpy(key, name, nlen + 1);
	memcpy(key + nlen + 1, path, plen + 1);
	size_t klen = nlen + plen + 2;
	uint64_t h = kt_hash_string(name) * 31 + kt_hash_string(path);
	size_t slot = h & (MEMBER_CACHE_SIZE - 1);
	for (size_t probe = 0; probe < 8; probe++, slot = (slot + 1) & (MEMBER_CACHE_SIZE - 1)) {
		struct member_cache_entry *e = &types->members[slot];
		if (e->key && e->key_len == klen && !memcmp(e->key, key, klen)) {
			if (!e->found)
				return kt_error_create(KT_ERROR_NOT_FOUND, "%s has no member '%s'", name, path);
			*ret = e->info;
			return NULL;
		}
		if (!e->key) {
			struct kt_error *err = member_uncached(types, name, path, ret);
			if ((!err || err->code == KT_ERROR_NOT_FOUND) && (e->key = malloc(klen))) {
				memcpy(e->key, key, klen);
				e->key_len = klen;
				e->found = !err;
				if (!err)
					e->info = *ret;
			}
			return err;
		}
	}
	return member_uncached(types, name, path, ret);
}

static struct kt_error *member_uncached(struct kt_types *types, const char *name, const char *path,
				       struct kt_member_info *ret)
{
	int32_t id;
	struct kt_error *err = find_type(types, name, &id);
	if (err)
		return err;
	const struct btf *btf = types->btf;
	uint64_t bits = 0;
	uint32_t type = (uint32_t)id, bitfield = 0;
	for (const char *p = path; *p;) {
		size_t len = strcspn(p, ".[");
		if (!len)
			return kt_error_create(KT_ERROR_INVALID_ARGUMENT, "bad member path '%s'", path);
		int resolved = btf__resolve_type(btf, type);
		if (resolved < 0 || !find_member(btf, (uint32_t)resolved, p, len, 0, &bits, &type, &bitfield))
			return kt_error_create(KT_ERROR_NOT_FOUND, "%s has no member '%.*s' (in '%s')", name,
					       (int)len, p, path);
		p += len;
		while (*p == '[') {  // array subscripts: [N]
			char *end;
			unsigned long idx = strtoul(p + 1, &end, 10);
			resolved = btf__resolve_type(btf, type);
			const struct btf_type *t = resolved > 0 ? btf__type_by_id(btf, (uint32_t)resolved) : NULL;
			if (*end != ']' || !t || !btf_is_array(t))
				return kt_error_create(KT_ERROR_INVALID_ARGUMENT,
						       "'%s': subscript of something that is not an array", path);
			const struct btf_array *arr = btf_array(t);
			int64_t esize = btf__resolve_size(btf, arr->type);
			if (esize < 0 || (arr->nelems && idx >= arr->nelems))
				return kt_error_create(KT_ERROR_INVALID_ARGUMENT, "'%s': index %lu out of range",
						       path, idx);
			bits += (uint64_t)idx * (uint64_t)esize * 8;
			type = arr->type;
			p = end + 1;
		}
		if (*p == '.')
			p++;
	}
	int64_t size = btf__resolve_size(btf, type);
	*ret = (struct kt_member_info){
		.offset = bits / 8,
		.size = size > 0 ? (uint64_t)size : 0,
		.bit_offset = (uint32_t)(bits % 8),
		.bit_size = bitfield,
	};
	return NULL;
}

bool kt_types_has_member(struct kt_types *types, const char *name, const char *member)
{
	struct kt_member_info info;
	struct kt_error *err = kt_types_member(types, name, member, &info);
	bool found = !err;
	kt_error_destroy(err);
	return found;
}
