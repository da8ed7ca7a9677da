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
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "core/util.h"
#include "dump/parallel_read.h"
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

/*
 * kallsyms_names ends before kallsyms_token_table in every layout scripts/kallsyms has written:
 * names, markers, (v6.2+) kallsyms_seqs_of_names, token_table. The bytes up to the token table
 * are read in one go (half of them on a second thread, parallel_read.h) when it follows the
 * names at most this far per symbol (a kernel's names take ~13 bytes each, the sequence numbers
 * 3-4); names past that, or all of them when the table is elsewhere or cannot be read in one
 * go, are read a page at a time as decoding reaches them.
 */
static const uint64_t NAMES_BYTES_PER_SYMBOL_MAX = 64;

/* Sequential reader of kallsyms_names: from the bytes read in one go, then a page at a time. */
struct byte_stream {
	struct kt_reader *reader;  /* NULL: data is all there is */
	const uint8_t *data;  /* the bytes being decoded: bulk, or page */
	size_t pos, len;
	uint64_t addr;        /* the address of the byte after data's last */
	uint8_t page[4096];
};

static struct kt_error *stream_refill(struct byte_stream *s)
{
	if (!s->reader)  // a second thread's part, which split_point found whole in its bytes
		return kt_error_create(KT_ERROR_BAD_DATA, "kallsyms_names: ends early");
	s->len = sizeof(s->page) - (s->addr & (sizeof(s->page) - 1));
	struct kt_error *err = kt_read(s->reader, s->addr, s->page, s->len);
	if (err)
		return kt_error_prefix(err, "reading kallsyms_names");
	s->data = s->page;
	s->addr += s->len;
	s->pos = 0;
	return NULL;
}

static struct kt_error *stream_byte(struct byte_stream *s, uint8_t *ret)
{
	struct kt_error *err;
	if (s->pos == s->len && (err = stream_refill(s)))
		return err;
	*ret = s->data[s->pos++];
	return NULL;
}

/* A symbol's token indices: a length byte (two, low 7 bits first, when the first has bit 7 set)
 * then that many. */
enum { SYMBOL_TOKENS_MAX = 0x7f | 0xff << 7 };

/*
 * The next symbol's tokens, contiguous: where the stream's buffer holds them whole (all but
 * the last few symbols of the names read in one go), else gathered a byte at a time into
 * gather (SYMBOL_TOKENS_MAX bytes) across the pages they span.
 */
static struct kt_error *next_symbol(struct byte_stream *s, uint8_t *gather, const uint8_t **tokens,
				    size_t *len)
{
	size_t avail = s->len - s->pos;
	if (avail >= 2) {  // (data is NULL before the first page of a stream that had no bulk read)
		const uint8_t *p = s->data + s->pos;
		size_t head = p[0] & 0x80 ? 2 : 1;
		size_t n = head == 2 ? (p[0] & 0x7f) | (size_t)p[1] << 7 : p[0];
		if (avail >= head + n) {
			*tokens = p + head;
			*len = n;
			s->pos += head + n;
			return NULL;
		}
	}
	uint8_t b, hi;
	struct kt_error *err = stream_byte(s, &b);
	if (err)
		return err;
	size_t n = b;
	if (b & 0x80) {
		if ((err = stream_byte(s, &hi)))
			return err;
		n = (b & 0x7f) | (size_t)hi << 7;
	}
	for (size_t i = 0; i < n; i++)
		if ((err = stream_byte(s, &gather[i])))
			return err;
	*tokens = gather;
	*len = n;
	return NULL;
}

static struct kt_error *index_symbols(struct kt_kallsyms *ks);

/* Tokens up to this long are copied as that many bytes (the table is read with 256 bytes to
 * spare, the name has room for it): a call to memcpy for each of a million tokens was a third
 * of decoding. */
enum { TOKEN_COPY = 32 };

/* What every symbol's decoding reads: the token table and the addresses. */
struct decoder {
	const char *tok_at[256];
	uint8_t tok_len[256];
	size_t tok_max;
	const int32_t *offsets;
	uint64_t base;
	struct kt_symbol *syms;
	size_t *name_at;      /* each symbol's name, as an offset into its part's names */
};

/* Symbols first..end - 1, decoded into names of their own (a thread each, or one for all). */
struct part {
	const struct decoder *d;
	struct byte_stream stream;
	uint32_t first, end;
	char *names;
	size_t names_len, names_cap;
	uint8_t *gather;      /* SYMBOL_TOKENS_MAX bytes, for a symbol across pages */
	struct kt_error *err;
};

static void decode_part(struct part *p)
{
	const struct decoder *d = p->d;
	for (uint32_t i = p->first; i < p->end; i++) {
		const uint8_t *tokens;
		size_t len;
		if ((p->err = next_symbol(&p->stream, p->gather, &tokens, &len)))
			return;
		char name[KALLSYMS_NAME_MAX + TOKEN_COPY + 2];
		size_t nlen = 0;
		if (d->tok_max <= TOKEN_COPY) {
			// A real kernel's tokens (6.1: 19 bytes at most): copied whole, the name cut
			// at the end as the other way cuts it token by token.
			for (size_t t = 0; t < len && nlen < KALLSYMS_NAME_MAX; t++) {
				memcpy(name + nlen, d->tok_at[tokens[t]], TOKEN_COPY);
				nlen += d->tok_len[tokens[t]];
			}
			if (nlen > KALLSYMS_NAME_MAX)
				nlen = KALLSYMS_NAME_MAX;
		} else {
			for (size_t t = 0; t < len; t++) {
				size_t tl = d->tok_len[tokens[t]];
				if (tl > KALLSYMS_NAME_MAX - nlen)
					tl = KALLSYMS_NAME_MAX - nlen;
				memcpy(name + nlen, d->tok_at[tokens[t]], tl <= TOKEN_COPY ? TOKEN_COPY : tl);
				nlen += tl;
			}
		}
		if (nlen < 2) {
			p->err = kt_error_create(KT_ERROR_BAD_DATA, "kallsyms symbol %u has no name", i);
			return;
		}
		name[nlen] = '\0';
		if (p->names_len + nlen > p->names_cap) {
			size_t cap = p->names_cap * 2 + nlen;
			char *grown = realloc(p->names, cap);
			if (!grown) {
				p->err = &kt_enomem;
				return;
			}
			p->names = grown, p->names_cap = cap;
		}
		memcpy(p->names + p->names_len, name + 1, nlen);  // name[0] is the type
		d->name_at[i] = p->names_len;
		p->names_len += nlen;
		d->syms[i].type = name[0];
		// Hashed while the name is at hand (kt_kallsyms_finish would read it again).
		d->syms[i].name_hash = (uint32_t)kt_hash_string(name + 1);
		int32_t off = d->offsets[i];
		d->syms[i].address = off >= 0 ? (uint64_t)off : d->base - 1 - (uint64_t)(int64_t)off;
	}
}

static void *decode_thread(void *arg)
{
	decode_part(arg);
	return NULL;
}

/* Below this many symbols a second thread is not worth starting. */
enum { SPLIT_SYMBOLS_MIN = 16384 };

/*
 * Where the second half of the symbols starts in bulk, when bulk holds every symbol whole (found
 * by their lengths alone, ~5 instructions a symbol); 0 when it does not (the names go on past
 * it, or are malformed: then one part decodes all, and says what is wrong where).
 */
static size_t split_point(const uint8_t *bulk, size_t bulk_len, uint32_t n, uint32_t mid)
{
	size_t pos = 0, at = 0;
	for (uint32_t i = 0; i < n; i++) {
		if (i == mid)
			at = pos;
		if (bulk_len - pos < 2)
			return 0;
		size_t head = bulk[pos] & 0x80 ? 2 : 1;
		size_t len = head == 2 ? (bulk[pos] & 0x7f) | (size_t)bulk[pos + 1] << 7 : bulk[pos];
		if (bulk_len - pos < head + len)
			return 0;
		pos += head + len;
	}
	return at;
}

static bool want_second_thread(const struct kt_dump *dump, uint32_t n)
{
	return dump && dump->second_thread != KT_READ_AHEAD_NEVER && n >= SPLIT_SYMBOLS_MIN &&
	       sysconf(_SC_NPROCESSORS_ONLN) >= 2;
}

/* Decodes every symbol into ks: in two halves on two threads where bulk holds them all. */
static struct kt_error *decode_all(struct kt_kallsyms *ks, struct decoder *d, uint32_t n,
				   const struct byte_stream *stream, bool whole_in_bulk,
				   struct kt_dump *dump)
{
	struct part a = {.d = d, .stream = *stream, .end = n, .names = ks->names,
			 .names_cap = (size_t)n * 24, .gather = malloc(SYMBOL_TOKENS_MAX)};
	struct part b = {.d = d, .first = n};
	uint32_t mid = n / 2;
	size_t at = whole_in_bulk && want_second_thread(dump, n)
		    ? split_point(stream->data, stream->len, n, mid) : 0;
	if (at) {
		a.end = mid;
		b = (struct part){.d = d, .first = mid, .end = n, .names_cap = (size_t)(n - mid) * 24,
				  .gather = malloc(SYMBOL_TOKENS_MAX)};
		b.names = malloc(b.names_cap);
		b.stream = (struct byte_stream){.data = stream->data + at,
						.len = stream->len - at, .addr = stream->addr};
	}
	pthread_t thread;
	bool started = false;
	if (at && b.names && b.gather && a.gather)
		started = !pthread_create(&thread, NULL, decode_thread, &b);
	if (a.gather)
		decode_part(&a);
	else
		a.err = &kt_enomem;
	if (started)
		pthread_join(thread, NULL);
	else if (at && !a.err && b.names && b.gather)
		decode_part(&b);  // no thread: the second half here
	else if (at && !a.err)
		b.err = &kt_enomem;
	ks->names = a.names;  // grown, maybe
	// The first error of the table's order, as one pass would have stopped at it.
	struct kt_error *err = a.err ? a.err : b.err;
	if (a.err)
		kt_error_destroy(b.err);
	if (!err && b.names_len) {
		char *joined = realloc(ks->names, a.names_len + b.names_len);
		if (joined) {
			memcpy(joined + a.names_len, b.names, b.names_len);
			ks->names = joined;
			for (uint32_t i = mid; i < n; i++)
				d->name_at[i] += a.names_len;
		} else {
			err = &kt_enomem;
		}
	}
	free(a.gather);
	free(b.gather);
	free(b.names);
	return err;
}

/* The token table ends at the last token's NUL: its length is the largest index. */
static uint16_t token_table_len(const uint16_t index[256])
{
	uint16_t len = 0;
	for (int i = 0; i < 256; i++)
		if (index[i] > len)
			len = index[i];
	return len;
}

/* Each token's place and length once, so that expanding 94,000 names is a copy per token. table
 * holds token_table_len(index) + 256 bytes, the last a NUL. */
static void decoder_tokens(struct decoder *d, const uint16_t index[256], const char *table)
{
	for (int i = 0; i < 256; i++) {
		d->tok_len[i] = (uint8_t)strnlen(table + index[i], 255);
		d->tok_at[i] = table + index[i];
		if (d->tok_len[i] > d->tok_max)
			d->tok_max = d->tok_len[i];
	}
}

/* A table for n symbols, their names not yet decoded; NULL without memory. */
static struct kt_kallsyms *kallsyms_alloc(uint32_t n)
{
	struct kt_kallsyms *ks = calloc(1, sizeof(*ks));
	if (ks)
		ks->syms = malloc((size_t)n * sizeof(*ks->syms)), ks->names = malloc((size_t)n * 24);
	if (ks && (!ks->syms || !ks->names)) {
		kt_kallsyms_destroy(ks);
		return NULL;
	}
	return ks;
}

/* Decodes the n symbols of stream into ks (from kallsyms_alloc) and indexes them. */
static struct kt_error *decode_symbols(struct kt_kallsyms *ks, struct decoder *d, uint32_t n,
				       const struct byte_stream *stream, bool whole_in_bulk,
				       struct kt_dump *dump)
{
	_cleanup_free_ size_t *name_at = malloc((size_t)n * sizeof(size_t));
	if (!name_at)
		return &kt_enomem;
	d->syms = ks->syms;
	d->name_at = name_at;
	struct kt_error *err = decode_all(ks, d, n, stream, whole_in_bulk, dump);
	if (err)
		return err;
	ks->n = n;
	for (uint32_t i = 0; i < n; i++)
		ks->syms[i].name = ks->names + name_at[i];
	return index_symbols(ks);
}

struct kt_error *kt_kallsyms_decode(const struct kt_kallsyms_tables *t, struct kt_kallsyms **ret)
{
	if (t->n == 0 || t->n > KALLSYMS_MAX_SYMS)
		return kt_error_create(KT_ERROR_BAD_DATA, "kallsyms_num_syms is %u", t->n);
	uint16_t table_len = token_table_len(t->token_index);
	_cleanup_free_ char *table = calloc((size_t)table_len + 256, 1);
	if (!table)
		return &kt_enomem;
	memcpy(table, t->token_table, t->token_table_len < (size_t)table_len + 255
				      ? t->token_table_len : (size_t)table_len + 255);
	struct decoder d = {.base = t->relative_base, .offsets = t->offsets};
	decoder_tokens(&d, t->token_index, table);
	struct kt_kallsyms *ks = kallsyms_alloc(t->n);
	if (!ks)
		return &kt_enomem;
	struct byte_stream stream = {.data = t->names, .len = t->names_len};
	struct kt_error *err = decode_symbols(ks, &d, t->n, &stream, true, NULL);
	if (err) {
		kt_kallsyms_destroy(ks);
		return err;
	}
	*ret = ks;
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

	// 256 tokens are a few KB.
	uint16_t table_len = token_table_len(index);
	_cleanup_free_ char *table = malloc((size_t)table_len + 256);
	if (!table)
		return &kt_enomem;
	if ((err = kt_read(reader, a_table, table, (size_t)table_len + 256)))
		return kt_error_prefix(err, "kallsyms_token_table");
	table[table_len + 255] = '\0';
	struct decoder d = {.base = base};
	decoder_tokens(&d, index, table);

	uint64_t names_max = (uint64_t)n * NAMES_BYTES_PER_SYMBOL_MAX;
	size_t bulk_len = a_table > a_names ? (size_t)(a_table - a_names < names_max
						       ? a_table - a_names : names_max) : 0;
	_cleanup_free_ int32_t *offsets = malloc((size_t)n * sizeof(int32_t));
	_cleanup_free_ uint8_t *bulk = bulk_len ? malloc(bulk_len) : NULL;
	struct kt_kallsyms *ks = kallsyms_alloc(n);
	if (!offsets || (bulk_len && !bulk) || !ks) {
		err = &kt_enomem;
		goto fail;
	}
	struct kt_read_range ranges[] = {
		{.addr = a_offsets, .buf = offsets, .len = (size_t)n * sizeof(int32_t)},
		{.addr = a_names, .buf = bulk, .len = bulk_len},
	};
	kt_read_parallel(reader, ranges, bulk_len ? 2 : 1);
	// Names that could not be read in one go are read a page at a time, for the error of
	// the page itself.
	struct kt_error *bulk_err = bulk_len ? ranges[1].err : NULL;
	struct byte_stream stream = {.reader = reader, .addr = a_names};
	if (bulk_len && !bulk_err)
		stream.data = bulk, stream.len = bulk_len, stream.addr = a_names + bulk_len;
	if (ranges[0].err) {
		kt_error_destroy(bulk_err);
		err = kt_error_prefix(ranges[0].err, "kallsyms_offsets");
		goto fail;
	}
	if (bulk_err == &kt_enomem) {
		err = bulk_err;
		goto fail;
	}
	kt_error_destroy(bulk_err);
	d.offsets = offsets;
	if ((err = decode_symbols(ks, &d, n, &stream, bulk_len && !bulk_err, dump)))
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
	return index_symbols(ks);
}

/* kt_kallsyms_finish once the names are hashed. */
static struct kt_error *index_symbols(struct kt_kallsyms *ks)
{
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
