/* SPDX-License-Identifier: MIT */
/* The C spelling of a DWARF type: "struct kvm_vcpu *", "const char *", "int (*)(struct kvm *)". */
#ifndef KT_SYM_DWARF_TYPE_H
#define KT_SYM_DWARF_TYPE_H

#include <elfutils/libdw.h>

/* The type of die (a variable, parameter or member: its DW_AT_type) as C text, declaring name
 * (NULL or "" for the abstract type). Allocated; NULL only when out of memory. */
char *kt_dwarf_type_text(Dwarf_Die *die, const char *name);

#endif
