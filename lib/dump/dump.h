/* SPDX-License-Identifier: MIT */
/* An opened dump file: the libkdumpfile context and what the file says about itself. */
#ifndef KT_DUMP_DUMP_H
#define KT_DUMP_DUMP_H

#include <libkdumpfile/kdumpfile.h>
#include <stdatomic.h>

#include "dump/kdump_pages.h"
#include "dump/pgtable.h"
#include "dump/qemu_notes.h"
#include "dump/truncation.h"
#include "ktriage.h"

struct kt_dump {
	kdump_ctx_t *ctx;
	int fd;
	char *path;
	bool flattened;       /* reassembled from makedumpfile -F into a memory file */
	bool la57;            /* 5-level paging: canonical addresses have 57 bits */
	bool compressed;      /* kdump-compressed or LKCD: pages are inflated on every read */
	bool zero_excluded;   /* libkdumpfile reads pages left out of the file as zeros (dump.c) */
	struct kt_truncation truncation; /* ELF segments cut off by a short file */
	struct kt_kdump_pages *kdump_pages; /* pages inflated without libkdumpfile (kdump_pages.h), or NULL */
	bool has_vmcoreinfo;  /* the file carries VMCOREINFO (kt_vmcoreinfo_present) */
	struct kt_qemu_cpu *qemu_cpus;   /* QEMU dump-guest-memory CPU notes, in CPU order */
	size_t n_qemu_cpus;
	/* Without VMCOREINFO libkdumpfile cannot translate kernel addresses; a QEMU dump's CR3
	 * still can. Readers then walk the page tables themselves. */
	bool own_translation;
	struct kt_pgtable pgtable;
	/* A second context on the same file, for a reader on another thread. */
	kdump_ctx_t *second;
	atomic_bool second_busy;
	/* Whether large reads take a second thread (parallel_read.h); walks over every task are
	 * told theirs by the program (read_ahead.h). */
	enum kt_read_ahead_mode second_thread;
};

struct kt_error *kt_dump_open(const char *path, struct kt_dump **ret);
void kt_dump_destroy(struct kt_dump *dump);
/* The second context, for a reader on another thread, or NULL if another walk has it (or it
 * cannot be opened); give it back with kt_dump_second_release. */
kdump_ctx_t *kt_dump_second_acquire(struct kt_dump *dump);
void kt_dump_second_release(struct kt_dump *dump);

/* libkdumpfile attributes by key; NOT_FOUND if the dump does not carry them. */
struct kt_error *kt_dump_attr_string(struct kt_dump *dump, const char *key, const char **ret);
struct kt_error *kt_dump_attr_number(struct kt_dump *dump, const char *key, uint64_t *ret);

/* The NT_PRSTATUS notes of the file: how many, and the pid current on the CPU of the index-th
 * (its pr_pid). From libkdumpfile, or from the notes walk when libkdumpfile was kept from
 * reading them (a corrupt one, dump_notes.h); NOT_FOUND for a note skipped as corrupt. */
struct kt_error *kt_dump_prstatus_count(struct kt_dump *dump, uint64_t *ret);
struct kt_error *kt_dump_prstatus_pid(struct kt_dump *dump, uint64_t index, int64_t *ret);

/* Wraps the context's last error message after a failed libkdumpfile call. */
struct kt_error *kt_dump_error(struct kt_dump *dump, kdump_status status, const char *what);

#endif
