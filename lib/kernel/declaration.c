// SPDX-License-Identifier: MIT
/*
 * whatis on a program: a name is a type of the kernel's or a module's types, else a symbol (as
 * crash's whatis also takes symbols): a function typed by its BTF or DWARF prototype, or a
 * variable typed as kt_object_from_symbol() types it. The answer is data (struct
 * kt_declaration); lib/report writes it.
 */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/strbuf.h"
#include "core/util.h"
#include "kernel/modules.h"
#include "kernel/object.h"
#include "program.h"
#include "sym/type_print.h"
#include "sym/types.h"

const char *kt_declaration_kind_name(enum kt_declaration_kind kind)
{
	static const char *const names[] = {
		[KT_DECLARATION_TYPE] = "type",
		[KT_DECLARATION_VARIABLE] = "variable",
		[KT_DECLARATION_PERCPU_VARIABLE] = "percpu_variable",
		[KT_DECLARATION_FUNCTION] = "function",
	};
	return (unsigned int)kind < KT_ARRAY_SIZE(names) && names[kind] ? names[kind] : "other";
}

const char *kt_types_source_name(enum kt_types_source source)
{
	return source == KT_TYPES_FROM_DWARF ? "dwarf" : "btf";
}

const char *kt_type_origin_name(enum kt_type_origin origin)
{
	static const char *const names[] = {
		[KT_TYPE_ORIGIN_BTF] = "btf",
		[KT_TYPE_ORIGIN_KTRIAGE] = "ktriage",
		[KT_TYPE_ORIGIN_DWARF] = "dwarf",
		[KT_TYPE_ORIGIN_GIVEN] = "given",
	};
	return (unsigned int)origin < KT_ARRAY_SIZE(names) && names[origin] ? names[origin] : "other";
}

/* kt_object_symbol()'s word for where a type came from. */
static enum kt_type_origin origin_of(const char *source)
{
	if (!strcmp(source, "ktriage"))
		return KT_TYPE_ORIGIN_KTRIAGE;
	if (!strcmp(source, "dwarf"))
		return KT_TYPE_ORIGIN_DWARF;
	if (!strcmp(source, "given"))
		return KT_TYPE_ORIGIN_GIVEN;
	return KT_TYPE_ORIGIN_BTF;
}

void kt_declaration_destroy(struct kt_declaration *decl)
{
	if (!decl)
		return;
	free(decl->name);
	free(decl->object_file);
	kt_type_description_destroy(decl->type);
	free(decl->declaration);
	free(decl);
}

/* A declaration of kind whose type is ref, described: the parts every kind has. */
static struct kt_error *declaration_new(struct kt_types *types, enum kt_declaration_kind kind,
					const char *name, struct kt_type_ref ref, bool expand,
					struct kt_declaration **ret)
{
	struct kt_declaration *decl = calloc(1, sizeof(*decl));
	if (!decl)
		return &kt_enomem;
	const char *provider = kt_types_provider(types, ref.btf);
	decl->kind = kind;
	decl->types_source = kt_types_provider_from_dwarf(types, ref.btf) ? KT_TYPES_FROM_DWARF
									  : KT_TYPES_FROM_BTF;
	decl->name = strdup(name);
	decl->object_file = strdup(provider ? provider : "?");
	struct kt_error *err = kt_type_describe_btf(ref.btf, (uint32_t)ref.id, expand, &decl->type);
	if (!err && (!decl->name || !decl->object_file))
		err = &kt_enomem;
	if (err) {
		kt_declaration_destroy(decl);
		return err;
	}
	*ret = decl;
	return NULL;
}

/* "void schedule(void)", "struct page *alloc_pages(gfp_t gfp, unsigned int order)",
 * "void panic(const char *fmt, ...)". */
static char *function_declaration(struct kt_type_ref proto, const char *name)
{
	const struct btf_type *t = btf__type_by_id(proto.btf, (uint32_t)proto.id);
	if (!t || !btf_is_func_proto(t))
		return strdup(name);
	const struct btf_param *p = btf_params(t);
	uint16_t n = btf_vlen(t);
	struct kt_strbuf inner = {0};
	kt_strbuf_printf(&inner, "%s(", name);
	for (uint16_t i = 0; i < n; i++) {
		if (i)
			kt_strbuf_printf(&inner, ", ");
		if (!p[i].type && i == n - 1)  // C's "...": a last parameter of type void
			kt_strbuf_printf(&inner, "...");
		else
			kt_type_name(proto.btf, p[i].type, btf__name_by_offset(proto.btf, p[i].name_off),
				     &inner);
	}
	kt_strbuf_printf(&inner, "%s)", n ? "" : "void");
	char *s = kt_strbuf_finish(&inner);
	if (!s)
		return NULL;
	struct kt_strbuf sb = {0};
	kt_type_name(proto.btf, t->type, s, &sb);
	free(s);
	return kt_strbuf_finish(&sb);
}

static struct kt_error *no_type(const char *name, uint64_t address, bool function)
{
	if (function)
		return kt_error_create(KT_ERROR_NOT_FOUND,
				       "'%s' (0x%llx) is a function that neither BTF nor a debug file's "
				       "DWARF types", name, (unsigned long long)address);
	return kt_error_create(KT_ERROR_NOT_FOUND,
			       "'%s' (0x%llx) has no type here: the kernel's BTF types only per-CPU "
			       "variables, and no debug file's DWARF types it; give its type, or print "
			       "*(TYPE *)ADDR", name, (unsigned long long)address);
}

static struct kt_error *describe_function(struct kt_types *types, const char *name, uint64_t address,
					  struct kt_declaration **ret)
{
	struct kt_type_ref proto;
	struct kt_error *err = kt_types_function(types, name, &proto);
	if (kt_error_catch(&err, KT_ERROR_NOT_FOUND))
		return no_type(name, address, true);
	struct kt_declaration *decl;
	if (err || (err = declaration_new(types, KT_DECLARATION_FUNCTION, name, proto, false, &decl)))
		return err;
	decl->address = address;
	decl->type_origin = decl->types_source == KT_TYPES_FROM_DWARF ? KT_TYPE_ORIGIN_DWARF
								      : KT_TYPE_ORIGIN_BTF;
	if (!(decl->declaration = function_declaration(proto, name))) {
		kt_declaration_destroy(decl);
		return &kt_enomem;
	}
	*ret = decl;
	return NULL;
}

static struct kt_error *describe_variable(struct kt_program *prog, struct kt_types *types,
					  const char *name, uint64_t address,
					  struct kt_declaration **ret)
{
	struct kt_object obj;
	const char *source;
	struct kt_error *err = kt_object_symbol(prog, name, NULL, &obj, &source);
	if (kt_error_catch(&err, KT_ERROR_NOT_FOUND))
		return no_type(name, address, false);
	if (err)
		return err;
	bool percpu = obj.percpu;
	struct kt_type_ref ref = {.btf = obj.btf, .id = obj.type_id};
	struct kt_declaration *decl;
	if ((err = declaration_new(types, percpu ? KT_DECLARATION_PERCPU_VARIABLE
						 : KT_DECLARATION_VARIABLE,
				   name, ref, false, &decl)))
		return err;
	decl->address = obj.address;
	decl->type_origin = origin_of(source);
	struct kt_strbuf sb = {0};
	kt_type_name(obj.btf, (uint32_t)obj.type_id, name, &sb);
	if (!(decl->declaration = kt_strbuf_finish(&sb))) {
		kt_declaration_destroy(decl);
		return &kt_enomem;
	}
	*ret = decl;
	return NULL;
}

struct kt_error *kt_declaration_read(struct kt_program *prog, const char *name,
				     const struct kt_value_options *opts,
				     struct kt_declaration **ret)
{
	struct kt_types *types;
	struct kt_type_ref ref;
	struct kt_error *err = kt_program_types(prog, &types);
	if (err)
		return err;
	if (!(err = kt_types_lookup(types, name, &ref)))
		return declaration_new(types, KT_DECLARATION_TYPE, name, ref, opts && opts->expand,
				       ret);
	// Not a type: perhaps a symbol, as crash's whatis also takes symbols.
	if (kt_error_code(err) != KT_ERROR_NOT_FOUND || strpbrk(name, " *:"))
		return err;
	const struct kt_symbol *sym;
	struct kt_error *serr = kt_program_symbol_find(prog, name, &sym);
	if (serr) {
		if (serr == &kt_enomem) {
			kt_error_destroy(err);
			return serr;
		}
		kt_error_destroy(serr);
		struct kt_error *both = kt_error_create(KT_ERROR_NOT_FOUND,
							"'%s' is neither a type (%s) nor a symbol",
							name, kt_error_message(err));
		kt_error_destroy(err);
		return both;
	}
	kt_error_destroy(err);
	if (sym->type == 't' || sym->type == 'T')
		return describe_function(types, name, sym->address, ret);
	return describe_variable(prog, types, name, sym->address, ret);
}
