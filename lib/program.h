/* SPDX-License-Identifier: MIT */
/* A kt_program: one dump and the symbols and types that describe it. */
#ifndef KT_PROGRAM_H
#define KT_PROGRAM_H

#include "dump/dump.h"
#include "dump/reader.h"
#include "sym/kallsyms.h"
#include "sym/types.h"
#include "sym/vmlinux.h"

struct kt_modules;
struct kt_orc;
struct kt_cfi;
struct kt_call_cache;
struct kt_percpu;
struct kt_dwarf;
struct kt_types_dwarf;
struct kt_task_layout;
struct kt_symbol_cache;
struct kt_code_cache;
struct kt_addr_map;
struct kt_switch_layout;
struct kt_object_cache;

struct kt_program {
	struct kt_dump *dump;
	struct kt_reader reader;
	struct kt_open_options opts;
	struct kt_vmlinux *vmlinux;     /* NULL: symbols and types come from the dump alone */
	uint64_t kaslr_offset;          /* valid with a vmlinux */
	char *mode;                     /* kt_program_debuginfo_mode() */
	struct kt_kallsyms *kallsyms;   /* loaded on first use */
	struct kt_error *kallsyms_err;  /* why it could not be, remembered */
	struct kt_types *types;         /* loaded on first use */
	struct kt_modules *modules;     /* loaded on first use */
	struct kt_orc *orc;             /* loaded on first use */
	struct kt_cfi *cfi;             /* the vmlinux's DWARF CFI, opened on first use */
	struct kt_call_cache *call_cache; /* call checks of return addresses (call_check.c) */
	struct kt_percpu *percpu;       /* per-CPU offsets and masks, read on first use */
	struct kt_dwarf *dwarf;         /* libdwfl: source lines, inlines (sym/dwarf.c), on first use */
	struct kt_error *types_err;
	struct kt_types_dwarf *types_dwarf; /* the DWARF name index behind types, if from DWARF */
	struct kt_task_layout *task_layout; /* task_struct member offsets (tasks.c), on first use */
	struct kt_switch_layout *switch_layout; /* thread.sp and its frame (backtrace.c), on first use */
	struct kt_symbol_cache *symbol_cache; /* symbols found by kt_program_symbolize */
	struct kt_code_cache *code_cache; /* decoded functions (callsite/function_code.c) */
	struct kt_addr_map *static_call_sites; /* call -> static call key (callsite/static_calls.c) */
	struct kt_addr_map *pv_ops_sites;      /* call -> paravirt type (callsite/pv_ops.c) */
	struct kt_object_cache *object_cache;  /* member lookups of typed objects (kernel/object.c) */
};

/* The kernel's symbol table from the dump, loaded on first use. */
struct kt_error *kt_program_kallsyms(struct kt_program *prog, struct kt_kallsyms **ret);

/* ORC tables of the kernel and its modules, loaded on first use. */
struct kt_error *kt_program_orc(struct kt_program *prog, struct kt_orc **ret);

/* The debug vmlinux's DWARF CFI; NOT_FOUND without a vmlinux. */
struct kt_error *kt_program_cfi(struct kt_program *prog, struct kt_cfi **ret);

/* Kernel types (BTF), loaded on first use: the vmlinux's .BTF, else the kernel's in memory, else
 * (or with opts.dwarf_types) converted from the vmlinux's DWARF as they are asked for. */
struct kt_error *kt_program_types(struct kt_program *prog, struct kt_types **ret);

/* Shorthands for walkers: NOT_FOUND errors name the symbol or member. */
struct kt_error *kt_program_member_offset(struct kt_program *prog, const char *type,
					  const char *path, uint64_t *ret);
struct kt_error *kt_program_type_size(struct kt_program *prog, const char *type, uint64_t *ret);

#endif
