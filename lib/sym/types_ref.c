// SPDX-License-Identifier: MIT
/*
 * Questions about one type in one BTF (struct kt_type_ref), for code that reasons about
 * instructions: what a pointer points at, how C spells a type, a function's parameters, and
 * which member an offset from a struct pointer reaches.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/util.h"
#include "sym/type_print.h"
#include "sym/types.h"

static const struct btf_type *type_of(struct kt_type_ref ref)
{
	return ref.btf && ref.id > 0 ? btf__type_by_id(ref.btf, (uint32_t)ref.id) : NULL;
}

int kt_types_param_count(struct kt_type_ref proto)
{
	const struct btf_type *t = type_of(proto);
	if (!t || !btf_is_func_proto(t))
		return -1;
	int n = btf_vlen(t);
	if (n && !btf_params(t)[n - 1].type)
		n--;  // "...": no name, no type
	return n;
}

bool kt_types_param(struct kt_type_ref proto, unsigned int i, const char **name_ret,
		    struct kt_type_ref *type_ret)
{
	int n = kt_types_param_count(proto);
	if (n < 0 || i >= (unsigned int)n)
		return false;
	const struct btf_param *p = btf_params(type_of(proto)) + i;
	const char *name = btf__name_by_offset(proto.btf, p->name_off);
	*name_ret = name ? name : "";
	*type_ret = (struct kt_type_ref){proto.btf, (int32_t)p->type};
	return true;
}

bool kt_types_pointee(struct kt_type_ref ref, struct kt_type_ref *ret)
{
	if (!ref.btf || ref.id <= 0)
		return false;
	uint32_t id = kt_type_strip(ref.btf, (uint32_t)ref.id);
	const struct btf_type *t = id ? btf__type_by_id(ref.btf, id) : NULL;
	if (!t || !btf_is_ptr(t))
		return false;
	*ret = (struct kt_type_ref){ref.btf, (int32_t)kt_type_strip(ref.btf, t->type)};
	return true;
}

const char *kt_types_name(struct kt_type_ref ref, char *buf, size_t size)
{
	if (!size)
		return buf;
	_cleanup_free_ char *name = ref.btf && ref.id >= 0 ? kt_type_name_dup(ref.btf, (uint32_t)ref.id)
							   : NULL;
	snprintf(buf, size, "%s", name ? name : "?");
	return buf;
}

static bool is_scalar(const struct btf *btf, uint32_t id)
{
	const struct btf_type *t = btf__type_by_id(btf, kt_type_strip(btf, id));
	return t && (btf_is_ptr(t) || btf_is_int(t) || btf_is_any_enum(t) || btf_is_float(t));
}

struct kt_error *kt_types_member_at(struct kt_type_ref ref, uint64_t offset, char *buf,
				    size_t size, struct kt_type_ref *member_type)
{
	uint32_t id = ref.btf && ref.id > 0 ? kt_type_strip(ref.btf, (uint32_t)ref.id) : 0;
	const struct btf_type *t = id ? btf__type_by_id(ref.btf, id) : NULL;
	if (!t || !(btf_is_composite(t) || btf_is_array(t))) {
		char name[128];
		return kt_error_create(KT_ERROR_INVALID_ARGUMENT, "%s has no members",
				       kt_types_name(ref, name, sizeof(name)));
	}
	struct kt_member_at *hits;
	size_t n;
	struct kt_error *err = kt_type_members_at(ref.btf, id, offset, &hits, &n);
	if (err)
		return err;
	// The union alternative an access at this offset most likely means.
	size_t best = 0;
	int best_score = -1;
	uint32_t best_type = 0;
	for (size_t i = 0; i < n && !err; i++) {
		struct kt_type_place place;
		if (hits[i].padding)
			continue;
		struct kt_error *perr = kt_type_path(ref.btf, id, hits[i].path, &place);
		if (perr) {
			if (perr == &kt_enomem)
				err = perr;
			else
				kt_error_destroy(perr);  // member-at's paths resolve; skip one that won't
			continue;
		}
		bool exact = hits[i].offset == offset;
		int score = (exact ? 2 : 0) +
			    (exact && (hits[i].bit_size || is_scalar(ref.btf, place.type)) ? 4 : 0);
		if (score > best_score) {
			best = i, best_score = score, best_type = place.type;
		}
	}
	if (!err && best_score < 0) {
		char name[128];
		const char *after = n && *hits[0].path ? hits[0].path : NULL;
		err = kt_error_create(KT_ERROR_NOT_FOUND, "offset 0x%llx of %s is padding%s%s",
				      (unsigned long long)offset, kt_types_name(ref, name, sizeof(name)),
				      after ? " after " : "", after ? after : "");
	}
	if (!err) {
		if (hits[best].offset == offset)
			snprintf(buf, size, "%s", hits[best].path);
		else
			snprintf(buf, size, "%s+0x%llx", hits[best].path,
				 (unsigned long long)(offset - hits[best].offset));
		if (member_type)
			*member_type = (struct kt_type_ref){ref.btf, (int32_t)best_type};
	}
	kt_members_at_destroy(hits, n);
	return err;
}
