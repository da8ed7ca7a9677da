// SPDX-License-Identifier: MIT
#include <libdeflate.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "dump/kdump_layout.h"
#include "dump/kdump_pages.h"

enum {
	PAGE = 4096,
	DESC_SIZE = 24,
	/* Dumped pages before each block of BLOCK_BITS PFNs: a descriptor's index is that plus
	 * the bits set before the PFN in its block. */
	BLOCK_BITS = 512,
	/* Decompressors kept for reuse: one per thread reading at once (allocating one clears
	 * 10 KB, more than some reads cost). */
	SPARE_DECOMPRESSORS = 4,
};
/* makedumpfile's page_desc.flags: DUMP_DH_COMPRESSED_ZLIB; 0 is a page stored whole. */
static const uint32_t DESC_ZLIB = 0x1;

struct kt_kdump_pages {
	const uint8_t *map;	/* the whole file, read-only */
	size_t map_len;
	struct kt_kdump_dumped dumped;
	uint64_t *rank;		/* per block of BLOCK_BITS PFNs */
	struct libdeflate_decompressor *_Atomic spare[SPARE_DECOMPRESSORS];
};

struct libdeflate_decompressor *kt_kdump_pages_decompressor(struct kt_kdump_pages *p)
{
	for (size_t i = 0; i < SPARE_DECOMPRESSORS; i++) {
		struct libdeflate_decompressor *d = atomic_exchange(&p->spare[i], NULL);
		if (d)
			return d;
	}
	return libdeflate_alloc_decompressor();
}

void kt_kdump_pages_decompressor_put(struct kt_kdump_pages *p, struct libdeflate_decompressor *d)
{
	for (size_t i = 0; d && i < SPARE_DECOMPRESSORS; i++) {
		struct libdeflate_decompressor *none = NULL;
		if (atomic_compare_exchange_strong(&p->spare[i], &none, d))
			return;
	}
	libdeflate_free_decompressor(d);
}

static uint64_t u64_at(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

/* Without -mpopcnt, __builtin_popcount is a libgcc call per byte. */
static uint64_t bits_set(uint64_t x)
{
	x -= (x >> 1) & 0x5555555555555555ull;
	x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
	return (x * 0x0101010101010101ull) >> 56;
}

/* The dumped PFNs in bitmap bytes [lo, hi). */
static uint64_t count_dumped(const uint8_t *bitmap, size_t lo, size_t hi)
{
	uint64_t n = 0;
	for (; lo + 8 <= hi; lo += 8)
		n += bits_set(u64_at(bitmap + lo));
	for (; lo < hi; lo++)
		n += bits_set(bitmap[lo]);
	return n;
}

static uint32_t u32_at(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

struct kt_error *kt_kdump_pages_create(int fd, uint64_t file_size, struct kt_kdump_pages **ret)
{
	*ret = NULL;
	if (!file_size || file_size > SIZE_MAX)
		return NULL;
	struct kt_kdump_pages *p = calloc(1, sizeof(*p));
	if (!p)
		return &kt_enomem;
	struct kt_error *err = kt_kdump_layout_dumped(fd, file_size, &p->dumped);
	if (err) {
		free(p);
		return err;
	}
	size_t n_blocks = p->dumped.bitmap_bytes / (BLOCK_BITS / 8) + 1;
	if (!(p->rank = malloc(n_blocks * sizeof(*p->rank)))) {
		kt_kdump_pages_destroy(p);
		return &kt_enomem;
	}
	uint64_t count = 0;
	for (size_t b = 0; b < n_blocks; b++) {
		p->rank[b] = count;
		size_t lo = b * (BLOCK_BITS / 8), hi = lo + BLOCK_BITS / 8;
		if (hi > p->dumped.bitmap_bytes)
			hi = p->dumped.bitmap_bytes;
		count += count_dumped(p->dumped.bitmap, lo, hi);
	}
	void *map = mmap(NULL, (size_t)file_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED) {
		kt_kdump_pages_destroy(p);
		return NULL;  // every page goes through libkdumpfile
	}
	p->map = map;
	p->map_len = (size_t)file_size;
	*ret = p;
	return NULL;
}

void kt_kdump_pages_destroy(struct kt_kdump_pages *p)
{
	if (!p)
		return;
	if (p->map)
		munmap((void *)p->map, p->map_len);
	for (size_t i = 0; i < SPARE_DECOMPRESSORS; i++)
		libdeflate_free_decompressor(p->spare[i]);
	free(p->rank);
	free(p->dumped.bitmap);
	free(p);
}

bool kt_kdump_pages_read(const struct kt_kdump_pages *p, struct libdeflate_decompressor *d,
			 uint64_t pfn, void *out)
{
	const struct kt_kdump_dumped *dm = &p->dumped;
	if (pfn < dm->first || pfn >= dm->end || pfn / 8 >= dm->bitmap_bytes ||
	    !(dm->bitmap[pfn / 8] & (1u << (pfn % 8))))
		return false;
	uint64_t index = p->rank[pfn / BLOCK_BITS] +
			 count_dumped(dm->bitmap, pfn / BLOCK_BITS * (BLOCK_BITS / 8), pfn / 8) +
			 bits_set(dm->bitmap[pfn / 8] & ((1u << (pfn % 8)) - 1));
	uint64_t desc = dm->desc_off + index * DESC_SIZE;
	if (desc > p->map_len || p->map_len - desc < DESC_SIZE)
		return false;
	uint64_t offset = u64_at(p->map + desc);
	uint32_t size = u32_at(p->map + desc + 8), flags = u32_at(p->map + desc + 12);
	if (offset > p->map_len || size > p->map_len - offset)
		return false;
	if (!flags && size == PAGE) {
		memcpy(out, p->map + offset, PAGE);
		return true;
	}
	size_t got;
	return flags == DESC_ZLIB && size <= PAGE &&
	       libdeflate_zlib_decompress(d, p->map + offset, size, out, PAGE, &got) ==
		       LIBDEFLATE_SUCCESS &&
	       got == PAGE;
}
