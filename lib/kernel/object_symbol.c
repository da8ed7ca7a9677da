// SPDX-License-Identifier: MIT
/*
 * Objects of global variables. A variable's type comes from whichever provider has it: the
 * kernel's BTF types only per-CPU variables (pahole emits DATASEC/VAR for .data..percpu alone),
 * so a few well-known globals are typed here, and the rest by the DWARF of the vmlinux or of
 * the module that defines them, whose C type is then looked up in that module's types first.
 */
#include <bpf/btf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/util.h"
#include "kernel/kernel_ctx.h"
#include "kernel/object.h"
#include "kernel/percpu.h"
#include "program.h"
#include "sym/dwarf.h"
#include "sym/dwarf_params.h"
#include "sym/types.h"
#include "sym/types_dwarf.h"

/* Globals declared with these types in every kernel that carries BTF (5.2 and later). */
static const struct {
	const char *name, *type;
} known_globals[] = {
	{"jiffies", "unsigned long"},  // include/linux/jiffies.h; an alias of jiffies_64 on 64-bit
	{"jiffies_64", "u64"},
	{"panic_cpu", "atomic_t"},     // kernel/panic.c, atomic_t since v4.5
	{"init_task", "struct task_struct"},
	{"init_mm", "struct mm_struct"},
	{"init_uts_ns", "struct uts_namespace"},
	{"init_pid_ns", "struct pid_namespace"},
	{"tainted_mask", "unsigned long"},
	{"panic_on_oops", "int"},
	{"oops_in_progress", "int"},
	{"nr_cpu_ids", "unsigned int"},
	{"nr_threads", "int"},
	{"total_forks", "unsigned long"},
	{"max_pfn", "unsigned long"},
	{"system_state", "enum system_states"},
	{"saved_command_line", "char *"},
	{"crashing_cpu", "int"},       // arch/x86/kernel/reboot.c
	{"page_offset_base", "unsigned long"},  // arch/x86/mm/kaslr.c (CONFIG_RANDOMIZE_MEMORY)
	{"vmalloc_base", "unsigned long"},
	{"vmemmap_base", "unsigned long"},
	{"modules", "struct list_head"},  // kernel/module/main.c
	{"boot_cpu_data", "struct cpuinfo_x86"},  // arch/x86/kernel/setup.c
};

/*
 * A module with BTF has types for its globals' named types, but no VAR for a global that is not
 * per-CPU (pahole emits none), and none for an anonymous type: its debug file's DWARF, made into
 * types of the module's own, types them. Made once per module and kept with the program.
 */
struct kt_module_globals {
	size_t n;
	struct {
		char *module;
		struct kt_types *types;
	} *mods;
};

void kt_module_globals_destroy(struct kt_module_globals *g)
{
	if (!g)
		return;
	for (size_t i = 0; i < g->n; i++) {
		free(g->mods[i].module);
		kt_types_destroy(g->mods[i].types);
	}
	free(g->mods);
	free(g);
}

static struct kt_error *module_dwarf_types(struct kt_program *prog, const char *module,
					   struct kt_types **ret)
{
	struct kt_module_globals *g = prog->kernel->module_globals;
	if (!g && !(g = prog->kernel->module_globals = calloc(1, sizeof(*g))))
		return &kt_enomem;
	for (size_t i = 0; i < g->n; i++) {
		if (!strcmp(g->mods[i].module, module)) {
			*ret = g->mods[i].types;
			return NULL;
		}
	}
	Dwfl_Module *mod;
	Dwarf_Addr bias;
	struct kt_error *err = kt_dwarf_module(prog, module, &mod);
	if (err)
		return err;
	Dwarf *dw = mod ? dwfl_module_getdwarf(mod, &bias) : NULL;
	if (!dw)
		return kt_error_create(KT_ERROR_NOT_FOUND, "module %s: no DWARF", module);
	void *grown = realloc(g->mods, (g->n + 1) * sizeof(*g->mods));
	if (!grown)
		return &kt_enomem;
	g->mods = grown;
	char *name = strdup(module);
	if (!name)
		return &kt_enomem;
	struct kt_types *types;
	if ((err = kt_types_dwarf_module(dw, &types))) {
		free(name);
		return err;
	}
	g->mods[g->n].module = name;
	g->mods[g->n++].types = types;
	*ret = types;
	return NULL;
}

/*
 * The variable as the types of the module that defines it know it: a module's types made from
 * DWARF convert its definition, whatever its type (anonymous ones too). Else the
 * C type DWARF gives name, looked up in the defining module's types first (a namesake in the
 * kernel or another module may have another layout). NOT_FOUND without DWARF for it.
 */
static struct kt_error *dwarf_type(struct kt_program *prog, const char *name, uint64_t addr,
				   struct kt_type_ref *ret)
{
	const char *sym, *module = NULL;
	uint64_t off;
	struct kt_types *types;
	char qualified_name[256];
	struct kt_error *err = kt_program_symbolize(prog, addr, &sym, &off, &module);
	// The kernel's own globals are typed by their type's name below, alike whether the kernel's
	// types are BTF or DWARF.
	if (!err && module && !off &&
	    (size_t)snprintf(qualified_name, sizeof(qualified_name), "%s:%s", module, name) <
		    sizeof(qualified_name) &&
	    !(err = kt_program_types(prog, &types)) &&
	    !(err = kt_types_variable(types, qualified_name, ret)))
		return NULL;
	if (err == &kt_enomem)
		return err;
	kt_error_destroy(err);
	_cleanup_free_ char *text = NULL;
	module = NULL;
	if ((err = kt_dwarf_variable_type_in(prog, name, &text, &module)))
		return err;
	// A module's global is typed by that module's types, never by a namesake's.
	if (module) {
		_cleanup_free_ char *qualified = NULL;
		if (asprintf(&qualified, "%s:%s", module, text) < 0)
			return &kt_enomem;
		err = kt_object_lookup_type(prog, qualified, ret);
		if (!err || !kt_error_catch(&err, KT_ERROR_NOT_FOUND))
			return err;
		// The module's BTF lacks the type (an anonymous one): its DWARF has it.
		struct kt_types *own = NULL;
		if (!(err = module_dwarf_types(prog, module, &own)) &&
		    !(err = kt_types_variable(own, name, ret)))
			return NULL;
		if (err == &kt_enomem)
			return err;
		kt_error_destroy(err);
	}
	return kt_object_lookup_type(prog, text, ret);  // base types, and the kernel's own
}

struct kt_error *kt_object_symbol(struct kt_program *prog, const char *name, const char *type,
				  struct kt_object *ret, const char **source_ret)
{
	uint64_t addr;
	struct kt_types *types;
	struct kt_type_ref ref = {0};
	const char *source = NULL;
	struct kt_error *err = kt_program_symbol_address(prog, name, &addr);
	if (err || (err = kt_program_types(prog, &types)))
		return err;
	if (type) {
		if ((err = kt_object_lookup_type(prog, type, &ref)))
			return err;
		source = "given";
	}
	const struct btf *btf = kt_types_btf(types);
	int32_t var = source ? -1 : kt_types_find_by_name_kind(types, name, BTF_KIND_VAR);
	if (var > 0) {
		ref = (struct kt_type_ref){btf, (int32_t)btf__type_by_id(btf, (uint32_t)var)->type};
		source = "btf";
	}
	for (size_t i = 0; !source && i < KT_ARRAY_SIZE(known_globals); i++) {
		if (strcmp(known_globals[i].name, name))
			continue;
		if ((err = kt_object_lookup_type(prog, known_globals[i].type, &ref)))
			return kt_error_prefix(err, "%s", name);
		source = "ktriage";
	}
	if (!source) {
		err = dwarf_type(prog, name, addr, &ref);
		if (err == &kt_enomem)
			return err;
		// Without the debug file, or with a type the types lack, the variable is untyped.
		source = err ? NULL : "dwarf";
		kt_error_destroy(err);
	}
	if (!source)
		return kt_error_create(KT_ERROR_NOT_FOUND,
				       "'%s' (0x%llx) has no type: the kernel's BTF types only per-CPU "
				       "variables, and no DWARF at hand types it", name,
				       (unsigned long long)addr);
	// Without the per-CPU section's bounds, BTF still knows: pahole gives VARs to per-CPU
	// variables alone.
	bool percpu = false;
	if ((err = kt_percpu_symbol(prog, addr, &percpu))) {
		if (!kt_error_catch(&err, KT_ERROR_NOT_FOUND))
			return kt_error_prefix(err, "%s", name);
		percpu = var > 0;
	}
	kt_object_init(ret, prog, NULL, ref, addr);
	ret->percpu = percpu;
	if (source_ret)
		*source_ret = source;
	return NULL;
}

struct kt_error *kt_object_from_symbol(struct kt_program *prog, const char *name,
				       struct kt_object *ret)
{
	return kt_object_symbol(prog, name, NULL, ret, NULL);
}
