// SPDX-License-Identifier: MIT
#include <dwarf.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "sym/dwarf.h"
#include "sym/dwarf_params.h"
#include "sym/dwarf_type.h"

void kt_dwarf_params_free(struct kt_dwarf_param *params, size_t n)
{
	for (size_t i = 0; params && i < n; i++) {
		free(params[i].name);
		free(params[i].type);
	}
	free(params);
}

/* Only the simple, whole-value locations are answers; pieces and computations are not. */
static void locate_param(Dwarf_Die *die, Dwarf_Addr pc, struct kt_dwarf_param *p)
{
	Dwarf_Attribute attr;
	Dwarf_Op *ops;
	size_t n;
	p->where = KT_PARAM_UNKNOWN;
	if (!dwarf_attr(die, DW_AT_location, &attr)) {
		p->why = "optimized out (no DW_AT_location)";
		return;
	}
	int found = dwarf_getlocation_addr(&attr, pc, &ops, &n, 1);
	if (found <= 0 || !n) {
		p->why = found < 0 ? "unreadable location" : "not live at this pc";
		return;
	}
	uint8_t op = ops[0].atom;
	if (n == 1 && op >= DW_OP_reg0 && op <= DW_OP_reg31) {
		p->where = KT_PARAM_REGISTER, p->dwarf_reg = op - DW_OP_reg0;
	} else if (n == 1 && op == DW_OP_regx) {
		p->where = KT_PARAM_REGISTER, p->dwarf_reg = (int)ops[0].number;
	} else if (n == 1 && op == DW_OP_fbreg) {
		p->where = KT_PARAM_FRAME_BASE, p->offset = (int64_t)ops[0].number;
	} else {
		p->why = op == DW_OP_entry_value || op == DW_OP_GNU_entry_value
				 ? "its value at entry, no longer held anywhere"
				 : "computed (a DWARF expression, not one register or slot)";
	}
}

/* The concrete function (DW_TAG_subprogram) whose code holds the DWARF address pc. */
static bool function_die(Dwarf_Die *cudie, Dwarf_Addr pc, Dwarf_Die *ret)
{
	Dwarf_Die *scopes = NULL, *chain = NULL;
	int n = dwarf_getscopes(cudie, pc, &scopes);
	int nchain = n > 0 ? dwarf_getscopes_die(&scopes[0], &chain) : 0;
	free(scopes);
	bool found = false;
	for (int i = 0; i < nchain && !found; i++)
		if (dwarf_tag(&chain[i]) == DW_TAG_subprogram)
			*ret = chain[i], found = true;
	free(chain);
	return found;
}

struct kt_error *kt_dwarf_function_params(struct kt_program *prog, uint64_t func, uint64_t pc,
					  struct kt_dwarf_param **ret, size_t *n_ret)
{
	struct kt_dwarf_loc loc;
	struct kt_error *err = kt_dwarf_locate(prog, func, &loc);
	if (err)
		return err;
	Dwarf_Addr at = loc.pc - loc.bias;
	Dwarf_Addr pc_at = pc - (func - loc.pc) - loc.bias;  // the same shift as func's
	Dwarf_Die fn, child;
	if (!function_die(&loc.cudie, at, &fn))
		return kt_error_create(KT_ERROR_NOT_FOUND, "0x%016llx: no DWARF function covers it",
				       (unsigned long long)func);
	size_t n = 0, cap = 8;
	struct kt_dwarf_param *params = calloc(cap, sizeof(*params));
	if (!params)
		return &kt_enomem;
	if (dwarf_child(&fn, &child) == 0) {
		do {
			if (dwarf_tag(&child) != DW_TAG_formal_parameter)
				continue;
			if (n == cap) {
				struct kt_dwarf_param *grown = realloc(params, 2 * cap * sizeof(*grown));
				if (!grown)
					goto nomem;
				memset(grown + cap, 0, cap * sizeof(*grown));
				params = grown, cap *= 2;
			}
			struct kt_dwarf_param *p = &params[n++];
			const char *name = dwarf_diename(&child);  // through DW_AT_abstract_origin
			if ((name && !(p->name = strdup(name))) || !(p->type = kt_dwarf_type_text(&child, NULL)))
				goto nomem;
			locate_param(&child, pc_at, p);
		} while (dwarf_siblingof(&child, &child) == 0);
	}
	*ret = params;
	*n_ret = n;
	return NULL;
nomem:
	kt_dwarf_params_free(params, n);
	return &kt_enomem;
}

/* The DWARF address a variable's DW_AT_location names (DW_OP_addr), if it is that simple. */
static bool variable_address(Dwarf_Die *die, Dwarf_Addr *ret)
{
	Dwarf_Attribute attr;
	Dwarf_Op *ops;
	size_t n;
	if (!dwarf_attr(die, DW_AT_location, &attr) || dwarf_getlocation(&attr, &ops, &n) || n < 1 ||
	    ops[0].atom != DW_OP_addr)
		return false;
	*ret = ops[0].number;
	return true;
}

/*
 * Globals are found by walking only the top-level DIEs of each compile unit (skipping their
 * subtrees), on request: DWARF has no name index for variables here (.debug_aranges maps code
 * only). The definition at the symbol's address wins; a same-named static elsewhere does not.
 */
struct kt_error *kt_dwarf_variable_type(struct kt_program *prog, const char *name, char **ret)
{
	const char *module;
	return kt_dwarf_variable_type_in(prog, name, ret, &module);
}

struct kt_error *kt_dwarf_variable_type_in(struct kt_program *prog, const char *name, char **ret,
					   const char **module_ret)
{
	uint64_t addr, off;
	const char *sym, *module;
	Dwfl_Module *mod;
	Dwarf_Addr bias;
	bool percpu = false;  // the kernel's per-CPU variable: an offset that names no address
	bool percpu_at_zero = false;
	struct kt_error *err = prog->upcalls->symbol_address(prog, name, &addr);
	if (!err)
		err = prog->upcalls->kernel_percpu(prog, addr, &percpu, &percpu_at_zero);
	if (!err && percpu)
		module = NULL;
	else if (!err)
		err = prog->upcalls->symbolize(prog, addr, &sym, &off, &module);
	if (err || (err = kt_dwarf_module(prog, module, &mod)))
		return err;
	Dwarf *dw = dwfl_module_getdwarf(mod, &bias);
	if (!dw)
		return kt_error_create(KT_ERROR_NOT_FOUND, "%s: no DWARF: %s",
				       module ? module : "vmlinux", dwfl_errmsg(-1));
	// KASLR moves the kernel's image, not the per-CPU offsets linked at 0.
	Dwarf_Addr want = (module || (percpu && percpu_at_zero)
				   ? addr : addr - prog->kaslr_offset) - bias;
	Dwarf_Die best, cu, die;
	bool have_best = false;
	Dwarf_Off offset = 0, next;
	size_t hsize;
	while (dwarf_nextcu(dw, offset, &next, &hsize, NULL, NULL, NULL) == 0) {
		if (dwarf_offdie(dw, offset + hsize, &cu) && dwarf_child(&cu, &die) == 0) {
			do {
				Dwarf_Addr at;
				const char *dname;
				if (dwarf_tag(&die) != DW_TAG_variable || !(dname = dwarf_diename(&die)) ||
				    strcmp(dname, name))
					continue;
				if (variable_address(&die, &at) && at == want) {
					best = die, have_best = true;
					goto found;
				}
				if (!have_best && dwarf_hasattr_integrate(&die, DW_AT_external))
					best = die, have_best = true;  // a declaration: same type
			} while (dwarf_siblingof(&die, &die) == 0);
		}
		offset = next;
	}
	if (!have_best)
		return kt_error_create(KT_ERROR_NOT_FOUND, "%s: no DWARF variable in %s", name,
				       module ? module : "the vmlinux");
found:;
	char *text = kt_dwarf_type_text(&best, NULL);
	if (!text)
		return &kt_enomem;
	*ret = text;
	*module_ret = module;
	return NULL;
}
