/* SPDX-License-Identifier: MIT */
/*
 * A kt_program: one dump and the symbols and types that describe it (program.c), with each
 * layer's own state hung off it. The handle sits low: memory, the kernel image's symbols and
 * types are read through it by every layer above. It calls none of them; what it needs from
 * them (module types; the module list, module sections and symbol names for sym/dwarf.c) it
 * reaches through upcalls that kt_program_open (lib/ktriage.c), which assembles the layers, gives
 * it.
 */
#ifndef KT_PROGRAM_H
#define KT_PROGRAM_H

#include <elfutils/libdwfl.h>
#include <stdio.h>

#include "dump/dump.h"
#include "dump/reader.h"
#include "sym/kallsyms.h"
#include "sym/types.h"
#include "sym/vmlinux.h"

struct kt_types_dwarf;
struct kt_dwarf;
struct kt_kernel_ctx;
struct kt_callsite_ctx;
struct kt_unwind_ctx;

/* A loaded module's ELF section in memory, as /sys/module/NAME/sections shows it. */
struct kt_module_section {
	char *name;              /* ".text", ".rodata", ".note.gnu.build-id", ... */
	uint64_t address;
};

/* What places a loaded module's debug file at the addresses the dump has (sym/dwarf.c). */
struct kt_module_place {
	struct kt_module_section *secs;    /* every section, in the kernel's order */
	size_t n_secs;
	char *build_id;                    /* lower-case hex; NULL when the dump holds none */
	const struct kt_kallsyms *symbols; /* the module's own kallsyms; NULL if unread */
};

/* What the handle, and the layers below kernel/, ask of the layers above them. */
struct kt_program_upcalls {
	/* Module BTF for the kernel's types (kernel/module_btf.c). */
	kt_types_modules_fn *module_types;
	/* The libdwfl module of the vmlinux (module NULL) or of a loaded module (sym/dwarf.c). */
	struct kt_error *(*dwarf_module)(struct kt_program *prog, const char *module, Dwfl_Module **ret);
	/* The loaded modules, newest first (kt_module_list, kernel/symbols.c). */
	struct kt_error *(*module_list)(struct kt_program *prog, const struct kt_module_info **ret,
					size_t *n_ret);
	/* Where the index'th loaded module's sections are, its build-id and its symbols
	 * (kernel/module_sections.c); module_place_free undoes it. */
	struct kt_error *(*module_place)(struct kt_program *prog, size_t index,
					 struct kt_module_place *ret);
	void (*module_place_free)(struct kt_module_place *place);
	/* The kernel's or a module's symbol containing addr, and the address of a symbol of either
	 * by name (kt_program_symbolize, kt_program_symbol_address, kernel/symbols.c). */
	struct kt_error *(*symbolize)(struct kt_program *prog, uint64_t addr, const char **name_ret,
				      uint64_t *offset_ret, const char **module_ret);
	struct kt_error *(*symbol_address)(struct kt_program *prog, const char *name, uint64_t *ret);
	/* Whether addr is in the kernel's per-CPU section, and whether that is linked at 0
	 * (kt_percpu_kernel_symbol, kernel/percpu_symbol.c). */
	struct kt_error *(*kernel_percpu)(struct kt_program *prog, uint64_t addr, bool *ret,
					  bool *zero_based_ret);
	/* Stack pointers that vouch for a CPU's stack (kt_stack_anchors, kvm/stack_anchors.c). */
	struct kt_error *(*stack_anchors)(struct kt_program *prog, unsigned int cpu,
					  struct kt_stack_anchor *ret, size_t max, size_t *n_ret);
};

/* Says what long step starts next, through the caller's progress callback. */
#define kt_progress(prog, ...)                                                                   \
	do {                                                                                     \
		if ((prog)->opts.progress) {                                                     \
			char progress_what_[160];                                                \
			snprintf(progress_what_, sizeof(progress_what_), __VA_ARGS__);           \
			(prog)->opts.progress((prog)->opts.progress_arg, progress_what_);        \
		}                                                                                \
	} while (0)

struct kt_program {
	struct kt_dump *dump;
	struct kt_reader reader;
	struct kt_open_options opts;    /* the caller's, with vmlinux and debuginfo_dirs copied */
	char *opts_vmlinux;             /* the copies opts points at */
	char **opts_dirs;
	const struct kt_program_upcalls *upcalls;
	struct kt_vmlinux *vmlinux;     /* NULL: symbols and types come from the dump alone */
	uint64_t kaslr_offset;          /* valid with a vmlinux */
	char *mode;                     /* kt_program_debuginfo_mode() */
	struct kt_kallsyms *kallsyms;   /* loaded on first use */
	struct kt_error *kallsyms_err;  /* why it could not be, remembered */
	struct kt_types *types;         /* loaded on first use */
	struct kt_error *types_err;
	struct kt_types_dwarf *types_dwarf; /* the DWARF name index behind types, if from DWARF */
	/*
	 * Each layer's own state, made and destroyed by kt_program_open and kt_program_destroy
	 * (lib/ktriage.c), top layer first; the handle does not look inside.
	 */
	struct kt_dwarf *dwarf;           /* libdwfl: source lines, inlines (sym/dwarf.c), on first use */
	struct kt_kernel_ctx *kernel;     /* modules, per-CPU areas, tasks (kernel/kernel_ctx.h) */
	struct kt_callsite_ctx *callsite; /* decoded code, call site tables (callsite/callsite_ctx.h) */
	struct kt_unwind_ctx *unwind;     /* ORC, CFI, call checks (unwind/unwind_ctx.h) */
};

/* The handle's own part of kt_program_open: the dump, and the debug vmlinux if one is found
 * and matches. prog is zeroed with its upcalls set; kt_program_deinit() undoes this, also after
 * a failure. */
struct kt_error *kt_program_init(struct kt_program *prog, const char *path,
				 const struct kt_open_options *opts);
void kt_program_deinit(struct kt_program *prog);

/* The kernel's symbol table from the dump, loaded on first use. */
struct kt_error *kt_program_kallsyms(struct kt_program *prog, struct kt_kallsyms **ret);

/* A symbol of the kernel image (the vmlinux's or the dump's kallsyms), not of a module; the
 * public kt_program_symbol_address() searches the modules too (kernel/symbols.c). */
struct kt_error *kt_program_kernel_symbol(struct kt_program *prog, const char *name, uint64_t *ret);

/* Kernel types (BTF), loaded on first use: the vmlinux's .BTF, else the kernel's in memory, else
 * (or with opts.dwarf_types) converted from the vmlinux's DWARF as they are asked for. */
struct kt_error *kt_program_types(struct kt_program *prog, struct kt_types **ret);

/* Shorthands for walkers: NOT_FOUND errors name the symbol or member. */
struct kt_error *kt_program_member_offset(struct kt_program *prog, const char *type,
					  const char *path, uint64_t *ret);
struct kt_error *kt_program_type_size(struct kt_program *prog, const char *type, uint64_t *ret);

#endif
