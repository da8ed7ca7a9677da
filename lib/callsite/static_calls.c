// SPDX-License-Identifier: MIT
/*
 * The kernel's and the modules' static call site tables, read once into one sorted map from
 * call instruction to key: every task's call sites ask about the same few.
 */
#include <stdlib.h>

#include "callsite/callsite_ctx.h"
#include "callsite/static_calls.h"
#include "core/addr_map.h"
#include "core/error.h"
#include "kernel/modules.h"

/* struct static_call_site { s32 addr; s32 key; }: both relative to the field itself; the low
 * two bits of key are flags (STATIC_CALL_SITE_TAIL, STATIC_CALL_SITE_INIT). */
enum { SITE_SIZE = 8, SITE_FLAGS = 3, MAX_SITES = 1 << 16 };

/* Adds the n sites of the table at table; a table that cannot be read adds nothing. */
static bool add_table(struct kt_program *prog, struct kt_addr_map *map, uint64_t table, uint64_t n)
{
	if (!n || n > MAX_SITES)
		return true;
	int32_t *sites = malloc(n * SITE_SIZE);
	if (!sites)
		return false;
	struct kt_error *err = kt_read(&prog->reader, table, sites, n * SITE_SIZE);
	bool ok = true;
	for (uint64_t i = 0; !err && ok && i < n; i++) {
		uint64_t field = table + i * SITE_SIZE;
		ok = kt_addr_map_add(map, field + (uint64_t)(int64_t)sites[2 * i],
				     (field + 4 + (uint64_t)(int64_t)sites[2 * i + 1]) & ~(uint64_t)SITE_FLAGS);
	}
	kt_error_destroy(err);
	free(sites);
	return ok;
}

static bool add_all(void *arg, struct kt_addr_map *map)
{
	struct kt_program *prog = arg;
	uint64_t start, stop, num_off, sites_off;
	struct kt_error *err;
	if (!(err = kt_program_symbol_address(prog, "__start_static_call_sites", &start)) &&
	    !(err = kt_program_symbol_address(prog, "__stop_static_call_sites", &stop)) && stop > start &&
	    !add_table(prog, map, start, (stop - start) / SITE_SIZE))
		return false;
	kt_error_destroy(err);
	const struct kt_module_info *mods;
	size_t n_mods;
	if ((err = kt_module_list(prog, &mods, &n_mods)) ||
	    (err = kt_program_member_offset(prog, "module", "num_static_call_sites", &num_off)) ||
	    (err = kt_program_member_offset(prog, "module", "static_call_sites", &sites_off))) {
		kt_error_destroy(err);
		return true;
	}
	for (size_t i = 0; i < n_mods; i++) {
		uint64_t table;
		uint32_t num;
		if ((err = kt_read_u32(&prog->reader, mods[i].address + num_off, &num)) ||
		    (err = kt_read_u64(&prog->reader, mods[i].address + sites_off, &table))) {
			kt_error_destroy(err);
			continue;
		}
		if (!add_table(prog, map, table, num))
			return false;
	}
	return true;
}

bool kt_static_call_site(struct kt_program *prog, uint64_t addr, uint64_t *key_ret)
{
	const struct kt_addr_map *sites = kt_addr_map_once(&prog->callsite->static_call_sites, add_all, prog);
	return sites && kt_addr_map_find(sites, addr, key_ret);
}
