/* SPDX-License-Identifier: MIT */
/*
 * Kernel types from DWARF, for kernels without BTF (before ~5.2): the types a lookup names are
 * converted, with everything they reference, into an in-memory BTF that grows as names are asked
 * for, so that every reader of types (types.h, type_print.h) works unchanged. Names are found
 * through an index of the top-level DIEs of every compile unit, built once.
 */
#ifndef KT_SYM_TYPES_DWARF_H
#define KT_SYM_TYPES_DWARF_H

#include <elfutils/libdw.h>

#include "sym/types.h"

struct kt_types_dwarf;

/* Indexes dw and makes *types_ret, whose BTF starts with the base types and grows as lookups
 * name types; *ret (the index) and dw must outlive every lookup in *types_ret. */
struct kt_error *kt_types_dwarf_open(Dwarf *dw, struct kt_types **types_ret,
				     struct kt_types_dwarf **ret);
void kt_types_dwarf_destroy(struct kt_types_dwarf *td);

/* The same for a module's debug file: *ret owns the index (dw must outlive it). The module's
 * DWARF defines every kernel type it uses, so its BTF stands alone, without vmlinux's. */
struct kt_error *kt_types_dwarf_module(Dwarf *dw, struct kt_types **ret);

#endif
