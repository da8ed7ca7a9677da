// SPDX-License-Identifier: MIT
/*
 * BTF blobs as the dump hands them over (the kernel's .BTF and a module's split BTF from memory):
 * the type lookups of sym/types_btf.c and the name index of sym/btf_names.c over them. Input: a
 * 2-byte little-endian length, that many bytes of the kernel's BTF, then a module's split BTF.
 */
#include <bpf/btf.h>
#include <stdio.h>
#include <string.h>

#include "sym/btf_names.h"
#include "sym/types.h"

enum { NAMES_MAX = 64 };

struct names {
	char name[NAMES_MAX][64];
	size_t n;
};

static bool collect(const char *name, const char *kind, void *arg)
{
	struct names *names = arg;
	snprintf(names->name[names->n++], sizeof(names->name[0]), "%s %s", kind, name);
	return names->n < NAMES_MAX;
}

static bool ok(struct kt_error *err)
{
	kt_error_destroy(err);
	return !err;
}

static void look_up(struct kt_types *types, const char *name)
{
	struct kt_type_ref ref, member;
	char buf[256];
	uint64_t size;
	kt_error_destroy(kt_types_size(types, name, &size));
	if (ok(kt_types_lookup(types, name, &ref))) {
		kt_types_name(ref, buf, sizeof(buf));
		for (uint64_t off = 0; off < 64; off += 8)
			kt_error_destroy(kt_types_member_at(ref, off, buf, sizeof(buf), &member));
		kt_types_pointee(ref, &member);
		kt_types_param_count(ref);
	}
	struct kt_member_info info;
	kt_error_destroy(kt_types_member(types, name, "a.b[1]", &info));
	kt_types_has_member(types, name, "list");
	kt_error_destroy(kt_types_function(types, name, &ref));
	kt_error_destroy(kt_types_variable(types, name, &ref));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	size_t base_len = data[0] | (size_t)data[1] << 8;
	if (base_len > size - 2)
		base_len = size - 2;
	struct btf *btf = btf__new(data + 2, (uint32_t)base_len);
	if (!btf)
		return 0;
	// Lookups through the index against libbpf's scan, on the kernel's BTF alone.
	struct kt_btf_names *index = kt_btf_names_create(btf, 1, NULL);
	for (uint32_t id = 1; index && id < btf__type_cnt(btf) && id < 256; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		const char *name = t ? btf__name_by_offset(btf, t->name_off) : NULL;
		if (!name || !*name)
			continue;
		int32_t indexed = kt_btf_find_by_name_kind(btf, index, name, btf_kind(t));
		int32_t scanned = btf__find_by_name_kind(btf, name, btf_kind(t));
		if ((indexed < 0) != (scanned < 0) || (indexed >= 0 && indexed != scanned))
			__builtin_trap();  // the index must answer as libbpf's scan
	}
	kt_btf_names_destroy(index);

	struct kt_types *types;
	if (kt_types_from_btf(btf, &types))
		return 0;  // without memory; btf freed
	size_t mod_len = size - 2 - base_len;
	kt_error_destroy(kt_types_add_module(types, "fuzz_mod", data + 2 + base_len, (uint32_t)mod_len,
					     NULL));
	struct names names = {0};
	kt_types_for_each_name(types, collect, &names);
	for (size_t i = 0; i < names.n; i++) {
		look_up(types, names.name[i]);
		look_up(types, strchr(names.name[i], ' ') + 1);
	}
	look_up(types, "struct task_struct");
	look_up(types, "fuzz_mod:struct task_struct");
	kt_types_destroy(types);
	return 0;
}
