// SPDX-License-Identifier: MIT
/*
 * A symbol table of arbitrary names and addresses: the sort, name index and per-CPU range of
 * kt_kallsyms_finish (as for a vmlinux symtab) and every lookup the unwinder and symbolizer make
 * on it. Input: records of an 8-byte address, a type byte and a NUL-terminated name. Decoding
 * the kernel's compressed kallsyms_names (kt_kallsyms_load) reads through the dump's reader and
 * needs a whole dump (docs/robustness.md).
 */
#include <stdlib.h>
#include <string.h>

#include "sym/kallsyms.h"

enum { SYMS_MAX = 4096 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kt_kallsyms *ks = calloc(1, sizeof(*ks));
	if (!ks)
		return 0;
	ks->names = malloc(size + 1);
	ks->syms = malloc(SYMS_MAX * sizeof(*ks->syms));
	if (!ks->names || !ks->syms) {
		kt_kallsyms_destroy(ks);
		return 0;
	}
	memcpy(ks->names, data, size);
	ks->names[size] = '\0';
	for (size_t at = 0; at + 9 <= size && ks->n < SYMS_MAX;) {
		struct kt_symbol *sym = &ks->syms[ks->n++];
		memcpy(&sym->address, data + at, 8);
		sym->type = (char)data[at + 8];
		sym->name = ks->names + at + 9;
		at += 9 + strlen(sym->name) + 1;
	}
	struct kt_error *err = kt_kallsyms_finish(ks);
	if (!err) {
		for (size_t i = 0; i < ks->n; i++) {
			const struct kt_symbol *sym = &ks->syms[i], *at[8];
			const struct kt_symbol *named = kt_kallsyms_by_name(ks, sym->name);
			if (!named || strcmp(named->name, sym->name))
				__builtin_trap();  // every name in the table is found
			const struct kt_symbol *around = kt_kallsyms_by_address(ks, sym->address + 1);
			if (around && sym->address != UINT64_MAX && around->address > sym->address + 1)
				__builtin_trap();  // the symbol containing an address starts at or below it
			kt_kallsyms_at(ks, sym->address, at, 8);
			kt_kallsyms_is_percpu(ks, sym->address);
		}
		kt_kallsyms_by_name(ks, "__per_cpu_start");
	}
	kt_error_destroy(err);
	kt_kallsyms_destroy(ks);
	return 0;
}
