/* SPDX-License-Identifier: MIT */
/*
 * Reading typed values for the printers of type_print.c: an object's pages, read on first use
 * so that an unreadable page costs only the members on it, and scalars decoded from them.
 */
#ifndef KT_SYM_TYPE_READ_H
#define KT_SYM_TYPE_READ_H

#include "sym/type_print.h"

/* The pages of one object; why[i] says why page i could not be read. */
struct kt_type_view {
	struct kt_reader *reader;
	uint64_t start;
	size_t npages;
	uint8_t **pages;
	char **why;
};

/* Views [addr, addr + size). */
struct kt_error *kt_type_view_init(struct kt_type_view *v, struct kt_reader *reader, uint64_t addr,
				   uint64_t size);
void kt_type_view_deinit(struct kt_type_view *v);
/* Copies len bytes at addr: NULL, or why they cannot be read (kt_type_view_nomem() tells
 * out-of-memory apart). The string lives as long as the view. */
const char *kt_type_view_read(struct kt_type_view *v, uint64_t addr, size_t len, void *buf);
bool kt_type_view_nomem(const char *why);

/* Everything a value needs besides its own bytes. */
struct kt_value_reader {
	const struct btf *btf;
	const struct kt_kallsyms *ks; /* names pointers; may be NULL */
	uint64_t kernel_end;          /* _end: kallsyms names nothing above (modules, fixmap) */
	struct kt_type_view view;
};

/* A scalar, decoded. */
struct kt_scalar {
	const char *error;       /* unreadable: why */
	enum { KT_SC_INT, KT_SC_BOOL, KT_SC_ENUM, KT_SC_PTR, KT_SC_FLOAT, KT_SC_WIDE,
	       KT_SC_NONE } kind;
	bool is_signed;
	bool is_char;            /* a char: shown as a number and a character, as gdb does */
	uint64_t u, hi;          /* hi: the upper half of a 128-bit integer */
	unsigned int width;      /* bits: hex prints a negative int as 0xffffffff, not 64 bits */
	double f;
	const char *enumerator;
	char symbol[192];        /* "init_task+0x920", or "" */
	char *string;            /* the bytes a char * points at (allocated), or NULL */
	size_t string_len;
	bool string_cut;         /* longer than what was read */
};

/*
 * How a scalar of type id is laid out in memory, for every reader of values (the printers here,
 * kernel/object.c): the old BTF encoding of a bitfield (an INT with its own bit offset and
 * size) folded into bit_off/bit_size, and the bytes to read. NULL, or why id is not a scalar
 * ktriage reads (a struct, an array, a 32-byte integer).
 */
struct kt_scalar_shape {
	const struct btf_type *type; /* id with typedefs and qualifiers skipped */
	uint32_t size;               /* the type's bytes (8 for a pointer) */
	uint32_t bit_off, bit_size;  /* a bitfield: its bits from the first byte read; else 0 */
	size_t len;                  /* bytes to read */
	unsigned int width;          /* bits of the value: bit_size, or size * 8 */
	bool is_signed;
};
const char *kt_scalar_shape(const struct btf *btf, uint32_t id, uint32_t bit_off,
			    uint32_t bit_size, struct kt_scalar_shape *ret);
/* The value in buf (shape->len bytes, little-endian as x86_64 stores it): a bitfield's bits
 * taken out, a signed value sign-extended to 128 bits. */
unsigned __int128 kt_scalar_bits(const struct kt_scalar_shape *shape, const uint8_t *buf);

/* The scalar of type id at addr (bit_off bits further, for a bitfield of bit_size bits).
 * Free sc->string after use. */
void kt_scalar_read(struct kt_value_reader *rd, uint32_t id, uint64_t addr, uint32_t bit_off,
		    uint32_t bit_size, struct kt_scalar *sc);

/* Plain char, the kernel's string type (u8 arrays are data and print as numbers). */
bool kt_type_is_char(const struct btf *btf, uint32_t id);
/* A char array of n bytes at addr, up to its first NUL (*cut: none within what was read). */
const char *kt_type_read_chars(struct kt_value_reader *rd, uint64_t addr, uint32_t n,
			       uint8_t **ret, size_t *len_ret, bool *cut);

#endif
