// SPDX-License-Identifier: MIT
/* kmem: crash's memory summary (-i) and what an address is (kmem ADDR...). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"

const char cli_kmem_help[] =
	"usage: kmem -i | kmem -s [CACHE] | kmem -S [CACHE] | kmem -v | kmem -p [ADDR [END]] |\n"
	"       kmem ADDR|SYMBOL...\n"
	"  -i        the memory summary as crash's kmem -i, in pages, sizes and percentages:\n"
	"            TOTAL MEM (_totalram_pages), FREE (vm_zone_stat[NR_FREE_PAGES]), USED,\n"
	"            SHARED (crash's count: mem_map pages not PG_reserved whose _refcount is above\n"
	"            1), BUFFERS (the block devices' page cache), CACHED (NR_FILE_PAGES less the\n"
	"            swap cache and BUFFERS), SLAB (NR_SLAB_RECLAIMABLE_B + _UNRECLAIMABLE_B), TOTAL\n"
	"            HUGE and HUGE FREE (hstates[]), TOTAL SWAP, SWAP USED and FREE\n"
	"            (total_swap_pages, nr_swap_pages), COMMIT LIMIT and COMMITTED\n"
	"            (sysctl_overcommit_ratio or _kbytes, vm_committed_as.count)\n"
	"  ADDR      what the address is: the kernel or module symbol containing it, the CPU whose\n"
	"            per-CPU area holds it, the slab cache and object it is in (from its page's\n"
	"            slab: struct slab's slab_cache on 5.17+, page->slab_cache before; SLUB's layout),\n"
	"            the task whose task_struct or kernel stack it is in, the vmap_area holding it\n"
	"            (vmalloc, module, stack) with its vm_struct and caller, and its struct page\n"
	"            (physical address, mapping, index, count, flags). A slab object is shown as\n"
	"            crash shows it: the cache's kmem -s line, its slab (NODE TOTAL ALLOCATED FREE)\n"
	"            and the object, [ADDR] if allocated, ADDR if free (on the slab's freelist or\n"
	"            the lockless kmem_cache_cpu.freelist of the CPU whose slab it is: then 'ADDR\n"
	"            (cpu N cache)', and --json says which); the links decoded as\n"
	"            CONFIG_SLAB_FREELIST_HARDENED stores them (ptr ^ kmem_cache.random ^\n"
	"            swab(link address)), each checked to be an object of the slab not seen before\n"
	"            (a bad link ends the walk, with a note)\n"
	"  -s [CACHE] every slab cache of slab_caches (or the one named) as crash's kmem -s: CACHE\n"
	"            (struct kmem_cache), OBJSIZE (object_size), ALLOCATED, TOTAL (the nodes'\n"
	"            total_objects), SLABS (the nodes' nr_slabs), SSIZE (PAGE_SIZE << oo's order);\n"
	"            ALLOCATED is TOTAL less the free objects of the nodes' partial slabs and of\n"
	"            each CPU's slab, freelist and partial slabs (SLUB). A kernel without\n"
	"            CONFIG_SLUB_DEBUG has no total_objects or nr_slabs: those columns are '?'.\n"
	"  -S [CACHE] as -s, then the slabs SLUB keeps on lists, each with its objects marked as\n"
	"            for kmem ADDR: each CPU's KMEM_CACHE_CPU, SLAB and PARTIAL slabs (at most 4096\n"
	"            per CPU), then each node's KMEM_CACHE_NODE (SLABS, PARTIAL, PER-CPU), PARTIAL\n"
	"            slabs and FULL slabs (at most 65536 per list), a node's slabs one line each as\n"
	"            crash prints them (their objects are in --json). Full slabs are on a list only\n"
	"            for caches with SLAB_STORE_USER (CONFIG_SLUB_DEBUG's full list): otherwise FULL\n"
	"            is '(not tracked)' and a last line says how many slabs of each node were on no\n"
	"            list. At most 16M objects are read in all.\n"
	"  -v        every busy vmalloc area as crash's kmem -v: VMAP_AREA, VM_STRUCT (blank for\n"
	"            vm_map_ram's), ADDRESS RANGE (va_start - va_end), SIZE, and the CALLER that\n"
	"            allocated it (vm_struct.caller); from vmap_area_list, or 6.9+'s vmap_nodes busy\n"
	"            trees merged by address; at most 1M areas\n"
	"  -p [ADDR [END]] struct page entries as crash's kmem -p: PAGE PHYSICAL MAPPING INDEX CNT\n"
	"            FLAGS (named by enum pageflags); every node's span (node_data[]'s\n"
	"            node_start_pfn, node_spanned_pages; 0..max_pfn without them) widened to whole\n"
	"            memory sections (32768 pages) as crash walks them, or the page of\n"
	"            ADDR (a physical address or a struct page of the memory map), or the physical\n"
	"            range ADDR..END; at most 4M pages\n"
	"examples: kmem -i;  kmem ffff8d9819a79840;  kmem ktest_m1;  kmem -S kmalloc-64;  kmem -v;\n"
	"          kmem -p 1000;  kmem -p 100000 200000;\n"
	"          ktriage --json DUMP kmem -i\n";

int cmd_kmem(struct cli_context *ctx, int argc, char **argv)
{
	bool info = false, slabs = false, objects = false, vmalloc = false, pages = false;
	int c;
	optind = 0;
	while ((c = getopt(argc, argv, "+isSvp")) != -1) {
		if (c != 'i' && c != 's' && c != 'S' && c != 'v' && c != 'p') {
			fputs(cli_kmem_help, stderr);
			return 2;
		}
		info |= c == 'i';
		slabs |= c == 's';
		objects |= c == 'S';
		vmalloc |= c == 'v';
		pages |= c == 'p';
	}
	struct kt_error *err;
	if (pages && !vmalloc && !objects && !slabs && !info && argc - optind <= 2) {
		uint64_t start = 0, end = 0;
		struct kt_page_list *p;
		if (optind < argc) {
			if ((err = kt_program_parse_address(ctx->prog, argv[optind], &start)))
				return cli_report_error(err);
			start = kt_page_list_phys(ctx->prog, start);
			if (optind + 1 < argc) {
				if ((err = kt_program_parse_address(ctx->prog, argv[optind + 1], &end)))
					return cli_report_error(err);
				end = kt_page_list_phys(ctx->prog, end);
				if (end <= start)
					return fputs("kmem -p: END must be above ADDR\n", stderr), 2;
			} else if (!start) {
				end = 1;  // the page at physical 0
			}
		}
		if ((err = kt_page_list_read(ctx->prog, start, end, &p)))
			return cli_report_error(err);
		kt_page_list_render(stdout, cli_format(ctx), p);
		kt_page_list_destroy(p);
		return 0;
	}
	if (vmalloc && !objects && !slabs && !info && optind == argc) {
		struct kt_vmap_areas *v;
		if ((err = kt_vmap_areas_read(ctx->prog, &v)))
			return cli_report_error(err);
		kt_vmap_areas_render(stdout, cli_format(ctx), v);
		kt_vmap_areas_destroy(v);
		return 0;
	}
	if (objects && !slabs && !info && !vmalloc && argc - optind <= 1) {
		struct kt_slab_listing *l;
		if ((err = kt_slab_listing_read(ctx->prog, optind < argc ? argv[optind] : NULL, &l)))
			return cli_report_error(err);
		kt_slab_listing_render(stdout, cli_format(ctx), l);
		kt_slab_listing_destroy(l);
		return 0;
	}
	if (slabs && !info && argc - optind <= 1) {
		struct kt_slab_caches *s;
		if ((err = kt_slab_caches_read(ctx->prog, optind < argc ? argv[optind] : NULL, &s)))
			return cli_report_error(err);
		kt_slab_caches_render(stdout, cli_format(ctx), s);
		kt_slab_caches_destroy(s);
		return 0;
	}
	if (slabs || objects || vmalloc || pages || info == (optind != argc)) {
		fputs(cli_kmem_help, stderr);
		return 2;
	}
	if (info) {
		struct kt_kmem_info m;
		if ((err = kt_kmem_info_read(ctx->prog, &m)))
			return cli_report_error(err);
		kt_kmem_info_render(stdout, cli_format(ctx), &m);
		return 0;
	}
	size_t n = (size_t)(argc - optind);
	struct kt_kmem_address *a = calloc(n, sizeof(*a));
	if (!a)
		return fputs("kmem: out of memory\n", stderr), 1;
	int status = 0;
	size_t done = 0;
	for (int i = optind; i < argc; i++) {
		uint64_t addr;
		if ((err = kt_program_parse_address(ctx->prog, argv[i], &addr)) ||
		    (err = kt_kmem_address_read(ctx->prog, addr, &a[done]))) {
			status = cli_report_error(err);
			continue;
		}
		done++;
	}
	if (done)
		kt_kmem_addresses_render(stdout, cli_format(ctx), a, done);
	for (size_t i = 0; i < done; i++)
		kt_kmem_address_deinit(&a[i]);
	free(a);
	return status;
}
