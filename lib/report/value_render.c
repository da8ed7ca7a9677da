// SPDX-License-Identifier: MIT
/*
 * struct, union and p: a tree of values (struct kt_value) as crash prints it (members by name,
 * nested structs indented, runs of equal array elements as "<repeats N times>") or as JSON, one
 * node per value (docs/json.md, "Values").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "ktriage.h"
#include "report/json.h"

/* What the text says a print-out cut short (kt_value->truncated) would have taken. */
enum { TEXT_MAX = 2 << 20 };

/* C escapes, as gdb prints strings: printable ASCII as is, other bytes as \ooo. */
static void escape_text(FILE *out, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", out);
		else if (c >= 0x20 && c < 0x7f)
			putc(c, out);
		else
			fprintf(out, "\\%03o", c);
	}
}

static void scalar_text(FILE *out, const struct kt_value *v)
{
	switch (v->kind) {
	case KT_VALUE_UNREADABLE:
		fprintf(out, "<unreadable: %s>", v->error);
		return;
	case KT_VALUE_BOOL:
		if (v->u <= 1) {
			fputs(v->u ? "true" : "false", out);
			break;
		}
		__attribute__((fallthrough));  // a bool that is neither is worth seeing as a number
	case KT_VALUE_INT:
		if (v->hex)
			fprintf(out, "0x%llx", (unsigned long long)(v->width < 64 ?
				v->u & ((1ull << v->width) - 1) : v->u));
		else
			fprintf(out, v->is_signed ? "%lld" : "%llu", (long long)v->u);
		if (v->is_char) {
			char c = (char)v->u;
			fputs(" '", out);
			escape_text(out, &c, 1);
			putc('\'', out);
		}
		break;
	case KT_VALUE_ENUM:
		if (v->enumerator)
			fputs(v->enumerator, out);
		else
			fprintf(out, v->is_signed ? "%lld" : "%llu", (long long)v->u);
		break;
	case KT_VALUE_POINTER:
		fprintf(out, "0x%llx", (unsigned long long)v->u);
		if (v->symbol)
			fprintf(out, " <%s>", v->symbol);
		if (v->string) {
			fputs(" \"", out);
			escape_text(out, v->string, v->string_len);
			fprintf(out, "\"%s", v->string_cut ? "..." : "");
		}
		break;
	case KT_VALUE_FLOAT:
		fprintf(out, "%g", v->f);
		break;
	case KT_VALUE_WIDE:
		fprintf(out, "0x%016llx%016llx", (unsigned long long)v->hi, (unsigned long long)v->u);
		break;
	case KT_VALUE_NONE:
		fputs("<no value>", out);
		break;
	default:
		break;
	}
}

static void value_text(FILE *out, const struct kt_value *v, int indent);
static void composite_text(FILE *out, const struct kt_value *v, int indent);

/* struct -p: a pointer member at indent as crash shows it, "struct mm_struct *mm = 0x..." and,
 * under it, the object it points to ("-> <init_task> {" ... "}"); true if it was such a member. */
static bool deref_text(FILE *out, const struct kt_value *c, int indent)
{
	if (!c->declaration)
		return false;
	fprintf(out, "%s = 0x%llx\n", c->declaration, (unsigned long long)c->u);
	if (c->target) {
		fprintf(out, "%*s-> ", indent, "");
		if (c->symbol && !strchr(c->symbol, '+'))  // crash names a symbol's own address only
			fprintf(out, "<%s> ", c->symbol);
		composite_text(out, c->target, indent + 3);
		putc('\n', out);
	} else if (c->target_error) {
		fprintf(out, "%*s-> <unreadable: %s>\n", indent, "", c->target_error);
	}
	return true;
}

static void composite_text(FILE *out, const struct kt_value *v, int indent)
{
	fputs("{\n", out);
	for (size_t i = 0; i < v->n_children; i++) {
		const struct kt_value *c = &v->children[i];
		fprintf(out, "%*s", indent + 2, "");
		if (deref_text(out, c, indent + 2))
			continue;
		if (c->name && *c->name)
			fprintf(out, "%s = ", c->name);
		value_text(out, c, indent + 2);
		fputs(i + 1 < v->length ? ",\n" : "\n", out);  // length: the type's members
	}
	fprintf(out, "%*s}", indent, "");
}

static void array_text(FILE *out, const struct kt_value *v, int indent)
{
	bool nested = v->nested;
	fputs(nested ? "{\n" : "{", out);
	uint32_t index = 0;
	for (size_t i = 0; i < v->n_children; i++) {
		const struct kt_value *c = &v->children[i];
		if (nested) {
			fprintf(out, "%*s[%u] = ", indent + 2, "", index);
			value_text(out, c, indent + 2);
			fputs(index + 1 < v->length ? ",\n" : "\n", out);
		} else {
			if (i)
				fputs(", ", out);
			value_text(out, c, indent);
			if (c->repeats > 1)
				fprintf(out, " <repeats %u times>", c->repeats);
		}
		index += c->repeats;
	}
	if (v->text_more)
		fprintf(out, nested ? "%*s... %u more\n" : "%*s, ... %u more",
			nested ? indent + 2 : 0, "", v->text_more);
	if (nested)
		fprintf(out, "%*s}", indent, "");
	else
		putc('}', out);
}

static void value_text(FILE *out, const struct kt_value *v, int indent)
{
	switch (v->kind) {
	case KT_VALUE_STRUCT:
		composite_text(out, v, indent);
		break;
	case KT_VALUE_ARRAY:
		array_text(out, v, indent);
		break;
	case KT_VALUE_CHARS:
		if (v->error) {
			fprintf(out, "<unreadable: %s>", v->error);
			break;
		}
		putc('"', out);
		escape_text(out, v->string, v->string_len);
		fprintf(out, "\"%s", v->string_cut ? "..." : "");
		break;
	case KT_VALUE_TOO_DEEP:
		fputs("<nested too deep>", out);
		break;
	case KT_VALUE_MEMBERS:
		break;
	default:
		scalar_text(out, v);
		break;
	}
}

static void top_text(FILE *out, const struct kt_value *v)
{
	if (v->kind == KT_VALUE_MEMBERS) {
		for (size_t i = 0; i < v->n_children; i++) {
			fputs("  ", out);
			if (deref_text(out, &v->children[i], 2))
				continue;
			fprintf(out, "%s = ", v->children[i].name);
			value_text(out, &v->children[i], 2);
			putc('\n', out);
		}
	} else {
		fprintf(out, v->name ? "%s = " : "%s ", v->name ? v->name : v->type);
		value_text(out, v, 0);
		putc('\n', out);
	}
	if (v->truncated)
		fprintf(out, "\n<output limit reached (%d bytes): print a member path>\n", TEXT_MAX);
}

/* Bytes as a JSON string: bytes 0x80-0xff become U+0080-U+00FF, so the document stays UTF-8. */
static void json_bytes(FILE *out, const char *s, size_t len)
{
	char *u = malloc(len * 2 + 1);
	if (!u) {
		fputs("null", out);
		return;
	}
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x80) {
			u[n++] = (char)c;
		} else {
			u[n++] = (char)(0xc0 | c >> 6);
			u[n++] = (char)(0x80 | (c & 0x3f));
		}
	}
	kt_json_string_n(out, u, n);
	free(u);
}

static void json_hex(FILE *out, uint64_t v)
{
	fprintf(out, "\"0x%llx\"", (unsigned long long)v);
}

static void scalar_json(FILE *out, const struct kt_value *v)
{
	kt_json_key(out, "value");
	switch (v->kind) {
	case KT_VALUE_BOOL:
		if (v->u <= 1)
			kt_json_bool(out, v->u != 0);
		else
			fprintf(out, "%llu", (unsigned long long)v->u);
		break;
	case KT_VALUE_INT:
	case KT_VALUE_ENUM:
		fprintf(out, v->is_signed ? "%lld" : "%llu", (long long)v->u);
		if (v->enumerator) {
			kt_json_key(out, "enumerator");
			kt_json_string(out, v->enumerator);
		}
		break;
	case KT_VALUE_POINTER:
		json_hex(out, v->u);
		if (v->symbol) {
			kt_json_key(out, "symbol");
			kt_json_string(out, v->symbol);
		}
		if (v->string) {
			kt_json_key(out, "string");
			json_bytes(out, v->string, v->string_len);
		}
		break;
	case KT_VALUE_FLOAT:
		fprintf(out, "%.17g", v->f);
		break;
	case KT_VALUE_WIDE:
		fprintf(out, "\"0x%016llx%016llx\"", (unsigned long long)v->hi,
			(unsigned long long)v->u);
		break;
	case KT_VALUE_UNREADABLE:
		fputs("null", out);
		kt_json_key(out, "error");
		kt_json_string(out, v->error);
		break;
	case KT_VALUE_TOO_DEEP:
		fputs("null", out);
		kt_json_key(out, "error");
		kt_json_string(out, "nested too deep");
		break;
	default:
		fputs("null", out);
		break;
	}
}

static void value_json(FILE *out, const struct kt_value *v, const char *name, uint64_t offset);

/* {name, type, offset, size}: every value node starts so (without its brace). */
static void node_json(FILE *out, const struct kt_value *v, const char *name, uint64_t offset)
{
	fputs("\"name\": ", out);
	kt_json_string(out, name ? name : "");
	kt_json_key(out, "type");
	kt_json_string(out, v->type ? v->type : "?");
	kt_json_key(out, "offset");
	fprintf(out, "%llu", (unsigned long long)offset);
	kt_json_key(out, "size");
	fprintf(out, "%llu", (unsigned long long)v->size);
	if (v->top) {
		kt_json_key(out, "address");
		json_hex(out, v->address);
	}
	if (v->computed) {
		kt_json_key(out, "computed");
		kt_json_bool(out, true);
	}
	if (v->bit_size) {
		kt_json_key(out, "bit_offset");
		fprintf(out, "%u", v->bit_offset);
		kt_json_key(out, "bit_size");
		fprintf(out, "%u", v->bit_size);
	}
}

static void array_json(FILE *out, const struct kt_value *v)
{
	uint32_t index = 0;
	bool first = true;
	kt_json_key(out, "value");
	putc('[', out);
	// The JSON lists every element up to array_max: a run of equal ones is written out.
	for (size_t i = 0; i < v->n_children && index < v->array_max; i++) {
		const struct kt_value *c = &v->children[i];
		for (uint32_t k = 0; k < c->repeats && index < v->array_max; k++, index++) {
			char name[24];
			snprintf(name, sizeof(name), "[%u]", index);
			fputs(first ? "" : ", ", out);
			first = false;
			value_json(out, c, name, c->offset + (uint64_t)k * c->size);
		}
	}
	putc(']', out);
	if (v->omitted) {
		kt_json_key(out, "omitted");
		fprintf(out, "%u", v->omitted);
	}
}

static void children_json(FILE *out, const struct kt_value *v)
{
	kt_json_key(out, "value");
	putc('[', out);
	for (size_t i = 0; i < v->n_children; i++) {
		fputs(i ? ", " : "", out);
		value_json(out, &v->children[i], v->children[i].name, v->children[i].offset);
	}
	putc(']', out);
}

/* A value node's members, without braces. */
static void value_json_members(FILE *out, const struct kt_value *v, const char *name,
			       uint64_t offset)
{
	node_json(out, v, name, offset);
	switch (v->kind) {
	case KT_VALUE_STRUCT:
	case KT_VALUE_MEMBERS:
		children_json(out, v);
		break;
	case KT_VALUE_ARRAY:
		array_json(out, v);
		break;
	case KT_VALUE_CHARS:
		kt_json_key(out, "value");
		if (v->error) {
			fputs("null", out);
			kt_json_key(out, "error");
			kt_json_string(out, v->error);
		} else {
			json_bytes(out, v->string, v->string_len);
		}
		break;
	default:
		scalar_json(out, v);
		break;
	}
	if (v->top && v->truncated) {
		kt_json_key(out, "truncated");
		kt_json_bool(out, true);
	}
	if (v->declaration) {  // struct -p
		kt_json_key(out, "declaration");
		kt_json_string(out, v->declaration);
		kt_json_key(out, "target");
		if (v->target)
			value_json(out, v->target, NULL, 0);
		else
			fputs("null", out);
		kt_json_key(out, "target_error");
		kt_json_string(out, v->target_error);
	}
}

static void value_json(FILE *out, const struct kt_value *v, const char *name, uint64_t offset)
{
	putc('{', out);
	value_json_members(out, v, name, offset);
	putc('}', out);
}

void kt_value_json(FILE *out, const struct kt_value *value)
{
	value_json(out, value, value->name, value->offset);
}

void kt_value_render(FILE *out, enum kt_format format, const struct kt_value *value)
{
	if (format == KT_FORMAT_TEXT) {
		top_text(out, value);
		return;
	}
	kt_json_document_begin(out);
	fputs(", ", out);
	value_json_members(out, value, value->name, value->offset);
	fputs("}\n", out);
}

void kt_expr_result_render(FILE *out, enum kt_format format, const struct kt_expr_result *result)
{
	if (result->percpu_list) {
		if (format == KT_FORMAT_TEXT) {
			fprintf(out, "PER-CPU DATA TYPE:\n  %s;\nPER-CPU ADDRESSES:\n",
				result->declaration);
			for (size_t i = 0; i < result->n_cpus; i++)
				fprintf(out, "  [%u]: %llx\n", result->cpus[i].cpu,
					(unsigned long long)result->cpus[i].address);
			return;
		}
		kt_json_document_begin(out);
		kt_json_key(out, "name");
		kt_json_string(out, result->name);
		kt_json_key(out, "type");
		kt_json_string(out, result->type);
		kt_json_key(out, "percpu");
		putc('[', out);
		for (size_t i = 0; i < result->n_cpus; i++) {
			fprintf(out, "%s{\"cpu\": %u, \"address\": ", i ? ", " : "",
				result->cpus[i].cpu);
			json_hex(out, result->cpus[i].address);
			putc('}', out);
		}
		fputs("]}\n", out);
		return;
	}
	if (!result->every_cpu) {
		if (result->n_values)
			kt_value_render(out, format, result->values[0]);
		return;
	}
	if (format == KT_FORMAT_TEXT) {
		for (size_t i = 0; i < result->n_values; i++)
			top_text(out, result->values[i]);
		return;
	}
	kt_json_document_begin(out);
	kt_json_key(out, "values");
	putc('[', out);
	for (size_t i = 0; i < result->n_values; i++) {
		fputs(i ? ", " : "", out);
		value_json(out, result->values[i], result->values[i]->name,
			   result->values[i]->offset);
	}
	fputs("]}\n", out);
}

/* A result rendered into a string, for kt_value_format() and kt_expr_format(). */
static struct kt_error *to_string(void (*render)(FILE *, enum kt_format, const void *),
				  const void *result, bool json, char **ret)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	if (!mem)
		return &kt_enomem;
	render(mem, json ? KT_FORMAT_JSON : KT_FORMAT_TEXT, result);
	bool failed = ferror(mem);
	if (fclose(mem) || failed) {
		free(buf);
		return &kt_enomem;
	}
	*ret = buf;
	return NULL;
}

static void render_value(FILE *out, enum kt_format format, const void *v)
{
	kt_value_render(out, format, v);
}

static void render_expr(FILE *out, enum kt_format format, const void *r)
{
	kt_expr_result_render(out, format, r);
}

struct kt_error *kt_value_format(struct kt_program *prog, const char *type, const char *members,
				 uint64_t addr, const struct kt_value_options *opts, char **ret)
{
	struct kt_value *v;
	struct kt_error *err = kt_value_read(prog, type, members, addr, opts, &v);
	if (err)
		return err;
	err = to_string(render_value, v, opts->json, ret);
	kt_value_destroy(v);
	return err;
}

struct kt_error *kt_expr_format(struct kt_program *prog, const char *expr, const char *type,
				const struct kt_value_options *opts, char **ret)
{
	struct kt_expr_result *r;
	struct kt_error *err = kt_expr_read(prog, expr, type, opts, &r);
	if (err)
		return err;
	err = to_string(render_expr, r, opts->json, ret);
	kt_expr_result_destroy(r);
	return err;
}
