// SPDX-License-Identifier: MIT
/*
 * The kernel's compressed symbol tables (kallsyms_names and its token table, offsets from a
 * relative base) decoded by kt_kallsyms_decode, as kt_kallsyms_load decodes them once read from
 * a dump, then every lookup the unwinder and symbolizer make on the result. Input (little-endian,
 * zeros past its end): u16 symbol count (low 12 bits + 1), u64 relative base, 256 u16 token
 * indices, u16 token table length and the table, the count's s32 offsets, then kallsyms_names.
 */
#include <stdlib.h>
#include <string.h>

#include "sym/kallsyms.h"

struct input {
	const uint8_t *data;
	size_t size, at;
};

/* The next len bytes of the input, zeros past its end. */
static void take(struct input *in, void *out, size_t len)
{
	size_t have = in->at < in->size ? in->size - in->at : 0;
	if (have > len)
		have = len;
	memcpy(out, in->data + in->at, have);
	memset((uint8_t *)out + have, 0, len - have);
	in->at += len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = {data, size, 0};
	uint16_t count, index[256], table_len;
	struct kt_kallsyms_tables t = {.token_index = index};
	take(&in, &count, 2);
	take(&in, &t.relative_base, 8);
	take(&in, index, sizeof(index));
	take(&in, &table_len, 2);
	t.n = (count & 0xfff) + 1u;
	char *table = malloc(table_len + 1u);
	int32_t *offsets = malloc(t.n * sizeof(*offsets));
	if (!table || !offsets)
		goto out;
	take(&in, table, table_len);
	take(&in, offsets, t.n * sizeof(*offsets));
	t.token_table = table, t.token_table_len = table_len;
	t.offsets = offsets;
	t.names = in.at < size ? data + in.at : NULL;
	t.names_len = in.at < size ? size - in.at : 0;

	struct kt_kallsyms *ks;
	struct kt_error *err = kt_kallsyms_decode(&t, &ks);
	if (err) {
		kt_error_destroy(err);
		goto out;
	}
	for (size_t i = 0; i < ks->n; i++) {
		const struct kt_symbol *sym = &ks->syms[i], *at[8];
		const struct kt_symbol *named = kt_kallsyms_by_name(ks, sym->name);
		if (!named || strcmp(named->name, sym->name))
			__builtin_trap();  // every name in the table is found
		const struct kt_symbol *around = kt_kallsyms_by_address(ks, sym->address);
		if (around && around->address > sym->address)
			__builtin_trap();  // the symbol containing an address starts at or below it
		kt_kallsyms_at(ks, sym->address, at, 8);
		kt_kallsyms_is_percpu(ks, sym->address);
	}
	kt_kallsyms_destroy(ks);
out:
	free(table);
	free(offsets);
	return 0;
}
