// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "sym/type_read.h"

enum {
	PAGE = 4096,
	STRING_MAX = 256,  /* bytes shown behind a char * */
	CHARS_MAX = 4096,  /* bytes shown of a char array */
};
/* kallsyms has no sizes: a pointer further than this past a symbol is not named after it. */
static const uint64_t SYMBOL_REACH = 1ull << 20;
static char VIEW_NOMEM[] = "out of memory";

struct kt_error *kt_type_view_init(struct kt_type_view *v, struct kt_reader *reader, uint64_t addr,
				   uint64_t size)
{
	*v = (struct kt_type_view){.reader = reader, .start = addr & ~(uint64_t)(PAGE - 1)};
	v->npages = (addr + size - v->start + PAGE - 1) / PAGE;
	v->pages = calloc(v->npages, sizeof(*v->pages));
	v->why = calloc(v->npages, sizeof(*v->why));
	if (!v->pages || !v->why) {
		kt_type_view_deinit(v);
		return &kt_enomem;
	}
	return NULL;
}

void kt_type_view_deinit(struct kt_type_view *v)
{
	for (size_t i = 0; v->pages && i < v->npages; i++)
		free(v->pages[i]);
	for (size_t i = 0; v->why && i < v->npages; i++)
		if (v->why[i] != VIEW_NOMEM)
			free(v->why[i]);
	free(v->pages);
	free(v->why);
}

bool kt_type_view_nomem(const char *why)
{
	return why == VIEW_NOMEM;
}

static void view_load(struct kt_type_view *v, size_t i)
{
	uint8_t *page = malloc(PAGE);
	if (!page) {
		v->why[i] = VIEW_NOMEM;
		return;
	}
	struct kt_error *err = kt_read(v->reader, v->start + i * PAGE, page, PAGE);
	if (!err) {
		v->pages[i] = page;
		return;
	}
	free(page);
	// The reader says "0x<page>: reason"; the member's own address is what the reader of the
	// print-out knows, so keep the reason alone.
	const char *msg = kt_error_message(err), *colon = strstr(msg, ": ");
	if (!strncmp(msg, "0x", 2) && colon)
		msg = colon + 2;
	v->why[i] = err == &kt_enomem ? VIEW_NOMEM : strdup(msg);
	if (!v->why[i])
		v->why[i] = VIEW_NOMEM;
	kt_error_destroy(err);
}

const char *kt_type_view_read(struct kt_type_view *v, uint64_t addr, size_t len, void *buf)
{
	uint8_t *out = buf;
	while (len) {
		uint64_t i = (addr - v->start) / PAGE;
		if (addr < v->start || i >= v->npages)
			return "outside the object";
		if (!v->pages[i] && !v->why[i])
			view_load(v, i);
		if (v->why[i])
			return v->why[i];
		size_t in = addr % PAGE, n = PAGE - in < len ? PAGE - in : len;
		memcpy(out, v->pages[i] + in, n);
		out += n, addr += n, len -= n;
	}
	return NULL;
}

bool kt_type_is_char(const struct btf *btf, uint32_t id)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	while (t && (btf_is_mod(t) || btf_is_type_tag(t)))
		t = btf__type_by_id(btf, t->type);
	const char *name = t && btf_is_int(t) ? btf__name_by_offset(btf, t->name_off) : NULL;
	return name && !strcmp(name, "char");
}

static void name_pointer(struct kt_value_reader *rd, struct kt_scalar *sc)
{
	const struct kt_symbol *sym = rd->ks ? kt_kallsyms_by_address(rd->ks, sc->u) : NULL;
	if (!sym || (rd->kernel_end && sc->u >= rd->kernel_end) ||
	    sc->u - sym->address > SYMBOL_REACH)
		return;
	if (sc->u == sym->address)
		snprintf(sc->symbol, sizeof(sc->symbol), "%s", sym->name);
	else
		snprintf(sc->symbol, sizeof(sc->symbol), "%s+0x%llx", sym->name,
			 (unsigned long long)(sc->u - sym->address));
}

/* What a char * points at, when it can be read: gdb shows it, and so do we. */
static void read_string(struct kt_value_reader *rd, struct kt_scalar *sc)
{
	char *s = NULL;
	struct kt_error *err = kt_read_cstr(rd->view.reader, sc->u, STRING_MAX, &s);
	if (!err) {
		sc->string = s;
		sc->string_len = strlen(s);
		return;
	}
	bool too_long = kt_error_code(err) == KT_ERROR_LIMIT;
	kt_error_destroy(err);
	if (!too_long || !(s = malloc(STRING_MAX)))
		return;
	if ((err = kt_read(rd->view.reader, sc->u, s, STRING_MAX))) {
		kt_error_destroy(err);
		free(s);
		return;
	}
	sc->string = s;
	sc->string_len = STRING_MAX;
	sc->string_cut = true;
}

static void decode_enum(const struct btf *btf, const struct btf_type *t, struct kt_scalar *sc)
{
	uint64_t mask = t->size < 8 ? (1ull << (t->size * 8)) - 1 : ~0ull;
	sc->kind = KT_SC_ENUM;
	for (uint16_t i = 0; i < btf_vlen(t); i++) {
		uint64_t v;
		const char *name;
		if (btf_is_enum(t)) {
			v = (uint64_t)(int64_t)btf_enum(t)[i].val;
			name = btf__name_by_offset(btf, btf_enum(t)[i].name_off);
		} else {
			v = btf_enum64_value(btf_enum64(t) + i);
			name = btf__name_by_offset(btf, btf_enum64(t)[i].name_off);
		}
		if ((v & mask) == (sc->u & mask)) {
			sc->enumerator = name;
			return;
		}
	}
}

const char *kt_scalar_shape(const struct btf *btf, uint32_t id, uint32_t bit_off,
			    uint32_t bit_size, struct kt_scalar_shape *ret)
{
	const struct btf_type *t = btf__type_by_id(btf, kt_type_strip(btf, id));
	if (!t || !(btf_is_int(t) || btf_is_any_enum(t) || btf_is_ptr(t) || btf_is_float(t)))
		return "not a scalar";
	uint32_t size = btf_is_ptr(t) ? 8 : t->size;
	if (btf_is_int(t) && !bit_size && (btf_int_offset(t) || btf_int_bits(t) != size * 8)) {
		bit_off = btf_int_offset(t);  // the old BTF encoding of a bitfield
		bit_size = btf_int_bits(t);
	}
	size_t len = bit_size ? (bit_off + bit_size + 7) / 8 : size;
	if (!len || len > 16 || bit_size > 128)
		return "a scalar of a size ktriage does not read";
	*ret = (struct kt_scalar_shape){
		.type = t,
		.size = size,
		.bit_off = bit_off,
		.bit_size = bit_size,
		.len = len,
		.width = bit_size ? bit_size : size * 8,
		.is_signed = (btf_is_int(t) && (btf_int_encoding(t) & BTF_INT_SIGNED)) ||
			     (btf_is_any_enum(t) && btf_kflag(t)),
	};
	return NULL;
}

unsigned __int128 kt_scalar_bits(const struct kt_scalar_shape *shape, const uint8_t *buf)
{
	uint8_t bytes[16] = {0};
	memcpy(bytes, buf, shape->len);
	unsigned __int128 raw;
	memcpy(&raw, bytes, sizeof(raw));  // x86_64 is little-endian
	if (shape->bit_size) {
		raw >>= shape->bit_off;
		if (shape->bit_size < 128)
			raw &= ((unsigned __int128)1 << shape->bit_size) - 1;
	}
	unsigned int width = shape->width;
	if (shape->is_signed && width < 128 && (raw >> (width - 1) & 1))
		raw |= ~(unsigned __int128)0 << width;  // sign-extend
	return raw;
}

void kt_scalar_read(struct kt_value_reader *rd, uint32_t id, uint64_t addr, uint32_t bit_off,
		    uint32_t bit_size, struct kt_scalar *sc)
{
	const struct btf *btf = rd->btf;
	struct kt_scalar_shape shape;
	*sc = (struct kt_scalar){.kind = KT_SC_NONE};
	const char *why = kt_scalar_shape(btf, id, bit_off, bit_size, &shape);
	if (why) {
		if (strcmp(why, "not a scalar"))
			sc->error = why;
		return;
	}
	const struct btf_type *t = shape.type;
	uint32_t size = shape.size;
	uint8_t buf[16] = {0};
	if ((sc->error = kt_type_view_read(&rd->view, addr, shape.len, buf)))
		return;
	unsigned __int128 raw = kt_scalar_bits(&shape, buf);
	sc->u = (uint64_t)raw;
	// The upper half of a 128-bit integer; the sign extension of a narrower one is not shown.
	sc->hi = shape.width > 64 ? (uint64_t)(raw >> 64) : 0;
	sc->is_signed = shape.is_signed;
	sc->width = shape.width;
	if (btf_is_ptr(t)) {
		sc->kind = KT_SC_PTR;
		name_pointer(rd, sc);
		if (sc->u && kt_type_is_char(btf, t->type))
			read_string(rd, sc);
	} else if (btf_is_any_enum(t)) {
		decode_enum(btf, t, sc);
	} else if (btf_is_float(t) && (size == 4 || size == 8)) {
		float f;
		sc->kind = KT_SC_FLOAT;
		if (size == 4) {
			memcpy(&f, buf, sizeof(f));
			sc->f = f;
		} else {
			memcpy(&sc->f, buf, sizeof(sc->f));
		}
	} else if (size == 16 && !shape.bit_size) {
		sc->kind = KT_SC_WIDE;
	} else {
		sc->kind = btf_is_int(t) && (btf_int_encoding(t) & BTF_INT_BOOL) ? KT_SC_BOOL
										   : KT_SC_INT;
		sc->is_char = !shape.bit_size && kt_type_is_char(btf, id);
	}
}

const char *kt_type_read_chars(struct kt_value_reader *rd, uint64_t addr, uint32_t n,
			       uint8_t **ret, size_t *len_ret, bool *cut)
{
	size_t len = n < CHARS_MAX ? n : CHARS_MAX;
	uint8_t *s = malloc(len + 1);
	if (!s)
		return VIEW_NOMEM;
	const char *why = kt_type_view_read(&rd->view, addr, len, s);
	if (why) {
		free(s);
		return why;
	}
	uint8_t *nul = memchr(s, 0, len);
	*cut = !nul && len < n;
	*len_ret = nul ? (size_t)(nul - s) : len;
	*ret = s;
	return NULL;
}
