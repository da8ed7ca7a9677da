/* SPDX-License-Identifier: MIT */
/*
 * Pages of a kdump-compressed file inflated here, with libdeflate, instead of by libkdumpfile:
 * zlib's inflate and its checksum were two thirds of the instructions of a report without debug
 * files (the kernel's kallsyms and BTF are 1,600 compressed pages). libdeflate inflates the
 * same data, checksum included, in about half the instructions. Only pages that are certainly
 * read the same way are taken: dumped, zlib-compressed (or stored whole), their data inside the
 * file, inflating to exactly one page with a good checksum. Anything else (a page left out, a
 * descriptor that is wrong, another compression) is left to libkdumpfile, which reads it or
 * says why not, as before.
 */
#ifndef KT_DUMP_KDUMP_PAGES_H
#define KT_DUMP_KDUMP_PAGES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

struct kt_kdump_pages;
struct libdeflate_decompressor;

/* The page index of a kdump-compressed file that kt_kdump_layout_scan accepted (whole, not
 * cut short); NULL in *ret if the file cannot be mapped. */
struct kt_error *kt_kdump_pages_create(int fd, uint64_t file_size, struct kt_kdump_pages **ret);
void kt_kdump_pages_destroy(struct kt_kdump_pages *pages);
/* A decompressor for the calling thread (NULL without memory), kept for reuse by _put. */
struct libdeflate_decompressor *kt_kdump_pages_decompressor(struct kt_kdump_pages *pages);
void kt_kdump_pages_decompressor_put(struct kt_kdump_pages *pages, struct libdeflate_decompressor *d);
/* Reads the page of PFN pfn into out (4096 bytes) if it is one this file certainly holds as
 * above; false leaves it to libkdumpfile. d is the calling thread's decompressor. */
bool kt_kdump_pages_read(const struct kt_kdump_pages *pages, struct libdeflate_decompressor *d,
			 uint64_t pfn, void *out);

#endif
