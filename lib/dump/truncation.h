/* SPDX-License-Identifier: MIT */
/*
 * Truncated dumps, and the file's layout checked before libkdumpfile reads it. libkdumpfile hands
 * back zeros for ELF segments that end past the end of the file; a truncated /proc/vmcore copy (a
 * full disk, an interrupted scp) then reads as memory full of zeros. We compare each PT_LOAD (and
 * each kdump-compressed page descriptor, kdump_layout.h) with the file size at open time and
 * refuse reads of the physical ranges that are gone.
 */
#ifndef KT_DUMP_TRUNCATION_H
#define KT_DUMP_TRUNCATION_H

#include <stddef.h>
#include <stdint.h>

#include "dump/dump_notes.h"
#include "ktriage.h"

struct kt_phys_range {
	uint64_t start, end;  /* [start, end) */
};

struct kt_truncation {
	struct kt_phys_range *missing;
	size_t n_missing;
	/* libkdumpfile reads the missing ranges as zeros (ELF): each read must be checked. Reads
	 * of a kdump-compressed file's missing pages fail by themselves. */
	bool reads_zeros;
	uint64_t file_size, needed_size;
	/* The file's notes, walked before libkdumpfile reads them (ELF and kdump-compressed). */
	struct kt_dump_notes notes;
	/* A kdump-compressed file's other VMCOREINFO (the sub-header's offset_vmcoreinfo), kept
	 * when its notes lost theirs: libkdumpfile reads it only from files without notes. */
	char *vmcoreinfo_copy;
	size_t vmcoreinfo_copy_size;
};

/* Fills *ret for an ELF or kdump-compressed file (other formats yield no missing ranges); fails
 * on a header that cannot be right (a 32-bit or non-x86_64 ELF, sizes larger than the file). */
struct kt_error *kt_truncation_scan(int fd, struct kt_truncation *ret);
void kt_truncation_deinit(struct kt_truncation *t);
/* For people: how much of the file is missing and how much memory cannot be read with it, and
 * which notes were skipped, allocated; NULL if the file is whole (or out of memory). */
char *kt_truncation_describe(const struct kt_truncation *t);
/* The missing range that overlaps [addr, addr + len), or NULL. */
const struct kt_phys_range *kt_truncation_find(const struct kt_truncation *t, uint64_t addr,
					       size_t len);

#endif
