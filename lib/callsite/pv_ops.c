// SPDX-License-Identifier: MIT
/*
 * The debug vmlinux's table of paravirt call sites, read once into a sorted map from call
 * instruction to byte offset in pv_ops (struct paravirt_patch_template); the offset names the
 * member when a call is asked about. Two records exist, told apart by their section and type:
 *   .parainstructions, struct paravirt_patch_site {instr, type}: type is the op's index in
 *     pv_ops (PARAVIRT_PATCH(x), arch/x86/include/asm/paravirt_types.h, before 6.8);
 *   .altinstructions, struct alt_instr with the direct-call flag: the original instruction is
 *     "call *pv_ops+OFF(%rip)", which apply_alternatives() turns into a direct call of what the
 *     pointer holds (ALTERNATIVE(PARAVIRT_CALL, ALT_CALL_INSTR, ALT_CALL_ALWAYS),
 *     arch/x86/kernel/alternative.c alt_replace_call(), 6.8+).
 */
#include <stdlib.h>
#include <string.h>

#include "callsite/callsite_ctx.h"
#include "callsite/pv_ops.h"
#include "core/addr_map.h"
#include "core/error.h"
#include "sym/types.h"
#include "sym/vmlinux.h"

/* arch/x86/include/asm/alternative.h (6.8+): ft_flags holds the CPU feature in its low half and
 * the flags above ALT_FLAGS_SHIFT; ALT_FLAG_DIRECT_CALL marks a pointer call made direct. */
enum {
	ALT_FLAGS_SHIFT = 16,
	ALT_FLAG_DIRECT_CALL = 1 << 1,
};

/* "call *disp32(%rip)": FF /2 with ModRM 0x15 (SDM vol. 2A, CALL; alternative.c's
 * CALL_RIP_REL_OPCODE and CALL_RIP_REL_MODRM). */
static const uint8_t call_rip_rel[] = {0xff, 0x15};
enum { CALL_RIP_REL_LEN = 6 };

/* Sections of the vmlinux that hold patched code. */
static const char *const code_sections[] = {".text", ".init.text"};

/* The len bytes of the vmlinux's code at link-time address addr; NULL where no code section has them. */
static const uint8_t *code_bytes(const struct kt_vmlinux *vm, uint64_t addr, size_t len)
{
	for (size_t i = 0; i < sizeof(code_sections) / sizeof(code_sections[0]); i++) {
		const uint8_t *data;
		size_t size;
		uint64_t start;
		struct kt_error *err = kt_vmlinux_section(vm, code_sections[i], (const void **)&data, &size, &start);
		if (err) {
			kt_error_destroy(err);
			continue;
		}
		if (addr >= start && addr - start <= size && size - (addr - start) >= len)
			return data + (addr - start);
	}
	return NULL;
}

/* .parainstructions (before 6.8). False only without memory; a missing table adds nothing. */
static bool add_parainstructions(struct kt_program *prog, struct kt_addr_map *map)
{
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
		return true;
	}
	for (size_t at = 0; at + entry_size <= table_size; at += entry_size) {
		uint64_t instr;
		memcpy(&instr, table + at + instr_off, sizeof(instr));
		// instr is a link-time address in the file: the running kernel's is KASLR-shifted.
		if (!kt_addr_map_add(map, instr + prog->kaslr_offset, (uint64_t)table[at + type_off] * 8))
			return false;
	}
	return true;
}

/* .altinstructions' direct-call entries whose original call reads pv_ops (6.8+). */
static bool add_alt_calls(struct kt_program *prog, struct kt_addr_map *map)
{
	const uint8_t *table;
	size_t table_size;
	uint64_t table_addr, entry_size, instr_off, flags_off, len_off, pv_ops, pv_ops_size;
	struct kt_error *err = kt_vmlinux_section(prog->vmlinux, ".altinstructions", (const void **)&table,
						  &table_size, &table_addr);
	if (!err)
		err = kt_program_type_size(prog, "alt_instr", &entry_size);
	if (!err)
		err = kt_program_member_offset(prog, "alt_instr", "instr_offset", &instr_off);
	if (!err)
		err = kt_program_member_offset(prog, "alt_instr", "ft_flags", &flags_off);
	if (!err)
		err = kt_program_member_offset(prog, "alt_instr", "instrlen", &len_off);
	if (!err)
		err = kt_vmlinux_symbol(prog->vmlinux, "pv_ops", &pv_ops);
	if (!err)
		err = kt_program_type_size(prog, "paravirt_patch_template", &pv_ops_size);
	if (err || !entry_size || instr_off + 4 > entry_size || flags_off + 4 > entry_size || len_off >= entry_size) {
		kt_error_destroy(err);
		return true;
	}
	for (size_t at = 0; at + entry_size <= table_size; at += entry_size) {
		int32_t rel, disp;
		uint32_t ft_flags;
		memcpy(&rel, table + at + instr_off, sizeof(rel));
		memcpy(&ft_flags, table + at + flags_off, sizeof(ft_flags));
		if (!((ft_flags >> ALT_FLAGS_SHIFT) & ALT_FLAG_DIRECT_CALL) || table[at + len_off] != CALL_RIP_REL_LEN)
			continue;
		// instr_offset is relative to the field itself.
		uint64_t instr = table_addr + at + instr_off + (uint64_t)(int64_t)rel;
		const uint8_t *code = code_bytes(prog->vmlinux, instr, CALL_RIP_REL_LEN);
		if (!code || memcmp(code, call_rip_rel, sizeof(call_rip_rel)))
			continue;
		memcpy(&disp, code + sizeof(call_rip_rel), sizeof(disp));
		uint64_t slot = instr + CALL_RIP_REL_LEN + (uint64_t)(int64_t)disp;
		if (slot < pv_ops || slot - pv_ops >= pv_ops_size)
			continue;  // a direct-call alternative of another pointer
		if (!kt_addr_map_add(map, instr + prog->kaslr_offset, slot - pv_ops))
			return false;
	}
	return true;
}

static bool add_sites(void *arg, struct kt_addr_map *map)
{
	struct kt_program *prog = arg;
	return add_parainstructions(prog, map) && add_alt_calls(prog, map);
}

bool kt_pv_ops_site(struct kt_program *prog, uint64_t addr, char *member, size_t size)
{
	if (!prog->vmlinux)
		return false;
	const struct kt_addr_map *sites = kt_addr_map_once(&prog->callsite->pv_ops_sites, add_sites, prog);
	uint64_t offset;
	struct kt_types *types;
	struct kt_type_ref template;
	if (!sites || !kt_addr_map_find(sites, addr, &offset))
		return false;
	struct kt_error *err = kt_program_types(prog, &types);
	if (!err)
		err = kt_types_lookup(types, "struct paravirt_patch_template", &template);
	if (!err)
		err = kt_types_member_at(template, offset, member, size, NULL);
	kt_error_destroy(err);
	return !err;
}
