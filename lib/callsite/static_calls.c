// SPDX-License-Identifier: MIT
/* Finding a call instruction in the kernel's and the modules' static call site tables. */
#include <stdlib.h>

#include "callsite/static_calls.h"
#include "core/error.h"
#include "kernel/modules.h"

/* struct static_call_site { s32 addr; s32 key; }: both relative to the field itself; the low
 * two bits of key are flags (STATIC_CALL_SITE_TAIL, STATIC_CALL_SITE_INIT). */
enum { SITE_SIZE = 8, SITE_FLAGS = 3, MAX_SITES = 1 << 16 };

static bool search(struct kt_program *prog, uint64_t table, uint64_t n, uint64_t addr, uint64_t *key)
{
	if (!n || n > MAX_SITES)
		return false;
	int32_t *sites = malloc(n * SITE_SIZE);
	if (!sites)
		return false;
	struct kt_error *err = kt_read(&prog->reader, table, sites, n * SITE_SIZE);
	bool found = false;
	for (uint64_t i = 0; !err && i < n && !found; i++) {
		uint64_t field = table + i * SITE_SIZE;
		if (field + (uint64_t)(int64_t)sites[2 * i] != addr)
			continue;
		*key = (field + 4 + (uint64_t)(int64_t)sites[2 * i + 1]) & ~(uint64_t)SITE_FLAGS;
		found = true;
	}
	kt_error_destroy(err);
	free(sites);
	return found;
}

bool kt_static_call_site(struct kt_program *prog, uint64_t addr, uint64_t *key_ret)
{
	const struct kt_module_info *mods;
	size_t n_mods;
	struct kt_error *err = kt_module_list(prog, &mods, &n_mods);
	if (err) {
		kt_error_destroy(err);
		n_mods = 0;
	}
	for (size_t i = 0; i < n_mods; i++) {
		if (addr < mods[i].base || addr - mods[i].base >= mods[i].size)
			continue;
		uint64_t num_off, sites_off, table;
		uint32_t num;
		if ((err = kt_program_member_offset(prog, "module", "num_static_call_sites", &num_off)) ||
		    (err = kt_program_member_offset(prog, "module", "static_call_sites", &sites_off)) ||
		    (err = kt_read_u32(&prog->reader, mods[i].address + num_off, &num)) ||
		    (err = kt_read_u64(&prog->reader, mods[i].address + sites_off, &table))) {
			kt_error_destroy(err);
			return false;
		}
		return search(prog, table, num, addr, key_ret);
	}
	uint64_t start, stop;
	if ((err = kt_program_symbol_address(prog, "__start_static_call_sites", &start)) ||
	    (err = kt_program_symbol_address(prog, "__stop_static_call_sites", &stop))) {
		kt_error_destroy(err);
		return false;
	}
	return stop > start && search(prog, start, (stop - start) / SITE_SIZE, addr, key_ret);
}
