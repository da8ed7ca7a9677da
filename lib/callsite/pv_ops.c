// SPDX-License-Identifier: MIT
/* Finding a call in the debug vmlinux's .parainstructions, and the pv_ops member its type names. */
#include <string.h>

#include "callsite/pv_ops.h"
#include "core/error.h"
#include "sym/types.h"
#include "sym/vmlinux.h"

bool kt_pv_ops_site(struct kt_program *prog, uint64_t addr, char *member, size_t size)
{
	const uint8_t *table;
	size_t table_size;
	uint64_t table_addr, entry_size, instr_off, type_off;
	struct kt_types *types;
	if (!prog->vmlinux)
		return false;
	struct kt_error *err = kt_vmlinux_section(prog->vmlinux, ".parainstructions", (const void **)&table,
						  &table_size, &table_addr);
	if (!err)
		err = kt_program_type_size(prog, "paravirt_patch_site", &entry_size);
	if (!err)
		err = kt_program_member_offset(prog, "paravirt_patch_site", "instr", &instr_off);
	if (!err)
		err = kt_program_member_offset(prog, "paravirt_patch_site", "type", &type_off);
	if (!err)
		err = kt_program_types(prog, &types);
	if (err || !entry_size || instr_off + 8 > entry_size || type_off >= entry_size) {
		kt_error_destroy(err);
		return false;
	}
	// instr is a link-time address in the file: the running kernel's is KASLR-shifted.
	uint64_t want = addr - prog->kaslr_offset;
	for (size_t at = 0; at + entry_size <= table_size; at += entry_size) {
		uint64_t instr;
		memcpy(&instr, table + at + instr_off, sizeof(instr));
		if (instr != want)
			continue;
		// PARAVIRT_PATCH(x): offsetof(struct paravirt_patch_template, x) / sizeof(void *).
		struct kt_type_ref template;
		uint8_t type = table[at + type_off];
		if ((err = kt_types_lookup(types, "struct paravirt_patch_template", &template)) ||
		    (err = kt_types_member_at(template, (uint64_t)type * 8, member, size, NULL))) {
			kt_error_destroy(err);
			return false;
		}
		return true;
	}
	return false;
}
