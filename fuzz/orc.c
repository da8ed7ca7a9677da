// SPDX-License-Identifier: MIT
/*
 * ORC entries: the entry layout detected from a BTF description of struct orc_entry
 * (kt_orc_format_detect, as for a kernel's types), then every 6-byte entry decoded with it, and
 * with each layout the kernel has had. Input: a 2-byte little-endian length, that many bytes of
 * BTF, then the entries. The table lookups (kt_orc_find) binary-search tables read through the
 * dump's reader: they need a whole dump (docs/robustness.md).
 */
#include <bpf/btf.h>
#include <string.h>

#include "sym/types.h"
#include "unwind/orc.h"

/* The layouts of orc.h's table: v4.14-v6.2, v6.3, v6.4+. */
static const struct kt_orc_format known[] = {
	{.sp_reg_bit = 0, .bp_reg_bit = 4, .type_bit = 8, .type_bits = 2, .signal_bit = -1, .end_bit = 10},
	{.sp_reg_bit = 0, .bp_reg_bit = 4, .type_bit = 8, .type_bits = 2, .signal_bit = 10, .end_bit = 11},
	{.sp_reg_bit = 0, .bp_reg_bit = 4, .type_bit = 8, .type_bits = 3, .signal_bit = 11, .end_bit = -1,
	 .typed_end = true},
};

static void decode_all(const struct kt_orc_format *f, const uint8_t *data, size_t size)
{
	for (size_t at = 0; at + 6 <= size; at += 6) {
		struct kt_orc_entry e;
		kt_orc_decode(f, data + at, &e);
		if (e.type > KT_ORC_TYPE_REGS_PARTIAL || e.sp_reg > 15 || e.bp_reg > 15)
			__builtin_trap();  // outside what the unwinder switches on
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	size_t btf_len = data[0] | (size_t)data[1] << 8;
	if (btf_len > size - 2)
		btf_len = size - 2;
	const uint8_t *entries = data + 2 + btf_len;
	size_t n_entries = size - 2 - btf_len;
	struct btf *btf = btf_len ? btf__new(data + 2, (uint32_t)btf_len) : NULL;
	struct kt_types *types = NULL;
	struct kt_error *wrap_err = btf ? kt_types_from_btf(btf, &types) : NULL;  // frees btf if not
	kt_error_destroy(wrap_err);
	if (types) {
		struct kt_orc_format f;
		struct kt_error *err = kt_orc_format_detect(types, &f);
		if (!err)
			decode_all(&f, entries, n_entries);
		kt_error_destroy(err);
		kt_types_destroy(types);  // frees btf too
	}
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		decode_all(&known[i], entries, n_entries);
	return 0;
}
