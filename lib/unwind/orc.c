// SPDX-License-Identifier: MIT
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/util.h"
#include "kernel/modules.h"
#include "unwind/orc.h"

/* A kernel has ~400,000 entries; a module a few thousand. More means garbage. */
static const uint64_t ORC_MAX_ENTRIES = 8u << 20;
enum { ORC_ENTRY_SIZE = 6 };

struct orc_table {
	uint64_t *ips;      /* absolute, ascending */
	uint8_t *entries;   /* ORC_ENTRY_SIZE each */
	size_t n;
	uint64_t text_start, text_end; /* the code the table describes */
};

/* Every task's unwind asks about the same few hundred return addresses: the answers are kept in
 * a direct-mapped table, as a binary search through 400,000 entries misses the CPU's caches. */
enum { ORC_MEMO_SIZE = 4096 };

struct orc_memo {
	uint64_t ip, start;
	struct kt_orc_entry entry;
};

/* The kernel's table read as needed, through the block index the kernel builds at boot
 * (orc_lookup, arch/x86/kernel/unwind_orc.c): entries orc_lookup[b] .. orc_lookup[b + 1] cover
 * the 256 bytes of text from _stext + 256 * b. A backtrace then reads a few pages of the
 * 4 MB of tables (1,000 pages to inflate in a kdump-compressed file) instead of all of them. */
enum { LOOKUP_BLOCK_SHIFT = 8 };

struct lazy_table {
	struct kt_reader *reader;
	uint64_t ips, entries, n;      /* __start_orc_unwind_ip, __start_orc_unwind, entries */
	uint64_t lookup, n_blocks;     /* orc_lookup, lookup_num_blocks */
	uint64_t text_start, text_end; /* _stext, _etext */
};

struct kt_orc {
	struct kt_orc_format fmt;
	bool lazy;                  /* the kernel's table through lazy_kernel, not kernel */
	struct lazy_table lazy_kernel;
	struct orc_table kernel;
	struct orc_table *modules;
	size_t n_modules;
	uint64_t init_start, init_end;  /* the kernel's init code: _sinittext, _einittext (or 0) */
	struct orc_memo *memo;  /* ip 0: empty; NULL without memory */
};

/* The bit of member within the flags word at offset 4 (and its width), or -1 without it. */
static int bit_of(struct kt_types *types, const char *member, unsigned int *bits)
{
	struct kt_member_info m;
	struct kt_error *err = kt_types_member(types, "orc_entry", member, &m);
	if (err) {
		kt_error_destroy(err);
		return -1;
	}
	if (m.offset < 4 || m.offset > 5 || !m.bit_size)
		return -1;  // not a bitfield of the flags word
	if (bits)
		*bits = m.bit_size;
	return (int)((m.offset - 4) * 8 + m.bit_offset);
}

struct kt_error *kt_orc_format_detect(struct kt_types *types, struct kt_orc_format *ret)
{
	struct kt_orc_format f = {0};
	unsigned int sp_bits = 0, bp_bits = 0;
	int sp = types ? bit_of(types, "sp_reg", &sp_bits) : -1;
	int bp = types ? bit_of(types, "bp_reg", &bp_bits) : -1;
	int type = types ? bit_of(types, "type", &f.type_bits) : -1;
	uint64_t size = 0;
	struct kt_error *err = types ? kt_types_size(types, "orc_entry", &size) : NULL;
	kt_error_destroy(err);
	if (sp < 0 || bp < 0 || type < 0 || sp_bits != 4 || bp_bits != 4 || f.type_bits < 2 ||
	    f.type_bits > 3 || size != ORC_ENTRY_SIZE)
		return kt_error_create(KT_ERROR_UNSUPPORTED, "ORC entry layout: the kernel's types have "
				       "no 6-byte struct orc_entry with 4-bit sp_reg and bp_reg and a 2- or "
				       "3-bit type bitfield%s", types ? "" : " (no kernel types)");
	f.sp_reg_bit = (unsigned int)sp;
	f.bp_reg_bit = (unsigned int)bp;
	f.type_bit = (unsigned int)type;
	f.signal_bit = bit_of(types, "signal", NULL);
	f.end_bit = bit_of(types, "end", NULL);
	// v6.4 made UNDEFINED and END_OF_STACK types of a 3-bit field and dropped the end bit.
	f.typed_end = f.type_bits == 3;
	if (f.typed_end && f.end_bit >= 0)
		return kt_error_create(KT_ERROR_UNSUPPORTED, "ORC entry layout: struct orc_entry has a "
				       "3-bit type and an end bit: neither the v6.3- nor the v6.4+ layout");
	*ret = f;
	return NULL;
}

static struct kt_error *table_read(struct kt_reader *r, uint64_t ip_addr, uint64_t entry_addr,
				   uint64_t n, struct orc_table *t)
{
	if (n == 0 || n > ORC_MAX_ENTRIES)
		return kt_error_create(KT_ERROR_BAD_DATA, "ORC table with %llu entries",
				       (unsigned long long)n);
	int32_t *rel = malloc(n * 4);
	t->ips = malloc(n * 8);
	t->entries = malloc(n * ORC_ENTRY_SIZE);
	struct kt_error *err = NULL;
	if (!rel || !t->ips || !t->entries)
		err = &kt_enomem;
	else if ((err = kt_read(r, ip_addr, rel, n * 4)) ||
		 (err = kt_read(r, entry_addr, t->entries, n * ORC_ENTRY_SIZE)))
		err = kt_error_prefix(err, "reading an ORC table");
	if (!err) {
		// Each ip is stored relative to its own slot (arch/x86/include/asm/orc_lookup.h).
		for (uint64_t i = 0; i < n; i++)
			t->ips[i] = ip_addr + i * 4 + (uint64_t)(int64_t)rel[i];
		t->n = n;
	}
	free(rel);
	if (err) {
		free(t->ips);
		free(t->entries);
		memset(t, 0, sizeof(*t));
	}
	return err;
}

static void load_modules(struct kt_program *prog, struct kt_orc *orc)
{
	const struct kt_module_info *mods;
	size_t n;
	uint64_t o_num, o_ip, o_entries;
	struct kt_error *err;
	if ((err = kt_module_list(prog, &mods, &n)) ||
	    (err = kt_program_member_offset(prog, "module", "arch.num_orcs", &o_num)) ||
	    (err = kt_program_member_offset(prog, "module", "arch.orc_unwind_ip", &o_ip)) ||
	    (err = kt_program_member_offset(prog, "module", "arch.orc_unwind", &o_entries))) {
		kt_error_destroy(err);
		return;
	}
	orc->modules = calloc(n ? n : 1, sizeof(*orc->modules));
	if (!orc->modules)
		return;
	for (size_t i = 0; i < n; i++) {
		uint32_t num;
		uint64_t ip, entries;
		struct kt_reader *r = &prog->reader;
		if ((err = kt_read_u32(r, mods[i].address + o_num, &num)) ||
		    (err = kt_read_u64(r, mods[i].address + o_ip, &ip)) ||
		    (err = kt_read_u64(r, mods[i].address + o_entries, &entries)) ||
		    (err = table_read(r, ip, entries, num, &orc->modules[orc->n_modules]))) {
			kt_error_destroy(err);  // that module's frames will say "no ORC entry"
			continue;
		}
		orc->modules[orc->n_modules].text_start = mods[i].base;
		orc->modules[orc->n_modules].text_end = mods[i].base + mods[i].size;
		orc->n_modules++;
	}
}

/* The kernel's block index, if it built one (orc_init, v4.14+) that fits the table and text. */
static bool lazy_setup(struct kt_program *prog, uint64_t ips, uint64_t entries, uint64_t n,
		       uint64_t stext, uint64_t etext, struct lazy_table *t)
{
	uint64_t lookup, n_blocks_addr, init_addr;
	uint32_t n_blocks;
	uint8_t init;  /* static bool orc_init */
	struct kt_error *err;
	if ((err = kt_program_symbol_address(prog, "orc_lookup", &lookup)) ||
	    (err = kt_program_symbol_address(prog, "lookup_num_blocks", &n_blocks_addr)) ||
	    (err = kt_program_symbol_address(prog, "orc_init", &init_addr)) ||
	    (err = kt_read_u32(&prog->reader, n_blocks_addr, &n_blocks)) ||
	    (err = kt_read_u8(&prog->reader, init_addr, &init))) {
		kt_error_destroy(err);
		return false;
	}
	// lookup_num_blocks = orc_lookup_end - orc_lookup: a block per 256 bytes of .text, and one.
	uint64_t blocks_needed = ((etext - stext) >> LOOKUP_BLOCK_SHIFT) + 1;
	if (!init || etext <= stext || n_blocks < blocks_needed || n_blocks > blocks_needed + 1)
		return false;
	*t = (struct lazy_table){&prog->reader, ips, entries, n, lookup, n_blocks, stext, etext};
	return true;
}

struct kt_error *kt_orc_load(struct kt_program *prog, struct kt_orc **ret)
{
	return kt_orc_load_how(prog, true, ret);
}

struct kt_error *kt_orc_load_how(struct kt_program *prog, bool lazy, struct kt_orc **ret)
{
	uint64_t start_ip, stop_ip, start_orc;
	struct kt_error *err;
	if ((err = kt_program_symbol_address(prog, "__start_orc_unwind_ip", &start_ip)) ||
	    (err = kt_program_symbol_address(prog, "__stop_orc_unwind_ip", &stop_ip)) ||
	    (err = kt_program_symbol_address(prog, "__start_orc_unwind", &start_orc)))
		return kt_error_prefix(err, "ORC tables (a kernel built without CONFIG_UNWINDER_ORC?)");
	struct kt_types *types;
	struct kt_orc_format fmt;
	if ((err = kt_program_types(prog, &types))) {
		if (err == &kt_enomem)
			return err;
		kt_error_destroy(err);
		types = NULL;
	}
	if ((err = kt_orc_format_detect(types, &fmt)))
		return err;
	struct kt_orc *orc = calloc(1, sizeof(*orc));
	if (!orc)
		return &kt_enomem;
	orc->fmt = fmt;
	uint64_t stext = 0, etext = 0, n = (stop_ip - start_ip) / 4;
	if (stop_ip <= start_ip || n > ORC_MAX_ENTRIES)
		err = kt_error_create(KT_ERROR_BAD_DATA, "kernel ORC table with %llu entries",
				      (unsigned long long)(stop_ip > start_ip ? n : 0));
	else if (!(err = kt_program_symbol_address(prog, "_stext", &stext)) &&
		 !(err = kt_program_symbol_address(prog, "_etext", &etext)) &&
		 !(orc->lazy = lazy && lazy_setup(prog, start_ip, start_orc, n, stext, etext,
						  &orc->lazy_kernel)))
		err = table_read(&prog->reader, start_ip, start_orc, n, &orc->kernel);
	orc->kernel.text_start = stext;
	orc->kernel.text_end = etext;
	struct kt_error *ierr = kt_program_symbol_address(prog, "_sinittext", &orc->init_start);
	if (!ierr)
		ierr = kt_program_symbol_address(prog, "_einittext", &orc->init_end);
	if (ierr || orc->init_end <= orc->init_start)
		orc->init_start = orc->init_end = 0;
	kt_error_destroy(ierr);
	orc->memo = calloc(ORC_MEMO_SIZE, sizeof(*orc->memo));
	if (err) {
		kt_orc_destroy(orc);
		return err;
	}
	load_modules(prog, orc);
	*ret = orc;
	return NULL;
}

bool kt_orc_is_lazy(const struct kt_orc *orc)
{
	return orc->lazy;
}

void kt_orc_destroy(struct kt_orc *orc)
{
	if (!orc)
		return;
	free(orc->kernel.ips);
	free(orc->kernel.entries);
	for (size_t i = 0; i < orc->n_modules; i++) {
		free(orc->modules[i].ips);
		free(orc->modules[i].entries);
	}
	free(orc->modules);
	free(orc->memo);
	free(orc);
}

void kt_orc_decode(const struct kt_orc_format *f, const uint8_t *e, struct kt_orc_entry *ret)
{
	uint16_t w;
	memcpy(&ret->sp_offset, e, 2);
	memcpy(&ret->bp_offset, e + 2, 2);
	memcpy(&w, e + 4, 2);
	ret->sp_reg = (enum kt_orc_reg)((w >> f->sp_reg_bit) & 0xf);
	ret->bp_reg = (enum kt_orc_reg)((w >> f->bp_reg_bit) & 0xf);
	unsigned int type = (w >> f->type_bit) & ((1u << f->type_bits) - 1);
	ret->signal = f->signal_bit >= 0 && ((w >> f->signal_bit) & 1);
	if (f->typed_end) {
		static const enum kt_orc_type types[] = {KT_ORC_TYPE_UNDEFINED, KT_ORC_TYPE_END_OF_STACK,
							 KT_ORC_TYPE_CALL, KT_ORC_TYPE_REGS,
							 KT_ORC_TYPE_REGS_PARTIAL};
		ret->type = type < 5 ? types[type] : KT_ORC_TYPE_UNDEFINED;
	} else {
		static const enum kt_orc_type types[] = {KT_ORC_TYPE_CALL, KT_ORC_TYPE_REGS,
							 KT_ORC_TYPE_REGS_PARTIAL};
		ret->type = type < 3 ? types[type] : KT_ORC_TYPE_UNDEFINED;
		if (f->end_bit >= 0 && ((w >> f->end_bit) & 1))
			ret->type = KT_ORC_TYPE_END_OF_STACK;
		// The null entry (orc_null: everything zero, not end) marks code with no information;
		// a layout without an end bit can only end a stack with an undefined sp_reg.
		else if (ret->sp_reg == KT_ORC_REG_UNDEFINED)
			ret->type = f->end_bit >= 0 ? KT_ORC_TYPE_UNDEFINED : KT_ORC_TYPE_END_OF_STACK;
	}
	if (!ret->signal)
		ret->signal = ret->type == KT_ORC_TYPE_REGS || ret->type == KT_ORC_TYPE_REGS_PARTIAL;
}

/* in_text: ip is code the table describes, whatever text_start and text_end say. */
static bool table_find(const struct orc_table *t, const struct kt_orc_format *f, uint64_t ip,
		       bool in_text, struct kt_orc_entry *ret, uint64_t *start_ret)
{
	if (!t->n || ip < t->ips[0] || (!in_text && (ip < t->text_start || ip >= t->text_end)))
		return false;
	size_t lo = 0, hi = t->n;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (t->ips[mid] <= ip)
			lo = mid;
		else
			hi = mid;
	}
	kt_orc_decode(f, t->entries + lo * ORC_ENTRY_SIZE, ret);
	if (start_ret)
		*start_ret = t->ips[lo];
	return true;
}

/* The kernel's __orc_find() on [first, end) of the table: the last entry at or below ip. */
static bool lazy_find_in(const struct lazy_table *t, const struct kt_orc_format *f, uint64_t first,
			 uint64_t end, uint64_t ip, struct kt_orc_entry *ret, uint64_t *start_ret)
{
	uint64_t lo = first, hi = end, found = UINT64_MAX, found_ip = 0;
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2, at = t->ips + mid * 4;
		int32_t rel;
		struct kt_error *err = kt_read(t->reader, at, &rel, 4);
		if (err) {
			kt_error_destroy(err);
			return false;
		}
		uint64_t mid_ip = at + (uint64_t)(int64_t)rel;
		if (mid_ip <= ip) {
			found = mid;
			found_ip = mid_ip;
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	uint8_t e[ORC_ENTRY_SIZE];
	struct kt_error *err = found == UINT64_MAX ? NULL
			       : kt_read(t->reader, t->entries + found * ORC_ENTRY_SIZE, e, sizeof(e));
	if (found == UINT64_MAX || err) {
		kt_error_destroy(err);
		return false;
	}
	kt_orc_decode(f, e, ret);
	*start_ret = found_ip;
	return true;
}

static bool lazy_find(const struct lazy_table *t, const struct kt_orc_format *f, uint64_t ip,
		      struct kt_orc_entry *ret, uint64_t *start_ret)
{
	if (ip < t->text_start || ip >= t->text_end)
		return false;
	uint64_t block = (ip - t->text_start) >> LOOKUP_BLOCK_SHIFT;
	uint32_t range[2];
	struct kt_error *err = block + 1 < t->n_blocks
			       ? kt_read(t->reader, t->lookup + block * 4, range, sizeof(range)) : NULL;
	// A block the index does not cover, or an index that makes no sense: the whole table.
	if (block + 1 >= t->n_blocks || err || range[0] > range[1] || range[1] >= t->n) {
		kt_error_destroy(err);
		return lazy_find_in(t, f, 0, t->n, ip, ret, start_ret);
	}
	if (lazy_find_in(t, f, range[0], (uint64_t)range[1] + 1, ip, ret, start_ret))
		return true;
	return lazy_find_in(t, f, 0, t->n, ip, ret, start_ret);
}

static bool tables_find(const struct kt_orc *orc, uint64_t ip, struct kt_orc_entry *ret,
			uint64_t *start_ret)
{
	// Init code (freed after boot, but on the stacks of the idle tasks that ran it) lies past
	// _etext and the block index; the kernel searches the whole table for it (orc_find(),
	// arch/x86/kernel/unwind_orc.c), and so does this.
	bool init = ip >= orc->init_start && ip < orc->init_end, found;
	if (orc->lazy)
		found = init ? lazy_find_in(&orc->lazy_kernel, &orc->fmt, 0, orc->lazy_kernel.n, ip, ret,
					    start_ret)
			     : lazy_find(&orc->lazy_kernel, &orc->fmt, ip, ret, start_ret);
	else
		found = table_find(&orc->kernel, &orc->fmt, ip, init, ret, start_ret);
	if (found)
		return true;
	for (size_t i = 0; i < orc->n_modules; i++)
		if (table_find(&orc->modules[i], &orc->fmt, ip, false, ret, start_ret))
			return true;
	return false;
}

struct kt_error *kt_orc_find(const struct kt_orc *orc, uint64_t ip, struct kt_orc_entry *ret,
			     uint64_t *start_ret)
{
	if (!orc)
		return kt_error_create(KT_ERROR_NOT_FOUND, "no ORC tables");
	struct orc_memo *m = orc->memo ? &orc->memo[(kt_hash_u64(ip) >> 52) % ORC_MEMO_SIZE] : NULL;
	if (m && ip && m->ip == ip) {
		*ret = m->entry;
		if (start_ret)
			*start_ret = m->start;
		return NULL;
	}
	uint64_t start;
	if (tables_find(orc, ip, ret, &start)) {
		if (m)
			*m = (struct orc_memo){ip, start, *ret};
		if (start_ret)
			*start_ret = start;
		return NULL;
	}
	return kt_error_create(KT_ERROR_NOT_FOUND, "no ORC entry for 0x%016llx",
			       (unsigned long long)ip);
}
