// SPDX-License-Identifier: MIT
/*
 * DWARF types into BTF with libbpf's writer. libbpf appends fields and parameters to the type
 * added last, so a struct's member types are all converted before the struct itself is added.
 * Pointers are added with a void target and fixed up once the type that needed them is done:
 * that breaks every cycle (struct list_head { struct list_head *next; }) without forward
 * declarations, and leaves each pointer aimed at the full type, as BTF from pahole has it. Each
 * DIE is converted once; a declaration is replaced by the definition the name index knows, as
 * BTF's deduplication does.
 */
#include <bpf/btf.h>
#include <ctype.h>
#include <dwarf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/util.h"
#include "sym/type_print.h"
#include "sym/types_dwarf.h"

/* Types nest by value only so deep (struct in struct, arrays, typedefs, qualifiers). */
enum { DEPTH_MAX = 256 };

/* kind: 's' struct, 'u' union, 'e' enum, 't' typedef, 'b' base type, 'f' function, 'v' variable. */
struct name_entry {
	const char *name;  /* libdw's string (its .debug_str or .debug_info) */
	Dwarf_Off off;
	char kind;
};

struct id_entry {
	Dwarf_Off off;  /* 0: empty (no DIE sits at offset 0) */
	int32_t id;
};

struct pending_ptr {
	uint32_t ptr;
	Dwarf_Off target;
};

struct kt_types_dwarf {
	Dwarf *dw;
	struct btf *btf;  /* the kt_types' */
	struct name_entry *names;
	size_t names_cap, n_names;
	struct id_entry *ids;
	size_t ids_cap, n_ids;
	struct pending_ptr *pending;
	size_t pending_cap, n_pending;
	int32_t index_type;  /* the int arrays are indexed by, made on first use */
	int err;             /* first failure, a negative errno */
};

static int32_t fail(struct kt_types_dwarf *td, int err)
{
	if (!td->err)
		td->err = err < 0 ? err : -EINVAL;
	return -1;
}

/* Name index */

static size_t name_hash(const char *name, char kind)
{
	return kt_hash_string(name) * 31 + (size_t)kind;
}

static struct name_entry *name_slot(struct name_entry *table, size_t cap, const char *name,
				    char kind)
{
	size_t i = name_hash(name, kind) & (cap - 1);
	while (table[i].name && (table[i].kind != kind || strcmp(table[i].name, name)))
		i = (i + 1) & (cap - 1);
	return &table[i];
}

static bool name_grow(struct kt_types_dwarf *td)
{
	size_t cap = td->names_cap ? td->names_cap * 2 : 1 << 16;
	struct name_entry *table = calloc(cap, sizeof(*table));
	if (!table)
		return false;
	for (size_t i = 0; i < td->names_cap; i++)
		if (td->names[i].name)
			*name_slot(table, cap, td->names[i].name, td->names[i].kind) = td->names[i];
	free(td->names);
	td->names = table;
	td->names_cap = cap;
	return true;
}

/* The first definition of a name wins, as libbpf's search by name finds the first. */
static bool name_add(struct kt_types_dwarf *td, const char *name, char kind, Dwarf_Off off)
{
	if (2 * (td->n_names + 1) > td->names_cap && !name_grow(td))
		return false;
	struct name_entry *e = name_slot(td->names, td->names_cap, name, kind);
	if (!e->name) {
		*e = (struct name_entry){name, off, kind};
		td->n_names++;
	}
	return true;
}

static bool name_find(const struct kt_types_dwarf *td, const char *name, char kind, Dwarf_Off *ret)
{
	if (!td->names_cap)
		return false;
	const struct name_entry *e = name_slot(td->names, td->names_cap, name, kind);
	if (e->name)
		*ret = e->off;
	return e->name != NULL;
}

static char index_kind(Dwarf_Die *die)
{
	switch (dwarf_tag(die)) {
	case DW_TAG_structure_type:
		return 's';
	case DW_TAG_union_type:
		return 'u';
	case DW_TAG_enumeration_type:
		return 'e';
	case DW_TAG_typedef:
		return 't';
	case DW_TAG_base_type:
		return 'b';
	case DW_TAG_subprogram:  // only functions with code have BTF FUNCs
		return dwarf_hasattr(die, DW_AT_low_pc) || dwarf_hasattr(die, DW_AT_ranges) ? 'f' : 0;
	case DW_TAG_variable:
		return 'v';
	default:
		return 0;
	}
}

/* Only the top-level DIEs of each unit, their subtrees skipped: types live there. */
static bool build_index(struct kt_types_dwarf *td)
{
	Dwarf_Off offset = 0, next;
	size_t hsize;
	Dwarf_Die cu, die;
	while (dwarf_nextcu(td->dw, offset, &next, &hsize, NULL, NULL, NULL) == 0) {
		if (dwarf_offdie(td->dw, offset + hsize, &cu) && dwarf_child(&cu, &die) == 0) {
			do {
				char kind = index_kind(&die);
				const char *name;
				if (!kind || dwarf_hasattr(&die, DW_AT_declaration) ||
				    !(name = dwarf_diename(&die)) || !*name)
					continue;
				if (!name_add(td, name, kind, dwarf_dieoffset(&die)))
					return false;
			} while (dwarf_siblingof(&die, &die) == 0);
		}
		offset = next;
	}
	return true;
}

/* DIE offset -> BTF id */

static struct id_entry *id_slot(struct id_entry *table, size_t cap, Dwarf_Off off)
{
	size_t i = (size_t)(off * 0x9e3779b97f4a7c15ull >> 20) & (cap - 1);
	while (table[i].off && table[i].off != off)
		i = (i + 1) & (cap - 1);
	return &table[i];
}

static bool id_put(struct kt_types_dwarf *td, Dwarf_Off off, int32_t id)
{
	if (2 * (td->n_ids + 1) > td->ids_cap) {
		size_t cap = td->ids_cap ? td->ids_cap * 2 : 1 << 12;
		struct id_entry *table = calloc(cap, sizeof(*table));
		if (!table)
			return false;
		for (size_t i = 0; i < td->ids_cap; i++)
			if (td->ids[i].off)
				*id_slot(table, cap, td->ids[i].off) = td->ids[i];
		free(td->ids);
		td->ids = table, td->ids_cap = cap;
	}
	struct id_entry *e = id_slot(td->ids, td->ids_cap, off);
	if (!e->off)
		td->n_ids++;
	*e = (struct id_entry){off, id};
	return true;
}

static bool id_get(const struct kt_types_dwarf *td, Dwarf_Off off, int32_t *ret)
{
	if (!td->ids_cap)
		return false;
	const struct id_entry *e = id_slot(td->ids, td->ids_cap, off);
	if (e->off)
		*ret = e->id;
	return e->off != 0;
}

/* Conversion */

static int32_t convert(struct kt_types_dwarf *td, Dwarf_Die *die, int depth);

/* The type die's DW_AT_type names; 0 (void) without one. */
static int32_t convert_ref(struct kt_types_dwarf *td, Dwarf_Die *die, int depth)
{
	Dwarf_Attribute attr;
	Dwarf_Die type;
	if (!dwarf_attr_integrate(die, DW_AT_type, &attr))
		return 0;
	if (!dwarf_formref_die(&attr, &type))
		return fail(td, -EINVAL);
	return convert(td, &type, depth + 1);
}

static int32_t done(struct kt_types_dwarf *td, Dwarf_Die *die, int id)
{
	if (id < 0)
		return fail(td, id);
	if (!id_put(td, dwarf_dieoffset(die), id))
		return fail(td, -ENOMEM);
	return id;
}

static bool attr_udata(Dwarf_Die *die, unsigned int name, Dwarf_Word *ret)
{
	Dwarf_Attribute attr;
	return dwarf_attr_integrate(die, name, &attr) && dwarf_formudata(&attr, ret) == 0;
}

static int32_t convert_base(struct kt_types_dwarf *td, Dwarf_Die *die)
{
	const char *name = dwarf_diename(die);
	int size = dwarf_bytesize(die);
	Dwarf_Word enc = 0;
	attr_udata(die, DW_AT_encoding, &enc);
	int id;
	switch (enc) {
	case DW_ATE_float:
		id = btf__add_float(td->btf, name, (size_t)size);
		break;
	case DW_ATE_boolean:
		id = btf__add_int(td->btf, name, (size_t)size, BTF_INT_BOOL);
		break;
	case DW_ATE_signed:
	case DW_ATE_signed_char:
		id = btf__add_int(td->btf, name, (size_t)size, BTF_INT_SIGNED);
		break;
	default:
		id = btf__add_int(td->btf, name, (size_t)size, 0);
	}
	// BTF has no complex types, nor integers of odd sizes: keep the size, as a struct.
	if (id < 0 && size > 0)
		id = btf__add_struct(td->btf, name, (uint32_t)size);
	return done(td, die, id);
}

/* Where member m starts, in bits from the start of its struct. */
static bool member_bit_offset(Dwarf_Die *m, uint32_t bit_size, uint64_t *ret)
{
	Dwarf_Attribute attr;
	Dwarf_Word w;
	if (attr_udata(m, DW_AT_data_bit_offset, &w)) {  // DWARF 4 and later
		*ret = w;
		return true;
	}
	uint64_t bytes = 0;
	if (dwarf_attr_integrate(m, DW_AT_data_member_location, &attr)) {
		Dwarf_Op *ops;
		size_t n;
		if (dwarf_formudata(&attr, &w) == 0)
			bytes = w;
		else if (dwarf_getlocation(&attr, &ops, &n) == 0 && n == 1 &&
			 ops[0].atom == DW_OP_plus_uconst)  // DWARF 2's location expression
			bytes = ops[0].number;
		else
			return false;
	}
	*ret = bytes * 8;
	Dwarf_Sword bit_off;
	if (bit_size && dwarf_attr_integrate(m, DW_AT_bit_offset, &attr) &&
	    dwarf_formsdata(&attr, &bit_off) == 0) {
		// DWARF 2/3 count from the most significant bit of the storage unit (little endian).
		int storage = dwarf_bytesize(m);
		Dwarf_Die type;
		if (storage <= 0 && dwarf_attr_integrate(m, DW_AT_type, &attr) &&
		    dwarf_formref_die(&attr, &type)) {
			Dwarf_Word size;
			storage = dwarf_aggregate_size(&type, &size) == 0 ? (int)size : 0;
		}
		*ret += (uint64_t)((int64_t)storage * 8 - bit_off - bit_size);
	}
	return true;
}

struct field {
	const char *name;
	int32_t type;
	uint32_t bit_size;
	uint64_t bit_offset;
};

static int32_t convert_composite(struct kt_types_dwarf *td, Dwarf_Die *die, bool is_union,
				 int depth)
{
	const char *name = dwarf_diename(die);
	if (dwarf_hasattr(die, DW_AT_declaration)) {
		Dwarf_Off def;
		Dwarf_Die def_die;
		if (name && name_find(td, name, is_union ? 'u' : 's', &def) &&
		    dwarf_offdie(td->dw, def, &def_die)) {
			int32_t id = convert(td, &def_die, depth + 1);
			return id < 0 ? id : done(td, die, id);
		}
		return done(td, die, btf__add_fwd(td->btf, name, is_union ? BTF_FWD_UNION : BTF_FWD_STRUCT));
	}
	size_t n = 0, cap = 0;
	struct field *fields = NULL;
	Dwarf_Die m;
	int32_t id = -1;
	if (dwarf_child(die, &m) == 0) {
		do {
			if (dwarf_tag(&m) != DW_TAG_member)
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 16;
				struct field *grown = realloc(fields, cap * sizeof(*grown));
				if (!grown) {
					fail(td, -ENOMEM);
					goto out;
				}
				fields = grown;
			}
			struct field *f = &fields[n++];
			Dwarf_Word bits = 0;
			attr_udata(&m, DW_AT_bit_size, &bits);
			f->name = dwarf_diename(&m);
			f->bit_size = (uint32_t)bits;
			if (!member_bit_offset(&m, f->bit_size, &f->bit_offset)) {
				fail(td, -EINVAL);
				goto out;
			}
			if ((f->type = convert_ref(td, &m, depth)) < 0)
				goto out;
		} while (dwarf_siblingof(&m, &m) == 0);
	}
	int size = dwarf_bytesize(die);
	id = is_union ? btf__add_union(td->btf, name, size > 0 ? (uint32_t)size : 0)
		      : btf__add_struct(td->btf, name, size > 0 ? (uint32_t)size : 0);
	for (size_t i = 0; id > 0 && i < n; i++) {
		int e = btf__add_field(td->btf, fields[i].name, fields[i].type,
				       (uint32_t)fields[i].bit_offset, fields[i].bit_size);
		if (e < 0)
			id = e;
	}
	id = done(td, die, id);
out:
	free(fields);
	return id;
}

static int32_t convert_enum(struct kt_types_dwarf *td, Dwarf_Die *die, int depth)
{
	const char *name = dwarf_diename(die);
	if (dwarf_hasattr(die, DW_AT_declaration)) {
		Dwarf_Off def;
		Dwarf_Die def_die;
		if (name && name_find(td, name, 'e', &def) && dwarf_offdie(td->dw, def, &def_die)) {
			int32_t id = convert(td, &def_die, depth + 1);
			return id < 0 ? id : done(td, die, id);
		}
		return done(td, die, btf__add_fwd(td->btf, name, BTF_FWD_ENUM));
	}
	int size = dwarf_bytesize(die);
	bool wide = size > 4;
	int id = wide ? btf__add_enum64(td->btf, name, (uint32_t)size, false)
		      : btf__add_enum(td->btf, name, size > 0 ? (uint32_t)size : 4);
	Dwarf_Die e;
	if (id > 0 && dwarf_child(die, &e) == 0) {
		do {
			Dwarf_Attribute attr;
			if (dwarf_tag(&e) != DW_TAG_enumerator ||
			    !dwarf_attr(&e, DW_AT_const_value, &attr))
				continue;
			int64_t value;
			Dwarf_Sword s;
			Dwarf_Word u;
			if (dwarf_whatform(&attr) == DW_FORM_sdata && dwarf_formsdata(&attr, &s) == 0)
				value = s;
			else if (dwarf_formudata(&attr, &u) == 0)
				value = (int64_t)u;
			else
				continue;
			int r = wide ? btf__add_enum64_value(td->btf, dwarf_diename(&e), (uint64_t)value)
				     : btf__add_enum_value(td->btf, dwarf_diename(&e), value);
			if (r < 0) {
				id = r;
				break;
			}
		} while (dwarf_siblingof(&e, &e) == 0);
	}
	return done(td, die, id);
}

static int32_t index_type(struct kt_types_dwarf *td)
{
	if (!td->index_type) {
		int id = btf__add_int(td->btf, "__ARRAY_SIZE_TYPE__", 4, 0);
		if (id < 0)
			return fail(td, id);
		td->index_type = id;
	}
	return td->index_type;
}

static int32_t convert_array(struct kt_types_dwarf *td, Dwarf_Die *die, int depth)
{
	int32_t elem = convert_ref(td, die, depth), idx = index_type(td);
	if (elem < 0 || idx < 0)
		return -1;
	enum { DIMS_MAX = 16 };
	uint32_t counts[DIMS_MAX];
	size_t dims = 0;
	Dwarf_Die sub;
	if (dwarf_child(die, &sub) == 0) {
		do {
			if (dwarf_tag(&sub) != DW_TAG_subrange_type || dims == DIMS_MAX)
				continue;
			Dwarf_Word n = 0;
			Dwarf_Attribute attr;
			Dwarf_Sword upper;
			if (attr_udata(&sub, DW_AT_count, &n))
				;
			else if (dwarf_attr_integrate(&sub, DW_AT_upper_bound, &attr) &&
				 dwarf_formsdata(&attr, &upper) == 0)
				n = upper < 0 ? 0 : (Dwarf_Word)upper + 1;  // [0] is upper bound -1
			counts[dims++] = (uint32_t)n;  // no bound: a flexible array
		} while (dwarf_siblingof(&sub, &sub) == 0);
	}
	if (!dims)
		counts[dims++] = 0;
	int id = elem;
	for (size_t i = dims; i-- > 0 && id >= 0;)  // the last subscript is the innermost array
		id = btf__add_array(td->btf, idx, id, counts[i]);
	return done(td, die, id);
}

/* A function type (DW_TAG_subroutine_type) or a function's own (DW_TAG_subprogram). */
static int32_t convert_proto(struct kt_types_dwarf *td, Dwarf_Die *die, int depth,
			     bool own_id)
{
	int32_t ret = convert_ref(td, die, depth);
	if (ret < 0)
		return -1;
	size_t n = 0, cap = 0;
	struct field *params = NULL;
	Dwarf_Die p;
	int32_t id = -1;
	if (dwarf_child(die, &p) == 0) {
		do {
			int tag = dwarf_tag(&p);
			if (tag != DW_TAG_formal_parameter && tag != DW_TAG_unspecified_parameters)
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 8;
				struct field *grown = realloc(params, cap * sizeof(*grown));
				if (!grown) {
					fail(td, -ENOMEM);
					goto out;
				}
				params = grown;
			}
			struct field *f = &params[n++];
			*f = (struct field){0};
			if (tag == DW_TAG_unspecified_parameters)  // "...": void without a name
				continue;
			f->name = dwarf_diename(&p);
			if ((f->type = convert_ref(td, &p, depth)) < 0)
				goto out;
		} while (dwarf_siblingof(&p, &p) == 0);
	}
	id = btf__add_func_proto(td->btf, ret);
	for (size_t i = 0; id > 0 && i < n; i++) {
		int e = btf__add_func_param(td->btf, params[i].name, params[i].type);
		if (e < 0)
			id = e;
	}
	id = own_id ? done(td, die, id) : id < 0 ? fail(td, id) : id;
out:
	free(params);
	return id;
}

static int32_t convert_function(struct kt_types_dwarf *td, Dwarf_Die *die, int depth)
{
	int32_t proto = convert_proto(td, die, depth, false);
	if (proto < 0)
		return -1;
	bool global = dwarf_hasattr_integrate(die, DW_AT_external);
	return done(td, die, btf__add_func(td->btf, dwarf_diename(die),
					   global ? BTF_FUNC_GLOBAL : BTF_FUNC_STATIC, proto));
}

/* Two definitions of one name alike in size and in every member's name and place (or
 * enumerator's name, or a typedef's target name). */
static bool same_layout(Dwarf_Die *a, Dwarf_Die *b)
{
	int tag = dwarf_tag(a);
	if (tag != dwarf_tag(b) || dwarf_bytesize(a) != dwarf_bytesize(b))
		return false;
	if (tag == DW_TAG_typedef) {
		Dwarf_Attribute attr;
		Dwarf_Die ta, tb;
		bool ha = dwarf_attr_integrate(a, DW_AT_type, &attr) && dwarf_formref_die(&attr, &ta);
		bool hb = dwarf_attr_integrate(b, DW_AT_type, &attr) && dwarf_formref_die(&attr, &tb);
		if (!ha || !hb)
			return ha == hb;
		const char *na = dwarf_diename(&ta), *nb = dwarf_diename(&tb);
		// An anonymous target (typedef struct {...} name_t) is judged by its own layout.
		return dwarf_tag(&ta) == dwarf_tag(&tb) &&
		       (na && nb ? !strcmp(na, nb) : !na && !nb && same_layout(&ta, &tb));
	}
	Dwarf_Die ca, cb;
	int ra = dwarf_child(a, &ca), rb = dwarf_child(b, &cb);
	while (ra == 0 && rb == 0) {
		const char *na = dwarf_diename(&ca), *nb = dwarf_diename(&cb);
		Dwarf_Word sa = 0, sb = 0;
		uint64_t oa = 0, ob = 0;
		attr_udata(&ca, DW_AT_bit_size, &sa);
		attr_udata(&cb, DW_AT_bit_size, &sb);
		if (dwarf_tag(&ca) != dwarf_tag(&cb) || (na && nb ? strcmp(na, nb) : na != nb) ||
		    sa != sb || !member_bit_offset(&ca, (uint32_t)sa, &oa) ||
		    !member_bit_offset(&cb, (uint32_t)sb, &ob) || oa != ob)
			return false;
		ra = dwarf_siblingof(&ca, &ca);
		rb = dwarf_siblingof(&cb, &cb);
	}
	return ra == rb;
}

/* The index's definition of die's name, when die is a copy of it (each unit repeats the types it
 * uses): converting each copy would put the whole kernel's types in once per unit. */
static bool canonical(struct kt_types_dwarf *td, Dwarf_Die *die, int tag, Dwarf_Die *ret)
{
	char kind = tag == DW_TAG_structure_type ? 's' : tag == DW_TAG_union_type ? 'u'
		    : tag == DW_TAG_enumeration_type ? 'e' : tag == DW_TAG_typedef ? 't' : 0;
	const char *name;
	Dwarf_Off def;
	if (!kind || !(name = dwarf_diename(die)) || dwarf_hasattr(die, DW_AT_declaration) ||
	    !name_find(td, name, kind, &def) || def == dwarf_dieoffset(die) ||
	    !dwarf_offdie(td->dw, def, ret))
		return false;
	return same_layout(die, ret);
}

static int32_t convert(struct kt_types_dwarf *td, Dwarf_Die *die, int depth)
{
	int32_t id;
	if (id_get(td, dwarf_dieoffset(die), &id))
		return id;
	if (depth > DEPTH_MAX)
		return fail(td, -ELOOP);
	int tag = dwarf_tag(die);
	Dwarf_Die def;
	if (canonical(td, die, tag, &def)) {
		if ((id = convert(td, &def, depth + 1)) < 0)
			return -1;
		return done(td, die, id);
	}
	switch (tag) {
	case DW_TAG_base_type:
		return convert_base(td, die);
	case DW_TAG_pointer_type:
	case DW_TAG_reference_type: {
		Dwarf_Attribute attr;
		Dwarf_Die target;
		if ((id = done(td, die, btf__add_ptr(td->btf, 0))) < 0)
			return -1;
		if (dwarf_attr_integrate(die, DW_AT_type, &attr) && dwarf_formref_die(&attr, &target)) {
			if (td->n_pending == td->pending_cap) {
				size_t cap = td->pending_cap ? td->pending_cap * 2 : 256;
				struct pending_ptr *grown = realloc(td->pending, cap * sizeof(*grown));
				if (!grown)
					return fail(td, -ENOMEM);
				td->pending = grown, td->pending_cap = cap;
			}
			td->pending[td->n_pending++] = (struct pending_ptr){(uint32_t)id,
									    dwarf_dieoffset(&target)};
		}
		return id;
	}
	case DW_TAG_const_type:
	case DW_TAG_volatile_type:
	case DW_TAG_restrict_type:
		if ((id = convert_ref(td, die, depth)) < 0)
			return -1;
		return done(td, die, tag == DW_TAG_const_type      ? btf__add_const(td->btf, id)
				     : tag == DW_TAG_volatile_type ? btf__add_volatile(td->btf, id)
								   : btf__add_restrict(td->btf, id));
	case DW_TAG_atomic_type:  // BTF has no _Atomic: the type itself
		if ((id = convert_ref(td, die, depth)) < 0)
			return -1;
		return done(td, die, id);
	case DW_TAG_typedef:
		if ((id = convert_ref(td, die, depth)) < 0)
			return -1;
		return done(td, die, btf__add_typedef(td->btf, dwarf_diename(die), id));
	case DW_TAG_structure_type:
	case DW_TAG_class_type:
	case DW_TAG_union_type:
		return convert_composite(td, die, tag == DW_TAG_union_type, depth);
	case DW_TAG_enumeration_type:
		return convert_enum(td, die, depth);
	case DW_TAG_array_type:
		return convert_array(td, die, depth);
	case DW_TAG_subroutine_type:
		return convert_proto(td, die, depth, true);
	case DW_TAG_subprogram:
		return convert_function(td, die, depth);
	case DW_TAG_variable:
		if ((id = convert_ref(td, die, depth)) < 0)
			return -1;
		return done(td, die, btf__add_var(td->btf, dwarf_diename(die),
						  dwarf_hasattr_integrate(die, DW_AT_external)
							  ? BTF_VAR_GLOBAL_ALLOCATED : BTF_VAR_STATIC, id));
	default:  // DW_TAG_unspecified_type and the like: nothing BTF can say
		return done(td, die, 0);
	}
}

/* Aims the pointers made meanwhile at their targets, converting those (and theirs). */
static void resolve_pending(struct kt_types_dwarf *td)
{
	while (td->n_pending) {
		struct pending_ptr p = td->pending[--td->n_pending];
		Dwarf_Die target;
		int32_t id = dwarf_offdie(td->dw, p.target, &target) ? convert(td, &target, 0) : -1;
		if (id < 0) {
			fail(td, -EINVAL);
			continue;  // the pointer stays void *
		}
		// The writer has no call to retarget a type; its memory is this BTF's own.
		struct btf_type *t = (struct btf_type *)btf__type_by_id(td->btf, p.ptr);
		t->type = (uint32_t)id;
	}
}

static void convert_named(struct kt_types_dwarf *td, const char *name, char kind)
{
	Dwarf_Off off;
	Dwarf_Die die;
	if (name_find(td, name, kind, &off) && dwarf_offdie(td->dw, off, &die))
		convert(td, &die, 0);
	resolve_pending(td);
}

/* A pointer to id, which BTF from DWARF has only if something converted used one. */
static int32_t pointer_to(struct kt_types_dwarf *td, uint32_t target)
{
	uint32_t n = btf__type_cnt(td->btf);
	for (uint32_t id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(td->btf, id);
		if (btf_is_ptr(t) && t->type == target)
			return (int32_t)id;
	}
	int id = btf__add_ptr(td->btf, target);
	return id < 0 ? fail(td, id) : id;
}

/* A type expression as kt_type_parse reads it: the base name, then pointers. */
static struct kt_error *supply_expression(struct kt_types_dwarf *td, const char *expr)
{
	size_t len = strlen(expr), n = 0;
	unsigned int pointers = 0;
	_cleanup_free_ char *base = malloc(len + 1);
	if (!base)
		return &kt_enomem;
	for (const char *p = expr; *p;) {
		size_t word = strcspn(p, " \t\n*");
		if (isspace((unsigned char)*p) || *p == '*') {
			pointers += *p == '*';
			p++;
		} else if ((word == 5 && !strncmp(p, "const", 5)) ||
			   (word == 8 && !strncmp(p, "volatile", 8))) {
			p += word;
		} else {
			if (n)
				base[n++] = ' ';
			memcpy(base + n, p, word);
			n += word, p += word;
		}
	}
	base[n] = '\0';
	if (!strncmp(base, "struct ", 7)) {
		convert_named(td, base + 7, 's');
	} else if (!strncmp(base, "union ", 6)) {
		convert_named(td, base + 6, 'u');
	} else if (!strncmp(base, "enum ", 5)) {
		convert_named(td, base + 5, 'e');
	} else {
		static const char kinds[] = "sute";
		for (size_t i = 0; kinds[i]; i++)
			convert_named(td, base, kinds[i]);
	}
	uint32_t id;
	struct kt_error *err = pointers ? kt_type_parse(td->btf, NULL, base, &id) : NULL;
	if (!pointers || err == &kt_enomem)
		return err;
	if (err) {
		kt_error_destroy(err);
		return NULL;  // the lookup itself says what is missing
	}
	for (unsigned int i = 0; i < pointers && !td->err; i++)
		id = (uint32_t)pointer_to(td, id);
	return NULL;
}

static struct kt_error *supply(char tag, const char *name, void *arg)
{
	struct kt_types_dwarf *td = arg;
	struct kt_error *err = NULL;
	if (tag == 'F') {
		convert_named(td, name, 'f');
	} else if (tag == 'V') {
		convert_named(td, name, 'v');
	} else if (tag == 'L') {
		err = supply_expression(td, name);
	} else {
		convert_named(td, name, 's');
		convert_named(td, name, 'u');
		convert_named(td, name, 't');
	}
	if (err)
		return err;
	if (td->err) {
		int e = td->err;
		td->err = 0;  // what was converted stands; the next lookup may fare better
		if (e == -ENOMEM)
			return &kt_enomem;
		return kt_error_create(KT_ERROR_BAD_DATA, "'%s': DWARF type not convertible to BTF: %s",
				       name, strerror(-e));
	}
	return NULL;
}

/* The base types, once: the parser maps "unsigned long" to BTF's "long unsigned int" itself. */
static void convert_base_types(struct kt_types_dwarf *td)
{
	for (size_t i = 0; i < td->names_cap; i++) {
		Dwarf_Die die;
		if (td->names[i].name && td->names[i].kind == 'b' &&
		    dwarf_offdie(td->dw, td->names[i].off, &die))
			convert(td, &die, 0);
	}
}

/*
 * Globals of anonymous types that readers find by scanning every type rather than by name
 * (log_time.c: tk_core's struct { seqcount; struct timekeeper timekeeper; }): made up front.
 */
static const char *const SCANNED_GLOBALS[] = {"tk_core"};

static void convert_scanned_globals(struct kt_types_dwarf *td)
{
	for (size_t i = 0; i < KT_ARRAY_SIZE(SCANNED_GLOBALS); i++) {
		Dwarf_Off off;
		Dwarf_Die die;
		if (name_find(td, SCANNED_GLOBALS[i], 'v', &off) && dwarf_offdie(td->dw, off, &die))
			convert_ref(td, &die, 0);
		resolve_pending(td);
	}
}

/* The index's struct, union and typedef names, for completion. */
static bool index_names(void *arg, bool (*fn)(const char *name, const char *kind, void *),
			void *fn_arg)
{
	const struct kt_types_dwarf *td = arg;
	for (size_t i = 0; i < td->names_cap; i++) {
		const struct name_entry *e = &td->names[i];
		const char *kind = !e->name ? NULL : e->kind == 's' ? "struct" : e->kind == 'u' ? "union"
				   : e->kind == 't' ? "typedef" : NULL;
		if (kind && !fn(e->name, kind, fn_arg))
			return false;
	}
	return true;
}

static void index_free(void *arg)
{
	kt_types_dwarf_destroy(arg);
}

struct kt_error *kt_types_dwarf_module(Dwarf *dw, struct kt_types **ret)
{
	struct kt_types_dwarf *td;
	struct kt_error *err = kt_types_dwarf_open(dw, ret, &td);
	if (!err)
		kt_types_set_supplier_extra(*ret, index_free, index_names);
	return err;
}

struct kt_error *kt_types_dwarf_open(Dwarf *dw, struct kt_types **types_ret,
				     struct kt_types_dwarf **ret)
{
	struct kt_types_dwarf *td = calloc(1, sizeof(*td));
	if (!td)
		return &kt_enomem;
	td->dw = dw;
	struct kt_error *err = NULL;
	if (!build_index(td)) {
		err = &kt_enomem;
		goto fail;
	}
	if (!td->n_names) {
		err = kt_error_create(KT_ERROR_NOT_FOUND, "the DWARF describes no types");
		goto fail;
	}
	struct btf *btf = btf__new_empty();
	if (!btf) {
		err = &kt_enomem;
		goto fail;
	}
	td->btf = btf;
	convert_base_types(td);
	convert_scanned_globals(td);
	if (td->err) {
		btf__free(btf);
		err = td->err == -ENOMEM ? &kt_enomem
					 : kt_error_create(KT_ERROR_BAD_DATA, "DWARF base types: %s",
							   strerror(-td->err));
		goto fail;
	}
	struct kt_types *types;
	if ((err = kt_types_from_btf(btf, &types)))
		goto fail;
	kt_types_set_supplier(types, supply, td);
	kt_types_set_supplier_extra(types, NULL, index_names);
	*types_ret = types;
	*ret = td;
	return NULL;
fail:
	kt_types_dwarf_destroy(td);
	return err;
}

void kt_types_dwarf_destroy(struct kt_types_dwarf *td)
{
	if (!td)
		return;
	free(td->names);
	free(td->ids);
	free(td->pending);
	free(td);
}
