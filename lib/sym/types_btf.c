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

struct kt_types {
	struct btf *btf;
};

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
	struct kt_types *types = malloc(sizeof(*types));
	if (!types) {
		btf__free(btf);
		return &kt_enomem;
	}
	types->btf = btf;
	*ret = types;
	return NULL;
}

struct kt_error *kt_types_load_from_file(const char *path, struct kt_types **ret)
{
	struct btf *btf = btf__parse_elf(path, NULL);
	if (!btf)
		return kt_error_create(KT_ERROR_NOT_FOUND, "%s: no usable .BTF section: %s", path,
				       strerror(errno));
	struct kt_types *types = malloc(sizeof(*types));
	if (!types) {
		btf__free(btf);
		return &kt_enomem;
	}
	types->btf = btf;
	*ret = types;
	return NULL;
}

void kt_types_destroy(struct kt_types *types)
{
	if (!types)
		return;
	btf__free(types->btf);
	free(types);
}

/* The id of struct/union/typedef NAME, with typedefs and qualifiers resolved. */
static struct kt_error *find_type(struct kt_types *types, const char *name, int32_t *ret)
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

struct kt_error *kt_types_member(struct kt_types *types, const char *name, const char *path,
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
