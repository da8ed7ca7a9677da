// SPDX-License-Identifier: MIT
/*
 * The kernel log, read from the dump with the layout VMCOREINFO describes.
 *
 * Linux 5.10+ keeps a lockless ring buffer (commit 896fbe20b4e2 "printk: use the lockless
 * ringbuffer"): a descriptor ring whose state_var holds the record id and its state in the top
 * two bits, a parallel array of printk_info, and a text data ring whose blocks start with the
 * owning id. Older kernels have one byte array, log_buf, of struct printk_log records followed by
 * their text; a record of length 0 means "wrap to the start".
 *
 * The log is read with the offsets VMCOREINFO gives, not as typed objects (kernel/object.c):
 * VMCOREINFO describes it for dump readers whether the kernel has BTF or not, and `sys` and
 * `log` then need no types at all (loading them would add about 40 ms, more than half of `sys`).
 * The types stand in only where VMCOREINFO is missing. VMCOREINFO does not describe the 3-bit
 * level, which has been the top of the byte after facility since v3.5 (both layouts below).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/util.h"
#include "dump/vmcoreinfo.h"
#include "program.h"

enum {
	DESC_FLAGS_SHIFT = 62,   /* state is the top two bits of state_var (64-bit long) */
	DESC_COMMITTED = 1,
	DESC_FINALIZED = 2,
	PRB_MAX_COUNT_BITS = 24, /* far above any CONFIG_LOG_BUF_SHIFT; larger means garbage */
	PRB_MAX_DATA_BITS = 31,
};
static const uint64_t DESC_ID_MASK = ~(3ull << DESC_FLAGS_SHIFT);

/* struct dev_printk_info: char subsystem[16]; char device[48] (include/linux/dev_printk.h). */
enum { DEV_SUBSYSTEM_LEN = 16, DEV_DEVICE_LEN = 48 };

struct prb_layout {
	uint64_t rb_desc_ring, rb_text_data_ring;
	uint64_t dr_count_bits, dr_descs, dr_infos, dr_head_id, dr_tail_id;
	uint64_t desc_size, desc_state_var, desc_text_blk_lpos;
	uint64_t lpos_begin, lpos_next;
	uint64_t info_size, info_seq, info_ts_nsec, info_text_len, info_caller_id;
	bool has_dev_info;  /* printk_info.dev_info (5.10+, from VMCOREINFO or the types) */
	uint64_t info_dev_subsystem, info_dev_device;  /* offsets in printk_info */
	uint64_t data_size_bits, data_data;
};

/*
 * VMCOREINFO describes the log for dump readers; a dump without it (QEMU's dump-guest-memory)
 * still has the kernel's types, which name the same members.
 */
static struct kt_error *log_offset(struct kt_program *prog, const char *type_member, uint64_t *ret)
{
	struct kt_error *err = kt_vmcoreinfo_offset(prog->dump, type_member, ret);
	if (!err || err == &kt_enomem || kt_vmcoreinfo_present(prog->dump))
		return err;
	kt_error_destroy(err);
	char type[64];
	size_t tlen = strcspn(type_member, ".");
	if (tlen >= sizeof(type) || !type_member[tlen])
		return kt_error_create(KT_ERROR_INVALID_ARGUMENT, "bad member '%s'", type_member);
	memcpy(type, type_member, tlen);
	type[tlen] = '\0';
	return kt_program_member_offset(prog, type, type_member + tlen + 1, ret);
}

static struct kt_error *log_size(struct kt_program *prog, const char *type, uint64_t *ret)
{
	struct kt_error *err = kt_vmcoreinfo_size(prog->dump, type, ret);
	if (!err || err == &kt_enomem || kt_vmcoreinfo_present(prog->dump))
		return err;
	kt_error_destroy(err);
	return kt_program_type_size(prog, type, ret);
}

static struct kt_error *log_symbol(struct kt_program *prog, const char *name, uint64_t *ret)
{
	struct kt_error *err = kt_vmcoreinfo_symbol(prog->dump, name, ret);
	if (!err || err == &kt_enomem || kt_vmcoreinfo_present(prog->dump))
		return err;
	kt_error_destroy(err);
	return kt_program_symbol_address(prog, name, ret);
}

static struct kt_error *prb_layout_get(struct kt_program *d, struct prb_layout *l)
{
	struct kt_error *err;
	if ((err = log_offset(d, "printk_ringbuffer.desc_ring", &l->rb_desc_ring)) ||
	    (err = log_offset(d, "printk_ringbuffer.text_data_ring", &l->rb_text_data_ring)) ||
	    (err = log_offset(d, "prb_desc_ring.count_bits", &l->dr_count_bits)) ||
	    (err = log_offset(d, "prb_desc_ring.descs", &l->dr_descs)) ||
	    (err = log_offset(d, "prb_desc_ring.infos", &l->dr_infos)) ||
	    (err = log_offset(d, "prb_desc_ring.head_id", &l->dr_head_id)) ||
	    (err = log_offset(d, "prb_desc_ring.tail_id", &l->dr_tail_id)) ||
	    (err = log_size(d, "prb_desc", &l->desc_size)) ||
	    (err = log_offset(d, "prb_desc.state_var", &l->desc_state_var)) ||
	    (err = log_offset(d, "prb_desc.text_blk_lpos", &l->desc_text_blk_lpos)) ||
	    (err = log_offset(d, "prb_data_blk_lpos.begin", &l->lpos_begin)) ||
	    (err = log_offset(d, "prb_data_blk_lpos.next", &l->lpos_next)) ||
	    (err = log_size(d, "printk_info", &l->info_size)) ||
	    (err = log_offset(d, "printk_info.seq", &l->info_seq)) ||
	    (err = log_offset(d, "printk_info.ts_nsec", &l->info_ts_nsec)) ||
	    (err = log_offset(d, "printk_info.text_len", &l->info_text_len)) ||
	    (err = log_offset(d, "printk_info.caller_id", &l->info_caller_id)) ||
	    (err = log_offset(d, "prb_data_ring.size_bits", &l->data_size_bits)) ||
	    (err = log_offset(d, "prb_data_ring.data", &l->data_data)))
		return err;
	// dev_printk's subsystem and device: optional, the log is whole without them.
	uint64_t dev, sub, device;
	if (kt_error_none(log_offset(d, "printk_info.dev_info", &dev)) &&
	    kt_error_none(log_offset(d, "dev_printk_info.subsystem", &sub)) &&
	    kt_error_none(log_offset(d, "dev_printk_info.device", &device)) &&
	    dev + device + DEV_DEVICE_LEN <= l->info_size && dev + sub + DEV_SUBSYSTEM_LEN <= l->info_size) {
		l->has_dev_info = true;
		l->info_dev_subsystem = dev + sub;
		l->info_dev_device = dev + device;
	}
	return NULL;
}

static inline uint64_t get_u64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static inline uint32_t get_u32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static inline uint16_t get_u16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }

/* Reads a whole array from the dump; the caller frees *ret. */
static struct kt_error *read_array(struct kt_reader *r, uint64_t addr, size_t len, const char *what,
				   uint8_t **ret)
{
	uint8_t *buf = malloc(len ? len : 1);
	if (!buf)
		return &kt_enomem;
	struct kt_error *err = kt_read(r, addr, buf, len);
	if (err) {
		free(buf);
		return kt_error_prefix(err, "reading %s", what);
	}
	*ret = buf;
	return NULL;
}

static struct kt_error *prb_for_each(struct kt_program *prog, uint64_t prb_ptr, kt_log_fn *fn,
				     void *arg)
{
	struct kt_reader *r = &prog->reader;
	struct prb_layout l;
	struct kt_error *err = prb_layout_get(prog, &l);
	if (err)
		return err;
	uint64_t rb;
	if ((err = kt_read_u64(r, prb_ptr, &rb)))
		return kt_error_prefix(err, "reading prb");
	uint64_t dr = rb + l.rb_desc_ring, tr = rb + l.rb_text_data_ring;
	uint32_t count_bits, size_bits;
	uint64_t descs, infos, head_id, tail_id, data;
	if ((err = kt_read_u32(r, dr + l.dr_count_bits, &count_bits)) ||
	    (err = kt_read_u64(r, dr + l.dr_descs, &descs)) ||
	    (err = kt_read_u64(r, dr + l.dr_infos, &infos)) ||
	    (err = kt_read_u64(r, dr + l.dr_head_id, &head_id)) ||
	    (err = kt_read_u64(r, dr + l.dr_tail_id, &tail_id)) ||
	    (err = kt_read_u32(r, tr + l.data_size_bits, &size_bits)) ||
	    (err = kt_read_u64(r, tr + l.data_data, &data)))
		return kt_error_prefix(err, "reading the printk ring buffer");
	if (count_bits > PRB_MAX_COUNT_BITS || size_bits > PRB_MAX_DATA_BITS)
		return kt_error_create(KT_ERROR_BAD_DATA,
				       "printk ring buffer: implausible sizes (2^%u records, 2^%u bytes)",
				       count_bits, size_bits);
	uint64_t count = 1ull << count_bits, data_size = 1ull << size_bits;

	_cleanup_free_ uint8_t *desc_buf = NULL;
	_cleanup_free_ uint8_t *info_buf = NULL;
	_cleanup_free_ uint8_t *text_buf = NULL;
	if ((err = read_array(r, descs, count * l.desc_size, "printk descriptors", &desc_buf)) ||
	    (err = read_array(r, infos, count * l.info_size, "printk_info records", &info_buf)) ||
	    (err = read_array(r, data, data_size, "printk text ring", &text_buf)))
		return err;

	// Records from the oldest (tail) to the newest (head); ids wrap within DESC_ID_MASK.
	uint64_t id = tail_id & DESC_ID_MASK;
	for (uint64_t n = 0; n < count; n++, id = (id + 1) & DESC_ID_MASK) {
		uint64_t idx = id & (count - 1);
		const uint8_t *desc = desc_buf + idx * l.desc_size;
		const uint8_t *info = info_buf + idx * l.info_size;
		uint64_t sv = get_u64(desc + l.desc_state_var);
		unsigned int state = (unsigned int)(sv >> DESC_FLAGS_SHIFT);
		bool last = id == (head_id & DESC_ID_MASK);
		if ((sv & DESC_ID_MASK) != id ||
		    (state != DESC_COMMITTED && state != DESC_FINALIZED))
			goto next;  // reserved, reused or never written: not a record
		uint64_t begin = get_u64(desc + l.desc_text_blk_lpos + l.lpos_begin);
		uint64_t next = get_u64(desc + l.desc_text_blk_lpos + l.lpos_next);
		const uint8_t *blk = NULL;
		uint64_t blk_len = 0;
		if ((begin & 1) && (next & 1)) {
			// data-less record
		} else if ((begin >> size_bits) == (next >> size_bits) && begin < next) {
			blk = text_buf + (begin & (data_size - 1));
			blk_len = next - begin;
		} else if (((begin + data_size) >> size_bits) == (next >> size_bits)) {
			blk = text_buf;  // the block wrapped: its text starts the ring
			blk_len = next & (data_size - 1);
		}
		size_t text_len = get_u16(info + l.info_text_len);
		const char *text = "";
		char damage[160] = "";
		if (blk && blk_len >= 8 && blk_len <= data_size) {
			text = (const char *)blk + 8;  // skip the block's owner id
			// The block names the descriptor that owns it: another id means the text was
			// overwritten (or the descriptor points at the wrong place).
			uint64_t owner = get_u64(blk);
			if (owner != (sv & DESC_ID_MASK)) {
				kt_textf(damage, sizeof(damage), "its text block (ring offset %llu) belongs to "
					 "record id 0x%llx, not 0x%llx",
					 (unsigned long long)(begin & (data_size - 1)),
					 (unsigned long long)owner, (unsigned long long)(sv & DESC_ID_MASK));
				text_len = 0;
			} else if (text_len > blk_len - 8) {
				kt_textf(damage, sizeof(damage), "text_len %zu is longer than its text block "
					 "(%llu bytes)", text_len, (unsigned long long)(blk_len - 8));
				text_len = blk_len - 8;
			}
		} else if (!((begin & 1) && (next & 1))) {
			kt_textf(damage, sizeof(damage), "its text block [%llu, %llu) is not in the text ring "
				 "(2^%u bytes)", (unsigned long long)begin, (unsigned long long)next, size_bits);
			text_len = 0;
		} else {
			text_len = 0;
		}
		char subsystem[DEV_SUBSYSTEM_LEN + 1] = "", device[DEV_DEVICE_LEN + 1] = "";
		if (l.has_dev_info) {
			memcpy(subsystem, info + l.info_dev_subsystem, DEV_SUBSYSTEM_LEN);
			memcpy(device, info + l.info_dev_device, DEV_DEVICE_LEN);
		}
		struct kt_log_record rec = {
			.seq = get_u64(info + l.info_seq),
			.ts_nsec = get_u64(info + l.info_ts_nsec),
			// printk_info: u16 text_len; u8 facility; u8 flags:5, level:3 (printk_ringbuffer.h)
			.level = info[l.info_text_len + 3] >> 5,
			.caller_id = get_u32(info + l.info_caller_id),
			.text = text,
			.text_len = text_len,
			.damage = damage[0] ? damage : NULL,
			.subsystem = l.has_dev_info ? subsystem : NULL,
			.device = l.has_dev_info ? device : NULL,
		};
		if (!fn(&rec, arg))
			return NULL;
next:
		if (last)
			break;
	}
	return NULL;
}

/*
 * The record type of log_buf, by name: struct log from v3.5 (commit 7ff9554bb578 "printk:
 * convert byte-buffer to variable-length record buffer") to v3.10, struct printk_log from v3.11
 * (commit 62e32ac3505a "printk: rename struct log to struct printk_log"; VMCOREINFO's SIZE and
 * OFFSET lines were renamed with it).
 */
static struct kt_error *log_record_type(struct kt_program *prog, const char **type_ret,
					uint64_t *size_ret)
{
	static const char *const names[] = {"printk_log", "log"};
	for (size_t i = 0; i < KT_ARRAY_SIZE(names); i++) {
		struct kt_error *err = log_size(prog, names[i], size_ret);
		if (!err) {
			*type_ret = names[i];
			return NULL;
		}
		if (!kt_error_catch(&err, KT_ERROR_NOT_FOUND))
			return err;
	}
	return kt_error_create(KT_ERROR_NOT_FOUND, "log_buf: its record type is neither struct "
			       "printk_log (v3.11+) nor struct log (v3.5-v3.10)%s",
			       kt_vmcoreinfo_present(prog->dump) ? " in VMCOREINFO" : "");
}

/* Before 5.10: struct printk_log (struct log before v3.11) { u64 ts_nsec; u16 len, text_len,
 * dict_len; u8 facility; u8 flags:5, level:3; } followed by text and dict. */
static struct kt_error *log_buf_for_each(struct kt_program *prog, uint64_t log_buf_sym,
					 kt_log_fn *fn, void *arg)
{
	struct kt_reader *r = &prog->reader;
	struct kt_program *d = prog;
	uint64_t a_len, a_first, a_next, rec_size, o_ts, o_len, o_text_len;
	const char *rec_type = NULL;
	char member[32];
	struct kt_error *err;
	if ((err = log_symbol(d, "log_buf_len", &a_len)) ||
	    (err = log_symbol(d, "log_first_idx", &a_first)) ||
	    (err = log_symbol(d, "log_next_idx", &a_next)) ||
	    (err = log_record_type(d, &rec_type, &rec_size)))
		return err;
	snprintf(member, sizeof(member), "%s.ts_nsec", rec_type);
	if ((err = log_offset(d, member, &o_ts)))
		return err;
	snprintf(member, sizeof(member), "%s.len", rec_type);
	if ((err = log_offset(d, member, &o_len)))
		return err;
	snprintf(member, sizeof(member), "%s.text_len", rec_type);
	if ((err = log_offset(d, member, &o_text_len)))
		return err;
	uint64_t buf_addr;
	uint32_t len, first, next_idx;
	if ((err = kt_read_u64(r, log_buf_sym, &buf_addr)) || (err = kt_read_u32(r, a_len, &len)) ||
	    (err = kt_read_u32(r, a_first, &first)) || (err = kt_read_u32(r, a_next, &next_idx)))
		return kt_error_prefix(err, "reading log_buf");
	if (len == 0 || len > (1u << 30) || first >= len || next_idx >= len)
		return kt_error_create(KT_ERROR_BAD_DATA, "log_buf: implausible length %u or indices", len);
	_cleanup_free_ uint8_t *buf = NULL;
	if ((err = read_array(r, buf_addr, len, "log_buf", &buf)))
		return err;
	uint32_t idx = first;
	uint64_t seq = 0;
	for (uint64_t n = 0; idx != next_idx; n++) {
		if (n > len / rec_size + 1 || (uint64_t)idx + rec_size > len)
			return kt_error_create(KT_ERROR_BAD_DATA, "log_buf: record chain broken at %u", idx);
		const uint8_t *rec = buf + idx;
		uint16_t rlen = get_u16(rec + o_len);
		if (rlen == 0) {  // wrap marker
			idx = 0;
			continue;
		}
		uint16_t tlen = get_u16(rec + o_text_len);
		if (rlen < rec_size || (uint64_t)idx + rlen > len || rec_size + tlen > rlen)
			return kt_error_create(KT_ERROR_BAD_DATA, "log_buf: bad record at %u", idx);
		struct kt_log_record out = {
			.seq = seq++,
			.ts_nsec = get_u64(rec + o_ts),
			.level = rec[o_text_len + 5] >> 5,
			.text = (const char *)rec + rec_size,
			.text_len = tlen,
		};
		if (!fn(&out, arg))
			return NULL;
		idx += rlen;
	}
	return NULL;
}

struct kt_error *kt_log_for_each(struct kt_program *prog, kt_log_fn *fn, void *arg)
{
	uint64_t sym;
	struct kt_error *err = log_symbol(prog, "prb", &sym);
	if (!err)
		return prb_for_each(prog, sym, fn, arg);
	if (!kt_error_catch(&err, KT_ERROR_NOT_FOUND))
		return err;
	if (!(err = log_symbol(prog, "log_buf", &sym)))
		return log_buf_for_each(prog, sym, fn, arg);
	kt_error_destroy(err);
	return kt_error_create(KT_ERROR_NOT_FOUND,
			       "kernel log: neither the printk ring buffer (prb) nor log_buf is known%s",
			       kt_vmcoreinfo_present(prog->dump) ? "" : " (the dump has no VMCOREINFO)");
}
