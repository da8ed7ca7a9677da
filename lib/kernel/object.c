// SPDX-License-Identifier: MIT
/*
 * Typed objects: a type in one BTF (the kernel's or a module's) plus an address, or a value
 * already read. Navigation (members, subscripts, dereference, container_of) only computes
 * addresses and reads the pointers it crosses; reads decode a scalar with the size, sign and
 * bitfield layout of its type (sym/type_read.c, shared with the value printers), through the one
 * reader, so a fault names its address.
 *
 * A member name is looked up in its struct once per program: (BTF, struct id, name) -> place,
 * in a table hung off the program. A walker that reads the same members of thousands of tasks
 * pays for the search of task_struct's ~250 members once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/util.h"
#include "kernel/kernel_ctx.h"
#include "kernel/object.h"
#include "kernel/percpu.h"
#include "sym/type_print.h"
#include "sym/type_read.h"

enum { PAGE = 4096 };

struct member_entry {
	const struct btf *btf;
	uint32_t outer;       /* the struct or union, typedefs skipped */
	uint32_t type;        /* the member's */
	char *name;           /* NULL: a free slot */
	uint64_t bit_offset;
	uint32_t bit_size;
	bool found;
};

/* A pointer type found for address_of. */
struct pointer_entry {
	const struct btf *btf;
	uint32_t to;
	int32_t ptr;          /* 0: BTF has none */
};

struct kt_object_cache {
	struct member_entry *members;
	size_t cap, n;        /* cap: a power of two, or 0 */
	struct pointer_entry *pointers;
	size_t n_pointers;
};

void kt_object_cache_destroy(struct kt_object_cache *cache)
{
	if (!cache)
		return;
	for (size_t i = 0; i < cache->cap; i++)
		free(cache->members[i].name);
	free(cache->members);
	free(cache->pointers);
	free(cache);
}

static struct kt_object_cache *cache_get(struct kt_program *prog)
{
	if (!prog->kernel->object_cache)
		prog->kernel->object_cache = calloc(1, sizeof(*prog->kernel->object_cache));
	return prog->kernel->object_cache;
}

static uint64_t member_hash(const struct btf *btf, uint32_t outer, const char *name, size_t len)
{
	uint64_t h = kt_hash_u64((uint64_t)(uintptr_t)btf ^ ((uint64_t)outer << 32));
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)name[i]) * 1099511628211ull;
	return h;
}

static struct member_entry *member_slot(struct kt_object_cache *c, const struct btf *btf,
					uint32_t outer, const char *name, size_t len)
{
	size_t mask = c->cap - 1;
	for (size_t i = member_hash(btf, outer, name, len) & mask;; i = (i + 1) & mask) {
		struct member_entry *e = &c->members[i];
		if (!e->name || (e->btf == btf && e->outer == outer && !strncmp(e->name, name, len) &&
				 !e->name[len]))
			return e;
	}
}

static bool cache_grow(struct kt_object_cache *c)
{
	size_t cap = c->cap ? c->cap * 2 : 256;
	struct member_entry *old = c->members, *grown = calloc(cap, sizeof(*grown));
	if (!grown)
		return false;
	size_t old_cap = c->cap;
	c->members = grown;
	c->cap = cap;
	for (size_t i = 0; i < old_cap; i++)
		if (old[i].name)
			*member_slot(c, old[i].btf, old[i].outer, old[i].name, strlen(old[i].name)) = old[i];
	free(old);
	return true;
}

static struct kt_error *no_member(const struct btf *btf, uint32_t outer, const char *name,
				  size_t len)
{
	_cleanup_free_ char *tname = kt_type_name_dup(btf, outer);
	return kt_error_create(KT_ERROR_NOT_FOUND, "%s has no member '%.*s'", tname ? tname : "?",
			       (int)len, name);
}

/* Member name (len bytes) of struct/union outer: its place, from the cache or BTF. */
static struct kt_error *find_member(struct kt_program *prog, const struct btf *btf, uint32_t outer,
				    const char *name, size_t len, struct kt_type_place *ret)
{
	struct kt_object_cache *c = cache_get(prog);
	if (!c || ((c->n + 1) * 2 > c->cap && !cache_grow(c)))
		return &kt_enomem;
	struct member_entry *e = member_slot(c, btf, outer, name, len);
	if (e->name) {
		if (!e->found)
			return no_member(btf, outer, name, len);
		*ret = (struct kt_type_place){e->type, e->bit_offset, e->bit_size};
		return NULL;
	}
	char *key = strndup(name, len);
	if (!key)
		return &kt_enomem;
	struct kt_type_place place = {0};
	struct kt_error *err = kt_type_path(btf, outer, key, &place);
	if (err && kt_error_code(err) != KT_ERROR_NOT_FOUND) {
		free(key);
		return err;
	}
	*e = (struct member_entry){
		.btf = btf, .outer = outer, .name = key, .found = !err,
		.type = place.type, .bit_offset = place.bit_offset, .bit_size = place.bit_size,
	};
	c->n++;
	if (!err)
		*ret = place;
	return err;
}

void kt_object_init(struct kt_object *obj, struct kt_program *prog, struct kt_reader *reader,
		    struct kt_type_ref type, uint64_t address)
{
	*obj = (struct kt_object){
		.prog = prog,
		.reader = reader,
		.btf = type.btf,
		.type_id = type.id,
		.address = address,
	};
}

struct kt_error *kt_object_lookup_type(struct kt_program *prog, const char *name,
				       struct kt_type_ref *ret)
{
	struct kt_types *types;
	struct kt_error *err = kt_program_types(prog, &types);
	return err ? err : kt_types_lookup(types, name, ret);
}

struct kt_error *kt_object_from_address(struct kt_program *prog, const char *type,
					uint64_t address, struct kt_object *ret)
{
	struct kt_type_ref ref;
	struct kt_error *err = kt_object_lookup_type(prog, type, &ref);
	if (!err)
		kt_object_init(ret, prog, NULL, ref, address);
	return err;
}

/* The type with typedefs and qualifiers skipped; NULL for void. */
static const struct btf_type *stripped(const struct kt_object *obj, uint32_t *id_ret)
{
	uint32_t id = obj->btf && obj->type_id > 0 ? kt_type_strip(obj->btf, (uint32_t)obj->type_id)
						   : 0;
	if (id_ret)
		*id_ret = id;
	return id ? btf__type_by_id(obj->btf, id) : NULL;
}

const char *kt_object_type_name(const struct kt_object *obj, char *buf, size_t size)
{
	return kt_types_name(kt_object_type(obj), buf, size);
}

enum kt_type_kind kt_object_kind(const struct kt_object *obj)
{
	const struct btf_type *t = stripped(obj, NULL);
	if (!t)
		return KT_TYPE_VOID;
	if (btf_is_int(t))
		return btf_int_encoding(t) & BTF_INT_BOOL ? KT_TYPE_BOOL : KT_TYPE_INT;
	if (btf_is_any_enum(t))
		return KT_TYPE_ENUM;
	if (btf_is_float(t))
		return KT_TYPE_FLOAT;
	if (btf_is_ptr(t))
		return KT_TYPE_POINTER;
	if (btf_is_array(t))
		return KT_TYPE_ARRAY;
	if (btf_is_struct(t) || (btf_is_fwd(t) && !btf_kflag(t)))
		return KT_TYPE_STRUCT;
	if (btf_is_union(t) || btf_is_fwd(t))
		return KT_TYPE_UNION;
	if (btf_is_func_proto(t) || btf_is_func(t))
		return KT_TYPE_FUNCTION;
	return KT_TYPE_VOID;
}

bool kt_object_is_signed(const struct kt_object *obj)
{
	struct kt_scalar_shape shape = {0};
	return obj->btf && obj->type_id > 0 &&
	       !kt_scalar_shape(obj->btf, (uint32_t)obj->type_id, obj->bit_offset, obj->bit_size,
				&shape) &&
	       shape.is_signed;
}

struct kt_error *kt_object_size(const struct kt_object *obj, uint64_t *ret)
{
	int64_t size = obj->btf && obj->type_id > 0 ? btf__resolve_size(obj->btf, (uint32_t)obj->type_id)
						    : -1;
	if (size < 0) {
		char name[128];
		return kt_error_create(KT_ERROR_INVALID_ARGUMENT, "%s has no size",
				       kt_object_type_name(obj, name, sizeof(name)));
	}
	*ret = (uint64_t)size;
	return NULL;
}

/* what ("reading it", "a member") needs an object in memory, at a kernel address. */
static struct kt_error *not_in_memory(const struct kt_object *obj, const char *what)
{
	char name[128];
	kt_object_type_name(obj, name, sizeof(name));
	if (obj->percpu)
		return kt_error_create(KT_ERROR_INVALID_ARGUMENT,
				       "%s at per-CPU offset 0x%llx: %s needs a CPU's copy first "
				       "(kt_object_per_cpu)", name, (unsigned long long)obj->address, what);
	return kt_error_create(KT_ERROR_INVALID_ARGUMENT,
			       "%s is a value read already: %s needs an object in memory", name, what);
}

/* A scalar's bits: read (or taken from the value), bitfield extracted, sign-extended. */
static struct kt_error *read_bits(const struct kt_object *obj, struct kt_scalar_shape *shape,
				  unsigned __int128 *ret)
{
	const char *why = obj->btf && obj->type_id > 0
				  ? kt_scalar_shape(obj->btf, (uint32_t)obj->type_id, obj->bit_offset,
						    obj->bit_size, shape)
				  : "void";
	if (!why && btf_is_float(shape->type))
		why = "a floating-point number";
	if (why) {
		char name[128];
		return kt_error_create(KT_ERROR_INVALID_ARGUMENT, "%s is %s, not an integer",
				       kt_object_type_name(obj, name, sizeof(name)), why);
	}
	if (obj->is_value) {
		*ret = shape->is_signed ? (unsigned __int128)(__int128)(int64_t)obj->value : obj->value;
		return NULL;
	}
	if (obj->percpu)
		return not_in_memory(obj, "reading it");
	uint8_t buf[16];
	struct kt_error *err = kt_read(kt_object_reader(obj), obj->address, buf, shape->len);
	if (err) {
		char name[128];
		return kt_error_prefix(err, "%s at 0x%llx", kt_object_type_name(obj, name, sizeof(name)),
				       (unsigned long long)obj->address);
	}
	*ret = kt_scalar_bits(shape, buf);
	return NULL;
}

/* Integers wider than 64 bits (u128 counters) do not fit the readers below. */
static struct kt_error *read_u64_bits(const struct kt_object *obj, uint64_t *ret)
{
	struct kt_scalar_shape shape = {0};
	unsigned __int128 bits = 0;
	struct kt_error *err = read_bits(obj, &shape, &bits);
	if (err)
		return err;
	if (shape.width > 64) {
		char name[128];
		return kt_error_create(KT_ERROR_UNSUPPORTED, "%s has %u bits: more than 64",
				       kt_object_type_name(obj, name, sizeof(name)), shape.width);
	}
	*ret = (uint64_t)bits;
	return NULL;
}

struct kt_error *kt_object_read_unsigned(const struct kt_object *obj, uint64_t *ret)
{
	return read_u64_bits(obj, ret);
}

struct kt_error *kt_object_read_signed(const struct kt_object *obj, int64_t *ret)
{
	uint64_t u = 0;
	struct kt_error *err = read_u64_bits(obj, &u);
	if (!err)
		*ret = (int64_t)u;
	return err;
}

struct kt_error *kt_object_read_bool(const struct kt_object *obj, bool *ret)
{
	struct kt_scalar_shape shape = {0};
	unsigned __int128 bits = 0;
	struct kt_error *err = read_bits(obj, &shape, &bits);
	if (!err)
		*ret = bits != 0;
	return err;
}

struct kt_error *kt_object_read(const struct kt_object *obj, struct kt_object *ret)
{
	uint64_t u = 0;
	struct kt_error *err = read_u64_bits(obj, &u);
	if (err)
		return err;
	struct kt_object out = *obj;
	out.is_value = true;
	out.percpu = false;
	out.bit_offset = 0;
	out.bit_size = 0;
	out.address = 0;
	out.value = u;
	*ret = out;
	return NULL;
}

struct kt_error *kt_object_enumerator(const struct kt_object *obj, char *buf, size_t size)
{
	const struct btf_type *t = stripped(obj, NULL);
	char name[128];
	if (!t || !btf_is_any_enum(t))
		return kt_error_create(KT_ERROR_INVALID_ARGUMENT, "%s is not an enum",
				       kt_object_type_name(obj, name, sizeof(name)));
	uint64_t v = 0;
	struct kt_error *err = read_u64_bits(obj, &v);
	if (err)
		return err;
	uint64_t mask = t->size < 8 ? (1ull << (t->size * 8)) - 1 : ~0ull;
	for (uint16_t i = 0; i < btf_vlen(t); i++) {
		uint64_t e;
		uint32_t name_off;
		if (btf_is_enum(t)) {
			e = (uint64_t)(int64_t)btf_enum(t)[i].val;
			name_off = btf_enum(t)[i].name_off;
		} else {
			e = btf_enum64_value(btf_enum64(t) + i);
			name_off = btf_enum64(t)[i].name_off;
		}
		if ((e & mask) == (v & mask)) {
			const char *s = btf__name_by_offset(obj->btf, name_off);
			snprintf(buf, size, "%s", s ? s : "");
			return NULL;
		}
	}
	return kt_error_create(KT_ERROR_NOT_FOUND, "%s has no enumerator of value %lld",
			       kt_object_type_name(obj, name, sizeof(name)), (long long)v);
}

struct kt_error *kt_object_deref(const struct kt_object *obj, struct kt_object *ret)
{
	const struct btf_type *t = stripped(obj, NULL);
	if (!t || !btf_is_ptr(t) || obj->bit_size) {
		char name[128];
		return kt_error_create(KT_ERROR_INVALID_ARGUMENT, "%s is not a pointer",
				       kt_object_type_name(obj, name, sizeof(name)));
	}
	uint64_t p = 0;
	struct kt_error *err = read_u64_bits(obj, &p);
	if (err)
		return err;
	kt_object_init(ret, obj->prog, obj->reader, (struct kt_type_ref){obj->btf, (int32_t)t->type}, p);
	return NULL;
}

struct kt_error *kt_object_subscript(const struct kt_object *obj, uint64_t index,
				     struct kt_object *ret)
{
	const struct btf_type *t = stripped(obj, NULL);
	char name[128];
	struct kt_object base = *obj;
	uint32_t elem, nelems = 0;
	if (t && btf_is_array(t) && !obj->bit_size) {
		if (obj->is_value)
			return not_in_memory(obj, "indexing it");
		elem = btf_array(t)->type;
		nelems = btf_array(t)->nelems;
	} else if (t && btf_is_ptr(t) && !obj->bit_size) {
		struct kt_error *err = kt_object_deref(obj, &base);
		if (err)
			return err;
		elem = t->type;
	} else {
		return kt_error_create(KT_ERROR_INVALID_ARGUMENT, "%s is neither an array nor a pointer",
				       kt_object_type_name(obj, name, sizeof(name)));
	}
	int64_t esize = elem ? btf__resolve_size(obj->btf, elem) : -1;
	if (esize <= 0)
		return kt_error_create(KT_ERROR_INVALID_ARGUMENT, "the elements of %s have no size",
				       kt_object_type_name(obj, name, sizeof(name)));
	// A flexible array (nelems 0) has no bound to check; the reads that follow have.
	if (nelems && index >= nelems)
		return kt_error_create(KT_ERROR_INVALID_ARGUMENT,
				       "index %llu of %s is out of range (%u elements)",
				       (unsigned long long)index,
				       kt_object_type_name(obj, name, sizeof(name)), nelems);
	base.type_id = (int32_t)elem;
	base.address += index * (uint64_t)esize;
	base.bit_offset = 0;
	base.bit_size = 0;
	*ret = base;
	return NULL;
}

/* Steps into member name (len bytes) of cur, reading a pointer on the way if deref. */
static struct kt_error *step_member(struct kt_object *cur, const char *name, size_t len,
				    bool deref)
{
	uint32_t outer;
	const struct btf_type *t = stripped(cur, &outer);
	struct kt_error *err;
	if (t && btf_is_ptr(t) && !cur->bit_size) {
		if (!deref)
			return kt_error_create(KT_ERROR_INVALID_ARGUMENT,
					       "'%.*s' is behind a pointer: not a member of the object "
					       "itself", (int)len, name);
		if ((err = kt_object_deref(cur, cur)))
			return err;
		t = stripped(cur, &outer);
	}
	if (!t || !btf_is_composite(t) || cur->bit_size) {
		char tname[128];
		return kt_error_create(KT_ERROR_INVALID_ARGUMENT,
				       "'%.*s' would be a member of %s, which is not a struct or union",
				       (int)len, name, kt_object_type_name(cur, tname, sizeof(tname)));
	}
	if (cur->is_value)
		return not_in_memory(cur, "a member");
	struct kt_type_place place = {0};
	if ((err = find_member(cur->prog, cur->btf, outer, name, len, &place)))
		return err;
	cur->type_id = (int32_t)place.type;
	cur->address += place.bit_offset / 8;
	cur->bit_offset = (uint8_t)(place.bit_offset % 8);
	cur->bit_size = place.bit_size;
	return NULL;
}

static struct kt_error *bad_path(const char *path)
{
	return kt_error_create(KT_ERROR_INVALID_ARGUMENT, "bad member path '%s'", path);
}

/* Follows path from *cur: "a.b[2]->c". */
static struct kt_error *walk_path(struct kt_object *cur, const char *path, bool deref)
{
	struct kt_error *err;
	for (const char *p = path; *p;) {
		if (*p == '[') {
			char *end;
			unsigned long long idx = strtoull(p + 1, &end, 10);
			if (end == p + 1 || *end != ']' || p[1] == '-')
				return bad_path(path);
			if (!deref && cur->btf && cur->type_id > 0) {
				const struct btf_type *t = stripped(cur, NULL);
				if (t && btf_is_ptr(t))
					return kt_error_create(KT_ERROR_INVALID_ARGUMENT,
							       "'%s': a subscript of a pointer", path);
			}
			if ((err = kt_object_subscript(cur, idx, cur)))
				return kt_error_prefix(err, "'%s'", path);
			p = end + 1;
			continue;
		}
		if (!strncmp(p, "->", 2))
			p += 2;
		else if (*p == '.')
			p++;
		else if (p != path)
			return bad_path(path);
		size_t len = strcspn(p, ".[-");
		if (!len)
			return bad_path(path);
		if ((err = step_member(cur, p, len, deref)))
			return strlen(path) == len ? err : kt_error_prefix(err, "'%s'", path);
		p += len;
	}
	return NULL;
}

struct kt_error *kt_object_member(const struct kt_object *obj, const char *path,
				  struct kt_object *ret)
{
	struct kt_object cur = *obj;
	struct kt_error *err = walk_path(&cur, path, true);
	if (!err)
		*ret = cur;
	return err;
}

bool kt_object_member_u64(const struct kt_object *obj, const char *path, uint64_t *ret)
{
	struct kt_object m;
	struct kt_error *err = kt_object_member(obj, path, &m);
	if (!err)
		err = kt_object_read_unsigned(&m, ret);
	return kt_error_none(err);
}

struct kt_error *kt_object_member_offset(struct kt_program *prog, struct kt_type_ref type,
					 const char *path, uint64_t *offset_ret,
					 struct kt_type_ref *member_ret)
{
	struct kt_object probe;
	kt_object_init(&probe, prog, NULL, type, 0);
	struct kt_error *err = walk_path(&probe, path, false);
	if (err)
		return err;
	if (probe.bit_size)
		return kt_error_create(KT_ERROR_INVALID_ARGUMENT, "'%s' is a bitfield", path);
	*offset_ret = probe.address;
	if (member_ret)
		*member_ret = kt_object_type(&probe);
	return NULL;
}

struct kt_error *kt_object_field_resolve(struct kt_program *prog, struct kt_type_ref type,
					 const char *path, struct kt_object_field *ret)
{
	struct kt_object probe;
	kt_object_init(&probe, prog, NULL, type, 0);
	struct kt_error *err = walk_path(&probe, path, false);
	if (err)
		return err;
	*ret = (struct kt_object_field){
		.type = kt_object_type(&probe),
		.offset = probe.address,
		.bit_offset = probe.bit_offset,
		.bit_size = probe.bit_size,
	};
	return NULL;
}

bool kt_object_type_has_member(struct kt_program *prog, struct kt_type_ref type, const char *path)
{
	struct kt_object probe;
	kt_object_init(&probe, prog, NULL, type, 0);
	struct kt_error *err = walk_path(&probe, path, false);
	kt_error_destroy(err);
	return !err;
}

struct kt_error *kt_object_cast(const struct kt_object *obj, const char *type,
				struct kt_object *ret)
{
	struct kt_type_ref ref;
	if (obj->bit_size)
		return kt_error_create(KT_ERROR_INVALID_ARGUMENT, "a bitfield cannot be cast");
	struct kt_error *err = kt_object_lookup_type(obj->prog, type, &ref);
	if (err)
		return err;
	struct kt_object out = *obj;
	out.btf = ref.btf;
	out.type_id = ref.id;
	*ret = out;
	return NULL;
}

/* A pointer type to id in btf: BTF lists one for nearly every struct that is pointed at. */
static struct kt_error *pointer_type(struct kt_program *prog, const struct btf *btf, uint32_t id,
				     int32_t *ret)
{
	struct kt_object_cache *c = cache_get(prog);
	if (!c)
		return &kt_enomem;
	for (size_t i = 0; i < c->n_pointers; i++) {
		if (c->pointers[i].btf == btf && c->pointers[i].to == id) {
			*ret = c->pointers[i].ptr;
			return NULL;
		}
	}
	int32_t found = 0;
	uint32_t plain = kt_type_strip(btf, id), n = btf__type_cnt(btf);
	for (uint32_t i = 1; i < n && !found; i++) {
		const struct btf_type *t = btf__type_by_id(btf, i);
		if (btf_is_ptr(t) && t->type == id)
			found = (int32_t)i;
	}
	for (uint32_t i = 1; i < n && !found && plain != id; i++) {
		const struct btf_type *t = btf__type_by_id(btf, i);
		if (btf_is_ptr(t) && t->type == plain)
			found = (int32_t)i;
	}
	struct pointer_entry *grown = realloc(c->pointers, (c->n_pointers + 1) * sizeof(*grown));
	if (!grown)
		return &kt_enomem;
	c->pointers = grown;
	c->pointers[c->n_pointers++] = (struct pointer_entry){btf, id, found};
	*ret = found;
	return NULL;
}

struct kt_error *kt_object_address_of(const struct kt_object *obj, struct kt_object *ret)
{
	char name[128];
	if (obj->is_value || obj->bit_size)
		return kt_error_create(KT_ERROR_INVALID_ARGUMENT, "%s: %s has no address",
				       kt_object_type_name(obj, name, sizeof(name)),
				       obj->bit_size ? "a bitfield" : "a value read already");
	int32_t ptr = 0;
	struct kt_error *err = pointer_type(obj->prog, obj->btf, (uint32_t)obj->type_id, &ptr);
	if (err)
		return err;
	if (!ptr)
		return kt_error_create(KT_ERROR_NOT_FOUND, "the types have no pointer to %s",
				       kt_object_type_name(obj, name, sizeof(name)));
	// &per_cpu_var is a __percpu pointer: the offset, as in the kernel.
	struct kt_object out = *obj;
	out.type_id = ptr;
	out.is_value = true;
	out.percpu = false;
	out.value = obj->address;
	out.address = 0;
	*ret = out;
	return NULL;
}

struct kt_error *kt_object_container_of_type(const struct kt_object *obj,
					     struct kt_type_ref type, const char *member,
					     struct kt_object *ret)
{
	const struct btf_type *t = stripped(obj, NULL);
	uint64_t at = 0, off = 0;
	struct kt_error *err;
	if (t && btf_is_ptr(t)) {
		if ((err = read_u64_bits(obj, &at)))
			return err;
	} else if (obj->is_value || obj->percpu || obj->bit_size) {
		return not_in_memory(obj, "container_of");
	} else {
		at = obj->address;
	}
	if ((err = kt_object_member_offset(obj->prog, type, member, &off, NULL)))
		return err;
	kt_object_init(ret, obj->prog, obj->reader, type, at - off);
	return NULL;
}

struct kt_error *kt_object_container_of(const struct kt_object *obj, const char *type,
					const char *member, struct kt_object *ret)
{
	struct kt_type_ref ref;
	struct kt_error *err = kt_object_lookup_type(obj->prog, type, &ref);
	return err ? err : kt_object_container_of_type(obj, ref, member, ret);
}

struct kt_error *kt_object_per_cpu(const struct kt_object *obj, unsigned int cpu,
				   struct kt_object *ret)
{
	const struct kt_percpu *pc;
	struct kt_error *err = kt_percpu_get(obj->prog, &pc);
	if (err)
		return err;
	struct kt_object out = *obj;
	uint64_t offset = 0;
	const struct btf_type *t = stripped(obj, NULL);
	if (obj->percpu) {
		offset = obj->address;
		out.percpu = false;
	} else if (t && btf_is_ptr(t)) {
		if ((err = read_u64_bits(obj, &offset)))
			return err;
		kt_object_init(&out, obj->prog, obj->reader,
			       (struct kt_type_ref){obj->btf, (int32_t)t->type}, 0);
	} else {
		char name[128];
		return kt_error_create(KT_ERROR_INVALID_ARGUMENT,
				       "%s at 0x%llx is neither a per-CPU variable nor a __percpu pointer",
				       kt_object_type_name(obj, name, sizeof(name)),
				       (unsigned long long)obj->address);
	}
	// Kernel addresses have the top bit set; per-CPU offsets and __percpu pointers do not.
	if (offset >> 63)
		return kt_error_create(KT_ERROR_INVALID_ARGUMENT,
				       "0x%016llx is a kernel address, not a per-CPU offset",
				       (unsigned long long)offset);
	if ((err = kt_percpu_address(pc, offset, cpu, &out.address)))
		return err;
	*ret = out;
	return NULL;
}

static bool is_byte(const struct btf *btf, uint32_t id)
{
	const struct btf_type *t = btf__type_by_id(btf, kt_type_strip(btf, id));
	return t && btf_is_int(t) && t->size == 1;
}

/* Up to size - 1 bytes at addr, stopping at a NUL: a page at a time, so that a string that
 * ends before an unreadable page is still read. */
static struct kt_error *read_cstring(struct kt_reader *r, uint64_t addr, size_t max, char *buf)
{
	size_t n = 0;
	while (n < max) {
		size_t chunk = PAGE - (addr + n) % PAGE;
		if (chunk > max - n)
			chunk = max - n;
		struct kt_error *err = kt_read(r, addr + n, buf + n, chunk);
		if (err)
			return err;
		void *nul = memchr(buf + n, 0, chunk);
		if (nul)
			return NULL;
		n += chunk;
	}
	buf[max] = '\0';
	return NULL;
}

struct kt_error *kt_object_read_string(const struct kt_object *obj, char *buf, size_t size)
{
	const struct btf_type *t = stripped(obj, NULL);
	char name[128];
	struct kt_error *err;
	if (!size)
		return kt_error_create(KT_ERROR_INVALID_ARGUMENT, "no room for a string");
	if (t && btf_is_array(t) && is_byte(obj->btf, btf_array(t)->type) && !obj->is_value) {
		if (obj->percpu)
			return not_in_memory(obj, "reading it");
		size_t n = btf_array(t)->nelems;
		if (n > size - 1)
			n = size - 1;
		if ((err = kt_read(kt_object_reader(obj), obj->address, buf, n)))
			return kt_error_prefix(err, "%s at 0x%llx",
					       kt_object_type_name(obj, name, sizeof(name)),
					       (unsigned long long)obj->address);
		buf[n] = '\0';
		return NULL;
	}
	if (t && btf_is_ptr(t) && is_byte(obj->btf, t->type)) {
		uint64_t p = 0;
		if ((err = read_u64_bits(obj, &p)))
			return err;
		if ((err = read_cstring(kt_object_reader(obj), p, size - 1, buf)))
			return kt_error_prefix(err, "the string of %s at 0x%llx",
					       kt_object_type_name(obj, name, sizeof(name)),
					       (unsigned long long)p);
		return NULL;
	}
	return kt_error_create(KT_ERROR_INVALID_ARGUMENT, "%s is not a string",
			       kt_object_type_name(obj, name, sizeof(name)));
}

struct kt_error *kt_object_read_bytes(const struct kt_object *obj, void *buf, size_t size)
{
	uint64_t n = 0;
	struct kt_error *err = kt_object_size(obj, &n);
	if (err)
		return err;
	char name[128];
	if (n > size)
		return kt_error_create(KT_ERROR_INVALID_ARGUMENT, "%s has %llu bytes: more than %zu",
				       kt_object_type_name(obj, name, sizeof(name)),
				       (unsigned long long)n, size);
	if (obj->bit_size)
		return kt_error_create(KT_ERROR_INVALID_ARGUMENT, "a bitfield has no bytes of its own");
	if (obj->is_value) {
		if (n > sizeof(obj->value))
			return not_in_memory(obj, "its bytes");
		memcpy(buf, &obj->value, n);  // little-endian: the low bytes
		return NULL;
	}
	if (obj->percpu)
		return not_in_memory(obj, "reading it");
	if ((err = kt_read(kt_object_reader(obj), obj->address, buf, n)))
		return kt_error_prefix(err, "%s at 0x%llx", kt_object_type_name(obj, name, sizeof(name)),
				       (unsigned long long)obj->address);
	return NULL;
}
