// SPDX-License-Identifier: MIT
/*
 * struct, member-at and p on a program (whatis: kernel/declaration.c). Types come from the
 * kernel's and the modules' types; p reaches what it prints as a typed object (kernel/object.c): a variable typed as
 * kt_object_from_symbol() types it (or as the caller says), a CPU's copy of a per-CPU one, then
 * a member path, which may cross pointers.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/util.h"
#include "kernel/expr.h"
#include "kernel/object.h"
#include "kernel/percpu.h"
#include "program.h"
#include "sym/dwarf_params.h"
#include "sym/type_print.h"

/* A symbol and, if anything types it, its object. */
struct variable {
	struct kt_object obj;     /* untyped: only address and percpu are set */
	bool has_type;
	const char *type_source;  /* "btf", "ktriage" (well-known globals), "dwarf" or "given" */
};

/* A type expression in vmlinux's BTF, else a module's (or the module a "MODULE:" names). */
static struct kt_error *parse_type(struct kt_program *prog, const char *expr,
				   const struct btf **btf_ret, uint32_t *ret)
{
	struct kt_types *types;
	struct kt_type_ref ref;
	struct kt_error *err = kt_program_types(prog, &types);
	if (err || (err = kt_types_lookup(types, expr, &ref)))
		return err;
	*btf_ret = ref.btf;
	*ret = (uint32_t)ref.id;
	return NULL;
}

/* kallsyms, to name pointers; printing goes on without it. */
static const struct kt_kallsyms *get_kallsyms(struct kt_program *prog)
{
	struct kt_kallsyms *ks = NULL;
	kt_error_destroy(kt_program_kallsyms(prog, &ks));
	return ks;
}

static struct kt_error *find_variable(struct kt_program *prog, const char *name,
				      const char *type, struct variable *ret)
{
	uint64_t addr;
	struct kt_error *err = kt_program_symbol_address(prog, name, &addr);
	if (err)
		return err;
	struct variable var = {0};
	err = kt_object_symbol(prog, name, type, &var.obj, &var.type_source);
	if (!err)
		var.has_type = true;
	else if (type || !kt_error_catch(&err, KT_ERROR_NOT_FOUND))
		return err;
	else {
		// Untyped: per-CPU by the section's bounds; without them, taken for a plain global.
		bool percpu = false;
		if ((err = kt_percpu_symbol(prog, addr, &percpu)) &&
		    !kt_error_catch(&err, KT_ERROR_NOT_FOUND))
			return kt_error_prefix(err, "%s", name);
		var.obj = (struct kt_object){.prog = prog, .address = addr, .percpu = percpu};
	}
	*ret = var;
	return NULL;
}

static struct kt_error *no_type(const char *name, const struct variable *var)
{
	return kt_error_create(KT_ERROR_NOT_FOUND,
			       "'%s' (0x%llx) has no type here: the kernel's BTF types only per-CPU "
			       "variables, and no debug file's DWARF types it; give its type, or print "
			       "*(TYPE *)ADDR", name,
			       (unsigned long long)var->obj.address);
}

static struct kt_print_options print_options(const struct kt_value_options *opts)
{
	return (struct kt_print_options){.hex = opts->hex, .array_max = opts->array_max,
					 .deref = opts->deref};
}

struct kt_error *kt_value_read(struct kt_program *prog, const char *type, const char *members,
			       uint64_t addr, const struct kt_value_options *opts,
			       struct kt_value **ret)
{
	const struct btf *btf;
	struct kt_print_request req = {.address = addr, .members = members};
	struct kt_error *err = parse_type(prog, type, &btf, &req.type);
	if (err)
		return err;
	struct kt_print_options popts = print_options(opts);
	return kt_value_tree(btf, &prog->reader, get_kallsyms(prog), &req, &popts, ret);
}

struct kt_error *kt_members_at(struct kt_program *prog, const char *type, uint64_t offset,
			       struct kt_member_at **ret, size_t *count_ret)
{
	const struct btf *btf;
	uint32_t id;
	struct kt_error *err = parse_type(prog, type, &btf, &id);
	if (err)
		return err;
	return kt_type_members_at(btf, id, offset, ret, count_ret);
}

/* p's expression, taken apart. */
struct expr {
	char *buf;           /* the copy the pointers below point into */
	const char *symbol;  /* NULL for a cast */
	const char *cast;    /* TYPE of (TYPE *)ADDR */
	uint64_t address;
	const char *path;    /* member path after the symbol or cast: "", ".comm", "->se.on_rq" */
	int cpu;             /* CPU_NONE, CPU_ALL or a CPU number */
};

enum { CPU_NONE = -1, CPU_ALL = -2 };

static struct kt_error *bad_expr(const char *expr, const char *why)
{
	return kt_error_create(KT_ERROR_INVALID_ARGUMENT, "'%s': %s", expr, why);
}

/* Takes ":N" or ":a" (crash's per-CPU suffix) out of s. */
static struct kt_error *take_cpu(const char *expr, char *s, int *cpu)
{
	// A colon inside a cast names a module ("(struct kvm_amd:vcpu_svm *)"), not a CPU.
	char *close = strrchr(s, ')');
	char *colon = strchr(close ? close : s, ':');
	*cpu = CPU_NONE;
	if (!colon)
		return NULL;
	size_t len = strcspn(colon + 1, ".-[");
	if (len == 1 && colon[1] == 'a') {
		*cpu = CPU_ALL;
	} else {
		char *end;
		unsigned long n = strtoul(colon + 1, &end, 10);
		if (!len || end != colon + 1 + len || n > 8191)
			return bad_expr(expr, "a per-CPU suffix is :N (a CPU number) or :a (every CPU)");
		*cpu = (int)n;
	}
	memmove(colon, colon + 1 + len, strlen(colon + 1 + len) + 1);
	return NULL;
}

/* (TYPE *)ADDR, or ((TYPE *)ADDR) before a path. */
static struct kt_error *parse_cast(const char *expr, char *s, struct expr *e)
{
	if (s[1] == '(') {
		int depth = 0;
		char *p = s;
		for (; *p; p++) {
			depth += (*p == '(') - (*p == ')');
			if (!depth)
				break;
		}
		if (!*p)
			return bad_expr(expr, "unbalanced parentheses");
		*p = '\0';
		struct kt_error *err = parse_cast(expr, s + 1, e);
		if (!err && *e->path)
			err = bad_expr(expr, "a member path goes after the parentheses");
		e->path = p + 1;
		return err;
	}
	char *close = strchr(s, ')');
	if (!close)
		return bad_expr(expr, "unbalanced parentheses");
	char *star = close;
	while (star > s + 1 && isspace((unsigned char)star[-1]))
		star--;
	if (star[-1] != '*')
		return bad_expr(expr, "a cast gives a pointer type: (struct task_struct *)ADDR");
	star[-1] = '\0';
	e->cast = s + 1;
	char *end;
	const char *num = close + 1 + strspn(close + 1, " ");
	e->address = strtoull(num, &end, 16);
	if (end == num)
		return bad_expr(expr, "no address after the cast");
	e->path = end;
	return NULL;
}

static struct kt_error *parse_expr(struct kt_program *prog, const char *expr, struct expr *e)
{
	*e = (struct expr){.cpu = CPU_NONE};
	size_t skip = strspn(expr, " \t");
	if (!(e->buf = strdup(expr + skip)))
		return &kt_enomem;
	char *s = e->buf;
	for (size_t n = strlen(s); n && isspace((unsigned char)s[n - 1]); n--)
		s[n - 1] = '\0';
	struct kt_error *err = take_cpu(expr, s, &e->cpu);
	if (err)
		return err;
	if (*s == '*')
		s++;  // *(TYPE *)ADDR and (TYPE *)ADDR both print the object
	if (*s == '(') {
		if (e->cpu != CPU_NONE)
			return bad_expr(expr, "a per-CPU suffix goes after a per-CPU symbol");
		err = parse_cast(expr, s, e);
	} else {
		size_t len = 0;
		while (isalnum((unsigned char)s[len]) || s[len] == '_')
			len++;
		// Static variables may have a suffix: "__key.12". Extend only if kallsyms has it.
		while (s[len] == '.' && isalnum((unsigned char)s[len + 1])) {
			size_t more = len + 1 + strspn(s + len + 1, "abcdefghijklmnopqrstuvwxyz0123456789_");
			char saved = s[more];
			uint64_t addr;
			s[more] = '\0';
			struct kt_error *serr = kt_program_symbol_address(prog, s, &addr);
			s[more] = saved;
			if (serr) {
				kt_error_destroy(serr);
				break;
			}
			len = more;
		}
		if (!len || isdigit((unsigned char)*s))
			return bad_expr(expr, "expected SYMBOL[:CPU][.member] or *(TYPE *)ADDR[->member]");
		e->path = s + len;
		if (!(e->symbol = strndup(s, len)))
			return &kt_enomem;
	}
	if (!err)
		e->path += strspn(e->path, " \t");
	if (!err && *e->path && *e->path != '.' && *e->path != '[' && strncmp(e->path, "->", 2))
		err = bad_expr(expr, "a member path starts with '.', '->' or '['");
	return err;
}

static void expr_deinit(struct expr *e)
{
	free(e->buf);
	free((char *)e->symbol);
}

static struct kt_expr_result *result_new(void)
{
	return calloc(1, sizeof(struct kt_expr_result));
}

void kt_expr_result_destroy(struct kt_expr_result *result)
{
	if (!result)
		return;
	for (size_t i = 0; i < result->n_values; i++)
		kt_value_destroy(result->values[i]);
	free(result->values);
	free(result->name);
	free(result->type);
	free(result->declaration);
	free(result->cpus);
	free(result);
}

static struct kt_error *result_add(struct kt_expr_result *r, struct kt_value *v)
{
	struct kt_value **values = realloc(r->values, (r->n_values + 1) * sizeof(*values));
	if (!values) {
		kt_value_destroy(v);
		return &kt_enomem;
	}
	r->values = values;
	r->values[r->n_values++] = v;
	return NULL;
}

static struct kt_error *list_percpu(const char *name, const struct variable *var,
				    const struct kt_percpu *pc, struct kt_expr_result *r)
{
	const struct btf *btf = var->obj.btf;
	struct kt_strbuf sb = {0};
	r->percpu_list = true;
	if (!(r->name = strdup(name)))
		return &kt_enomem;
	if (var->has_type) {
		if (!(r->type = kt_type_name_dup(btf, (uint32_t)var->obj.type_id)))
			return &kt_enomem;
		kt_type_name(btf, (uint32_t)var->obj.type_id, name, &sb);
	} else {
		kt_strbuf_printf(&sb, "(unknown type) %s", name);
	}
	if (!(r->declaration = kt_strbuf_finish(&sb)))
		return &kt_enomem;
	if (!(r->cpus = calloc(pc->nr_cpu_ids ? pc->nr_cpu_ids : 1, sizeof(*r->cpus))))
		return &kt_enomem;
	for (unsigned int cpu = 0; cpu < pc->nr_cpu_ids; cpu++) {
		uint64_t addr;
		struct kt_error *err = kt_percpu_address(pc, var->obj.address, cpu, &addr);
		if (kt_error_catch(&err, KT_ERROR_NOT_FOUND))
			continue;  // not a possible CPU
		r->cpus[r->n_cpus++] = (struct kt_percpu_copy){.cpu = cpu, .address = addr};
	}
	return NULL;
}

/* Reads one value of the expression: the object, then the path into it. */
static struct kt_error *read_one(struct kt_program *prog, const struct kt_object *obj,
				 const char *path, const char *name,
				 const struct kt_print_options *popts, struct kt_expr_result *r)
{
	struct kt_object o = *obj;
	struct kt_error *err = *path ? kt_object_member(obj, path, &o) : NULL;
	if (err)
		return err;
	struct kt_print_request req = {
		.type = (uint32_t)o.type_id,
		.address = o.address,
		.name = name,
		.bit_offset = o.bit_offset,
		.bit_size = o.bit_size,
	};
	struct kt_value *v;
	if ((err = kt_value_tree(o.btf, &prog->reader, get_kallsyms(prog), &req, popts, &v)))
		return err;
	return result_add(r, v);
}

/* p NAME:a: the value on every possible CPU, one after the other. */
static struct kt_error *read_every_cpu(struct kt_program *prog, const struct expr *e,
				       const struct variable *var, const struct kt_percpu *pc,
				       const struct kt_print_options *popts,
				       struct kt_expr_result *r)
{
	struct kt_error *err = NULL;
	r->every_cpu = true;
	for (unsigned int cpu = 0; cpu < pc->nr_cpu_ids && !err; cpu++) {
		struct kt_object copy;
		err = kt_object_per_cpu(&var->obj, cpu, &copy);
		if (kt_error_catch(&err, KT_ERROR_NOT_FOUND))
			continue;
		_cleanup_free_ char *name = NULL;
		if (asprintf(&name, "%s:%u%s", e->symbol, cpu, e->path) < 0) {
			name = NULL;
			return &kt_enomem;
		}
		err = read_one(prog, &copy, e->path, name, popts, r);
	}
	return err;
}

static struct kt_error *read_symbol(struct kt_program *prog, const struct expr *e,
				    const char *expr, const char *type,
				    const struct kt_value_options *opts, struct kt_expr_result *r)
{
	struct variable var;
	struct kt_error *err = find_variable(prog, e->symbol, type, &var);
	if (err)
		return err;
	struct kt_print_options popts = print_options(opts);
	if (!var.obj.percpu) {
		if (e->cpu != CPU_NONE)
			return bad_expr(expr, "a per-CPU suffix, but not a per-CPU variable");
		if (!var.has_type)
			return no_type(e->symbol, &var);
		return read_one(prog, &var.obj, e->path, expr, &popts, r);
	}
	const struct kt_percpu *pc = NULL;
	if ((err = kt_percpu_get(prog, &pc)))
		return err;
	if (e->cpu == CPU_NONE && !*e->path) {
		err = list_percpu(e->symbol, &var, pc, r);
	} else if (e->cpu == CPU_NONE) {
		err = bad_expr(expr, "a per-CPU variable: say which CPU, NAME:N or NAME:a");
	} else if (!var.has_type) {
		err = no_type(e->symbol, &var);
	} else if (e->cpu == CPU_ALL) {
		err = read_every_cpu(prog, e, &var, pc, &popts, r);
	} else {
		struct kt_object copy;
		if (!(err = kt_object_per_cpu(&var.obj, (unsigned int)e->cpu, &copy)))
			err = read_one(prog, &copy, e->path, expr, &popts, r);
	}
	return err;
}

/* A value computed by the expression (a number, an address): one node, with no address. */
static struct kt_error *computed_value(struct kt_program *prog, const struct kt_object *o,
				       const char *name, const struct kt_value_options *opts,
				       struct kt_expr_result *r)
{
	char type[256];
	struct kt_value *v = calloc(1, sizeof(*v));
	if (!v)
		return &kt_enomem;
	v->repeats = 1;
	v->computed = true;
	v->u = o->value;
	v->hex = opts->hex;
	v->is_signed = kt_object_is_signed(o);
	uint64_t size = 8;
	if (kt_object_size(o, &size))
		size = 8;
	v->size = size;
	v->width = size < 8 ? (unsigned int)size * 8 : 64;
	switch (kt_object_kind(o)) {
	case KT_TYPE_POINTER: {
		v->kind = KT_VALUE_POINTER;
		const char *sym, *module;
		uint64_t off;
		struct kt_error *err = kt_program_symbolize(prog, o->value, &sym, &off, &module);
		if (!err && asprintf(&v->symbol, off ? "%s+0x%llx" : "%s", sym,
				     (unsigned long long)off) < 0)
			v->symbol = NULL;
		kt_error_destroy(err);
		break;
	}
	case KT_TYPE_BOOL:
		v->kind = KT_VALUE_BOOL;
		break;
	case KT_TYPE_ENUM: {
		char e[128];
		v->kind = KT_VALUE_ENUM;
		struct kt_error *err = kt_object_enumerator(o, e, sizeof(e));
		if (!err)
			v->enumerator = strdup(e);
		kt_error_destroy(err);
		break;
	}
	default:
		v->kind = KT_VALUE_INT;
		break;
	}
	v->name = strdup(name);
	v->type = strdup(kt_object_type_name(o, type, sizeof(type)));
	if (!v->name || !v->type) {
		kt_value_destroy(v);
		return &kt_enomem;
	}
	return result_add(r, v);
}

/* p of a C expression (kernel/expr_eval.c): what it reads in memory, or what it computes. */
static struct kt_error *read_evaluated(struct kt_program *prog, const char *expr,
				       const struct kt_value_options *opts,
				       struct kt_expr_result *r)
{
	struct kt_object o;
	struct kt_error *err = kt_expr_evaluate(prog, expr, &o);
	if (err)
		return err;
	if (o.is_value)
		return computed_value(prog, &o, expr, opts, r);
	if (o.percpu)
		return bad_expr(expr, "a per-CPU variable: say which CPU, NAME:N or NAME:a");
	if (kt_object_kind(&o) == KT_TYPE_VOID)
		return kt_error_create(KT_ERROR_NOT_FOUND,
				       "'%s' (0x%llx) has no type here: the kernel's BTF types only "
				       "per-CPU variables, and no debug file's DWARF types it; give its "
				       "type (p -t TYPE), or print *(TYPE *)ADDR", expr,
				       (unsigned long long)o.address);
	struct kt_print_options popts = print_options(opts);
	return read_one(prog, &o, "", expr, &popts, r);
}

/*
 * The legacy forms that C does not read the same way: NAME:a (every CPU), a bare per-CPU NAME
 * (where it is on each CPU), -t TYPE, and *(TYPE *)ADDR->member (crash's, where C would apply
 * -> before the cast) or an address without 0x. Which form an expression is in is decided by
 * parse_expr(); the rest goes to the C evaluator, and what it cannot read falls back here.
 */
static struct kt_error *read_legacy(struct kt_program *prog, struct expr *e, const char *expr,
				    const char *type, const struct kt_value_options *opts,
				    struct kt_expr_result *r)
{
	if (e->symbol)
		return read_symbol(prog, e, expr, type, opts, r);
	struct kt_object obj;
	struct kt_print_options popts = print_options(opts);
	if (type)
		return bad_expr(expr, "a type is given for a symbol only; a cast already gives the type");
	struct kt_error *err = kt_object_from_address(prog, e->cast, e->address, &obj);
	return err ? err : read_one(prog, &obj, e->path, expr, &popts, r);
}

struct kt_error *kt_expr_read(struct kt_program *prog, const char *expr, const char *type,
			      const struct kt_value_options *opts, struct kt_expr_result **ret)
{
	struct kt_types *types;
	struct expr e;
	if (strlen(expr) >= KT_EXPR_TEXT_MAX)
		return kt_error_create(KT_ERROR_INVALID_ARGUMENT,
				       "an expression of more than %d characters", KT_EXPR_TEXT_MAX - 1);
	struct kt_error *err = kt_program_types(prog, &types);
	if (err)
		return err;
	bool legacy = !(err = parse_expr(prog, expr, &e));
	if (!legacy && err->code == KT_ERROR_NOMEM) {
		expr_deinit(&e);
		return err;
	}
	kt_error_destroy(err);
	err = NULL;
	struct kt_expr_result *r = result_new();
	if (!r) {
		err = &kt_enomem;
	} else if (legacy && (type || e.cpu == CPU_ALL || (e.symbol && !*e.path))) {
		err = read_legacy(prog, &e, expr, type, opts, r);
	} else if (type) {
		err = bad_expr(expr, "-t TYPE types a bare symbol: SYMBOL[:CPU|:a][.member]");
	} else if ((err = read_evaluated(prog, expr, opts, r)) && legacy &&
		   err->code != KT_ERROR_NOMEM) {
		// Only where the legacy reading works too: else the evaluator's error says more.
		struct kt_expr_result *again = result_new();
		struct kt_error *lerr = again ? read_legacy(prog, &e, expr, type, opts, again)
					      : &kt_enomem;
		if (!lerr) {
			kt_error_destroy(err);
			kt_expr_result_destroy(r);
			r = again;
			err = NULL;
		} else {
			kt_error_destroy(lerr);
			kt_expr_result_destroy(again);
		}
	}
	expr_deinit(&e);
	if (err) {
		kt_expr_result_destroy(r);
		return err;
	}
	*ret = r;
	return NULL;
}

struct kt_error *kt_expr_number(struct kt_program *prog, const char *expr, uint64_t *ret)
{
	struct kt_object o;
	struct kt_error *err = kt_expr_evaluate(prog, expr, &o);
	if (err)
		return err;
	switch (o.percpu ? KT_TYPE_VOID : kt_object_kind(&o)) {
	case KT_TYPE_INT:
	case KT_TYPE_BOOL:
	case KT_TYPE_ENUM:
	case KT_TYPE_POINTER:
		return kt_object_read_unsigned(&o, ret);
	default:
		return bad_expr(expr, "not a number nor a pointer");
	}
}
