// SPDX-License-Identifier: MIT
#include <errno.h>
#include <libdeflate.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "dump/page_cache.h"
#include "dump/reader.h"
#include "dump/shared_pages.h"

/* 4 MiB of whole pages: a task's and a stack's pages stay while they are walked. */
enum { KT_READER_CACHE_PAGES = 1024 };

/* The lowest kernel virtual address with 4- and 5-level paging (Documentation/x86/x86_64/mm.rst). */
static const uint64_t KERNEL_SPACE_START = 0xffff800000000000ull;
static const uint64_t KERNEL_SPACE_START_LA57 = 0xff00000000000000ull;

/* Reads longer than this (ORC tables, BTF) go around the page cache instead of flushing it. */
static const size_t CACHED_READ_MAX = 16 * KT_PAGE_SIZE;

void kt_reader_init(struct kt_reader *reader, struct kt_dump *dump)
{
	// Every field: a reader on the stack starts as garbage (no pages shared with another thread).
	*reader = (struct kt_reader){.dump = dump, .ctx = dump->ctx, .pgtable = dump->pgtable};
	reader->pages = kt_page_cache_create(KT_READER_CACHE_PAGES);  // NULL: every read goes to libkdumpfile
}

void kt_reader_deinit(struct kt_reader *reader)
{
	kt_page_cache_destroy(reader->pages);
	reader->pages = NULL;
}

static struct kt_error *read_table(void *reader, uint64_t addr, void *buf, size_t len)
{
	return kt_read_phys(reader, addr, buf, len);
}

/* Kernel virtual reads through our own page table walk, a page at a time. */
static struct kt_error *read_translated(struct kt_reader *reader, uint64_t addr, void *buf,
					size_t len)
{
	while (len) {
		size_t chunk = 4096 - (addr & 4095);
		if (chunk > len)
			chunk = len;
		uint64_t pa;
		struct kt_error *err = kt_pgtable_translate(&reader->pgtable, read_table, reader, addr, &pa);
		if (!err)
			err = kt_read_phys(reader, pa, buf, chunk);
		if (err)
			return err;
		addr += chunk;
		buf = (char *)buf + chunk;
		len -= chunk;
	}
	return NULL;
}

bool kt_address_is_canonical(const struct kt_reader *reader, uint64_t addr)
{
	// Bits above the implemented width must copy the top implemented bit (SDM Vol. 1, 3.3.7.1).
	unsigned int bits = reader->dump->la57 ? 57 : 48;
	int64_t sign_extended = (int64_t)(addr << (64 - bits)) >> (64 - bits);
	return (uint64_t)sign_extended == addr;
}

bool kt_address_is_kernel(const struct kt_reader *reader, uint64_t addr)
{
	uint64_t kernel_start = reader->dump->la57 ? KERNEL_SPACE_START_LA57 : KERNEL_SPACE_START;
	return addr >= kernel_start && kt_address_is_canonical(reader, addr);
}

static const char *status_reason(kdump_status status)
{
	switch (status) {
	case KDUMP_ERR_NODATA:
		return "page excluded from the dump (filtered by makedumpfile, or never captured)";
	case KDUMP_ERR_ADDRXLAT:
		return "address does not translate (no page table mapping)";
	case KDUMP_ERR_EOF:
		return "dump file is truncated";
	case KDUMP_ERR_CORRUPT:
		return "dump data is corrupt";
	default:
		return NULL;
	}
}

/* For truncated ELF dumps: fails if [addr, addr + len) touches memory past the end of the file. */
static struct kt_error *check_truncation(struct kt_reader *reader, kdump_addrspace_t space,
					 uint64_t addr, size_t len)
{
	const struct kt_truncation *t = &reader->dump->truncation;
	uint64_t phys = addr;
	if (space == KDUMP_KVADDR) {
		addrxlat_ctx_t *axctx;
		addrxlat_sys_t *axsys;
		if (kdump_get_addrxlat(reader->ctx, &axctx, &axsys) != KDUMP_OK)
			return NULL;  // the read itself will report why
		addrxlat_fulladdr_t fa = {.addr = addr, .as = ADDRXLAT_KVADDR};
		addrxlat_status st = addrxlat_fulladdr_conv(&fa, ADDRXLAT_KPHYSADDR, axctx, axsys);
		addrxlat_ctx_decref(axctx);
		addrxlat_sys_decref(axsys);
		if (st != ADDRXLAT_OK)
			return NULL;
		phys = fa.addr;
		// A read may cross into the next page, which maps elsewhere: check page by page.
		size_t first = 4096 - (addr & 4095);
		if (len > first) {
			const struct kt_phys_range *r = kt_truncation_find(t, phys, first);
			if (r)
				goto truncated;
			return check_truncation(reader, space, addr + first, len - first);
		}
	}
	if (kt_truncation_find(t, phys, len))
		goto truncated;
	return NULL;
truncated:
	return kt_error_fault(addr, "0x%016llx%s: dump file is truncated (%llu of %llu bytes present)",
			      (unsigned long long)addr, space == KDUMP_KVADDR ? "" : " (physical)",
			      (unsigned long long)t->file_size, (unsigned long long)t->needed_size);
}

static bool all_zero(const uint8_t *p, size_t len)
{
	return !len || (!p[0] && !memcmp(p, p + 1, len - 1));
}

/* Whether the page at page_addr, which libkdumpfile read as zeros, is one the filter left out of
 * the file (dump.c says why such pages are read so). */
static bool zero_page_excluded(struct kt_reader *reader, kdump_addrspace_t space, uint64_t page_addr)
{
	uint64_t phys = page_addr;
	if (space == KDUMP_KVADDR) {
		addrxlat_ctx_t *axctx;
		addrxlat_sys_t *axsys;
		if (kdump_get_addrxlat(reader->ctx, &axctx, &axsys) != KDUMP_OK)
			return false;
		addrxlat_fulladdr_t fa = {.addr = page_addr, .as = ADDRXLAT_KVADDR};
		addrxlat_status st = addrxlat_fulladdr_conv(&fa, ADDRXLAT_MACHPHYSADDR, axctx, axsys);
		addrxlat_ctx_decref(axctx);
		addrxlat_sys_decref(axsys);
		if (st != ADDRXLAT_OK)
			return false;
		phys = fa.addr;
	}
	kdump_attr_t pagemap;
	if (kdump_get_attr(reader->ctx, "file.pagemap", &pagemap) != KDUMP_OK ||
	    pagemap.type != KDUMP_BITMAP)
		return false;
	// The bitmap stays the context's (0.5.1 takes no reference for the caller).
	kdump_addr_t pfn = phys / KT_PAGE_SIZE, next = pfn;
	return kdump_bmp_find_set(pagemap.val.bitmap, &next) != KDUMP_OK || next != pfn;
}

/* The first page of [addr, addr + len), just read as buf, that was left out of the file; false
 * if none was. */
static bool find_excluded(struct kt_reader *reader, kdump_addrspace_t space, uint64_t addr,
			  const uint8_t *buf, size_t len, uint64_t *bad)
{
	while (len) {
		uint64_t page_addr = addr & ~(uint64_t)(KT_PAGE_SIZE - 1);
		size_t chunk = KT_PAGE_SIZE - (addr - page_addr);
		if (chunk > len)
			chunk = len;
		if (all_zero(buf, chunk) && zero_page_excluded(reader, space, page_addr)) {
			*bad = addr;
			return true;
		}
		addr += chunk;
		buf += chunk;
		len -= chunk;
	}
	return false;
}

/* The start of [addr, addr + len) that the dump's own page index reads (kdump_pages.h), page by
 * page up to the first page it leaves to libkdumpfile: the number of bytes read into buf. */
static size_t read_indexed(struct kt_reader *reader, kdump_addrspace_t space, uint64_t addr,
			   uint8_t *buf, size_t len)
{
	struct kt_kdump_pages *index = reader->dump->kdump_pages;
	// A read that wraps around the address space is libkdumpfile's to refuse.
	if (!index || addr + len < addr)
		return 0;
	// The file indexes machine pages: other addresses go through libkdumpfile's translation
	// (kernel-physical equals machine outside Xen; this does not assume it).
	addrxlat_addrspace_t from;
	if (space == KDUMP_KVADDR)
		from = ADDRXLAT_KVADDR;
	else if (space == KDUMP_KPHYSADDR)
		from = ADDRXLAT_KPHYSADDR;
	else if (space == KDUMP_MACHPHYSADDR)
		from = ADDRXLAT_MACHPHYSADDR;
	else
		return 0;
	struct libdeflate_decompressor *d = kt_kdump_pages_decompressor(index);
	if (!d)
		return 0;
	addrxlat_ctx_t *axctx = NULL;
	addrxlat_sys_t *axsys = NULL;
	if (from != ADDRXLAT_MACHPHYSADDR &&
	    kdump_get_addrxlat(reader->ctx, &axctx, &axsys) != KDUMP_OK) {
		kt_kdump_pages_decompressor_put(index, d);
		return 0;
	}
	size_t done = 0;
	uint8_t part[KT_PAGE_SIZE];
	while (done < len) {
		uint64_t page_addr = (addr + done) & ~(uint64_t)(KT_PAGE_SIZE - 1);
		size_t off = addr + done - page_addr, chunk = KT_PAGE_SIZE - off;
		if (chunk > len - done)
			chunk = len - done;
		uint64_t phys = page_addr;
		if (axctx) {
			addrxlat_fulladdr_t fa = {.addr = page_addr, .as = from};
			if (addrxlat_fulladdr_conv(&fa, ADDRXLAT_MACHPHYSADDR, axctx, axsys) != ADDRXLAT_OK)
				break;
			phys = fa.addr;
		}
		uint8_t *out = chunk == KT_PAGE_SIZE ? buf + done : part;
		if (!kt_kdump_pages_read(index, d, phys / KT_PAGE_SIZE, out))
			break;
		if (out == part)
			memcpy(buf + done, part + off, chunk);
		done += chunk;
	}
	if (axctx) {
		addrxlat_ctx_decref(axctx);
		addrxlat_sys_decref(axsys);
	}
	kt_kdump_pages_decompressor_put(index, d);
	return done;
}

/* One libkdumpfile read of exactly [addr, addr + len): the error names the first address that
 * could not be read and why. */
static struct kt_error *read_direct(struct kt_reader *reader, kdump_addrspace_t space,
				    uint64_t addr, void *buf, size_t len)
{
	// What the dump's page index cannot read, from there on, libkdumpfile reads.
	size_t indexed = read_indexed(reader, space, addr, buf, len), done = len - indexed;
	kdump_status status = KDUMP_OK;
	if (done)
		status = kdump_read(reader->ctx, space, addr + indexed, (uint8_t *)buf + indexed, &done);
	done += indexed;
	// A page left out of the file before the end of the read, or before the address it failed
	// at, is where it stopped.
	uint64_t excluded;
	if (reader->dump->zero_excluded &&
	    find_excluded(reader, space, addr, buf, status == KDUMP_OK ? len : done, &excluded))
		return kt_error_fault(excluded, "0x%016llx%s: %s", (unsigned long long)excluded,
				      space == KDUMP_KVADDR ? "" : " (physical)",
				      status_reason(KDUMP_ERR_NODATA));
	if (status == KDUMP_OK)
		return NULL;
	int saved_errno = errno;
	struct kt_error *err;
	uint64_t bad = addr + (done < len ? done : 0);
	const char *reason = status_reason(status);
	const char *kind = space == KDUMP_KVADDR ? "" : " (physical)";
	const struct kt_truncation *t = &reader->dump->truncation;
	if (status == KDUMP_ERR_SYSTEM && saved_errno == ENOMEM)
		err = &kt_enomem;
	else if (t->n_missing && (status == KDUMP_ERR_CORRUPT || status == KDUMP_ERR_EOF ||
				  status == KDUMP_ERR_ADDRXLAT))
		// The page, or a page table that maps it, lies in the part of the file that is gone:
		// libkdumpfile sees zeros there (ELF) or a page it cannot read (kdump-compressed).
		err = kt_error_fault(bad, "0x%016llx%s: dump file is truncated (%llu of %llu bytes "
				     "present): the page, or a page table that maps it, is in the "
				     "missing part", (unsigned long long)bad, kind,
				     (unsigned long long)t->file_size,
				     (unsigned long long)t->needed_size);
	else if (reason)
		err = kt_error_fault(bad, "0x%016llx%s: %s", (unsigned long long)bad, kind, reason);
	else
		err = kt_error_fault(bad, "0x%016llx%s: %s", (unsigned long long)bad, kind,
				     kdump_get_err(reader->ctx));
	return err;
}

/* The cached copy of the page at page_addr, read whole on a miss; NULL if it cannot be. */
static const uint8_t *cached_page(struct kt_reader *reader, kdump_addrspace_t space,
				  uint64_t page_addr)
{
	const uint8_t *page = kt_page_cache_find(reader->pages, space, page_addr);
	if (page)
		return page;
	// A page of a truncated ELF dump that the file ends inside: only the bytes asked for are
	// read (they were checked); libkdumpfile maps the file, and touching past its end faults.
	const struct kt_truncation *t = &reader->dump->truncation;
	if (t->n_missing && t->reads_zeros) {
		struct kt_error *err = check_truncation(reader, space, page_addr, KT_PAGE_SIZE);
		if (err) {
			kt_error_destroy(err);
			return NULL;
		}
	}
	uint8_t *slot = kt_page_cache_claim(reader->pages, space, page_addr);
	if (reader->shared && kt_shared_pages_get(reader->shared, space, page_addr, slot)) {
		reader->shared_hits++;
		return slot;
	}
	size_t done = KT_PAGE_SIZE;
	if ((read_indexed(reader, space, page_addr, slot, KT_PAGE_SIZE) == KT_PAGE_SIZE ||
	     kdump_read(reader->ctx, space, page_addr, slot, &done) == KDUMP_OK) &&
	    !(reader->dump->zero_excluded && all_zero(slot, KT_PAGE_SIZE) &&
	      zero_page_excluded(reader, space, page_addr))) {
		if (reader->shared)
			kt_shared_pages_put(reader->shared, space, page_addr, slot);
		return slot;
	}
	kt_page_cache_drop(reader->pages, space, page_addr);
	return NULL;
}

static struct kt_error *read_space(struct kt_reader *reader, kdump_addrspace_t space,
				   uint64_t addr, void *buf, size_t len)
{
	if (space == KDUMP_KVADDR && !kt_address_is_canonical(reader, addr))
		return kt_error_fault(addr, "0x%016llx: not a canonical address",
				      (unsigned long long)addr);
	// The kernel lives in the upper half. Below it, the kernel's page tables map user memory
	// of whichever process last ran, or nothing; libkdumpfile's identity map of a QEMU dump
	// would even hand back physical memory (the BIOS vectors at 0x30).
	uint64_t kernel_start = reader->dump->la57 ? KERNEL_SPACE_START_LA57 : KERNEL_SPACE_START;
	if (space == KDUMP_KVADDR && addr < kernel_start)
		return kt_error_fault(addr, "0x%016llx: below the kernel's address space (0x%016llx): "
				      "not a kernel address", (unsigned long long)addr,
				      (unsigned long long)kernel_start);
	if (reader->dump->own_translation) {
		if (space == KDUMP_KVADDR)
			return read_translated(reader, addr, buf, len);
		// Without VMCOREINFO libkdumpfile cannot set up kernel-physical addresses
		// ("Cannot determine 5-level paging"); outside Xen they equal machine addresses.
		space = KDUMP_MACHPHYSADDR;
	}
	if (reader->dump->truncation.n_missing && reader->dump->truncation.reads_zeros) {
		struct kt_error *err = check_truncation(reader, space, addr, len);
		if (err)
			return err;
	}
	if (!reader->pages || len > CACHED_READ_MAX)
		return read_direct(reader, space, addr, buf, len);
	// Page by page from the cache. A page that cannot be read whole is read as asked, so
	// that the error is the one the uncached read gives.
	while (len) {
		uint64_t page_addr = addr & ~(uint64_t)(KT_PAGE_SIZE - 1);
		size_t off = addr - page_addr, chunk = KT_PAGE_SIZE - off;
		if (chunk > len)
			chunk = len;
		const uint8_t *page = cached_page(reader, space, page_addr);
		if (page) {
			memcpy(buf, page + off, chunk);
		} else {
			struct kt_error *err = read_direct(reader, space, addr, buf, chunk);
			if (err)
				return err;
		}
		addr += chunk;
		buf = (char *)buf + chunk;
		len -= chunk;
	}
	return NULL;
}

struct kt_error *kt_read(struct kt_reader *reader, uint64_t addr, void *buf, size_t len)
{
	return read_space(reader, KDUMP_KVADDR, addr, buf, len);
}

struct kt_error *kt_read_phys(struct kt_reader *reader, uint64_t addr, void *buf, size_t len)
{
	return read_space(reader, KDUMP_KPHYSADDR, addr, buf, len);
}

#define DEFINE_READ_TYPE(name, type)                                                  \
	struct kt_error *name(struct kt_reader *reader, uint64_t addr, type *ret)     \
	{                                                                             \
		type v;                                                               \
		struct kt_error *err = kt_read(reader, addr, &v, sizeof(v));          \
		if (!err)                                                             \
			*ret = v;                                                     \
		return err;                                                           \
	}
DEFINE_READ_TYPE(kt_read_u8, uint8_t)
DEFINE_READ_TYPE(kt_read_u16, uint16_t)
DEFINE_READ_TYPE(kt_read_u32, uint32_t)
DEFINE_READ_TYPE(kt_read_u64, uint64_t)

struct kt_error *kt_read_cstr(struct kt_reader *reader, uint64_t addr, size_t max, char **ret)
{
	// Read in chunks that never cross a page, so that a string ending just before an
	// unreadable page is still read.
	size_t cap = 64, len = 0;
	char *s = malloc(cap);
	if (!s)
		return &kt_enomem;
	while (len < max) {
		uint64_t at = addr + len;
		size_t chunk = 4096 - (at & 4095);
		if (chunk > max - len)
			chunk = max - len;
		if (len + chunk + 1 > cap) {
			while (len + chunk + 1 > cap)
				cap *= 2;
			char *grown = realloc(s, cap);
			if (!grown) {
				free(s);
				return &kt_enomem;
			}
			s = grown;
		}
		struct kt_error *err = kt_read(reader, at, s + len, chunk);
		if (err) {
			free(s);
			return err;
		}
		char *nul = memchr(s + len, '\0', chunk);
		if (nul) {
			*ret = s;
			return NULL;
		}
		len += chunk;
	}
	free(s);
	return kt_error_create(KT_ERROR_LIMIT, "string at 0x%016llx is longer than %zu bytes",
			       (unsigned long long)addr, max);
}
