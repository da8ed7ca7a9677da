// SPDX-License-Identifier: MIT
/*
 * whatis, struct, member-at and p on a program. Types come from the kernel's BTF; p also needs a
 * variable's type, and vmlinux BTF has one only for per-CPU variables (pahole emits DATASEC/VAR
 * for .data..percpu alone). So a few well-known globals are typed here; for the rest the caller
 * names the type (or casts: *(TYPE *)ADDR). Globals of modules whose types come from DWARF are
 * typed by their definitions there.
 */
#include <ctype.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/util.h"
#include "kernel/percpu.h"
#include "program.h"
#include "sym/dwarf_params.h"
#include "sym/type_print.h"

/* Kernel addresses are in the upper half; per-CPU symbols are offsets into the per-CPU area. */
static const uint64_t KERNEL_HALF = 0xffff800000000000ull;

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
};

struct variable {
	uint64_t address;         /* for a per-CPU variable, its offset in the per-CPU area */
	bool percpu;
	bool has_type;
	const struct btf *btf;    /* the BTF that holds type: vmlinux's, or a module's */
	uint32_t type;
	const char *type_source;  /* "btf", "ktriage" (known_globals), "dwarf" or "given" */
};

static struct kt_error *get_btf(struct kt_program *prog, const struct btf **ret)
{
	struct kt_types *types;
	struct kt_error *err = kt_program_types(prog, &types);
	if (!err)
		*ret = kt_types_btf(types);
	return err;
}

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

/* The variable as the types of the module that defines it know it: a module's types made from
 * DWARF convert its definition, whatever its type (anonymous ones too). The kernel's own globals
 * are typed the same way whether its types are BTF or DWARF (by their type's name, below). */
static bool own_type(struct kt_program *prog, const char *name, struct variable *var)
{
	const char *sym, *module;
	uint64_t off;
	struct kt_types *types;
	struct kt_type_ref ref;
	char qualified[256];
	struct kt_error *err = kt_program_symbolize(prog, var->address, &sym, &off, &module);
	if (!err && module && !off &&
	    (size_t)snprintf(qualified, sizeof(qualified), "%s:%s", module, name) < sizeof(qualified) &&
	    !(err = kt_program_types(prog, &types)) && !(err = kt_types_variable(types, qualified, &ref))) {
		var->btf = ref.btf, var->type = (uint32_t)ref.id;
		var->has_type = true, var->type_source = "dwarf";
	}
	kt_error_destroy(err);
	return var->has_type;
}

/* The declared type from DWARF, when the debug file of the code that defines name is at hand:
 * its C text, looked up in BTF. Without DWARF (or a type BTF lacks) the variable stays untyped. */
static struct kt_error *dwarf_type(struct kt_program *prog, const char *name, struct variable *var)
{
	_cleanup_free_ char *text = NULL, *qualified = NULL;
	const char *module = NULL;
	if (own_type(prog, name, var))
		return NULL;
	struct kt_error *err = kt_dwarf_variable_type_in(prog, name, &text, &module);
	// A module's global is typed by that module's types, never by a namesake's.
	if (!err && module && asprintf(&qualified, "%s:%s", module, text) < 0)
		err = &kt_enomem;
	if (!err && !(err = parse_type(prog, qualified ? qualified : text, &var->btf, &var->type)))
		var->has_type = true, var->type_source = "dwarf";
	if (err == &kt_enomem)
		return err;
	kt_error_destroy(err);
	return NULL;
}

static struct kt_error *find_variable(struct kt_program *prog, const struct btf *btf,
				      const char *name, const char *type, struct variable *ret)
{
	uint64_t addr;
	struct kt_error *err = kt_program_symbol_address(prog, name, &addr);
	if (err)
		return err;
	struct variable var = {.address = addr, .percpu = addr < KERNEL_HALF, .btf = btf};
	if (type) {
		if ((err = parse_type(prog, type, &var.btf, &var.type)))
			return err;
		var.has_type = true, var.type_source = "given";
	} else {
		int32_t id = btf__find_by_name_kind(btf, name, BTF_KIND_VAR);
		if (id > 0) {
			var.type = btf__type_by_id(btf, (uint32_t)id)->type;
			var.has_type = true, var.type_source = "btf";
		}
		for (size_t i = 0; !var.has_type && i < KT_ARRAY_SIZE(known_globals); i++) {
			if (strcmp(known_globals[i].name, name))
				continue;
			if ((err = kt_type_parse(btf, known_globals[i].type, &var.type)))
				return kt_error_prefix(err, "%s", name);
			var.has_type = true, var.type_source = "ktriage";
		}
		if (!var.has_type && (err = dwarf_type(prog, name, &var)))
			return err;
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
			       (unsigned long long)var->address);
}

static struct kt_error *describe_variable(const char *name, const struct variable *var,
					  const struct kt_value_options *opts, char **ret)
{
	const struct btf *btf = var->btf;
	int64_t size = btf__resolve_size(btf, var->type);
	_cleanup_free_ char *tname = kt_type_name_dup(btf, var->type);
	char *out = NULL;
	if (!tname)
		return &kt_enomem;
	if (opts->json) {
		json_object *o = json_object_new_object();
		char addr[32];
		snprintf(addr, sizeof(addr), "0x%llx", (unsigned long long)var->address);
		json_object_object_add(o, "name", json_object_new_string(name));
		json_object_object_add(o, "kind", json_object_new_string("variable"));
		json_object_object_add(o, "type", json_object_new_string(tname));
		json_object_object_add(o, "size", json_object_new_int64(size < 0 ? 0 : size));
		json_object_object_add(o, "address", json_object_new_string(addr));
		json_object_object_add(o, "percpu", json_object_new_boolean(var->percpu));
		json_object_object_add(o, "type_source", json_object_new_string(var->type_source));
		const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
								     JSON_C_TO_STRING_NOSLASHESCAPE);
		out = s ? strdup(s) : NULL;
		json_object_put(o);
	} else {
		struct kt_strbuf sb = {0};
		kt_type_name(btf, var->type, name, &sb);
		kt_strbuf_printf(&sb, ";  /* %lld bytes, %s 0x%llx; type from %s */\n",
				 (long long)size, var->percpu ? "per-CPU offset" : "at",
				 (unsigned long long)var->address,
				 !strcmp(var->type_source, "btf") ? "BTF" :
				 !strcmp(var->type_source, "ktriage") ? "ktriage's list of well-known globals"
				 : !strcmp(var->type_source, "dwarf") ? "DWARF"
								      : "the caller");
		out = kt_strbuf_finish(&sb);
	}
	if (!out)
		return &kt_enomem;
	*ret = out;
	return NULL;
}

struct kt_error *kt_type_describe(struct kt_program *prog, const char *name,
				  const struct kt_value_options *opts, char **ret)
{
	const struct btf *btf, *type_btf;
	uint32_t id;
	struct kt_error *err = get_btf(prog, &btf);
	if (err)
		return err;
	struct kt_describe_options dopts = {.json = opts->json, .expand = opts->expand};
	if (!(err = parse_type(prog, name, &type_btf, &id)))
		return kt_type_describe_btf(type_btf, id, &dopts, ret);
	// Not a type: perhaps a variable, as crash's whatis also takes symbols.
	struct variable var;
	if (kt_error_code(err) != KT_ERROR_NOT_FOUND || strpbrk(name, " *:"))
		return err;
	struct kt_error *verr = find_variable(prog, btf, name, NULL, &var);
	if (verr) {
		kt_error_destroy(verr);
		struct kt_error *both = kt_error_create(KT_ERROR_NOT_FOUND,
							"'%s' is neither a type (%s) nor a symbol",
							name, kt_error_message(err));
		kt_error_destroy(err);
		return both;
	}
	kt_error_destroy(err);
	return var.has_type ? describe_variable(name, &var, opts, ret) : no_type(name, &var);
}

static struct kt_print_options print_options(const struct kt_value_options *opts)
{
	return (struct kt_print_options){
		.json = opts->json, .hex = opts->hex, .array_max = opts->array_max};
}

struct kt_error *kt_value_format(struct kt_program *prog, const char *type, const char *members,
				 uint64_t addr, const struct kt_value_options *opts, char **ret)
{
	const struct btf *btf;
	struct kt_print_request req = {.address = addr, .members = members};
	struct kt_error *err = parse_type(prog, type, &btf, &req.type);
	if (err)
		return err;
	struct kt_print_options popts = print_options(opts);
	return kt_value_print(btf, &prog->reader, get_kallsyms(prog), &req, &popts, ret);
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

static struct kt_error *list_percpu(const char *name, const struct variable *var,
				    const struct kt_percpu *pc, const struct kt_value_options *opts,
				    char **ret)
{
	const struct btf *btf = var->btf;
	_cleanup_free_ char *tname = var->has_type ? kt_type_name_dup(btf, var->type) : NULL;
	struct kt_strbuf sb = {0};
	json_object *o = NULL, *list = NULL;
	if (opts->json) {
		o = json_object_new_object();
		list = json_object_new_array();
		json_object_object_add(o, "name", json_object_new_string(name));
		json_object_object_add(o, "type", tname ? json_object_new_string(tname) : NULL);
		json_object_object_add(o, "percpu", list);
	} else {
		kt_strbuf_printf(&sb, "PER-CPU DATA TYPE:\n  ");
		if (var->has_type)
			kt_type_name(btf, var->type, name, &sb);
		else
			kt_strbuf_printf(&sb, "(unknown type) %s", name);
		kt_strbuf_printf(&sb, ";\nPER-CPU ADDRESSES:\n");
	}
	for (unsigned int cpu = 0; cpu < pc->nr_cpu_ids; cpu++) {
		uint64_t addr;
		struct kt_error *err = kt_percpu_address(pc, var->address, cpu, &addr);
		if (kt_error_catch(&err, KT_ERROR_NOT_FOUND))
			continue;  // not a possible CPU
		if (!o) {
			kt_strbuf_printf(&sb, "  [%u]: %llx\n", cpu, (unsigned long long)addr);
			continue;
		}
		json_object *c = json_object_new_object();
		char hex[32];
		snprintf(hex, sizeof(hex), "0x%llx", (unsigned long long)addr);
		json_object_object_add(c, "cpu", json_object_new_int((int)cpu));
		json_object_object_add(c, "address", json_object_new_string(hex));
		json_object_array_add(list, c);
	}
	char *out;
	if (o) {
		const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
								     JSON_C_TO_STRING_NOSLASHESCAPE);
		out = s ? strdup(s) : NULL;
		json_object_put(o);
	} else {
		out = kt_strbuf_finish(&sb);
	}
	if (!out)
		return &kt_enomem;
	*ret = out;
	return NULL;
}

/* Prints one value of the expression: the object at addr, then the path into it. */
static struct kt_error *print_one(struct kt_program *prog, const struct btf *btf, uint32_t type,
				  uint64_t addr, const char *path, const char *name,
				  const struct kt_print_options *popts, void **json_ret, char **ret)
{
	struct kt_type_place place = {.type = type};
	struct kt_error *err = *path ? kt_type_path(btf, type, path, &place) : NULL;
	if (err)
		return err;
	struct kt_print_request req = {
		.type = place.type,
		.address = addr + place.bit_offset / 8,
		.name = name,
		.bit_offset = (uint32_t)(place.bit_offset % 8),
		.bit_size = place.bit_size,
	};
	if (json_ret)
		return kt_value_to_json(btf, &prog->reader, get_kallsyms(prog), &req, popts, json_ret);
	return kt_value_print(btf, &prog->reader, get_kallsyms(prog), &req, popts, ret);
}

/* p NAME:a: the value on every possible CPU, one after the other (a JSON array). */
static struct kt_error *print_every_cpu(struct kt_program *prog, const struct expr *e,
					const struct variable *var,
					const struct kt_percpu *pc,
					const struct kt_print_options *popts, char **ret)
{
	struct kt_strbuf sb = {0};
	json_object *list = popts->json ? json_object_new_array() : NULL;
	struct kt_error *err = NULL;
	for (unsigned int cpu = 0; cpu < pc->nr_cpu_ids && !err; cpu++) {
		uint64_t addr;
		err = kt_percpu_address(pc, var->address, cpu, &addr);
		if (kt_error_catch(&err, KT_ERROR_NOT_FOUND))
			continue;
		_cleanup_free_ char *name = NULL;
		if (asprintf(&name, "%s:%u%s", e->symbol, cpu, e->path) < 0) {
			name = NULL;
			err = &kt_enomem;
			break;
		}
		void *o = NULL;
		char *text = NULL;
		err = print_one(prog, var->btf, var->type, addr, e->path, name, popts,
				list ? &o : NULL, &text);
		if (!err && list)
			json_object_array_add(list, o);
		else if (!err)
			kt_strbuf_printf(&sb, "%s", text);
		free(text);
	}
	char *out = NULL;
	if (list && !err) {
		const char *s = json_object_to_json_string_ext(list, JSON_C_TO_STRING_PRETTY |
									JSON_C_TO_STRING_NOSLASHESCAPE);
		out = s ? strdup(s) : NULL;
	} else if (!err) {
		out = kt_strbuf_finish(&sb);
	}
	json_object_put(list);
	if (err) {
		free(sb.s);
		return err;
	}
	if (!out)
		return &kt_enomem;
	*ret = out;
	return NULL;
}

static struct kt_error *print_symbol(struct kt_program *prog, const struct btf *btf,
				     const struct expr *e, const char *expr, const char *type,
				     const struct kt_value_options *opts, char **ret)
{
	struct variable var;
	struct kt_error *err = find_variable(prog, btf, e->symbol, type, &var);
	if (err)
		return err;
	struct kt_print_options popts = print_options(opts);
	if (!var.percpu) {
		if (e->cpu != CPU_NONE)
			return bad_expr(expr, "a per-CPU suffix, but not a per-CPU variable");
		if (!var.has_type)
			return no_type(e->symbol, &var);
		return print_one(prog, var.btf, var.type, var.address, e->path, expr, &popts, NULL,
				 ret);
	}
	struct kt_percpu pc;
	if ((err = kt_percpu_init(prog, &pc)))
		return err;
	if (e->cpu == CPU_NONE && !*e->path) {
		err = list_percpu(e->symbol, &var, &pc, opts, ret);
	} else if (e->cpu == CPU_NONE) {
		err = bad_expr(expr, "a per-CPU variable: say which CPU, NAME:N or NAME:a");
	} else if (!var.has_type) {
		err = no_type(e->symbol, &var);
	} else if (e->cpu == CPU_ALL) {
		err = print_every_cpu(prog, e, &var, &pc, &popts, ret);
	} else {
		uint64_t addr;
		if (!(err = kt_percpu_address(&pc, var.address, (unsigned int)e->cpu, &addr)))
			err = print_one(prog, var.btf, var.type, addr, e->path, expr, &popts, NULL, ret);
	}
	kt_percpu_deinit(&pc);
	return err;
}

struct kt_error *kt_expr_format(struct kt_program *prog, const char *expr, const char *type,
				const struct kt_value_options *opts, char **ret)
{
	const struct btf *btf;
	struct expr e;
	struct kt_error *err = get_btf(prog, &btf);
	if (err)
		return err;
	if ((err = parse_expr(prog, expr, &e))) {
		expr_deinit(&e);
		return err;
	}
	if (e.symbol) {
		err = print_symbol(prog, btf, &e, expr, type, opts, ret);
	} else {
		uint32_t id;
		struct kt_print_options popts = print_options(opts);
		if (type)
			err = bad_expr(expr, "a type is given for a symbol only; a cast already gives the type");
		else if (!(err = parse_type(prog, e.cast, &btf, &id)))
			err = print_one(prog, btf, id, e.address, e.path, expr, &popts, NULL, ret);
	}
	expr_deinit(&e);
	return err;
}
