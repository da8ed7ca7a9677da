/* SPDX-License-Identifier: MIT */
/*
 * Kernel types, for the offsets and sizes that every walker needs. The source is BTF: the
 * kernel keeps it in memory between __start_BTF and __stop_BTF (CONFIG_DEBUG_INFO_BTF), and the
 * debug vmlinux carries the same data in its .BTF section, so one reader serves both modes.
 * Walkers ask for member paths by name and never assume a kernel version.
 */
#ifndef KT_SYM_TYPES_H
#define KT_SYM_TYPES_H

#include "dump/reader.h"
#include "sym/kallsyms.h"

struct kt_types;

struct kt_member_info {
	uint64_t offset;     /* bytes from the start of the outer type */
	uint64_t size;       /* bytes; 0 for a flexible array */
	uint32_t bit_offset; /* bits within the byte, for bitfields (0 otherwise) */
	uint32_t bit_size;   /* 0 unless a bitfield */
};

/* BTF from kernel memory (needs kallsyms for __start_BTF/__stop_BTF). */
struct kt_error *kt_types_load_from_dump(struct kt_reader *reader, const struct kt_kallsyms *ks,
					 struct kt_types **ret);
/* BTF from the .BTF section of an ELF file (the debug vmlinux carries the same types). */
struct kt_error *kt_types_load_from_file(const char *path, struct kt_types **ret);
void kt_types_destroy(struct kt_types *types);

/*
 * Types made on demand from another source (DWARF, sym/types_dwarf.c): before vmlinux's BTF is
 * searched for name, fn adds to it what name needs. tag: 'T' a struct, union or typedef name,
 * 'L' a C type expression, 'F' a function name, 'V' a global variable's name. An error other than
 * NOT_FOUND ends the lookup.
 */
struct btf;
typedef struct kt_error *kt_types_supply_fn(char tag, const char *name, void *arg);
/* Wraps btf (taken over): one that a supplier grows. */
struct kt_error *kt_types_from_btf(struct btf *btf, struct kt_types **ret);
void kt_types_set_supplier(struct kt_types *types, kt_types_supply_fn *fn, void *arg);

/* sizeof(struct NAME) (or union NAME, or typedef NAME). */
struct kt_error *kt_types_size(struct kt_types *types, const char *name, uint64_t *ret);
/* A member path inside struct/union NAME: "tasks", "thread.sp", "se.on_rq", "val[2].value".
 * Members of anonymous structs and unions are found as the C compiler finds them. */
struct kt_error *kt_types_member(struct kt_types *types, const char *name, const char *path,
				 struct kt_member_info *ret);
/* True if struct NAME has member (a name, not a path): for layouts that changed between versions. */
bool kt_types_has_member(struct kt_types *types, const char *name, const char *member);

/* vmlinux's parsed BTF itself, for code that walks types (type_*.c: whatis, struct, p). */
struct btf;
const struct btf *kt_types_btf(const struct kt_types *types);
/* btf__find_by_name_kind in vmlinux's BTF, through an index by name (btf_names.h). */
int32_t kt_types_find_by_name_kind(struct kt_types *types, const char *name, int kind);

/*
 * Module types. Modules carry split BTF: type ids continue after vmlinux's, and a module's
 * struct btf resolves vmlinux ids too, so a type is walked with the btf it was found in. Every
 * lookup by name tries vmlinux first, then each module in the kernel's list order; a
 * "MODULE:" qualifier ("kvm_amd:vcpu_svm", "struct kvm_amd:vcpu_svm", "kvm_amd:struct
 * vcpu_svm"; "vmlinux:" for the kernel's own) searches one BTF only.
 */

/* Called once, on the first lookup that vmlinux's BTF cannot answer: adds every module's BTF
 * with kt_types_add_module(). Lookups made meanwhile (for the kernel's own layouts) see vmlinux
 * only. */
typedef struct kt_error *kt_types_modules_fn(struct kt_types *types, void *arg);
void kt_types_set_module_source(struct kt_types *types, kt_types_modules_fn *fn, void *arg);
/* Adds module name's split BTF (data is copied). With data NULL, unreadable says why the
 * module's BTF could not be had (taken over), for error messages. Fails only without memory. */
struct kt_error *kt_types_add_module(struct kt_types *types, const char *name, const void *data,
				     uint32_t size, struct kt_error *unreadable);

/*
 * A module without BTF: its types are made from its debug file's DWARF, by open, on the first
 * lookup that reaches the module (in list order, or by "MODULE:"). open returns types of the
 * module's own (kt_types_dwarf_module(): a standalone BTF that grows as names are asked for, the
 * kernel types the module uses converted from its own DWARF too, so that it never depends on
 * vmlinux's ids), or why there are none; its error is remembered for the messages of misses. A
 * split BTF on vmlinux's would not do: vmlinux's own BTF grows too when it is made from DWARF.
 */
typedef struct kt_error *kt_types_module_open_fn(const char *module, void *arg,
						 struct kt_types **ret);
struct kt_error *kt_types_add_module_open(struct kt_types *types, const char *name,
					  kt_types_module_open_fn *open, void *arg);
/* A module whose open failed (no debug file then) and which has one now: the next lookup that
 * reaches it opens it again. */
void kt_types_module_reopen(struct kt_types *types, const char *name);

/* Names a source of types can make besides those its BTF holds already (a DWARF index): for
 * kt_types_for_each_name. fn as there; returns false if fn stopped. */
typedef bool kt_types_names_fn(void *arg, bool (*fn)(const char *name, const char *kind, void *),
			       void *fn_arg);
/* free_fn (may be NULL) frees arg with the types; names_fn (may be NULL) lists what it can make. */
void kt_types_set_supplier_extra(struct kt_types *types, void (*free_fn)(void *arg),
				 kt_types_names_fn *names_fn);

/* Which provider ref's BTF is: "vmlinux", or the module's name (NULL if none of types'). */
const char *kt_types_provider(const struct kt_types *types, const struct btf *btf);
/* Whether that provider's types were converted from DWARF (else they are BTF it had). */
bool kt_types_provider_from_dwarf(const struct kt_types *types, const struct btf *btf);

/* A type in one BTF (vmlinux's or a module's); id 0 is void. */
struct kt_type_ref {
	const struct btf *btf;
	int32_t id;
};

/* A type by C name: "struct foo", "union foo", "foo" (struct, union, typedef, enum or base type
 * of that name), "struct foo *". The type as named: a typedef stays a typedef. */
struct kt_error *kt_types_lookup(struct kt_types *types, const char *name,
				 struct kt_type_ref *ret);
/* The FUNC_PROTO of kernel or module function name (BTF FUNC entries name the parameters); a
 * static function that several files define is the first one BTF lists. */
struct kt_error *kt_types_function(struct kt_types *types, const char *name,
				   struct kt_type_ref *proto_ret);
/* The type of global variable name ("ktest_stuck:ktest_trace"): what BTF has (vmlinux's
 * per-CPU variables), or the DWARF definition the kernel's or a module's types from DWARF index
 * (a static that several files define: the first). Anonymous types too, which no name finds. */
struct kt_error *kt_types_variable(struct kt_types *types, const char *name,
				   struct kt_type_ref *type_ret);
/* Parameters of a FUNC_PROTO: how many (-1 if proto is not one), and parameter i's name ("" if
 * BTF has none) and type. False past the last parameter (or at a C "..."). */
int kt_types_param_count(struct kt_type_ref proto);
bool kt_types_param(struct kt_type_ref proto, unsigned int i, const char **name_ret,
		    struct kt_type_ref *type_ret);
/* What pointer ref points at, typedefs, const and volatile skipped on both sides (void: id 0).
 * False if ref is not a pointer. */
bool kt_types_pointee(struct kt_type_ref ref, struct kt_type_ref *ret);
/* The type as C spells it ("struct kvm_vcpu *", "unsigned long [17]"), cut to fit buf. */
const char *kt_types_name(struct kt_type_ref ref, char *buf, size_t size);
/* The member path at byte offset of struct/union ref, through nested structs, unions and arrays
 * ("arch.regs[2]", "vcpu.arch.mmu"); of the union alternatives that cover it, the one that starts
 * exactly there and is a pointer or scalar, else one that starts there, else the first. A path
 * that starts before offset ends in "+0xN". member_type (may be NULL): the member's type (a
 * bitfield's underlying integer). NOT_FOUND if the offset falls in padding. */
struct kt_error *kt_types_member_at(struct kt_type_ref ref, uint64_t offset, char *buf,
				    size_t size, struct kt_type_ref *member_type);

/* Every named struct, union and typedef of the kernel's and the modules' BTF, and those the DWARF
 * index of the kernel (types from DWARF) and of each module whose DWARF was opened already can
 * make (opening every module's debug file to complete a name would cost seconds on a machine
 * with many modules); fn returns false to stop. kind is "struct", "union" or "typedef". A name
 * may come more than once. */
typedef bool kt_type_name_fn(const char *name, const char *kind, void *arg);
void kt_types_for_each_name(struct kt_types *types, kt_type_name_fn *fn, void *arg);

#endif
