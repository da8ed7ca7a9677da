// SPDX-License-Identifier: MIT
#include <bpf/btf.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/error.h"
#include "core/util.h"
#include "unwind/stack_layout.h"
#include "unwind/unwind_ctx.h"

static bool has_symbol(const struct kt_symbol_source *syms, const char *name)
{
	uint64_t addr;
	struct kt_error *err = syms->address(syms->arg, name, &addr);
	kt_error_destroy(err);
	return !err;
}

static bool type_size(struct kt_types *types, const char *name, uint64_t *ret)
{
	struct kt_error *err = kt_types_size(types, name, ret);
	kt_error_destroy(err);
	return !err && *ret;
}

static bool member(struct kt_types *types, const char *type, const char *path,
		   struct kt_member_info *ret)
{
	struct kt_error *err = kt_types_member(types, type, path, ret);
	kt_error_destroy(err);
	return !err;
}

static void irq_detect(struct kt_types *types, const struct kt_symbol_source *syms,
		       struct kt_stack_layout *l)
{
	struct kt_member_info m;
	// Until v5.1 the IRQ stack was itself a per-CPU object, sharing its first bytes with the
	// stack canary (v5.2: "x86/irq/64: Split the IRQ stack into its own pages").
	if (has_symbol(syms, "irq_stack_union") && type_size(types, "irq_stack_union", &l->irq_size)) {
		l->irq_how = KT_IRQ_STACK_OBJECT;
		l->irq_symbol = "irq_stack_union";
		return;
	}
	// v6.2 moved hardirq_stack_ptr into struct pcpu_hot ("x86/percpu: Move irq_stack variables
	// next to current_task"); v6.15 made it a per-CPU variable of its own again.
	if (has_symbol(syms, "pcpu_hot") && member(types, "pcpu_hot", "hardirq_stack_ptr", &m)) {
		l->irq_symbol = "pcpu_hot";
		l->irq_member = m.offset;
	} else if (has_symbol(syms, "hardirq_stack_ptr")) {
		l->irq_symbol = "hardirq_stack_ptr";  // v5.2 ("x86/irq/64: Rename irq_stack_ptr to hardirq_stack_ptr")
	} else if (has_symbol(syms, "irq_stack_ptr")) {
		l->irq_symbol = "irq_stack_ptr";
	} else {
		snprintf(l->irq_missing, sizeof(l->irq_missing), "no per-CPU irq_stack_union, "
			 "pcpu_hot.hardirq_stack_ptr, hardirq_stack_ptr or irq_stack_ptr");
		return;
	}
	if (!type_size(types, "irq_stack", &l->irq_size) &&
	    !type_size(types, "irq_stack_union", &l->irq_size)) {
		snprintf(l->irq_missing, sizeof(l->irq_missing), "IRQ stack size: per-CPU %s, but no "
			 "struct irq_stack or union irq_stack_union type", l->irq_symbol);
		l->irq_symbol = NULL;
		return;
	}
	l->irq_how = KT_IRQ_STACK_POINTER;
}

static void ist_detect(struct kt_types *types, const struct kt_symbol_source *syms,
		       struct kt_stack_layout *l)
{
	// ESTACKS_MEMBERS (arch/x86/include/asm/cpu_entry_area.h): DB1/DB2 v5.2 - v5.8, VC/VC2 v5.10+.
	static const struct {
		const char *member;
		enum kt_stack_kind kind;
	} cea[] = {
		{"DF_stack", KT_STACK_DF},   {"NMI_stack", KT_STACK_NMI}, {"DB2_stack", KT_STACK_DB},
		{"DB1_stack", KT_STACK_DB},  {"DB_stack", KT_STACK_DB},   {"MCE_stack", KT_STACK_MCE},
		{"VC_stack", KT_STACK_VC},   {"VC2_stack", KT_STACK_VC},
	};
	struct kt_member_info m;
	if (has_symbol(syms, "cea_exception_stacks")) {
		for (size_t i = 0; i < KT_ARRAY_SIZE(cea) && l->n_ist < KT_IST_MAX; i++)
			if (member(types, "cea_exception_stacks", cea[i].member, &m) && m.size)
				l->ist[l->n_ist++] = (struct kt_ist_slot){cea[i].kind, m.offset, m.size};
		if (l->n_ist) {
			l->ist_how = KT_IST_CEA;
			l->ist_symbol = "cea_exception_stacks";
			return;
		}
		snprintf(l->ist_missing, sizeof(l->ist_missing), "per-CPU cea_exception_stacks, but "
			 "struct cea_exception_stacks has no DF_stack, NMI_stack, DB_stack or MCE_stack");
		return;
	}
	if (has_symbol(syms, "orig_ist") && member(types, "orig_ist", "ist", &m) && m.size >= 8) {
		// All the stacks together: the per-CPU array (before v4.15) or cpu_entry_area's.
		struct kt_type_ref ref;
		struct kt_error *err = kt_types_variable(types, "exception_stacks", &ref);
		long long total = err ? -1 : btf__resolve_size(ref.btf, (uint32_t)ref.id);
		kt_error_destroy(err);
		struct kt_member_info cea_member;
		if (total <= 0 && member(types, "cpu_entry_area", "exception_stacks", &cea_member))
			total = (long long)cea_member.size;
		if (total <= 0) {
			snprintf(l->ist_missing, sizeof(l->ist_missing), "per-CPU orig_ist, but the size "
				 "of the exception stacks: no typed exception_stacks variable and no "
				 "cpu_entry_area.exception_stacks");
			return;
		}
		for (uint64_t i = 0; i < m.size / 8 && l->n_ist < KT_IST_MAX; i++)
			l->ist[l->n_ist++] = (struct kt_ist_slot){KT_STACK_UNKNOWN, m.offset + 8 * i, 0};
		l->ist_total = (uint64_t)total;
		l->ist_how = KT_IST_ORIG_IST;
		l->ist_symbol = "orig_ist";
		return;
	}
	snprintf(l->ist_missing, sizeof(l->ist_missing),
		 "no per-CPU cea_exception_stacks, nor orig_ist with a struct orig_ist type");
}

void kt_stack_layout_detect(struct kt_types *types, const struct kt_symbol_source *syms,
			    uint64_t thread_size, struct kt_stack_layout *ret)
{
	struct kt_stack_layout l = {.thread_size = thread_size, .irq_how = KT_IRQ_STACK_NONE,
				    .ist_how = KT_IST_NONE};
	if (types) {
		irq_detect(types, syms, &l);
		ist_detect(types, syms, &l);
	} else {
		snprintf(l.irq_missing, sizeof(l.irq_missing), "no kernel types to size the IRQ stack");
		snprintf(l.ist_missing, sizeof(l.ist_missing), "no kernel types to find the IST stacks");
	}
	*ret = l;
}

struct kt_error *kt_program_stack_layout(struct kt_program *prog, const struct kt_stack_layout **ret)
{
	if (!prog->unwind->stack_layout) {
		uint64_t thread_size;
		struct kt_error *err = kt_task_stack_size(prog, &thread_size);
		if (err)
			return err;
		struct kt_stack_layout *l = malloc(sizeof(*l));
		if (!l)
			return &kt_enomem;
		struct kt_types *types;
		if ((err = kt_program_types(prog, &types))) {
			kt_error_destroy(err);
			types = NULL;
		}
		struct kt_symbol_source syms = kt_program_symbols(prog);
		kt_stack_layout_detect(types, &syms, thread_size, l);
		prog->unwind->stack_layout = l;
	}
	*ret = prog->unwind->stack_layout;
	return NULL;
}
