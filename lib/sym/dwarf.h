/* SPDX-License-Identifier: MIT */
/*
 * DWARF beyond CFI: one libdwfl session per program, made on first use. The debug vmlinux is
 * reported at its link-time addresses (queries subtract the KASLR offset). A module is reported
 * only when an address in it is asked about: its debug file found by build-id or name, checked
 * against the build-id the loaded module carries, its sections placed where the dump's struct
 * module says they are. Nothing here walks a whole debug file: lookups go through
 * .debug_aranges to one compile unit. The module list, where a module's sections are, its
 * build-id and the symbol names come from kernel/ through the program's upcalls (program.h).
 */
#ifndef KT_SYM_DWARF_H
#define KT_SYM_DWARF_H

#include <elfutils/libdwfl.h>

#include "program.h"

struct kt_dwarf;

/* Where the DWARF that describes an address is. */
struct kt_dwarf_loc {
	Dwfl_Module *mod;
	Dwarf_Die cudie;
	Dwarf_Addr pc;       /* addr in the Dwfl's terms (the vmlinux's link-time address) */
	Dwarf_Addr bias;     /* pc - bias is the address in DWARF attributes */
	const char *module;  /* NULL for the vmlinux */
};

/*
 * The compile unit covering addr. Without one the error is the notice to show: no debug vmlinux,
 * no debug file for the module (NOT_FOUND), a debug file of another build (BAD_DATA), or no unit
 * covering addr.
 */
struct kt_error *kt_dwarf_locate(struct kt_program *prog, uint64_t addr, struct kt_dwarf_loc *ret);

/* The Dwfl module of the vmlinux (module NULL) or of a loaded module by name, loading it. */
struct kt_error *kt_dwarf_module(struct kt_program *prog, const char *module, Dwfl_Module **ret);

/* For people: the debug file that describes addr's code and how it was checked, or why none. */
const char *kt_dwarf_status(struct kt_program *prog, uint64_t addr);

void kt_dwarf_destroy(struct kt_dwarf *dw);

#endif
