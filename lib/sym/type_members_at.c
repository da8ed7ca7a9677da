// SPDX-License-Identifier: MIT
/* member-at: every member path of a type that covers a byte offset (gdb's ptype /o, read in
 * reverse). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/util.h"
#include "sym/type_print.h"

/* A union of unions of arrays can cover one byte many times over, and damaged BTF can make a union
 * contain itself so that the walk multiplies at each level; no kernel type comes close to either. */
enum { HITS_MAX = 4096, VISITS_MAX = 1 << 16 };

static int64_t type_size(const struct btf *btf, uint32_t id)
{
	int64_t size = btf__resolve_size(btf, id);
	return size < 0 ? 0 : size;
}

struct hits {
	const struct btf *btf;
	struct kt_member_at *v;
	size_t n, cap;
	struct kt_strbuf path;
	struct kt_error *err;
	unsigned int visits;
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
	if (!h->err && ++h->visits > VISITS_MAX)
		h->err = kt_error_create(KT_ERROR_BAD_DATA, "BTF: type %u: more than %d members "
					 "looked at for one offset: its members loop", id, VISITS_MAX);
	if (h->err)
		return;
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
