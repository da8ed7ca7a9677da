// SPDX-License-Identifier: MIT
/*
 * kt_pgtable_walk on page tables built in a small physical memory: 4 KiB, 2 MiB and 1 GiB pages,
 * 5-level paging, an entry that is not present at each level, a table outside memory (the read
 * fails: the level is named and the walk stops), and kt_pgtable_translate's answers through the
 * same walk.
 */
#include <stdint.h>
#include <string.h>

#include "core/error.h"
#include "dump/pgtable.h"
#include "tap.h"

enum { PAGES = 8 };
static uint64_t mem[PAGES][512];  // physical memory: page n at n << 12
static int reads;

static struct kt_error *read_mem(void *arg, uint64_t addr, void *buf, size_t len)
{
	(void)arg;
	reads++;
	if (addr + len > sizeof(mem))
		return kt_error_fault(addr, "physical 0x%llx is not in memory", (unsigned long long)addr);
	memcpy(buf, (char *)mem + addr, len);
	return NULL;
}

static unsigned idx(uint64_t va, int level)
{
	return (unsigned)(va >> (12 + 9 * level)) & 511;
}

int main(void)
{
	const uint64_t P = 1, RW = 2, PS = 0x80, NX = 1ull << 63;
	// 4-level: root page 1 -> PDPT page 2 -> PD page 3 -> PT page 4.
	uint64_t va = 0xffff888012345678ull;
	mem[1][idx(va, 3)] = 2 << 12 | P | RW;
	mem[2][idx(va, 2)] = 3 << 12 | P | RW;
	mem[3][idx(va, 1)] = 4 << 12 | P | RW;
	mem[4][idx(va, 0)] = 0xabcde000ull | P | RW | NX;
	struct kt_pgtable_walk w;
	struct kt_error *err = kt_pgtable_walk(1 << 12, false, read_mem, NULL, va, &w);
	tap_ok(!err && w.n_steps == 4 && w.pa == (0xabcde000ull | 0x678) && w.page_size == 4096,
	       "a 4 KiB page: four levels, the frame and the offset");
	tap_ok(!strcmp(w.steps[0].level, "PML4E") && !strcmp(w.steps[1].level, "PDPTE") &&
	       !strcmp(w.steps[2].level, "PDE") && !strcmp(w.steps[3].level, "PTE"),
	       "the levels carry the SDM's names");
	tap_ok(w.steps[0].table == 1 << 12 && w.steps[0].index == idx(va, 3) &&
	       w.steps[3].table == 4 << 12 && w.steps[3].entry == (0xabcde000ull | P | RW | NX) && w.steps[3].read,
	       "each level has its table, index and entry");
	kt_error_destroy(err);

	// A 2 MiB page at the PDE (PS), a 1 GiB page at the PDPTE.
	uint64_t va2 = va + (1ull << 21);
	mem[3][idx(va2, 1)] = 0x40000000ull | P | PS;
	err = kt_pgtable_walk(1 << 12, false, read_mem, NULL, va2, &w);
	tap_ok(!err && w.n_steps == 3 && w.page_size == 1ull << 21 && w.pa == (0x40000000ull | (va2 & 0x1fffff)),
	       "a 2 MiB page ends the walk at the PDE");
	kt_error_destroy(err);
	uint64_t va3 = va + (1ull << 30);
	mem[2][idx(va3, 2)] = 0x1c0000000ull | P | PS | 0x1000;  // bit 12 is PAT here, not address
	err = kt_pgtable_walk(1 << 12, false, read_mem, NULL, va3, &w);
	tap_ok(!err && w.n_steps == 2 && w.page_size == 1ull << 30 && w.pa == (0x1c0000000ull | (va3 & 0x3fffffff)),
	       "a 1 GiB page ends the walk at the PDPTE");
	kt_error_destroy(err);

	// Not present: at the PTE, and at the top.
	err = kt_pgtable_walk(1 << 12, false, read_mem, NULL, va + 4096, &w);
	tap_ok(err && kt_error_code(err) == KT_ERROR_FAULT && w.n_steps == 4 && w.steps[3].read &&
	       strstr(kt_error_message(err), "PTE") && strstr(kt_error_message(err), "not mapped"),
	       "an entry that is not present: FAULT naming the PTE, the levels read kept");
	kt_error_destroy(err);
	err = kt_pgtable_walk(1 << 12, false, read_mem, NULL, 0x1000, &w);
	tap_ok(err && kt_error_code(err) == KT_ERROR_FAULT && w.n_steps == 1 && strstr(kt_error_message(err), "PML4E"),
	       "not present at the top: one level");
	kt_error_destroy(err);

	// An entry pointing outside memory: the next read fails and names its level.
	uint64_t va4 = va + (2ull << 30);
	mem[2][idx(va4, 2)] = 0x7777000ull | P;
	err = kt_pgtable_walk(1 << 12, false, read_mem, NULL, va4, &w);
	tap_ok(err && w.n_steps == 3 && !w.steps[2].read && w.steps[2].entry == 0 && w.steps[2].table == 0x7777000ull &&
	       strstr(kt_error_message(err), "PDE"), "an unreadable table: the walk stops there, naming the PDE");
	kt_error_destroy(err);

	// 5-level: a PML5 page 5 above the PML4 page 1.
	mem[5][idx(va, 4)] = 1 << 12 | P;
	err = kt_pgtable_walk(5 << 12, true, read_mem, NULL, va, &w);
	tap_ok(!err && w.n_steps == 5 && !strcmp(w.steps[0].level, "PML5E") && w.pa == (0xabcde000ull | 0x678),
	       "5-level paging starts at the PML5E");
	kt_error_destroy(err);

	// kt_pgtable_translate: the same answers, the page's second lookup from its cache.
	struct kt_pgtable pt = {.root = 1 << 12};
	uint64_t pa = 0;
	err = kt_pgtable_translate(&pt, read_mem, NULL, va, &pa);
	int before = reads;
	struct kt_error *err2 = kt_pgtable_translate(&pt, read_mem, NULL, va + 8, &pa);
	tap_ok(!err && !err2 && pa == (0xabcde000ull | 0x680) && reads == before,
	       "kt_pgtable_translate walks once per page");
	kt_error_destroy(err);
	kt_error_destroy(err2);
	err = kt_pgtable_translate(&pt, read_mem, NULL, va + 4096, &pa);
	tap_ok(err && kt_error_code(err) == KT_ERROR_FAULT, "kt_pgtable_translate: not mapped is FAULT");
	kt_error_destroy(err);
	return tap_done();
}
