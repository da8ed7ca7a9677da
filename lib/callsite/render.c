// SPDX-License-Identifier: MIT
/*
 * Rendering a slice: each node as C (parameter names from the function's BTF prototype, member
 * paths from the structs' BTF, a global's type from DWARF or, failing that, its name) and as a
 * value (registers known at the call, the caller's own call site for an argument, DWARF
 * parameter locations, loads from the dump), recording every value used and where it came from.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>

#include "callsite/render.h"
#include "callsite/site_text.h"
#include "core/error.h"
#include "core/util.h"
#include "kernel/percpu.h"
#include "sym/dwarf_params.h"
#include "sym/type_print.h"

/* Argument registers in order (System V psABI, 3.2.3 "Parameter Passing"). */
static int param_index(enum kt_x86_reg reg)
{
	static const enum kt_x86_reg args[] = {KT_X86_RDI, KT_X86_RSI, KT_X86_RDX,
					       KT_X86_RCX, KT_X86_R8,  KT_X86_R9};
	for (int i = 0; i < 6; i++)
		if (args[i] == reg)
			return i;
	return -1;
}

void kt_resolver_missing(struct resolver *r, const char *fmt, ...)
{
	if (r->missing[0])
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->missing, sizeof(r->missing), fmt, ap);
	va_end(ap);
}

static void add_value(struct resolver *r, const char *name, uint64_t value, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void add_value(struct resolver *r, const char *name, uint64_t value, const char *fmt, ...)
{
	struct kt_call_site *site = r->site;
	if (r->quiet)
		return;
	for (size_t i = 0; i < site->n_values; i++)
		if (!strcmp(site->values[i].name, name))
			return;
	if (site->n_values >= KT_CALL_MAX_VALUES)
		return;
	size_t i = site->n_values++;
	struct kt_call_value *v = &site->values[i];
	snprintf(site->text->values[i].name, sizeof(site->text->values[i].name), "%s", name);
	v->value = value;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(site->text->values[i].source, sizeof(site->text->values[i].source), fmt, ap);
	va_end(ap);
}

/* "sym", "sym+0x10", or the bare address. */
void kt_name_address(struct kt_program *prog, uint64_t addr, char *buf, size_t size)
{
	const char *name, *module;
	uint64_t off;
	struct kt_error *err = kt_program_symbolize(prog, addr, &name, &off, &module);
	if (err) {
		kt_error_destroy(err);
		snprintf(buf, size, "0x%016llx", (unsigned long long)addr);
	} else if (off) {
		snprintf(buf, size, "%s+0x%llx", name, (unsigned long long)off);
	} else {
		snprintf(buf, size, "%s", name);
	}
}

static bool is_aggregate(struct kt_type_ref ref)
{
	const struct btf_type *t = ref.btf ? btf__type_by_id(ref.btf, kt_type_strip(ref.btf, (uint32_t)ref.id)) : NULL;
	return t && (btf_is_struct(t) || btf_is_union(t));
}

/* The struct or union a value of type ref points to; btf NULL if it is no such pointer. */
static struct kt_type_ref aggregate_pointee(struct kt_type_ref ref)
{
	struct kt_type_ref to = {0};
	if (!ref.btf || !kt_types_pointee(ref, &to) || !is_aggregate(to))
		return (struct kt_type_ref){0};
	to.id = (int32_t)kt_type_strip(to.btf, (uint32_t)to.id);
	return to;
}

/* The member of agg that a load at offset reads, starting exactly there ("arch.mmu.set_cr3",
 * "val[2].value"); its type in *type_ret. */
static bool member_at(struct kt_type_ref agg, int64_t offset, char *path, size_t path_size,
		      struct kt_type_ref *type_ret)
{
	if (offset < 0 || !agg.btf)
		return false;
	struct kt_error *err = kt_types_member_at(agg, (uint64_t)offset, path, path_size, type_ret);
	if (err) {
		kt_error_destroy(err);
		return false;
	}
	return !strchr(path, '+');  // a path into the middle of a member is not what was loaded
}

/* Parameter i of the caller from its prototype (BTF, or its module's DWARF): name and type. The
 * prototype is looked for where the caller's code is: the vmlinux's types or its module's. */
static bool function_param(struct resolver *r, int i, const char **name_ret,
			   struct kt_type_ref *type_ret)
{
	struct kt_type_ref proto;
	const char *sym, *module = NULL;
	uint64_t off;
	char qualified[256];
	if (!r->types || !r->caller || i < 0)
		return false;
	struct kt_error *err = r->caller_start ? kt_program_symbolize(r->prog, r->caller_start, &sym,
								      &off, &module) : NULL;
	bool placed = r->caller_start && !err;  // else: search everywhere
	kt_error_destroy(err);
	kt_textf(qualified, sizeof(qualified), "%s:%s", module ? module : "vmlinux", r->caller);
	err = kt_types_function(r->types, placed ? qualified : r->caller, &proto);
	if (err) {
		kt_error_destroy(err);
		return false;
	}
	return kt_types_param(proto, (unsigned int)i, name_ret, type_ret) && **name_ret;
}

/* The same from the types of the module that defines sym, when they are made from its DWARF.
 * The kernel's own globals keep the lookup by type name below, so that an expression reads the
 * same whether the kernel's types are its BTF or converted from its DWARF. */
static bool own_global_type(struct resolver *r, const char *sym, bool *pointer,
			    struct kt_type_ref *ret)
{
	uint64_t addr, off;
	const char *name, *module;
	struct kt_type_ref ref, to;
	char qualified[256];
	struct kt_error *err = kt_program_symbol_address(r->prog, sym, &addr);
	if (!err && !(err = kt_program_symbolize(r->prog, addr, &name, &off, &module)) && module) {
		kt_textf(qualified, sizeof(qualified), "%s:%s", module, sym);
		err = kt_types_variable(r->types, qualified, &ref);
	}
	if (err || !module) {
		kt_error_destroy(err);
		return false;
	}
	*pointer = kt_types_pointee(ref, &to);
	if (*pointer)
		ref = to;
	if (!is_aggregate(ref))
		return false;
	*ret = (struct kt_type_ref){ref.btf, (int32_t)kt_type_strip(ref.btf, (uint32_t)ref.id)};
	return true;
}

/*
 * The type of global sym from DWARF (vmlinux or the module defining it), as the struct or union
 * it is (*pointer false) or points to (*pointer true); btf NULL if it is neither or unknown. The
 * BTF lookup is of the struct itself: BTF need not hold a pointer type to it.
 */
static struct kt_type_ref global_type(struct resolver *r, const char *sym, bool *pointer)
{
	struct kt_type_ref ref = {0};
	char *text = NULL;
	const char *module = NULL;
	if (r->types && own_global_type(r, sym, pointer, &ref))
		return ref;
	struct kt_error *err = r->types ? kt_dwarf_variable_type_in(r->prog, sym, &text, &module) : NULL;
	if (!err && text) {
		// "const struct ktcf_ops *": qualifiers do not change the layout.
		for (char *q; (q = strstr(text, "const ")) || (q = strstr(text, "volatile "));)
			memmove(q, strchr(q, ' ') + 1, strlen(strchr(q, ' ') + 1) + 1);
		size_t len = strlen(text);
		while (len && text[len - 1] == ' ')
			text[--len] = 0;
		*pointer = len && text[len - 1] == '*';
		if (*pointer)
			text[--len] = 0;
		while (len && text[len - 1] == ' ')
			text[--len] = 0;
		char qualified[256];  // a module's global: that module's types, not a namesake's
		if (module)
			kt_textf(qualified, sizeof(qualified), "%s:%s", module, text);
		if (!strchr(text, '*') && !strchr(text, '[') && !strchr(text, '('))
			err = kt_types_lookup(r->types, module ? qualified : text, &ref);
	}
	free(text);
	if (err)
		kt_error_destroy(err);
	if (err || !is_aggregate(ref))
		return (struct kt_type_ref){0};
	return (struct kt_type_ref){ref.btf, (int32_t)kt_type_strip(ref.btf, (uint32_t)ref.id)};
}

/* The type of a global from its name alone: a struct of the same name (kvm_x86_ops). */
static struct kt_type_ref struct_named_like(struct kt_types *types, const char *sym)
{
	struct kt_type_ref ref = {0};
	char name[160];
	kt_textf(name, sizeof(name), "struct %s", sym);
	struct kt_error *err = types ? kt_types_lookup(types, name, &ref) : NULL;
	if (err) {
		kt_error_destroy(err);
		return (struct kt_type_ref){0};
	}
	return ref;
}



/* A resolution one function further out: at code->insns[i], with regs known there and the
 * function's entry values from entry; its values are not the site's. */
struct resolver kt_resolver_nested(const struct resolver *r, const struct kt_function_code *code, size_t i,
			      const struct kt_call_registers *regs, const struct kt_entry_source *entry)
{
	struct resolver inner = *r;
	inner.regs = regs;
	inner.entry = entry;
	inner.caller = code->name;
	inner.caller_start = code->start;
	inner.call = code->insns[i].address;
	inner.call_depth = code->depth[i];
	inner.depth = r->depth + 1;
	inner.quiet = true;
	inner.missing[0] = 0;
	return inner;
}

/*
 * The value of reg right before the instruction at insn, with regs known there and the entry
 * values of its function from outer: one more slice, in that function.
 */
static bool value_before(struct resolver *r, uint64_t insn, enum kt_x86_reg reg,
			 const struct kt_call_registers *regs, const struct kt_entry_source *outer,
			 struct rendered *out)
{
	struct kt_function_code code;
	struct kt_error *err = kt_function_code_load(r->prog, insn, &code);
	if (err) {
		kt_error_destroy(err);
		return false;
	}
	ssize_t i = kt_function_code_index(&code, insn);
	struct kt_slice *slice = i >= 0 ? malloc(sizeof(*slice)) : NULL;
	bool known = false;
	if (slice) {
		kt_slice_init(slice, r->prog, &code, (size_t)i);
		const struct kt_sx *x = kt_slice_register(slice, reg, (size_t)i);
		struct resolver inner = kt_resolver_nested(r, &code, (size_t)i, regs, outer);
		kt_render(&inner, x, out);
		known = out->known;
		r->guessed |= inner.guessed;
		free(slice);
	}
	kt_function_code_deinit(&code);
	return known;
}

/*
 * Parameter idx where DWARF says it lives at the call: a register the unwinder recovered, or a
 * slot at the frame base (DW_OP_call_frame_cfa, as GCC emits for x86-64: the caller's %rsp
 * before it was called, so %rsp at the call + what the caller had pushed + its return address).
 */
static bool dwarf_param_value(struct resolver *r, int idx, const char *name, struct rendered *out)
{
	struct kt_dwarf_param *params;
	size_t n;
	if (!r->call || idx < 0 || !r->regs)
		return false;
	struct kt_error *err = kt_dwarf_function_params(r->prog, r->caller_start, r->call, &params, &n);
	if (err) {
		kt_error_destroy(err);
		return false;
	}
	bool known = false;
	if ((size_t)idx < n) {
		const struct kt_dwarf_param *p = &params[idx];
		uint64_t where = 0, v;
		if (p->where == KT_PARAM_REGISTER && p->dwarf_reg >= 0 && p->dwarf_reg < 16 &&
		    (r->regs->known & (1u << p->dwarf_reg))) {
			out->value = r->regs->value[p->dwarf_reg];
			known = true;
			char source[160];
			kt_register_source_text(&r->regs->source[p->dwarf_reg], source, sizeof(source));
			add_value(r, name, out->value, "DWARF: in %%%s at the call; %s",
				  kt_x86_reg_name(p->dwarf_reg), source);
		} else if (p->where == KT_PARAM_FRAME_BASE && (r->regs->known & (1u << KT_X86_RSP)) &&
			   r->call_depth != KT_DEPTH_UNKNOWN) {
			where = r->regs->value[KT_X86_RSP] + (uint64_t)r->call_depth + 8 + (uint64_t)p->offset;
			if (!(err = kt_read_u64(&r->prog->reader, where, &v))) {
				out->value = v;
				known = true;
				add_value(r, name, v, "DWARF: at the frame base %+lld, read from 0x%016llx",
					  (long long)p->offset, (unsigned long long)where);
			}
			kt_error_destroy(err);
		}
	}
	kt_dwarf_params_free(params, n);
	out->known |= known;
	return known;
}

/* reg's value when the calling function was entered, from the call that entered it. */
static bool entry_value(struct resolver *r, enum kt_x86_reg reg, const char *name, struct rendered *out)
{
	if (!r->entry || r->depth >= ENTRY_DEPTH_MAX)
		return false;
	struct rendered v;
	if (!value_before(r, r->entry->insn, reg, &r->entry->regs, r->entry->outer, &v))
		return false;
	out->known = true;
	out->value = v.value;
	char where[200];
	kt_name_address(r->prog, r->entry->insn, where, sizeof(where));
	add_value(r, name, v.value, "%%%s at entry = %s at the call at %s", kt_x86_reg_name(reg), v.text, where);
	return true;
}

/* A value the call held in a register: take it from the recovered registers if they have it. */
static bool from_call_registers(struct resolver *r, const struct kt_sx *x, struct rendered *out,
				const char *name)
{
	if (!r->regs)
		return false;
	for (int reg = 0; reg < 16; reg++) {
		if (!(x->call_regs & (1u << reg)) || !(r->regs->known & (1u << reg)))
			continue;
		out->known = true;
		out->value = r->regs->value[reg];
		char label[160];
		if (name && strcmp(name, kt_x86_reg_name(reg)))
			kt_textf(label, sizeof(label), "%s", name);
		else
			kt_textf(label, sizeof(label), "%%%s", kt_x86_reg_name(reg));
		char source[160];
		kt_register_source_text(&r->regs->source[reg], source, sizeof(source));
		add_value(r, label, out->value, "%%%s at the call: %s", kt_x86_reg_name(reg), source);
		return true;
	}
	return false;
}

static void read_value(struct resolver *r, uint64_t addr, unsigned int size, struct rendered *out)
{
	uint64_t v = 0;
	struct kt_error *err = kt_read(&r->prog->reader, addr, &v, size <= 8 ? size : 8);
	if (err) {
		kt_resolver_missing(r, "%s: %s", out->text, kt_error_message(err));
		kt_error_destroy(err);
		return;
	}
	out->known = true;
	out->value = v;
	add_value(r, out->text, v, "read from 0x%016llx", (unsigned long long)addr);
}

static void render_load(struct resolver *r, const struct kt_sx *x, struct rendered *out, bool as_pointer)
{
	const struct kt_sx *addr = x->a, *base = addr;
	int64_t off = 0;
	if (addr->kind == KT_SX_ADD && addr->b && addr->b->kind == KT_SX_CONST) {
		base = addr->a;
		off = addr->b->imm;
	}
	struct rendered b;
	r->as_pointer = true;  // what base holds is an address read through
	kt_render(r, base, &b);
	// A RIP-relative operand folds the member offset into the address: ktcf_ops_table+0x28.
	if (base->kind == KT_SX_ADDRESS) {
		const char *name, *module;
		uint64_t sym_off;
		struct kt_error *err = kt_program_symbolize(r->prog, (uint64_t)base->imm, &name, &sym_off, &module);
		if (!err && sym_off) {
			kt_textf(b.text, sizeof(b.text), "%s", name);
			b.value -= sym_off;
			off += (int64_t)sym_off;
		}
		kt_error_destroy(err);
	}
	char path[200];
	struct kt_type_ref mtype;
	if (base->kind == KT_SX_ADDRESS) {
		// A global: typed by DWARF, or by its name when there is no DWARF to say.
		bool pointer = false;
		struct kt_type_ref agg = global_type(r, b.text, &pointer);
		bool guess = !agg.btf;
		if (guess)
			agg = struct_named_like(r->types, b.text);
		// By name alone a global named like a struct is the struct, or (3.10's kvm_x86_ops) a
		// pointer to it: a pointer when what was read is then read through.
		if (guess && agg.btf && as_pointer && off == 0 && x->size == 8)
			pointer = true;
		if (agg.btf && !pointer && off >= 0 && member_at(agg, off, path, sizeof(path), &mtype)) {
			r->guessed |= guess;
			kt_textf(out->text, sizeof(out->text), "%s.%s", b.text, path);
			out->points_to = aggregate_pointee(mtype);
		} else if (agg.btf && pointer && off == 0 && x->size == 8) {
			r->guessed |= guess;  // a pointer to a struct (guessed: named like it, 3.10's kvm_x86_ops)
			kt_textf(out->text, sizeof(out->text), "%s", b.text);
			out->points_to = agg;
		} else if (off) {
			kt_textf(out->text, sizeof(out->text), "*(%s+0x%llx)", b.text, (unsigned long long)off);
		} else {
			kt_textf(out->text, sizeof(out->text), "%s", b.text);
		}
	} else {
		bool simple = strspn(b.text, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_->.[]%") ==
			      strlen(b.text);
		if (b.points_to.btf && member_at(b.points_to, off, path, sizeof(path), &mtype)) {
			kt_textf(out->text, sizeof(out->text), simple ? "%s->%s" : "(%s)->%s", b.text, path);
			out->points_to = aggregate_pointee(mtype);
		} else if (off) {
			kt_textf(out->text, sizeof(out->text), "*(%s %c 0x%llx)", b.text, off < 0 ? '-' : '+',
			      (unsigned long long)(off < 0 ? -off : off));
		} else {
			kt_textf(out->text, sizeof(out->text), "*%s", b.text);
		}
	}
	if (!b.known) {
		kt_resolver_missing(r, "%s is not known", b.text);
		return;
	}
	read_value(r, b.value + (uint64_t)off, x->size, out);
}

void kt_render(struct resolver *r, const struct kt_sx *x, struct rendered *out)
{
	bool as_pointer = r->as_pointer;  // for this node only, not its operands
	r->as_pointer = false;
	memset(out, 0, sizeof(*out));
	struct rendered a;
	switch (x->kind) {
	case KT_SX_CONST:
		kt_textf(out->text, sizeof(out->text), "0x%llx", (unsigned long long)x->imm);
		out->known = true;
		out->value = (uint64_t)x->imm;
		return;
	case KT_SX_ADDRESS:
		kt_name_address(r->prog, (uint64_t)x->imm, out->text, sizeof(out->text));
		out->known = true;
		out->value = (uint64_t)x->imm;
		return;
	case KT_SX_ENTRY: {
		const char *pname;
		struct kt_type_ref ptype;
		int idx = param_index(x->reg);
		if (function_param(r, idx, &pname, &ptype)) {
			kt_textf(out->text, sizeof(out->text), "%s", pname);
			out->points_to = aggregate_pointee(ptype);
		} else {
			kt_textf(out->text, sizeof(out->text), "%%%s", kt_x86_reg_name(x->reg));
		}
		// DWARF last: the first use of a debug file's DWARF costs more than the slices.
		if (!from_call_registers(r, x, out, out->text) && !entry_value(r, x->reg, out->text, out) &&
		    !dwarf_param_value(r, idx, out->text, out))
			kt_resolver_missing(r, "%s (%%%s when %s was entered) is not saved anywhere the unwinder "
				    "knows", out->text, kt_x86_reg_name(x->reg), r->caller ? r->caller : "the caller");
		return;
	}
	case KT_SX_STACK: {
		kt_textf(out->text, sizeof(out->text), "%%rsp+0x%llx", (unsigned long long)x->imm);
		if (r->regs && (r->regs->known & (1u << KT_X86_RSP))) {
			out->known = true;
			out->value = r->regs->value[KT_X86_RSP] + (uint64_t)x->imm;
		} else {
			kt_resolver_missing(r, "the stack pointer at the call is not known");
		}
		return;
	}
	case KT_SX_LOAD:
		render_load(r, x, out, as_pointer);
		if (!out->known)
			from_call_registers(r, x, out, out->text);
		return;
	case KT_SX_ADD: {
		struct rendered b;
		kt_render(r, x->a, &a);
		kt_render(r, x->b, &b);
		if (x->b->kind == KT_SX_CONST && x->b->imm < 0)
			kt_textf(out->text, sizeof(out->text), "%s - 0x%llx", a.text,
				 (unsigned long long)-x->b->imm);
		else
			kt_textf(out->text, sizeof(out->text), "%s + %s", a.text, b.text);
		out->known = a.known && b.known;
		out->value = a.value + b.value;
		return;
	}
	case KT_SX_SCALE:
		kt_render(r, x->a, &a);
		kt_textf(out->text, sizeof(out->text), "%s * %lld", a.text, (long long)x->imm);
		out->known = a.known;
		out->value = a.value * (uint64_t)x->imm;
		return;
	case KT_SX_PERCPU: {
		kt_render(r, x->a, &a);
		kt_textf(out->text, sizeof(out->text), "this_cpu(%s)", a.text);
		struct kt_percpu_slot *slots;
		size_t n;
		if (!a.known || !r->regs || r->regs->cpu < 0) {
			kt_resolver_missing(r, "the per-CPU area of the CPU that made the call is not known");
			return;
		}
		struct kt_error *err = kt_percpu_addresses(r->prog, a.value, &slots, &n);
		if (err) {
			kt_resolver_missing(r, "per-CPU areas: %s", kt_error_message(err));
			kt_error_destroy(err);
			return;
		}
		for (size_t i = 0; i < n; i++) {
			if (slots[i].cpu == (unsigned int)r->regs->cpu) {
				out->known = true;
				out->value = slots[i].address;
			}
		}
		kt_percpu_slots_destroy(slots, n);
		return;
	}
	case KT_SX_UNKNOWN:
		kt_textf(out->text, sizeof(out->text), "?");
		for (int reg = 0; reg < 16; reg++) {
			if (x->call_regs & (1u << reg)) {
				kt_textf(out->text, sizeof(out->text), "%%%s", kt_x86_reg_name(reg));
				break;
			}
		}
		if (!from_call_registers(r, x, out, out->text))
			kt_resolver_missing(r, "%s", x->why);
		return;
	}
}
