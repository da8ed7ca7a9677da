/* SPDX-License-Identifier: MIT */
/*
 * Typed objects (struct kt_object, ktriage.h) for the walkers inside libktriage: objects made
 * from a struct kt_type_ref, read on another thread's reader, and the member lookups cached per
 * program so that a walk over thousands of tasks pays for each member name once.
 */
#ifndef KT_KERNEL_OBJECT_H
#define KT_KERNEL_OBJECT_H

#include "program.h"

struct kt_object_cache;

/* The reference to an object of type at address; reads go through reader (NULL: the
 * program's). */
void kt_object_init(struct kt_object *obj, struct kt_program *prog, struct kt_reader *reader,
		    struct kt_type_ref type, uint64_t address);
static inline struct kt_type_ref kt_object_type(const struct kt_object *obj)
{
	return (struct kt_type_ref){obj->btf, obj->type_id};
}
static inline struct kt_reader *kt_object_reader(const struct kt_object *obj)
{
	return obj->reader ? obj->reader : &obj->prog->reader;
}

/* A type by C name, from the program's types. */
struct kt_error *kt_object_lookup_type(struct kt_program *prog, const char *name,
				       struct kt_type_ref *ret);
/* Where member path of type starts: bytes from the start of type, and its own type (no
 * pointer is followed); bitfields are INVALID_ARGUMENT. */
struct kt_error *kt_object_member_offset(struct kt_program *prog, struct kt_type_ref type,
					 const char *path, uint64_t *offset_ret,
					 struct kt_type_ref *member_ret);
/*
 * A member of a type resolved once, for walkers that read it from many objects: taking it from
 * an object is arithmetic, with no lookup (so also safe on a thread that reads ahead).
 */
struct kt_object_field {
	struct kt_type_ref type;  /* the member's */
	uint64_t offset;          /* bytes from the start of the outer type */
	uint8_t bit_offset;       /* a bitfield's first bit past offset */
	uint32_t bit_size;        /* a bitfield's width; 0 otherwise */
};
/* Member path of type (no pointer is followed). */
struct kt_error *kt_object_field_resolve(struct kt_program *prog, struct kt_type_ref type,
					 const char *path, struct kt_object_field *ret);
static inline void kt_object_field(const struct kt_object *obj, const struct kt_object_field *f,
				   struct kt_object *ret)
{
	*ret = *obj;
	ret->btf = f->type.btf;
	ret->type_id = f->type.id;
	ret->address = obj->address + f->offset;
	ret->bit_offset = f->bit_offset;
	ret->bit_size = f->bit_size;
}

/* container_of with the outer type given as a reference. */
struct kt_error *kt_object_container_of_type(const struct kt_object *obj,
					     struct kt_type_ref type, const char *member,
					     struct kt_object *ret);
/* A scalar member's value, for code that reads many optional members and keeps going where one
 * is missing: false if the type lacks it or it cannot be read (the error is dropped). */
bool kt_object_member_u64(const struct kt_object *obj, const char *path, uint64_t *ret);
/* Whether struct/union type has member path (for layouts that changed between versions). */
bool kt_object_type_has_member(struct kt_program *prog, struct kt_type_ref type,
			       const char *path);

/* object_symbol.c: the variable name typed as kt_object_from_symbol() types it, or as type
 * (non-NULL) names. *source_ret (may be NULL): where the type came from: "btf", "ktriage" (the
 * list of well-known globals), "dwarf" or "given". */
struct kt_error *kt_object_symbol(struct kt_program *prog, const char *name, const char *type,
				  struct kt_object *ret, const char **source_ret);

void kt_object_cache_destroy(struct kt_object_cache *cache);
/* The DWARF-made types kept for modules' globals (object_symbol.c); NULL is a no-op. */
struct kt_module_globals;
void kt_module_globals_destroy(struct kt_module_globals *g);

#endif
