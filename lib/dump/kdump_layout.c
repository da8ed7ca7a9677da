// SPDX-License-Identifier: MIT
/*
 * Layout (makedumpfile diskdump.h, x86_64, little-endian), in blocks of block_size bytes:
 *   block 0: struct disk_dump_header (464 bytes used)
 *   block 1: struct kdump_sub_header (104 bytes), sub_hdr_size blocks in all
 *   then bitmap_blocks blocks of bitmap: the first half marks the pages that exist, the second
 *   the pages dumped; then one struct page_desc {u64 offset; u32 size; u32 flags; u64 page_flags}
 *   per set bit of the second half, in PFN order; then the page data they point at.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "core/util.h"
#include "dump/dump_notes.h"
#include "dump/kdump_layout.h"
#include "dump/vmcoreinfo_check.h"

enum {
	HDR_SIZE = 464,
	HDR_VERSION = 8,
	HDR_BLOCK_SIZE = 428,
	HDR_SUB_HDR_SIZE = 432,
	HDR_BITMAP_BLOCKS = 436,
	HDR_MAX_MAPNR = 440,
	SUB_SIZE = 104,
	SUB_SPLIT = 12,
	SUB_OFFSET_VMCOREINFO = 32,
	SUB_SIZE_VMCOREINFO = 40,
	SUB_OFFSET_NOTE = 48,
	SUB_SIZE_NOTE = 56,
	SUB_START_PFN_64 = 80,
	SUB_END_PFN_64 = 88,
	SUB_MAX_MAPNR_64 = 96,
	DESC_SIZE = 24,
	X86_PAGE_SIZE = 4096,
	/* makedumpfile writes versions 1 to 6; later ones only add sub-header fields. */
	MAX_HEADER_VERSION = 64,
	DESC_CHUNK = 4096,
	/* The kernel's VMCOREINFO buffer is one page (VMCOREINFO_BYTES); allow for growth. */
	VMCOREINFO_MAX = 1 << 20,
	/* A CPU's notes are under 1 KiB: more than this is a corrupt header, not 64k CPUs. */
	NOTES_MAX = 64 << 20,
	/* makedumpfile's sub-header is one block; the x86_64 note data it may hold is small. */
	SUB_HDR_BLOCKS_MAX = 1024,
};
/* DUMP_DH_COMPRESSED_ZLIB, _LZO, _SNAPPY, _ZSTD */
static const uint32_t DESC_COMPRESSED = 0x1 | 0x2 | 0x4 | 0x20;
/* Offsets past this are no truncation of a real dump but a corrupt descriptor (16 TiB machine). */
static const uint64_t PLAUSIBLE_FILE_END = 1ull << 46;

bool kt_kdump_layout_detect(int fd)
{
	char sig[8];
	if (pread(fd, sig, sizeof(sig), 0) != sizeof(sig))
		return false;
	return !memcmp(sig, "KDUMP   ", 8) || !memcmp(sig, "DISKDUMP", 8);
}

static uint32_t u32_at(const unsigned char *p, size_t off)
{
	uint32_t v;
	memcpy(&v, p + off, 4);
	return v;
}

static uint64_t u64_at(const unsigned char *p, size_t off)
{
	uint64_t v;
	memcpy(&v, p + off, 8);
	return v;
}

/* Reads exactly len bytes at off: a short read means the file ends first. */
static struct kt_error *read_at(int fd, uint64_t off, void *buf, size_t len, const char *what,
				uint64_t file_size)
{
	ssize_t n = kt_pread_full(fd, off, buf, len);
	if (n < 0)
		return kt_error_create(KT_ERROR_OS, "reading the kdump %s: %m", what);
	if ((size_t)n < len)
		return kt_error_create(KT_ERROR_BAD_DATA,
				       "the dump file is truncated: the kdump %s (%zu bytes at "
				       "offset %llu) lies past its end (%llu bytes)",
				       what, len, (unsigned long long)off, (unsigned long long)file_size);
	return NULL;
}

#define CORRUPT(fmt, ...) kt_error_create(KT_ERROR_BAD_DATA, "kdump header is corrupt: " fmt, __VA_ARGS__)

/* A region [off, off + size) named in the sub-header must lie inside the file. */
static struct kt_error *check_region(const char *name, uint64_t off, uint64_t size,
				     uint64_t file_size)
{
	if (!size || (off <= file_size && size <= file_size - off))
		return NULL;
	if (off < PLAUSIBLE_FILE_END && size < PLAUSIBLE_FILE_END && size <= file_size)
		return kt_error_create(KT_ERROR_BAD_DATA,
				       "the dump file is truncated: its %s (%llu bytes at offset "
				       "%llu) lie past its end (%llu bytes)",
				       name, (unsigned long long)size, (unsigned long long)off,
				       (unsigned long long)file_size);
	return CORRUPT("its %s (%llu bytes at offset %llu) do not fit in the file (%llu bytes)", name,
		       (unsigned long long)size, (unsigned long long)off, (unsigned long long)file_size);
}

static bool add_missing(struct kt_truncation *t, size_t *cap, uint64_t pfn)
{
	uint64_t start = pfn * X86_PAGE_SIZE;
	if (t->n_missing && t->missing[t->n_missing - 1].end == start) {
		t->missing[t->n_missing - 1].end = start + X86_PAGE_SIZE;
		return true;
	}
	if (!kt_grow((void **)&t->missing, cap, t->n_missing, sizeof(*t->missing), 16))
		return false;
	t->missing[t->n_missing++] = (struct kt_phys_range){start, start + X86_PAGE_SIZE};
	return true;
}

/* Walks the page descriptors of the dumped PFNs [first, end) in the bitmap half dumped. */
static struct kt_error *scan_descriptors(int fd, const unsigned char *dumped, uint64_t first,
					 uint64_t end, uint64_t desc_off, struct kt_truncation *t)
{
	unsigned char *chunk = malloc((size_t)DESC_CHUNK * DESC_SIZE);
	if (!chunk)
		return &kt_enomem;
	size_t cap = t->n_missing, in_chunk = 0, used = 0;
	uint64_t pos = desc_off;
	struct kt_error *err = NULL;
	for (uint64_t pfn = first; pfn < end && !err; pfn++) {
		if (!(dumped[pfn / 8] & (1u << (pfn % 8)))) {
			if (!dumped[pfn / 8])
				pfn |= 7;  // a byte of PFNs none dumped: on to the next
			continue;
		}
		if (used == in_chunk) {
			// The descriptors still in the file, up to a chunk's worth.
			uint64_t left = pos < t->file_size ? (t->file_size - pos) / DESC_SIZE : 0;
			in_chunk = left < DESC_CHUNK ? (size_t)left : DESC_CHUNK;
			used = 0;
			if (in_chunk && (err = read_at(fd, pos, chunk, in_chunk * DESC_SIZE,
						       "page descriptors", t->file_size)))
				break;
		}
		uint64_t this_desc = pos;
		pos += DESC_SIZE;
		if (!in_chunk) {
			// The descriptor itself is cut off.
			if (this_desc + DESC_SIZE > t->needed_size)
				t->needed_size = this_desc + DESC_SIZE;
			if (!add_missing(t, &cap, pfn))
				err = &kt_enomem;
			continue;
		}
		const unsigned char *d = chunk + used++ * DESC_SIZE;
		uint64_t offset = u64_at(d, 0);
		uint32_t size = u32_at(d, 8), flags = u32_at(d, 12);
		if ((flags & DESC_COMPRESSED) && size > X86_PAGE_SIZE) {
			err = kt_error_create(KT_ERROR_BAD_DATA,
					      "kdump page descriptor of PFN 0x%llx (at offset %llu) is "
					      "corrupt: compressed size %u is larger than a page (%d)",
					      (unsigned long long)pfn, (unsigned long long)this_desc, size,
					      X86_PAGE_SIZE);
			break;
		}
		if (offset <= t->file_size && size <= t->file_size - offset)
			continue;
		if (offset < PLAUSIBLE_FILE_END && offset + size > t->needed_size)
			t->needed_size = offset + size;
		if (!add_missing(t, &cap, pfn))
			err = &kt_enomem;
	}
	free(chunk);
	return err;
}

/* The copy of the ELF notes that header_version 4 and later keep, walked into t->notes. */
static struct kt_error *scan_notes(int fd, const unsigned char *sub, int32_t version,
				   uint64_t file_size, struct kt_truncation *t)
{
	if (version < 4)
		return NULL;
	uint64_t notes_size = u64_at(sub, SUB_SIZE_NOTE);
	struct kt_error *err = check_region("ELF notes", u64_at(sub, SUB_OFFSET_NOTE), notes_size,
					    file_size);
	if (err || !notes_size)
		return err;
	if (notes_size > NOTES_MAX)
		return CORRUPT("its ELF notes size %llu is larger than any kernel writes (%d)",
			       (unsigned long long)notes_size, NOTES_MAX);
	uint8_t *notes = malloc(notes_size);
	if (!notes)
		return &kt_enomem;
	err = read_at(fd, u64_at(sub, SUB_OFFSET_NOTE), notes, notes_size, "ELF notes", file_size);
	if (!err)
		err = kt_dump_notes_walk(notes, notes_size, &t->notes);
	free(notes);
	return err;
}

struct kt_error *kt_kdump_layout_scan(int fd, struct kt_truncation *t)
{
	const uint64_t file_size = t->file_size;
	unsigned char hdr[HDR_SIZE], sub[SUB_SIZE];
	struct kt_error *err = read_at(fd, 0, hdr, sizeof(hdr), "header", file_size);
	if (err)
		return err;
	int32_t version = (int32_t)u32_at(hdr, HDR_VERSION);
	int32_t block_size = (int32_t)u32_at(hdr, HDR_BLOCK_SIZE);
	int32_t sub_hdr_size = (int32_t)u32_at(hdr, HDR_SUB_HDR_SIZE);
	uint32_t bitmap_blocks = u32_at(hdr, HDR_BITMAP_BLOCKS);
	uint64_t max_mapnr = u32_at(hdr, HDR_MAX_MAPNR);
	if (version < 1 || version > MAX_HEADER_VERSION)
		return CORRUPT("header_version %d is none makedumpfile writes (1..%d)", version,
			       MAX_HEADER_VERSION);
	if (block_size != X86_PAGE_SIZE)
		return CORRUPT("block_size %d is not the x86_64 page size (%d)", block_size,
			       X86_PAGE_SIZE);
	const uint64_t bs = X86_PAGE_SIZE;
	if (sub_hdr_size < 1 || sub_hdr_size > SUB_HDR_BLOCKS_MAX)
		return CORRUPT("sub_hdr_size %d blocks is none makedumpfile writes (1..%d)", sub_hdr_size,
			       SUB_HDR_BLOCKS_MAX);
	if ((1 + (uint64_t)sub_hdr_size) * bs > file_size)
		return kt_error_create(KT_ERROR_BAD_DATA,
				       "the dump file is truncated: it ends (%llu bytes) inside the "
				       "kdump sub-header (%d blocks of %llu bytes after the header)",
				       (unsigned long long)file_size, sub_hdr_size,
				       (unsigned long long)bs);
	if ((err = read_at(fd, bs, sub, sizeof(sub), "sub-header", file_size)))
		return err;
	uint64_t bitmap_off = (1 + (uint64_t)sub_hdr_size) * bs;
	uint64_t bitmap_size = (uint64_t)bitmap_blocks * bs;
	if (bitmap_size > file_size)
		return CORRUPT("its page bitmap (bitmap_blocks %u, %llu bytes) is larger than the file (%llu bytes)",
			       bitmap_blocks, (unsigned long long)bitmap_size,
			       (unsigned long long)file_size);
	if (!bitmap_blocks || bitmap_blocks % 2)
		return CORRUPT("bitmap_blocks %u is not an even, non-zero number of blocks",
			       bitmap_blocks);
	if (max_mapnr > bitmap_size * 8)
		return CORRUPT("max_mapnr %llu pages does not match its page bitmap (bitmap_blocks %u, room for %llu pages)",
			       (unsigned long long)max_mapnr, bitmap_blocks,
			       (unsigned long long)(bitmap_size * 8));
	if (version >= 6)
		max_mapnr = u64_at(sub, SUB_MAX_MAPNR_64);
	uint64_t half_bits = bitmap_size / 2 * 8;
	if (!max_mapnr || max_mapnr > half_bits)
		return CORRUPT("max_mapnr %llu pages does not match its page bitmap (bitmap_blocks %u, room for %llu pages)",
			       (unsigned long long)max_mapnr, bitmap_blocks,
			       (unsigned long long)half_bits);
	if (version >= 3 &&
	    (err = check_region("VMCOREINFO", u64_at(sub, SUB_OFFSET_VMCOREINFO),
				u64_at(sub, SUB_SIZE_VMCOREINFO), file_size)))
		return err;
	uint64_t vmcoreinfo_size = u64_at(sub, SUB_SIZE_VMCOREINFO);
	char *vmcoreinfo = NULL;
	if (version >= 3 && vmcoreinfo_size) {
		if (vmcoreinfo_size > VMCOREINFO_MAX)
			return CORRUPT("its VMCOREINFO size %llu is larger than any kernel writes (%d)",
				       (unsigned long long)vmcoreinfo_size, VMCOREINFO_MAX);
		if (!(vmcoreinfo = malloc(vmcoreinfo_size)))
			return &kt_enomem;
		err = read_at(fd, u64_at(sub, SUB_OFFSET_VMCOREINFO), vmcoreinfo, vmcoreinfo_size,
			      "VMCOREINFO", file_size);
		if (!err)
			err = kt_vmcoreinfo_check(vmcoreinfo, vmcoreinfo_size);
		if (err) {
			free(vmcoreinfo);
			return err;
		}
	}
	// Kept only for a file whose notes lost VMCOREINFO: there it is the one copy left.
	err = scan_notes(fd, sub, version, file_size, t);
	if (!err && vmcoreinfo && kt_dump_notes_lost_vmcoreinfo(&t->notes)) {
		t->vmcoreinfo_copy = vmcoreinfo;
		t->vmcoreinfo_copy_size = vmcoreinfo_size;
		vmcoreinfo = NULL;
	}
	free(vmcoreinfo);
	if (err)
		return err;
	uint64_t first = 0, end = half_bits;
	if (version >= 6 && u32_at(sub, SUB_SPLIT)) {
		first = u64_at(sub, SUB_START_PFN_64);
		if (u64_at(sub, SUB_END_PFN_64) < end)
			end = u64_at(sub, SUB_END_PFN_64);
		if (first > end)
			first = end;
	}
	unsigned char *dumped = malloc(bitmap_size / 2);
	if (!dumped)
		return &kt_enomem;
	err = read_at(fd, bitmap_off + bitmap_size / 2, dumped, bitmap_size / 2, "page bitmap",
		      file_size);
	if (!err)
		err = scan_descriptors(fd, dumped, first, end, bitmap_off + bitmap_size, t);
	free(dumped);
	return err;
}

/* Clears bits [from, to) of bitmap. */
static void clear_bits(uint8_t *bitmap, uint64_t from, uint64_t to)
{
	for (; from < to && from % 8; from++)
		bitmap[from / 8] &= (uint8_t)~(1u << (from % 8));
	if (from < to && to - from >= 8) {
		memset(bitmap + from / 8, 0, (to - from) / 8);
		from += (to - from) / 8 * 8;
	}
	for (; from < to; from++)
		bitmap[from / 8] &= (uint8_t)~(1u << (from % 8));
}

struct kt_error *kt_kdump_layout_dumped(int fd, uint64_t file_size, struct kt_kdump_dumped *ret)
{
	unsigned char hdr[HDR_SIZE], sub[SUB_SIZE];
	struct kt_error *err = read_at(fd, 0, hdr, sizeof(hdr), "header", file_size);
	if (!err)
		err = read_at(fd, X86_PAGE_SIZE, sub, sizeof(sub), "sub-header", file_size);
	if (err)
		return err;
	int32_t version = (int32_t)u32_at(hdr, HDR_VERSION);
	uint64_t sub_hdr_size = u32_at(hdr, HDR_SUB_HDR_SIZE);
	uint64_t bitmap_size = (uint64_t)u32_at(hdr, HDR_BITMAP_BLOCKS) * X86_PAGE_SIZE;
	uint64_t bitmap_off = (1 + sub_hdr_size) * X86_PAGE_SIZE;
	// Pages past max_mapnr are none the file holds, whatever the bitmap says.
	uint64_t max_mapnr = version >= 6 ? u64_at(sub, SUB_MAX_MAPNR_64) : u32_at(hdr, HDR_MAX_MAPNR);
	uint64_t first = 0, end = bitmap_size / 2 * 8;
	if (max_mapnr < end)
		end = max_mapnr;
	if (version >= 6 && u32_at(sub, SUB_SPLIT)) {
		first = u64_at(sub, SUB_START_PFN_64);
		if (u64_at(sub, SUB_END_PFN_64) < end)
			end = u64_at(sub, SUB_END_PFN_64);
	}
	if (first > end)
		first = end;
	uint8_t *bitmap = malloc(bitmap_size / 2);
	if (!bitmap)
		return &kt_enomem;
	if ((err = read_at(fd, bitmap_off + bitmap_size / 2, bitmap, bitmap_size / 2, "page bitmap",
			   file_size))) {
		free(bitmap);
		return err;
	}
	// Only the PFNs [first, end) have descriptors in this file (a split dump holds a part).
	clear_bits(bitmap, 0, first);
	clear_bits(bitmap, end, bitmap_size / 2 * 8);
	*ret = (struct kt_kdump_dumped){.bitmap = bitmap, .bitmap_bytes = bitmap_size / 2,
					.first = first, .end = end,
					.desc_off = bitmap_off + bitmap_size};
	return NULL;
}
