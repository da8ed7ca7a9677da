// SPDX-License-Identifier: MIT
/*
 * whatis: a declaration (struct kt_declaration) as text, a type in the layout of gdb's `ptype /o`
 * (each member's offset and size, holes marked), or as JSON (docs/json.md, "Types and values").
 */
#include <stdio.h>
#include <stdlib.h>

#include "core/error.h"
#include "ktriage.h"
#include "report/json.h"

/* Width of the "offset | size" comment that starts every member line. */
static const char COLUMN_BLANK[] = "                         ";

static bool is_composite(const struct kt_type_description *d)
{
	return d->kind == KT_DESCRIBED_STRUCT || d->kind == KT_DESCRIBED_UNION;
}

static void hole_text(FILE *out, uint64_t bits, const char *what)
{
	if (bits % 8)
		fprintf(out, "/* XXX %3llu-bit %s   */\n", (unsigned long long)bits, what);
	else
		fprintf(out, "/* XXX %3llu-byte %s  */\n", (unsigned long long)bits / 8, what);
}

/* The members of d, which starts at bit base_bits of the outermost type. */
static void layout_text(FILE *out, const struct kt_type_description *d, uint64_t base_bits,
			int level)
{
	bool is_union = d->kind == KT_DESCRIBED_UNION;
	uint64_t end_bits = base_bits;
	int indent = 4 + 4 * level;
	for (size_t i = 0; i < d->n_members; i++) {
		const struct kt_type_member *m = &d->members[i];
		uint64_t bits = m->offset * 8 + m->bit_offset;
		if (!is_union && bits > end_bits)
			hole_text(out, bits - end_bits, "hole");
		char off[32];
		if (m->bit_size)
			snprintf(off, sizeof(off), "0x%llx:%2u", (unsigned long long)m->offset,
				 m->bit_offset);
		else
			snprintf(off, sizeof(off), "0x%llx", (unsigned long long)m->offset);
		fprintf(out, "/* %10s | %6llu */%*s", off, (unsigned long long)m->size, indent, "");
		const struct kt_type_description *e = m->expanded;
		if (e) {
			fprintf(out, "%s%s%s {\n", e->kind == KT_DESCRIBED_UNION ? "union" : "struct",
				e->tag ? " " : "", e->tag ? e->tag : "");
			layout_text(out, e, bits, level + 1);
			fprintf(out, "%s%*s}%s%s;\n", COLUMN_BLANK, indent, "", *m->name ? " " : "",
				m->name);
		} else {
			fputs(m->declaration, out);
			if (m->bit_size)
				fprintf(out, " : %u", m->bit_size);
			fputs(";\n", out);
		}
		uint64_t end = bits + (m->bit_size ? m->bit_size : m->size * 8);
		if (end > end_bits)
			end_bits = end;
	}
	uint64_t total = base_bits + d->size * 8;
	if (!is_union && total > end_bits && d->n_members)
		hole_text(out, total - end_bits, "padding");
}

static void type_text(FILE *out, const struct kt_type_description *d)
{
	if (is_composite(d)) {
		const char *keyword = d->kind == KT_DESCRIBED_UNION ? "union" : "struct";
		fprintf(out, "/*     offset |   size */  type = %s {\n", d->tag ? d->name : keyword);
		layout_text(out, d, 0, 0);
		fprintf(out, "\n%s    /* total size (bytes): %llu */\n%s  }\n", COLUMN_BLANK,
			(unsigned long long)d->size, COLUMN_BLANK);
	} else if (d->kind == KT_DESCRIBED_ENUM) {
		fprintf(out, "%s {\n", d->name);
		for (size_t i = 0; i < d->n_enumerators; i++)
			fprintf(out, d->is_signed ? "    %s = %lld,\n" : "    %s = %llu,\n",
				d->enumerators[i].name, (long long)d->enumerators[i].value);
		fprintf(out, "};  /* size: %llu */\n", (unsigned long long)d->size);
	} else if (d->kind == KT_DESCRIBED_TYPEDEF) {
		fprintf(out, "%s;  /* size: %llu */\n", d->declaration, (unsigned long long)d->size);
		if (d->target)
			type_text(out, d->target);
	} else {
		fprintf(out, "type = %s  /* size: %llu */\n", d->name, (unsigned long long)d->size);
	}
}

static const char *origin_text(enum kt_type_origin origin)
{
	switch (origin) {
	case KT_TYPE_ORIGIN_KTRIAGE:
		return "ktriage's list of well-known globals";
	case KT_TYPE_ORIGIN_DWARF:
		return "DWARF";
	case KT_TYPE_ORIGIN_GIVEN:
		return "the caller";
	default:
		return "BTF";
	}
}

static void declaration_text(FILE *out, const struct kt_declaration *decl)
{
	switch (decl->kind) {
	case KT_DECLARATION_TYPE:
		type_text(out, decl->type);
		break;
	case KT_DECLARATION_FUNCTION:
		fprintf(out, "%s;  /* function at 0x%llx; type from %s */\n", decl->declaration,
			(unsigned long long)decl->address,
			decl->types_source == KT_TYPES_FROM_DWARF ? "DWARF" : "BTF");
		break;
	default:
		fprintf(out, "%s;  /* %llu bytes, %s 0x%llx; type from %s */\n", decl->declaration,
			(unsigned long long)decl->type->size,
			decl->kind == KT_DECLARATION_PERCPU_VARIABLE ? "per-CPU offset" : "at",
			(unsigned long long)decl->address, origin_text(decl->type_origin));
		break;
	}
}

static void type_json(FILE *out, const struct kt_type_description *d);

static void members_json(FILE *out, const struct kt_type_description *d)
{
	kt_json_key(out, "members");
	putc('[', out);
	for (size_t i = 0; i < d->n_members; i++) {
		const struct kt_type_member *m = &d->members[i];
		fputs(i ? ", {\"name\": " : "{\"name\": ", out);
		kt_json_string(out, m->name);
		kt_json_key(out, "type");
		kt_json_string(out, m->type);
		fprintf(out, ", \"offset\": %llu, \"size\": %llu", (unsigned long long)m->offset,
			(unsigned long long)m->size);
		if (m->bit_size)
			fprintf(out, ", \"bit_offset\": %u, \"bit_size\": %u", m->bit_offset,
				m->bit_size);
		else if (m->expanded)
			members_json(out, m->expanded);
		putc('}', out);
	}
	putc(']', out);
}

/* A type's members after its name (no braces). */
static void type_json_members(FILE *out, const struct kt_type_description *d)
{
	fputs("\"name\": ", out);
	kt_json_string(out, d->name);
	kt_json_key(out, "kind");
	kt_json_string(out, kt_type_description_kind_name(d->kind));
	kt_json_key(out, "size");
	fprintf(out, "%llu", (unsigned long long)d->size);
	if (is_composite(d)) {
		members_json(out, d);
	} else if (d->kind == KT_DESCRIBED_ENUM) {
		kt_json_key(out, "enumerators");
		putc('[', out);
		for (size_t i = 0; i < d->n_enumerators; i++) {
			fputs(i ? ", {\"name\": " : "{\"name\": ", out);
			kt_json_string(out, d->enumerators[i].name);
			fprintf(out, d->is_signed ? ", \"value\": %lld}" : ", \"value\": %llu}",
				(long long)d->enumerators[i].value);
		}
		putc(']', out);
	} else if (d->kind == KT_DESCRIBED_TYPEDEF) {
		kt_json_key(out, "type");
		kt_json_string(out, d->target_type);
		if (d->target) {
			kt_json_key(out, "target");
			type_json(out, d->target);
		}
	} else if (d->kind == KT_DESCRIBED_FUNCTION && d->return_type) {
		kt_json_key(out, "return_type");
		kt_json_string(out, d->return_type);
		kt_json_key(out, "params");
		putc('[', out);
		for (size_t i = 0; i < d->n_params; i++) {
			fputs(i ? ", {\"name\": " : "{\"name\": ", out);
			kt_json_string(out, d->params[i].name);
			kt_json_key(out, "type");
			kt_json_string(out, d->params[i].type);
			putc('}', out);
		}
		putc(']', out);
		kt_json_key(out, "variadic");
		kt_json_bool(out, d->variadic);
	}
}

static void type_json(FILE *out, const struct kt_type_description *d)
{
	putc('{', out);
	type_json_members(out, d);
	putc('}', out);
}

static void declaration_json(FILE *out, const struct kt_declaration *decl)
{
	kt_json_document_begin(out);
	fputs(", ", out);
	if (decl->kind == KT_DECLARATION_TYPE) {
		type_json_members(out, decl->type);
	} else {
		bool function = decl->kind == KT_DECLARATION_FUNCTION;
		fputs("\"name\": ", out);
		kt_json_string(out, decl->name);
		kt_json_key(out, "kind");
		kt_json_string(out, function ? "function" : "variable");
		kt_json_key(out, "type");
		kt_json_string(out, decl->type->name);
		kt_json_key(out, "size");
		fprintf(out, "%llu", (unsigned long long)decl->type->size);
		kt_json_key(out, "address");
		fprintf(out, "\"0x%llx\"", (unsigned long long)decl->address);
		if (function) {
			kt_json_key(out, "prototype");
			kt_json_string(out, decl->declaration);
			kt_json_key(out, "return_type");
			kt_json_string(out, decl->type->return_type);
			kt_json_key(out, "params");
			putc('[', out);
			for (size_t i = 0; i < decl->type->n_params; i++) {
				fputs(i ? ", {\"name\": " : "{\"name\": ", out);
				kt_json_string(out, decl->type->params[i].name);
				kt_json_key(out, "type");
				kt_json_string(out, decl->type->params[i].type);
				putc('}', out);
			}
			putc(']', out);
			kt_json_key(out, "variadic");
			kt_json_bool(out, decl->type->variadic);
		} else {
			kt_json_key(out, "percpu");
			kt_json_bool(out, decl->kind == KT_DECLARATION_PERCPU_VARIABLE);
		}
		kt_json_key(out, "type_source");
		kt_json_string(out, kt_type_origin_name(decl->type_origin));
	}
	kt_json_key(out, "declaration_kind");
	kt_json_string(out, kt_declaration_kind_name(decl->kind));
	kt_json_key(out, "object_file");
	kt_json_string(out, decl->object_file);
	kt_json_key(out, "types_from");
	kt_json_string(out, kt_types_source_name(decl->types_source));
	fputs("}\n", out);
}

void kt_declaration_render(FILE *out, enum kt_format format, const struct kt_declaration *decl)
{
	if (format == KT_FORMAT_JSON)
		declaration_json(out, decl);
	else
		declaration_text(out, decl);
}

struct kt_error *kt_type_describe(struct kt_program *prog, const char *name,
				  const struct kt_value_options *opts, char **ret)
{
	struct kt_declaration *decl;
	struct kt_error *err = kt_declaration_read(prog, name, opts, &decl);
	if (err)
		return err;
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	if (mem) {
		kt_declaration_render(mem, opts && opts->json ? KT_FORMAT_JSON : KT_FORMAT_TEXT, decl);
		bool failed = ferror(mem);
		if (fclose(mem) || failed) {
			free(buf);
			buf = NULL;
		}
	}
	kt_declaration_destroy(decl);
	if (!buf)
		return &kt_enomem;
	*ret = buf;
	return NULL;
}
