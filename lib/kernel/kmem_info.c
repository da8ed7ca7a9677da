// SPDX-License-Identifier: MIT
/*
 * kmem -i: crash's memory summary from the kernel's counters. The names changed over the years:
 * totalram_pages became the atomic _totalram_pages in v5.0 (commit ca79b0c211af); the global
 * vm_stat split into vm_zone_stat and vm_node_stat in v4.8 (commit 75ef71840539), and the file
 * and slab counters moved to the nodes; NR_SLAB_*_B (5.9, commit d42f3245c7e2) count pages
 * in the node array although the interface speaks bytes; NR_SWAPCACHE (5.12, commit
 * b6038942480e) replaced summing swapper_spaces[]' nrpages. crash 8.0.2's SHARED is its own
 * count over the mem_map, kept here as it does it.
 */
#include <bpf/btf.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "dump/reader.h"
#include "kernel/mem_map.h"
#include "kernel/object.h"
#include "kernel/percpu.h"
#include "ktriage.h"

/* Pages of struct page read at once for SHARED: one page of the vmemmap. */
enum { MEMMAP_CHUNK = KT_MEM_PAGE_SIZE };

static bool symbol_u64(struct kt_program *prog, const char *name, uint64_t *ret)
{
	uint64_t addr;
	return kt_error_none(kt_program_symbol_address(prog, name, &addr)) &&
	       kt_error_none(kt_read_u64(&prog->reader, addr, ret));
}

static bool symbol_u32(struct kt_program *prog, const char *name, uint32_t *ret)
{
	uint64_t addr;
	return kt_error_none(kt_program_symbol_address(prog, name, &addr)) &&
	       kt_error_none(kt_read_u32(&prog->reader, addr, ret));
}

/* Item name of the counter array (vm_zone_stat, vm_node_stat, vm_stat) indexed by enum type. */
static bool vm_counter(struct kt_program *prog, const char *array, const char *type,
		       const char *name, int64_t *ret)
{
	int64_t index;
	uint64_t addr, v;
	if (!kt_error_none(kt_enum_value(prog, type, name, &index)) || index < 0 ||
	    !kt_error_none(kt_program_symbol_address(prog, array, &addr)) ||
	    !kt_error_none(kt_read_u64(&prog->reader, addr + (uint64_t)index * 8, &v)))
		return false;
	*ret = (int64_t)v;
	return true;
}

/* A node counter, from vm_node_stat (4.8+) or the older global vm_stat. */
static bool node_counter(struct kt_program *prog, const char *name, int64_t *ret)
{
	return vm_counter(prog, "vm_node_stat", "enum node_stat_item", name, ret) ||
	       vm_counter(prog, "vm_stat", "enum zone_stat_item", name, ret);
}

static struct kt_error *total_pages(struct kt_program *prog, uint64_t *ret)
{
	if (symbol_u64(prog, "_totalram_pages", ret) || symbol_u64(prog, "totalram_pages", ret))
		return NULL;
	return kt_error_create(KT_ERROR_NOT_FOUND, "kmem -i: neither _totalram_pages nor "
			       "totalram_pages can be read");
}

struct inode_walk {
	struct kt_program *prog;
	uint64_t pages;
};

static bool add_inode_pages(const struct kt_object *inode, void *arg)
{
	struct inode_walk *w = arg;
	struct kt_object o;
	uint64_t n;
	if (kt_error_none(kt_object_member(inode, "i_mapping->nrpages", &o)) &&
	    kt_error_none(kt_object_read_unsigned(&o, &n)))
		w->pages += n;
	return true;
}

/* nr_blockdev_pages() as crash emulates it: blockdev_superblock->s_inodes' i_mapping->nrpages. */
static uint64_t blockdev_pages(struct kt_program *prog)
{
	uint64_t sb;
	struct kt_object o, head;
	if (!symbol_u64(prog, "blockdev_superblock", &sb) || !sb ||
	    !kt_error_none(kt_object_from_address(prog, "struct super_block", sb, &o)) ||
	    !kt_error_none(kt_object_member(&o, "s_inodes", &head)))
		return 0;
	struct inode_walk w = {prog, 0};
	kt_error_destroy(kt_object_list_for_each(&head, "struct inode", "i_sb_list", 0,
						 add_inode_pages, &w));
	return w.pages;
}

/* The swap cache before NR_SWAPCACHE: swapper_spaces[type][0..nr_swapper_spaces[type]). */
static uint64_t swapper_space_pages(struct kt_program *prog)
{
	uint32_t nr_swapfiles;
	uint64_t spaces, counts, off, size;
	struct kt_type_ref as, member;
	if (!symbol_u32(prog, "nr_swapfiles", &nr_swapfiles) || nr_swapfiles > 64 ||
	    !kt_error_none(kt_program_symbol_address(prog, "swapper_spaces", &spaces)) ||
	    !kt_error_none(kt_program_symbol_address(prog, "nr_swapper_spaces", &counts)) ||
	    !kt_error_none(kt_object_lookup_type(prog, "struct address_space", &as)) ||
	    !kt_error_none(kt_object_member_offset(prog, as, "nrpages", &off, &member)))
		return 0;
	long long sz = btf__resolve_size(as.btf, (uint32_t)as.id);
	if (sz <= 0)
		return 0;
	size = (uint64_t)sz;
	uint64_t total = 0;
	for (uint32_t i = 0; i < nr_swapfiles; i++) {
		uint32_t banks;
		uint64_t sa, n;
		if (!kt_error_none(kt_read_u32(&prog->reader, counts + i * 4, &banks)) ||
		    !kt_error_none(kt_read_u64(&prog->reader, spaces + i * 8, &sa)) || !sa)
			continue;
		for (uint32_t j = 0; j < banks && j < (1u << 20); j++)
			if (kt_error_none(kt_read_u64(&prog->reader, sa + j * size + off, &n)))
				total += n;
	}
	return total;
}

static void hugetlb_pages(struct kt_program *prog, struct kt_kmem_info *info)
{
	uint64_t hstates;
	struct kt_type_ref hs, member;
	uint64_t order_off, nr_off, free_off;
	uint32_t max;
	if (!kt_error_none(kt_program_symbol_address(prog, "hstates", &hstates)) ||
	    !kt_error_none(kt_object_lookup_type(prog, "struct hstate", &hs)) ||
	    !kt_error_none(kt_object_member_offset(prog, hs, "order", &order_off, &member)) ||
	    !kt_error_none(kt_object_member_offset(prog, hs, "nr_huge_pages", &nr_off, &member)) ||
	    !kt_error_none(kt_object_member_offset(prog, hs, "free_huge_pages", &free_off, &member)))
		return;
	long long size = btf__resolve_size(hs.btf, (uint32_t)hs.id);
	// hugetlb_max_hstate: how many of hstates[HUGE_MAX_HSTATE] are set up.
	if (size <= 0 || !symbol_u32(prog, "hugetlb_max_hstate", &max) || max > 16)
		return;
	info->has_huge = true;
	for (uint32_t i = 0; i < max; i++) {
		uint64_t h = hstates + i * (uint64_t)size, nr, nfree;
		uint32_t order;
		if (!kt_error_none(kt_read_u32(&prog->reader, h + order_off, &order)) || !order ||
		    order > 30 || !kt_error_none(kt_read_u64(&prog->reader, h + nr_off, &nr)) ||
		    !kt_error_none(kt_read_u64(&prog->reader, h + free_off, &nfree)))
			continue;
		info->huge_total += nr << order;
		info->huge_free += nfree << order;
	}
}

/* crash's SHARED: every node's mem_map from node_start_pfn over node_spanned_pages. */
static struct kt_error *shared_pages(struct kt_program *prog, struct kt_kmem_info *info)
{
	struct kt_mem_map m;
	struct kt_error *err = kt_mem_map_get(prog, &m);
	if (err)
		return err;
	if (m.pg_reserved < 0)
		return kt_error_create(KT_ERROR_NOT_FOUND, "enum pageflags has no PG_reserved");
	uint64_t node_data, contig = 0;
	unsigned int nodes = 1;
	// NUMA: node_data[] of pointers; else the one node contig_page_data.
	if (!kt_error_none(kt_program_symbol_address(prog, "node_data", &node_data))) {
		if ((err = kt_program_symbol_address(prog, "contig_page_data", &contig)))
			return kt_error_prefix(err, "no node_data or contig_page_data");
	} else {
		uint32_t n;
		nodes = symbol_u32(prog, "nr_node_ids", &n) && n && n <= 1024 ? n : 1;
	}
	uint8_t *buf = malloc(MEMMAP_CHUNK);
	if (!buf)
		return &kt_enomem;
	for (unsigned int node = 0; node < nodes; node++) {
		uint64_t pgdat, start, spanned;
		struct kt_object o, f;
		if (contig)
			pgdat = contig;
		else if (!kt_error_none(kt_read_u64(&prog->reader, node_data + node * 8, &pgdat)) ||
			 !pgdat)
			continue;
		if ((err = kt_object_from_address(prog, "struct pglist_data", pgdat, &o)) ||
		    (err = kt_object_member(&o, "node_start_pfn", &f)) ||
		    (err = kt_object_read_unsigned(&f, &start)) ||
		    (err = kt_object_member(&o, "node_spanned_pages", &f)) ||
		    (err = kt_object_read_unsigned(&f, &spanned))) {
			free(buf);
			return kt_error_prefix(err, "node %u", node);
		}
		// A node beyond the last page frame is not the kernel's but damage: the walk would
		// not end.
		if (m.max_pfn && (start > m.max_pfn || spanned > m.max_pfn - start + (1ULL << 18))) {
			free(buf);
			return kt_error_create(KT_ERROR_BAD_DATA, "node %u spans pfn %llu + %llu pages, "
					       "past max_pfn %llu", node, (unsigned long long)start,
					       (unsigned long long)spanned, (unsigned long long)m.max_pfn);
		}
		uint64_t per_chunk = MEMMAP_CHUNK / m.page_size;
		for (uint64_t pfn = start; pfn < start + spanned;) {
			uint64_t n = per_chunk;
			uint64_t addr = kt_mem_pfn_to_page(&m, pfn);
			// Chunks start at a page of the vmemmap so that one hole costs one read.
			uint64_t room = (MEMMAP_CHUNK - (addr & (MEMMAP_CHUNK - 1))) / m.page_size;
			if (room && room < n)
				n = room;
			if (n > start + spanned - pfn)
				n = start + spanned - pfn;
			if (!n)
				n = 1;
			info->pages_walked += n;
			if (!kt_error_none(kt_read(&prog->reader, addr, buf, n * m.page_size))) {
				info->pages_unreadable += n;
				pfn += n;
				continue;
			}
			for (uint64_t i = 0; i < n; i++) {
				uint64_t flags;
				int32_t count;
				memcpy(&flags, buf + i * m.page_size + m.flags_off, 8);
				memcpy(&count, buf + i * m.page_size + m.refcount_off, 4);
				if (!(flags >> m.pg_reserved & 1) && count > 1)
					info->shared++;
			}
			pfn += n;
		}
	}
	free(buf);
	return NULL;
}

static int64_t percpu_counter_sum(struct kt_program *prog, uint64_t counter, int64_t count)
{
	struct kt_object o, pcp;
	const struct kt_percpu *pc;
	uint64_t base;
	if (!kt_error_none(kt_object_from_address(prog, "struct percpu_counter", counter, &o)) ||
	    !kt_error_none(kt_object_member(&o, "counters", &pcp)) ||
	    !kt_error_none(kt_object_read_unsigned(&pcp, &base)) ||
	    !kt_error_none(kt_percpu_get(prog, &pc)))
		return count;
	for (unsigned int cpu = 0; cpu < pc->nr_cpu_ids; cpu++) {
		uint32_t v;
		if (kt_percpu_possible(pc, cpu) &&
		    kt_error_none(kt_read_u32(&prog->reader, base + pc->offsets[cpu], &v)))
			count += (int32_t)v;
	}
	return count;
}

struct kt_error *kt_kmem_info_read(struct kt_program *prog, struct kt_kmem_info *info)
{
	*info = (struct kt_kmem_info){.page_size = KT_MEM_PAGE_SIZE};
	struct kt_error *err = total_pages(prog, &info->total);
	if (err)
		return err;
	int64_t v, v2;
	if (!vm_counter(prog, "vm_zone_stat", "enum zone_stat_item", "NR_FREE_PAGES", &v) &&
	    !vm_counter(prog, "vm_stat", "enum zone_stat_item", "NR_FREE_PAGES", &v))
		return kt_error_create(KT_ERROR_NOT_FOUND, "kmem -i: NR_FREE_PAGES cannot be read from "
				       "vm_zone_stat or vm_stat (enum zone_stat_item needed)");
	info->free = v > 0 ? (uint64_t)v : 0;
	info->used = info->total > info->free ? info->total - info->free : 0;
	if ((err = shared_pages(prog, info)))
		return kt_error_prefix(err, "kmem -i: the mem_map");
	info->buffers = blockdev_pages(prog);
	if (node_counter(prog, "NR_FILE_PAGES", &v)) {
		int64_t swap = 0;
		if (!node_counter(prog, "NR_SWAPCACHE", &swap))
			swap = (int64_t)swapper_space_pages(prog);
		int64_t cached = v - swap - (int64_t)info->buffers;
		info->cached = cached > 0 ? (uint64_t)cached : 0;
	}
	if (node_counter(prog, "NR_SLAB_RECLAIMABLE_B", &v) &&
	    node_counter(prog, "NR_SLAB_UNRECLAIMABLE_B", &v2))
		info->slab = (uint64_t)(v + v2);
	else if (node_counter(prog, "NR_SLAB_RECLAIMABLE", &v) &&
		 node_counter(prog, "NR_SLAB_UNRECLAIMABLE", &v2))
		info->slab = (uint64_t)(v + v2);
	else if (node_counter(prog, "NR_SLAB", &v))
		info->slab = (uint64_t)v;
	hugetlb_pages(prog, info);
	uint64_t swap_total, nr_swap;
	if (symbol_u64(prog, "total_swap_pages", &swap_total) &&
	    symbol_u64(prog, "nr_swap_pages", &nr_swap)) {
		info->has_swap = true;
		info->swap_total = swap_total;
		info->swap_used = swap_total > nr_swap ? swap_total - nr_swap : 0;
	}
	uint64_t addr, kbytes = 0, count_off;
	uint32_t ratio;
	struct kt_type_ref pc, member;
	if (kt_error_none(kt_program_symbol_address(prog, "sysctl_overcommit_memory", &addr))) {
		symbol_u64(prog, "sysctl_overcommit_kbytes", &kbytes);
		bool ok = true;
		if (kbytes)
			info->commit_limit = kbytes >> (KT_MEM_PAGE_SHIFT - 10);
		else if ((ok = symbol_u32(prog, "sysctl_overcommit_ratio", &ratio)))
			info->commit_limit = (info->total - info->huge_total) * ratio / 100;
		uint64_t c;
		if (ok && kt_error_none(kt_program_symbol_address(prog, "vm_committed_as", &addr)) &&
		    kt_error_none(kt_object_lookup_type(prog, "struct percpu_counter", &pc)) &&
		    kt_error_none(kt_object_member_offset(prog, pc, "count", &count_off, &member)) &&
		    kt_error_none(kt_read_u64(&prog->reader, addr + count_off, &c))) {
			info->has_commit = true;
			info->commit_limit += info->swap_total;
			info->committed = (int64_t)c < 0 ? 0 : (int64_t)c;
			info->committed_sum = percpu_counter_sum(prog, addr, (int64_t)c);
		}
	}
	return NULL;
}
