// SPDX-License-Identifier: MIT
/*
 * rd: memory as values. Read a page at a time; in a page that fails, value by value, so that
 * everything readable before the fault is kept and the error names the first unreadable value.
 * Memory that cannot be read ends the rows with the reader's reason, never with made-up zeros.
 */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "kernel/user_memory.h"
#include "ktriage.h"

enum {
	PAGE_BYTES = 4096,
	STRING_MAX = 4096,   /* a string without a count: this many bytes at most */
	LABELS_MAX = 1 << 20 /* x/FMT values at most: each line is named */
};

struct kt_memory_rows_impl {
	struct kt_memory_rows pub;
	uint8_t *bytes;
	char *error;
	struct kt_user_space user;  /* KT_UVADDR: the task's page tables, opened once */
};

static struct kt_error *read_at(struct kt_program *prog, struct kt_memory_rows_impl *m, uint64_t at,
			       void *buf, size_t len)
{
	if (m->pub.space == KT_UVADDR)
		return kt_user_space_read(prog, &m->user, at, buf, len);
	return kt_program_read(prog, at, m->pub.space, buf, len);
}

static struct kt_error *read_rows(struct kt_program *prog, struct kt_memory_rows_impl *m,
				 size_t len)
{
	struct kt_memory_rows *rows = &m->pub;
	while (rows->len < len) {
		uint64_t at = rows->address + rows->len;
		size_t chunk = PAGE_BYTES - (at & (PAGE_BYTES - 1));
		if (chunk > len - rows->len)
			chunk = len - rows->len;
		struct kt_error *err = read_at(prog, m, at, m->bytes + rows->len, chunk);
		if (!err) {
			rows->len += chunk;
			continue;
		}
		if (kt_error_code(err) != KT_ERROR_FAULT)
			return err;
		kt_error_destroy(err);
		// Value by value from the start of the value the page boundary may have split.
		size_t end = rows->len + chunk;
		rows->len -= rows->len % rows->size;
		for (; rows->len < end; rows->len += rows->size) {
			err = read_at(prog, m, rows->address + rows->len, m->bytes + rows->len, rows->size);
			if (err)
				break;
		}
		if (err) {
			if (kt_error_code(err) != KT_ERROR_FAULT)
				return err;
			m->error = strdup(kt_error_message(err));
			rows->error = m->error;
			rows->error_code = kt_error_code(err);
			kt_error_destroy(err);
			return m->error ? NULL : &kt_enomem;
		}
	}
	return NULL;
}

static struct kt_error *rows_read(struct kt_program *prog, uint64_t address,
				  enum kt_address_space space, uint64_t task, unsigned int size,
				  uint64_t count, bool symbols, struct kt_memory_rows **ret)
{
	if (size != 1 && size != 2 && size != 4 && size != 8)
		return kt_error_create(KT_ERROR_INVALID_ARGUMENT, "values of %u bytes", size);
	if (symbols && size != 8)
		return kt_error_create(KT_ERROR_INVALID_ARGUMENT, "symbols name 64-bit values only");
	if (!count || count > SIZE_MAX / size || address + count * size - 1 < address)
		return kt_error_create(KT_ERROR_INVALID_ARGUMENT,
				       "0x%llx + %llu values of %u bytes wraps around the address space",
				       (unsigned long long)address, (unsigned long long)count, size);
	struct kt_memory_rows_impl *m = calloc(1, sizeof(*m));
	size_t len = (size_t)count * size;
	if (!m || !(m->bytes = malloc(len))) {
		free(m);
		return &kt_enomem;
	}
	struct kt_memory_rows *rows = &m->pub;
	*rows = (struct kt_memory_rows){.address = address, .space = space, .task = task,
					.size = size, .bytes = m->bytes};
	struct kt_error *err = space == KT_UVADDR ? kt_user_space_open(prog, task, &m->user) : NULL;
	if (!err)
		err = read_rows(prog, m, len);
	if (!err && symbols && !(rows->symbols = calloc(rows->len / 8 + 1, sizeof(*rows->symbols))))
		err = &kt_enomem;
	for (size_t i = 0; !err && symbols && i < rows->len / 8; i++) {
		uint64_t v;
		memcpy(&v, m->bytes + 8 * i, 8);
		if (!(v >> 63))
			continue;  // user addresses and per-CPU offsets name nothing
		struct kt_symbol_lookup *s = &rows->symbols[i];
		struct kt_error *serr = kt_program_symbolize(prog, v, &s->name, &s->offset, &s->module);
		if (serr)
			*s = (struct kt_symbol_lookup){0};
		else
			s->address = v;
		kt_error_destroy(serr);
	}
	if (err) {
		kt_memory_rows_destroy(rows);
		return err;
	}
	*ret = rows;
	return NULL;
}

struct kt_error *kt_memory_rows_read(struct kt_program *prog, uint64_t address,
				     enum kt_address_space space, unsigned int size, uint64_t count,
				     bool symbols, struct kt_memory_rows **ret)
{
	return rows_read(prog, address, space, 0, size, count, symbols, ret);
}

/* Where a string ends: at its NUL (x/s), or its first byte that is not printable (rd -a). */
static size_t string_length(const struct kt_memory_rows *rows, bool c_string)
{
	for (size_t i = 0; i < rows->len; i++) {
		unsigned char c = rows->bytes[i];
		if (!c || (!c_string && (c < 0x20 || c >= 0x7f)))
			return i;
	}
	return rows->len;
}

/* gdb's x labels each line with the symbol its first address is in. */
static void label_lines(struct kt_program *prog, struct kt_memory_rows *rows, bool string)
{
	size_t line = rows->size == 1 ? 8 : 16, n = string ? 1 : rows->len / rows->size;
	for (size_t i = 0; i < n; i += line / rows->size) {
		struct kt_symbol_lookup *s = &rows->labels[i];
		uint64_t at = rows->address + i * rows->size;
		struct kt_error *err = kt_program_symbolize(prog, at, &s->name, &s->offset, &s->module);
		if (err)
			*s = (struct kt_symbol_lookup){0};
		else
			s->address = at;
		kt_error_destroy(err);
	}
}

struct kt_error *kt_memory_request_read(struct kt_program *prog,
					const struct kt_memory_request *req,
					struct kt_memory_rows **ret)
{
	bool string = req->format == KT_MEMORY_STRING;
	uint64_t count = string && !req->count ? STRING_MAX : req->count;
	if (req->gdb && count > LABELS_MAX)
		return kt_error_create(KT_ERROR_INVALID_ARGUMENT, "x: at most %d values at a time",
				       LABELS_MAX);
	struct kt_memory_rows *rows;
	if (req->space == KT_UVADDR && !req->task)
		return kt_error_create(KT_ERROR_INVALID_ARGUMENT, "user memory: whose? (no task given)");
	struct kt_error *err = rows_read(prog, req->address, req->space, req->task,
					 string ? 1 : req->size, count, req->symbols && !string, &rows);
	if (err)
		return err;
	rows->format = req->format;
	rows->no_ascii = req->no_ascii;
	rows->gdb = req->gdb;
	if (string) {
		size_t len = string_length(rows, req->gdb);
		if (len < rows->len || (rows->error && len < count)) {
			// Ended before the fault, or before the count: what follows is not the string's.
			bool ended = len < rows->len;
			rows->len = len;
			if (ended) {
				struct kt_memory_rows_impl *m = (struct kt_memory_rows_impl *)rows;
				free(m->error);
				m->error = NULL;
				rows->error = NULL;
			}
		}
	}
	if (req->gdb) {
		if (!(rows->labels = calloc(rows->len / rows->size + 1, sizeof(*rows->labels)))) {
			kt_memory_rows_destroy(rows);
			return &kt_enomem;
		}
		label_lines(prog, rows, string);
	}
	*ret = rows;
	return NULL;
}

void kt_memory_rows_destroy(struct kt_memory_rows *rows)
{
	if (!rows)
		return;
	struct kt_memory_rows_impl *m = (struct kt_memory_rows_impl *)rows;
	free(m->bytes);
	free(m->error);
	free(rows->symbols);
	free(rows->labels);
	free(m);
}
