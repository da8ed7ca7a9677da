// SPDX-License-Identifier: MIT
/*
 * The program's heap on transparent huge pages. A report without debug files fills ~25 MB of
 * fresh memory (the kernel's kallsyms and BTF read from the dump, libbpf's copy of the BTF, the
 * symbol and type indexes): 6,500 page faults of 4 KiB. A fault costs a microsecond or two on bare
 * metal and 10-20 µs in some virtual machines, where they were half of the report's CPU time. Big
 * allocations are kept on the heap (not one mmap each, unmapped at free), the heap grows in
 * large steps, and those steps are advised as huge pages: a few faults of 2 MiB instead.
 * With THP disabled (`never`) the advice does nothing and the pages are 4 KiB as before. The
 * price: the resident size grows in 2 MiB steps (31 -> 41 MB for that report).
 */
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "heap.h"

enum { HEAP_STEP = 64 << 20, HUGE_PAGE = 2 << 20 };

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZER_ALLOCATOR 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZER_ALLOCATOR 1
#endif
#endif

void cli_heap_on_huge_pages(void)
{
#ifdef SANITIZER_ALLOCATOR
	return;  // ASan's allocator has no heap to set up; a 32 MB block would only fill its quarantine
#endif
	mallopt(M_MMAP_THRESHOLD, HEAP_STEP);      // a 5 MB table from the heap, not its own mapping
	mallopt(M_TRIM_THRESHOLD, 4 * HEAP_STEP);  // freed memory stays for the next table
	mallopt(M_TOP_PAD, HEAP_STEP);             // the heap grows by HEAP_STEP at a time
	mallopt(M_ARENA_MAX, 1);                   // the reading thread allocates from it too
	void *first = malloc(HEAP_STEP / 2);       // grows the heap: HEAP_STEP / 2, HEAP_STEP past it
	uintptr_t start = (uintptr_t)first, end = (uintptr_t)sbrk(0);
	start = (start + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
	if (first && end > start)
		madvise((void *)start, end - start, MADV_HUGEPAGE);  // advice: failure changes nothing
	free(first);
}
