// SPDX-License-Identifier: MIT
/*
 * The debug vmlinux's .parainstructions, read once into a sorted map from call instruction to
 * paravirt type; the type names the pv_ops member when a call is asked about.
 */
#include <stdlib.h>
#include <string.h>

#include "callsite/callsite_ctx.h"
#include "callsite/pv_ops.h"
#include "core/addr_map.h"
#include "core/error.h"
#include "sym/types.h"
#include "sym/vmlinux.h"

static bool add_sites(void *arg, struct kt_addr_map *map)
{
	struct kt_program *prog = arg;
	const uint8_t *table;
	size_t table_size;
	uint64_t table_addr, entry_size, instr_off, type_off;
	struct kt_error *err = kt_vmlinux_section(prog->vmlinux, ".parainstructions", (const void **)&table,
						  &table_size, &table_addr);
	if (!err)
		err = kt_program_type_size(prog, "paravirt_patch_site", &entry_size);
	if (!err)
		err = kt_program_member_offset(prog, "paravirt_patch_site", "instr", &instr_off);
	if (!err)
		err = kt_program_member_offset(prog, "paravirt_patch_site", "type", &type_off);
	if (err || !entry_size || instr_off + 8 > entry_size || type_off >= entry_size) {
		kt_error_destroy(err);
		return true;  // no table: no paravirt site is known
	}
	for (size_t at = 0; at + entry_size <= table_size; at += entry_size) {
		uint64_t instr;
		memcpy(&instr, table + at + instr_off, sizeof(instr));
		// instr is a link-time address in the file: the running kernel's is KASLR-shifted.
		if (!kt_addr_map_add(map, instr + prog->kaslr_offset, table[at + type_off]))
			return false;
	}
	return true;
}

bool kt_pv_ops_site(struct kt_program *prog, uint64_t addr, char *member, size_t size)
{
	if (!prog->vmlinux)
		return false;
	const struct kt_addr_map *sites = kt_addr_map_once(&prog->callsite->pv_ops_sites, add_sites, prog);
	uint64_t type;
	struct kt_types *types;
	struct kt_type_ref template;
	if (!sites || !kt_addr_map_find(sites, addr, &type))
		return false;
	// PARAVIRT_PATCH(x): offsetof(struct paravirt_patch_template, x) / sizeof(void *).
	struct kt_error *err = kt_program_types(prog, &types);
	if (!err)
		err = kt_types_lookup(types, "struct paravirt_patch_template", &template);
	if (!err)
		err = kt_types_member_at(template, type * 8, member, size, NULL);
	kt_error_destroy(err);
	return !err;
}
