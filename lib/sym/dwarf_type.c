// SPDX-License-Identifier: MIT
/*
 * C declarators are written inside out: the base type on the left, pointers prepended to the
 * declarator, arrays and parameter lists appended, parentheses where a pointer meets an array or
 * function. Types nest in hostile files too, so the depth is bounded.
 */
#include <dwarf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/strbuf.h"
#include "sym/dwarf_type.h"

enum { TYPE_DEPTH_MAX = 32 };

static bool type_of(Dwarf_Die *die, Dwarf_Die *ret)
{
	Dwarf_Attribute attr;
	return dwarf_attr_integrate(die, DW_AT_type, &attr) && dwarf_formref_die(&attr, ret);
}

/* decl is the declarator built so far (name, with pointers and suffixes around it). */
static char *declare(Dwarf_Die *type, bool has_type, const char *decl, int depth)
{
	char *out = NULL;
	if (depth > TYPE_DEPTH_MAX)
		return asprintf(&out, "? %s", decl) < 0 ? NULL : out;
	if (!has_type)  // DWARF's void has no DIE
		return asprintf(&out, "void%s%s", *decl ? " " : "", decl) < 0 ? NULL : out;
	Dwarf_Die inner;
	bool has_inner = type_of(type, &inner);
	const char *name = dwarf_diename(type);
	char *next = NULL;
	int tag = dwarf_tag(type);
	switch (tag) {
	case DW_TAG_pointer_type:
		if (asprintf(&next, "*%s", decl) < 0)
			return NULL;
		out = declare(&inner, has_inner, next, depth + 1);
		break;
	case DW_TAG_const_type:
	case DW_TAG_volatile_type:
	case DW_TAG_restrict_type: {
		const char *q = tag == DW_TAG_const_type ? "const"
				: tag == DW_TAG_volatile_type ? "volatile" : "restrict";
		int itag = has_inner ? dwarf_tag(&inner) : 0;
		bool leaf = itag != DW_TAG_pointer_type && itag != DW_TAG_array_type &&
			    itag != DW_TAG_subroutine_type;
		// On a named type the qualifier reads better on the left: "const char *".
		if (leaf) {
			char *base = declare(&inner, has_inner, decl, depth + 1);
			if (base && asprintf(&out, "%s %s", q, base) < 0)
				out = NULL;
			free(base);
			return out;
		}
		if (asprintf(&next, "%s%s%s", q, *decl ? " " : "", decl) < 0)
			return NULL;
		out = declare(&inner, has_inner, next, depth + 1);
		break;
	}
	case DW_TAG_array_type: {
		struct kt_strbuf sb = {0};
		kt_strbuf_printf(&sb, decl[0] == '*' ? "(%s)" : "%s", decl);
		Dwarf_Die sub;
		if (dwarf_child(type, &sub) == 0) {
			do {
				Dwarf_Attribute attr;
				Dwarf_Word n;
				if (dwarf_tag(&sub) != DW_TAG_subrange_type)
					continue;
				if (dwarf_formudata(dwarf_attr_integrate(&sub, DW_AT_count, &attr), &n) == 0)
					kt_strbuf_printf(&sb, "[%llu]", (unsigned long long)n);
				else if (dwarf_formudata(dwarf_attr_integrate(&sub, DW_AT_upper_bound, &attr),
							 &n) == 0)
					kt_strbuf_printf(&sb, "[%llu]", (unsigned long long)n + 1);
				else
					kt_strbuf_printf(&sb, "[]");
			} while (dwarf_siblingof(&sub, &sub) == 0);
		}
		if (!(next = kt_strbuf_finish(&sb)))
			return NULL;
		out = declare(&inner, has_inner, next, depth + 1);
		break;
	}
	case DW_TAG_subroutine_type: {
		struct kt_strbuf sb = {0};
		kt_strbuf_printf(&sb, decl[0] == '*' ? "(%s)(" : "%s(", decl);
		Dwarf_Die p;
		bool any = false, proto = dwarf_hasattr(type, DW_AT_prototyped);
		if (dwarf_child(type, &p) == 0) {
			do {
				if (dwarf_tag(&p) == DW_TAG_unspecified_parameters) {
					kt_strbuf_printf(&sb, "%s...", any ? ", " : "");
					any = true;
				} else if (dwarf_tag(&p) == DW_TAG_formal_parameter) {
					Dwarf_Die pt;
					char *ps = declare(&pt, type_of(&p, &pt), "", depth + 1);
					kt_strbuf_printf(&sb, "%s%s", any ? ", " : "", ps ? ps : "?");
					free(ps);
					any = true;
				}
			} while (dwarf_siblingof(&p, &p) == 0);
		}
		kt_strbuf_printf(&sb, "%s)", !any && proto ? "void" : "");
		if (!(next = kt_strbuf_finish(&sb)))
			return NULL;
		out = declare(&inner, has_inner, next, depth + 1);
		break;
	}
	default: {
		const char *kw = tag == DW_TAG_structure_type ? "struct "
				 : tag == DW_TAG_union_type ? "union "
				 : tag == DW_TAG_enumeration_type ? "enum " : "";
		if (asprintf(&out, "%s%s%s%s", kw, name ? name : "<anonymous>", *decl ? " " : "",
			     decl) < 0)
			out = NULL;
	}
	}
	free(next);
	return out;
}

char *kt_dwarf_type_text(Dwarf_Die *die, const char *name)
{
	Dwarf_Die type;
	return declare(&type, type_of(die, &type), name ? name : "", 0);
}
