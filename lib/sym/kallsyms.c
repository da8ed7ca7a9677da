// SPDX-License-Identifier: MIT
/*
 * kallsyms layout (scripts/kallsyms.c, kernel/kallsyms.c):
 *
 *   kallsyms_num_syms       unsigned int
 *   kallsyms_names          per symbol: a length, then that many token indices; the first
 *                           expanded character is the nm type. Lengths >= 0x80 take two bytes,
 *                           low 7 bits first (commit 73bbb94466fd "kallsyms: support "big" kernel
 *                           symbols", v6.1).
 *   kallsyms_token_table    256 NUL-terminated strings
 *   kallsyms_token_index    u16 offset of each token in the table
 *   kallsyms_offsets        s32 per symbol, in address order, relative to kallsyms_relative_base;
 *                           with CONFIG_KALLSYMS_ABSOLUTE_PERCPU (x86_64 SMP) a non-negative offset
 *                           is an absolute per-CPU address and a negative one is base - 1 - offset.
 */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/util.h"
#include "dump/vmcoreinfo.h"
#include "sym/kallsyms.h"

/* A kernel has a few hundred thousand symbols; more than this means garbage. */
static const uint32_t KALLSYMS_MAX_SYMS = 4000000;
static const size_t KALLSYMS_NAME_MAX = 512;

/* A stable LSD radix sort by address, 16 bits a pass (the vmlinux symtab is in no order:
 * 150,000 symbols took qsort 10 ms, a quarter of opening the vmlinux). Passes in which every
 * address has the same digit are skipped. */
static struct kt_error *sort_by_address(struct kt_symbol *syms, size_t n)
{
	struct kt_symbol *tmp = malloc(n * sizeof(*tmp));
	size_t *count = malloc(65536 * sizeof(*count));
	if (!tmp || !count) {
		free(tmp);
		free(count);
		return &kt_enomem;
	}
	struct kt_symbol *from = syms, *to = tmp;
	for (unsigned int shift = 0; shift < 64; shift += 16) {
		memset(count, 0, 65536 * sizeof(*count));
		for (size_t i = 0; i < n; i++)
			count[(from[i].address >> shift) & 0xffff]++;
		if (count[(from[0].address >> shift) & 0xffff] == n)
			continue;
		size_t at = 0;
		for (size_t d = 0; d < 65536; d++) {
			size_t c = count[d];
			count[d] = at;
			at += c;
		}
		for (size_t i = 0; i < n; i++)
			to[count[(from[i].address >> shift) & 0xffff]++] = from[i];
		struct kt_symbol *t = from;
		from = to;
		to = t;
	}
	if (from != syms)
		memcpy(syms, from, n * sizeof(*syms));
	free(tmp);
	free(count);
	return NULL;
}

/* x86-64 kernel addresses are the upper half of the canonical address space (Documentation/
 * arch/x86/x86_64/mm.rst): a symbol valued below it names no address (a per-CPU offset where
 * the per-CPU section is linked at 0, an absolute value such as __crc_*). */
static const uint64_t KERNEL_SPACE_START = 0xffff800000000000ull;

static struct kt_error *build_hash(struct kt_kallsyms *ks)
{
	ks->hash_size = 1;
	while (ks->hash_size < ks->n * 2)
		ks->hash_size <<= 1;
	ks->hash = calloc(ks->hash_size, sizeof(*ks->hash));
	if (!ks->hash)
		return &kt_enomem;
	for (size_t i = 0; i < ks->n; i++) {
		const struct kt_symbol *sym = &ks->syms[i];
		size_t slot = sym->name_hash & (ks->hash_size - 1);
		while (ks->hash[slot]) {
			// Keep the first of duplicate names (e.g. static functions in two files).
			const struct kt_symbol *other = &ks->syms[ks->hash[slot] - 1];
			if (other->name_hash == sym->name_hash && !strcmp(other->name, sym->name))
				goto next;
			slot = (slot + 1) & (ks->hash_size - 1);
		}
		ks->hash[slot] = (uint32_t)i + 1;
next:;
	}
	return NULL;
}

/* Sequential reader of kallsyms_names, in page-sized chunks. */
struct byte_stream {
	struct kt_reader *reader;
	uint64_t addr;
	uint8_t buf[4096];
	size_t pos, len;
};

static struct kt_error *stream_byte(struct byte_stream *s, uint8_t *ret)
{
	if (s->pos == s->len) {
		s->len = sizeof(s->buf) - (s->addr & (sizeof(s->buf) - 1));
		struct kt_error *err = kt_read(s->reader, s->addr, s->buf, s->len);
		if (err)
			return kt_error_prefix(err, "reading kallsyms_names");
		s->addr += s->len;
		s->pos = 0;
	}
	*ret = s->buf[s->pos++];
	return NULL;
}

struct kt_error *kt_kallsyms_load(struct kt_reader *reader, struct kt_kallsyms **ret)
{
	struct kt_dump *dump = reader->dump;
	uint64_t a_num, a_names, a_table, a_index, a_offsets, a_base;
	struct kt_error *err;
	if ((err = kt_vmcoreinfo_symbol(dump, "kallsyms_num_syms", &a_num)) ||
	    (err = kt_vmcoreinfo_symbol(dump, "kallsyms_names", &a_names)) ||
	    (err = kt_vmcoreinfo_symbol(dump, "kallsyms_token_table", &a_table)) ||
	    (err = kt_vmcoreinfo_symbol(dump, "kallsyms_token_index", &a_index)) ||
	    (err = kt_vmcoreinfo_symbol(dump, "kallsyms_offsets", &a_offsets)) ||
	    (err = kt_vmcoreinfo_symbol(dump, "kallsyms_relative_base", &a_base)))
		return kt_error_prefix(err, "kallsyms (Linux 6.0+ VMCOREINFO)");

	uint32_t n;
	uint64_t base;
	uint16_t index[256];
	if ((err = kt_read_u32(reader, a_num, &n)) || (err = kt_read_u64(reader, a_base, &base)) ||
	    (err = kt_read(reader, a_index, index, sizeof(index))))
		return kt_error_prefix(err, "kallsyms");
	if (n == 0 || n > KALLSYMS_MAX_SYMS)
		return kt_error_create(KT_ERROR_BAD_DATA, "kallsyms_num_syms is %u", n);

	// The token table ends at the last token's NUL; 256 tokens are a few KB.
	uint16_t table_len = 0;
	for (int i = 0; i < 256; i++)
		if (index[i] > table_len)
			table_len = index[i];
	_cleanup_free_ char *table = malloc((size_t)table_len + 256);
	if (!table)
		return &kt_enomem;
	if ((err = kt_read(reader, a_table, table, (size_t)table_len + 256)))
		return kt_error_prefix(err, "kallsyms_token_table");
	table[table_len + 255] = '\0';
	// Each token's length once, so that expanding 94,000 names is a memcpy per token.
	uint8_t tok_len[256];
	for (int i = 0; i < 256; i++)
		tok_len[i] = (uint8_t)strnlen(table + index[i], 255);

	_cleanup_free_ int32_t *offsets = malloc((size_t)n * sizeof(int32_t));
	struct kt_kallsyms *ks = calloc(1, sizeof(*ks));
	size_t names_cap = (size_t)n * 24, names_len = 0;
	if (ks)
		ks->syms = malloc((size_t)n * sizeof(*ks->syms)), ks->names = malloc(names_cap);
	if (!offsets || !ks || !ks->syms || !ks->names) {
		err = &kt_enomem;
		goto fail;
	}
	if ((err = kt_read(reader, a_offsets, offsets, (size_t)n * sizeof(int32_t)))) {
		err = kt_error_prefix(err, "kallsyms_offsets");
		goto fail;
	}

	struct byte_stream stream = {.reader = reader, .addr = a_names};
	size_t *name_at = malloc((size_t)n * sizeof(size_t));
	if (!name_at) {
		err = &kt_enomem;
		goto fail;
	}
	for (uint32_t i = 0; i < n; i++) {
		uint8_t b, hi;
		if ((err = stream_byte(&stream, &b)))
			break;
		size_t len = b;
		if (b & 0x80) {
			if ((err = stream_byte(&stream, &hi)))
				break;
			len = (b & 0x7f) | ((size_t)hi << 7);
		}
		char name[KALLSYMS_NAME_MAX + 2];
		size_t nlen = 0;
		for (size_t t = 0; t < len && !err; t++) {
			uint8_t tok;
			if ((err = stream_byte(&stream, &tok)))
				break;
			size_t tl = tok_len[tok];
			if (tl > KALLSYMS_NAME_MAX - nlen)
				tl = KALLSYMS_NAME_MAX - nlen;
			memcpy(name + nlen, table + index[tok], tl);
			nlen += tl;
		}
		if (err)
			break;
		if (nlen < 2) {
			err = kt_error_create(KT_ERROR_BAD_DATA, "kallsyms symbol %u has no name", i);
			break;
		}
		name[nlen] = '\0';
		if (names_len + nlen > names_cap) {
			names_cap = names_cap * 2 + nlen;
			char *grown = realloc(ks->names, names_cap);
			if (!grown) {
				err = &kt_enomem;
				break;
			}
			ks->names = grown;
		}
		memcpy(ks->names + names_len, name + 1, nlen);  // name[0] is the type
		name_at[i] = names_len;
		names_len += nlen;
		ks->syms[i].type = name[0];
		int32_t off = offsets[i];
		ks->syms[i].address = off >= 0 ? (uint64_t)off : base - 1 - (uint64_t)(int64_t)off;
	}
	if (!err) {
		ks->n = n;
		for (uint32_t i = 0; i < n; i++)
			ks->syms[i].name = ks->names + name_at[i];
		err = kt_kallsyms_finish(ks);
	}
	free(name_at);
	if (err)
		goto fail;
	*ret = ks;
	return NULL;
fail:
	kt_kallsyms_destroy(ks);
	return err;
}

struct kt_error *kt_kallsyms_finish(struct kt_kallsyms *ks)
{
	// Names are hashed in the order they were stored, which is the order of their strings:
	// hashing them after the sort would jump about the string table, a cache miss each.
	for (size_t i = 0; i < ks->n; i++)
		ks->syms[i].name_hash = (uint32_t)kt_hash_string(ks->syms[i].name);
	// The kernel's own table is in address order already (scripts/kallsyms sorts it): a check
	// is cheaper than a sort of 94,000 symbols, and keeps the kernel's order of aliases.
	bool sorted = true;
	for (size_t i = 1; i < ks->n && sorted; i++)
		sorted = ks->syms[i - 1].address <= ks->syms[i].address;
	struct kt_error *err = sorted || !ks->n ? NULL : sort_by_address(ks->syms, ks->n);
	if (err)
		return err;
	ks->first_text = 0;
	while (ks->first_text < ks->n && ks->syms[ks->first_text].address < KERNEL_SPACE_START)
		ks->first_text++;
	if ((err = build_hash(ks)))
		return err;
	// Per-CPU symbols by the section's bounds, wherever the kernel linked it.
	const struct kt_symbol *start = kt_kallsyms_by_name(ks, "__per_cpu_start");
	const struct kt_symbol *end = kt_kallsyms_by_name(ks, "__per_cpu_end");
	ks->has_percpu = start && end && start->address <= end->address;
	if (ks->has_percpu) {
		ks->percpu_start = start->address;
		ks->percpu_end = end->address;
	}
	return NULL;
}

bool kt_kallsyms_is_percpu(const struct kt_kallsyms *ks, uint64_t addr)
{
	return ks->has_percpu && addr >= ks->percpu_start && addr < ks->percpu_end;
}

void kt_kallsyms_destroy(struct kt_kallsyms *ks)
{
	if (!ks)
		return;
	free(ks->syms);
	free(ks->names);
	free(ks->hash);
	free(ks);
}

size_t kt_kallsyms_count(const struct kt_kallsyms *ks)
{
	return ks->n;
}

const struct kt_symbol *kt_kallsyms_by_name(const struct kt_kallsyms *ks, const char *name)
{
	uint32_t h = (uint32_t)kt_hash_string(name);
	size_t slot = h & (ks->hash_size - 1);
	while (ks->hash[slot]) {
		const struct kt_symbol *sym = &ks->syms[ks->hash[slot] - 1];
		if (sym->name_hash == h && !strcmp(sym->name, name))
			return sym;
		slot = (slot + 1) & (ks->hash_size - 1);
	}
	return NULL;
}

static bool is_padding_alias(const char *name)
{
	return !strncmp(name, "__pfx_", 6) || !strncmp(name, "__cfi_", 6);
}

const struct kt_symbol *kt_kallsyms_by_address(const struct kt_kallsyms *ks, uint64_t addr)
{
	size_t lo = ks->first_text, hi = ks->n;
	if (lo == hi || addr < ks->syms[lo].address)
		return NULL;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (ks->syms[mid].address <= addr)
			lo = mid;
		else
			hi = mid;
	}
	// Of symbols at one address, a function's padding alias is the least telling: since 6.2
	// (scripts/kallsyms, CONFIG_FUNCTION_PADDING_ALIGNMENT) every function has a __pfx_ twin 16
	// bytes before it, and it can share its address with the end of whatever precedes it.
	size_t best = lo;
	while (is_padding_alias(ks->syms[best].name) && best > ks->first_text &&
	       ks->syms[best - 1].address == ks->syms[lo].address)
		best--;
	return is_padding_alias(ks->syms[best].name) ? &ks->syms[lo] : &ks->syms[best];
}

size_t kt_kallsyms_at(const struct kt_kallsyms *ks, uint64_t addr, const struct kt_symbol **out,
		      size_t max)
{
	size_t lo = ks->first_text, hi = ks->n;
	while (lo < hi) {  // the first symbol at or above addr
		size_t mid = lo + (hi - lo) / 2;
		if (ks->syms[mid].address < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	size_t n = 0;
	for (; lo < ks->n && ks->syms[lo].address == addr && n < max; lo++)
		out[n++] = &ks->syms[lo];
	return n;
}
