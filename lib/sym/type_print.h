/* SPDX-License-Identifier: MIT */
/*
 * Types as C spells them and values of those types read from the dump: what crash's `struct`,
 * `union`, `whatis`, `p` and `member-at` print. Types are ids in the kernel's BTF (types.h);
 * the program-level entry points are in kernel/values.c.
 */
#ifndef KT_SYM_TYPE_PRINT_H
#define KT_SYM_TYPE_PRINT_H

#include <bpf/btf.h>

#include "dump/reader.h"
#include "core/strbuf.h"
#include "sym/kallsyms.h"

/* Nesting that no kernel type comes near (struct in union in array ...): deeper is a loop. */
enum { KT_TYPE_NEST_MAX = 32 };

/* type_name.c */

/* The BTF id of a type expression: "struct task_struct", "task_struct" (struct, union, typedef
 * or enum of that name), "union kvm_mmu_page_role", "unsigned long", "atomic_t",
 * "struct page *". names: btf's index by name (btf_names.h), or NULL to scan. */
struct btf;
struct kt_btf_names;
struct kt_error *kt_type_parse(const struct btf *btf, struct kt_btf_names *names, const char *expr,
			       uint32_t *ret);
/* Appends the C declaration of name as type id ("struct list_head *next"); with name NULL, the
 * type's name alone ("char [16]", "void (*)(struct rq *)"). Anonymous types are "struct {...}". */
void kt_type_name(const struct btf *btf, uint32_t id, const char *name, struct kt_strbuf *sb);
/* The same, allocated; NULL when out of memory. */
char *kt_type_name_dup(const struct btf *btf, uint32_t id);
/* id with typedefs and qualifiers (const, volatile, type tags) skipped; 0 is void. */
uint32_t kt_type_strip(const struct btf *btf, uint32_t id);

/* Where a member path leads inside a type. */
struct kt_type_place {
	uint32_t type;        /* the member's type */
	uint64_t bit_offset;  /* from the start of the outer type */
	uint32_t bit_size;    /* bitfield width; 0 if not a bitfield */
};

/* Follows path ("se.on_rq", "val[2].value", "[3]") from type id. "->" is accepted for "." as
 * crash does: the path never dereferences a pointer. */
struct kt_error *kt_type_path(const struct btf *btf, uint32_t id, const char *path,
			      struct kt_type_place *ret);

/* type_describe.c */

/* Type id described as data (struct kt_type_description, ktriage.h); with expand, named struct
 * and union members are described in place too, as gdb's ptype /o does. Free with
 * kt_type_description_destroy(). */
struct kt_error *kt_type_describe_btf(const struct btf *btf, uint32_t id, bool expand,
				      struct kt_type_description **ret);
void kt_type_description_destroy(struct kt_type_description *desc);

/* type_members_at.c */

/* Every member path of type id that covers byte offset (struct kt_member_at, ktriage.h): all
 * alternatives of a union, every bitfield of a shared byte. Free with kt_members_at_destroy(). */
struct kt_error *kt_type_members_at(const struct btf *btf, uint32_t id, uint64_t offset,
				    struct kt_member_at **ret, size_t *count_ret);

/* type_print.c */

struct kt_print_options {
	bool hex;                /* integers in hexadecimal */
	unsigned int array_max;  /* elements printed per array before "N more"; 0: the default */
	bool deref;              /* struct -p (kt_value_options.deref) */
};

/* What to print: an object of type at address, whole or some member paths of it. */
struct kt_print_request {
	uint32_t type;
	uint64_t address;
	const char *name;     /* "jiffies" (as `p` names it), or NULL for "struct NAME {" */
	const char *members;  /* NULL, or comma-separated member paths: "comm,pid", "se.on_rq" */
	uint32_t bit_offset;  /* for a bitfield reached by `p SYMBOL.path` */
	uint32_t bit_size;
};

/* Reads the request into a tree of values (struct kt_value, ktriage.h). Members that cannot be
 * read are KT_VALUE_UNREADABLE; only an object of which nothing can be read is an error. ks (may
 * be NULL) names pointers. Free with kt_value_destroy(). */
struct kt_error *kt_value_tree(const struct btf *btf, struct kt_reader *reader,
			       const struct kt_kallsyms *ks, const struct kt_print_request *req,
			       const struct kt_print_options *opts, struct kt_value **ret);

#endif
