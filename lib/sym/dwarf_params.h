/* SPDX-License-Identifier: MIT */
/*
 * What DWARF says about a function's parameters and a global's type, for the call-site resolver
 * and for p: names, C types, and where each parameter lives at a pc (DW_AT_location, location
 * lists included).
 */
#ifndef KT_SYM_DWARF_PARAMS_H
#define KT_SYM_DWARF_PARAMS_H

#include "program.h"

enum kt_dwarf_param_where {
	KT_PARAM_UNKNOWN,      /* optimized out, not live at pc, or a computed location */
	KT_PARAM_REGISTER,     /* in DWARF register dwarf_reg (regs.def maps it) */
	KT_PARAM_FRAME_BASE,   /* in memory at DW_AT_frame_base + offset */
};

struct kt_dwarf_param {
	char *name;            /* NULL for an unnamed parameter */
	char *type;            /* C text: "struct kvm_vcpu *" */
	enum kt_dwarf_param_where where;
	int dwarf_reg;
	int64_t offset;
	const char *why;       /* KT_PARAM_UNKNOWN: why, for people (static text) */
};

/*
 * The formal parameters, in order, of the function containing func (the concrete, out-of-line
 * function: an inlined instance's parameters are not in registers of their own), with their
 * locations at pc (a runtime address inside that function). Free with kt_dwarf_params_free().
 */
struct kt_error *kt_dwarf_function_params(struct kt_program *prog, uint64_t func, uint64_t pc,
					  struct kt_dwarf_param **ret, size_t *n_ret);
void kt_dwarf_params_free(struct kt_dwarf_param *params, size_t n);

/* The C type of the global variable called name ("kvm_x86_ops" -> "struct kvm_x86_ops"), from the
 * DWARF of the vmlinux or of the module that defines it. Allocated. */
struct kt_error *kt_dwarf_variable_type(struct kt_program *prog, const char *name, char **ret);
/* The same, and the module that defines it (NULL: the vmlinux; the name lives as long as prog):
 * its types are where the type text is to be looked up ("MODULE:TYPE"), not a namesake's. */
struct kt_error *kt_dwarf_variable_type_in(struct kt_program *prog, const char *name, char **ret,
					   const char **module_ret);

#endif
