/* SPDX-License-Identifier: MIT */
/*
 * The layout of a kdump-compressed file (makedumpfile's diskdump format), checked against the
 * file's size before libkdumpfile reads it. libkdumpfile 0.5.1 trusts the header: a bitmap or
 * note size larger than the file is allocated as is, a page descriptor whose compressed size
 * exceeds a page overflows its page buffer. Here the header, the sub-header, the bitmap and
 * every page descriptor are bounded by the file: what cannot be right is refused with the field
 * that is wrong; pages whose data lies past the end of a cut file become missing ranges.
 */
#ifndef KT_DUMP_KDUMP_LAYOUT_H
#define KT_DUMP_KDUMP_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dump/truncation.h"

/* The file starts with a kdump-compressed signature ("KDUMP   " or "DISKDUMP"). */
bool kt_kdump_layout_detect(int fd);
/* Validates the layout of the kdump-compressed file fd; adds the physical ranges whose page
 * data lies past t->file_size to t (and raises t->needed_size). */
struct kt_error *kt_kdump_layout_scan(int fd, struct kt_truncation *t);

/* Where a file that kt_kdump_layout_scan accepted keeps its pages: the bitmap of the pages
 * dumped (bit n = PFN n; bits outside [first, end) cleared) and the first page descriptor, that
 * of the first PFN dumped at or after first. */
struct kt_kdump_dumped {
	uint8_t *bitmap;	/* bitmap_bytes bytes, the caller's to free */
	size_t bitmap_bytes;
	uint64_t first, end;
	uint64_t desc_off;
};
struct kt_error *kt_kdump_layout_dumped(int fd, uint64_t file_size, struct kt_kdump_dumped *ret);

#endif
