/* SPDX-License-Identifier: MIT */
/*
 * The dump file's ELF notes (an ELF file's PT_NOTE segments, a kdump-compressed file's copy of
 * them), walked before libkdumpfile reads them. libkdumpfile 0.5.1 refuses the whole file for one
 * NT_PRSTATUS note of the wrong size ("Wrong PRSTATUS size"); such notes are recorded here, and
 * the file is opened without the notes' registers (dump.c). The registers ktriage uses come
 * from crash_notes in the kernel's memory (unwind/cpu_regs.c), which the bad note does not touch.
 */
#ifndef KT_DUMP_DUMP_NOTES_H
#define KT_DUMP_DUMP_NOTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ktriage.h"

/* x86_64's struct elf_prstatus (include/linux/elfcore.h): its size, and pr_pid's offset
 * (pr_info 12, pr_cursig 2, pad 2, pr_sigpend 8, pr_sighold 8). */
enum { KT_X86_64_PRSTATUS_SIZE = 336, KT_X86_64_PRSTATUS_PID_OFFSET = 32 };

/* One NT_PRSTATUS note libkdumpfile would refuse the file for. */
struct kt_bad_note {
	size_t index;   /* its position among all the file's notes */
	size_t cpu;     /* its position among the NT_PRSTATUS notes: the CPU in note order */
	uint32_t size;  /* its descriptor's size */
};

/* A record whose sizes run past the end of the notes: the walk, and libkdumpfile's, end there. */
struct kt_cut_note {
	size_t index;             /* its position among the notes walked */
	size_t offset, len;       /* where it starts in the notes, and their size */
	uint32_t namesz, descsz;  /* what it claims */
};

/* What the walk found: every NT_PRSTATUS note's pr_pid (-1 for a bad one), in note order. */
struct kt_dump_notes {
	int32_t *prstatus_pids;
	size_t n_prstatus;
	struct kt_bad_note *bad;
	size_t n_bad;
	bool has_vmcoreinfo;
	bool cut;                 /* the first record that ended a walk early is in cut_at */
	struct kt_cut_note cut_at;
};

/* The notes lost VMCOREINFO: a record cut the walk short before it (a damaged size field sends
 * the walk into the middle of a note), and none of the notes walked is VMCOREINFO. A walk that
 * ends early after VMCOREINFO, the last note the kernel writes, loses nothing ktriage reads. */
bool kt_dump_notes_lost_vmcoreinfo(const struct kt_dump_notes *notes);

/*
 * Walks len bytes of notes (Elf64_Nhdr records) and adds what it finds to *notes: VMCOREINFO's
 * values are checked (vmcoreinfo_check.h) and refused if corrupt; NT_PRSTATUS notes are counted
 * and those of the wrong size recorded. A record cut off by the end of the buffer ends the walk,
 * as it ends libkdumpfile's.
 */
struct kt_error *kt_dump_notes_walk(const uint8_t *buf, size_t len, struct kt_dump_notes *notes);
void kt_dump_notes_deinit(struct kt_dump_notes *notes);
/* For people: which notes were skipped, or where the walk was cut short before VMCOREINFO,
 * allocated; NULL if none (or out of memory). */
char *kt_dump_notes_describe(const struct kt_dump_notes *notes);

#endif
