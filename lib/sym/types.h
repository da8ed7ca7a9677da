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

/* sizeof(struct NAME) (or union NAME, or typedef NAME). */
struct kt_error *kt_types_size(struct kt_types *types, const char *name, uint64_t *ret);
/* A member path inside struct/union NAME: "tasks", "thread.sp", "se.on_rq", "val[2].value".
 * Members of anonymous structs and unions are found as the C compiler finds them. */
struct kt_error *kt_types_member(struct kt_types *types, const char *name, const char *path,
				 struct kt_member_info *ret);
/* True if struct NAME has member (a name, not a path): for layouts that changed between versions. */
bool kt_types_has_member(struct kt_types *types, const char *name, const char *member);

/* The parsed BTF itself, for code that walks types (type_*.c: whatis, struct, p). */
struct btf;
const struct btf *kt_types_btf(const struct kt_types *types);

#endif
