// SPDX-License-Identifier: MIT
/*
 * Memory (rd) as crash's rd shows it: two 64-bit words (or 4, 8, 16 smaller values) per line
 * with the bytes as ASCII, or with symbols the names of the values that point into code or
 * data; and as JSON (docs/json.md, "rd"). Memory that could not be read ends the rows.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "ktriage.h"
#include "report/json.h"
#include "report/render.h"

enum { LINE_BYTES = 16 };

static uint64_t value_at(const struct kt_memory_rows *rows, size_t off)
{
	uint64_t v = 0;
	memcpy(&v, rows->bytes + off, rows->size);  // x86_64 is little-endian, as the dump is
	return v;
}

/* A value as -d, -D or hex show it, in width columns (0: as wide as it is). */
static void value_text(FILE *out, const struct kt_memory_rows *rows, size_t off, int width)
{
	uint64_t v = value_at(rows, off);
	unsigned int bits = rows->size * 8;
	if (rows->format == KT_MEMORY_SIGNED) {
		int64_t sv = bits < 64 && (v >> (bits - 1)) & 1 ? (int64_t)(v | ~0ull << bits) : (int64_t)v;
		fprintf(out, "%*lld", width, (long long)sv);
	} else if (rows->format == KT_MEMORY_UNSIGNED) {
		fprintf(out, "%*llu", width, (unsigned long long)v);
	} else {
		fprintf(out, rows->gdb ? "0x%0*llx" : "%0*llx", (int)rows->size * 2, (unsigned long long)v);
	}
}

/* gdb's "0xffffffff82a0c940 <init_task+16>:" */
static void gdb_label(FILE *out, const struct kt_memory_rows *rows, size_t index)
{
	const struct kt_symbol_lookup *s = rows->labels ? &rows->labels[index] : NULL;
	fprintf(out, "0x%016llx", (unsigned long long)(rows->address + index * rows->size));
	if (s && s->name)
		fprintf(out, s->offset ? " <%s+%llu>" : " <%s>", s->name, (unsigned long long)s->offset);
	putc(':', out);
}

/* x/FMT as gdb prints it: a label, then tab-separated values; x/s a C string. */
static void gdb_text(FILE *out, const struct kt_memory_rows *rows)
{
	if (rows->format == KT_MEMORY_STRING) {
		gdb_label(out, rows, 0);
		fputs("\t\"", out);
		for (size_t i = 0; i < rows->len; i++) {
			unsigned char c = rows->bytes[i];
			if (c == '"' || c == '\\')
				fprintf(out, "\\%c", c);
			else if (c == '\n')
				fputs("\\n", out);
			else if (c == '\t')
				fputs("\\t", out);
			else if (c >= 0x20 && c < 0x7f)
				putc(c, out);
			else
				fprintf(out, "\\%03o", c);
		}
		fputs("\"\n", out);
		return;
	}
	size_t per_line = (rows->size == 1 ? 8 : 16) / rows->size, n = rows->len / rows->size;
	for (size_t i = 0; i < n; i++) {
		if (i % per_line == 0) {
			if (i)
				putc('\n', out);
			gdb_label(out, rows, i);
		}
		putc('\t', out);
		value_text(out, rows, i * rows->size, 0);
	}
	if (n)
		putc('\n', out);
}

/* rd -a: the characters, 60 to a line, each line after its address. */
static void string_text(FILE *out, const struct kt_memory_rows *rows)
{
	for (size_t line = 0; line < rows->len; line += 60) {
		size_t n = rows->len - line < 60 ? rows->len - line : 60;
		fprintf(out, "%016llx:  %.*s\n", (unsigned long long)(rows->address + line), (int)n,
			(const char *)rows->bytes + line);
	}
}

void kt_memory_rows_text(FILE *out, const struct kt_memory_rows *rows)
{
	if (rows->gdb) {
		gdb_text(out, rows);
		return;
	}
	if (rows->format == KT_MEMORY_STRING) {
		string_text(out, rows);
		return;
	}
	unsigned int per_line = LINE_BYTES / rows->size, width = rows->size * 2;
	for (size_t line = 0; line < rows->len; line += LINE_BYTES) {
		size_t n = rows->len - line < LINE_BYTES ? (rows->len - line) / rows->size : per_line;
		if (!n)
			break;
		fprintf(out, "%016llx: ", (unsigned long long)(rows->address + line));
		for (size_t i = 0; i < n; i++) {
			size_t off = line + i * rows->size;
			const struct kt_symbol_lookup *sym = rows->symbols ? &rows->symbols[off / 8] : NULL;
			if (sym && sym->name) {
				char name[256];
				snprintf(name, sizeof(name), sym->offset ? "%s+%llu" : "%s", sym->name,
					 (unsigned long long)sym->offset);
				fprintf(out, " %-*s", i + 1 < n ? 16 : 0, name);
			} else {
				putc(' ', out);
				value_text(out, rows, off, (int)width);
			}
		}
		if (!rows->symbols && !rows->no_ascii && rows->format == KT_MEMORY_HEX) {
			fprintf(out, "%*s   ", (int)((per_line - n) * (width + 1)), "");
			for (size_t b = 0; b < n * rows->size; b++) {
				unsigned char c = rows->bytes[line + b];
				putc(isprint(c) && c < 0x7f ? c : '.', out);
			}
		}
		putc('\n', out);
	}
}

void kt_memory_rows_json_members(FILE *out, const struct kt_memory_rows *rows)
{
	static const char *const spaces[] = {[KT_KVADDR] = "virtual", [KT_KPHYSADDR] = "physical",
					      [KT_UVADDR] = "user"};
	fprintf(out, ", \"address\": \"0x%016llx\", \"space\": \"%s\",", (unsigned long long)rows->address,
		spaces[rows->space]);
	if (rows->space == KT_UVADDR)
		fprintf(out, " \"task\": \"0x%llx\",", (unsigned long long)rows->task);
	fprintf(out, " \"size\": %u,\n \"values\": [", rows->size);
	size_t n = rows->len / rows->size;
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%s\"0x%0*llx\"", i ? ", " : "", (int)rows->size * 2,
			(unsigned long long)value_at(rows, i * rows->size));
	putc(']', out);
	if (rows->symbols) {
		fputs(",\n \"symbols\": [", out);
		for (size_t i = 0; i < n; i++) {
			const struct kt_symbol_lookup *sym = &rows->symbols[i];
			fputs(i ? ", " : "", out);
			if (!sym->name) {
				fputs("null", out);
				continue;
			}
			fputs("{\"symbol\": ", out);
			kt_json_string(out, sym->name);
			fprintf(out, ", \"offset\": %llu, \"module\": ", (unsigned long long)sym->offset);
			kt_json_string(out, sym->module);
			putc('}', out);
		}
		putc(']', out);
	}
	static const char *const formats[] = {"hex", "signed", "unsigned", "string"};
	kt_json_key(out, "format");
	kt_json_string(out, formats[rows->format]);
	if (rows->format == KT_MEMORY_STRING) {
		// Bytes 0x80-0xff as U+0080-U+00FF, so that the document stays UTF-8.
		kt_json_key(out, "string");
		char *u = malloc(rows->len * 2 + 1);
		size_t n = 0;
		for (size_t i = 0; u && i < rows->len; i++) {
			unsigned char c = rows->bytes[i];
			if (c < 0x80) {
				u[n++] = (char)c;
			} else {
				u[n++] = (char)(0xc0 | c >> 6);
				u[n++] = (char)(0x80 | (c & 0x3f));
			}
		}
		if (u)
			kt_json_string_n(out, u, n);
		else
			fputs("null", out);
		free(u);
	}
	fputs(",\n", out);
	fputs(" \"error\": ", out);
	kt_json_string(out, rows->error);
	kt_json_key(out, "error_code");
	if (rows->error)
		fprintf(out, "\"%s\"", kt_error_code_name(rows->error_code));
	else
		fputs("null", out);
}

static void rows_json(FILE *out, const struct kt_memory_rows *rows)
{
	kt_json_document_begin(out);
	kt_memory_rows_json_members(out, rows);
	fputs("}\n", out);
}

void kt_memory_rows_render(FILE *out, enum kt_format format, const struct kt_memory_rows *rows)
{
	if (format == KT_FORMAT_JSON)
		rows_json(out, rows);
	else
		kt_memory_rows_text(out, rows);
}
