/* SPDX-License-Identifier: MIT */
/*
 * QEMU's per-CPU notes in dump-guest-memory ELF files: name "QEMU", a QEMUCPUState (version 1,
 * 440 bytes: general registers, segments, descriptor tables, CR0-CR4, kernel GS base; QEMU
 * target/i386/arch_dump.c). They are the only place such a dump keeps CR3, which is what lets a
 * dump without VMCOREINFO be translated at all.
 */
#ifndef KT_DUMP_QEMU_NOTES_H
#define KT_DUMP_QEMU_NOTES_H

#include <stddef.h>
#include <stdint.h>

#include "ktriage.h"

struct kt_qemu_cpu {
	uint64_t gpr[16];   /* rax rbx rcx rdx rsi rdi rsp rbp r8..r15, QEMUCPUState order */
	uint64_t rip, rsp, rflags;
	uint16_t cs;
	uint64_t cr[5];
	uint64_t gs_base, kernel_gs_base;
};

/* The QEMU notes of an ELF dump, in file order (QEMU writes them in CPU order). *n_ret is 0
 * for files that have none. */
struct kt_error *kt_qemu_notes_read(int fd, struct kt_qemu_cpu **ret, size_t *n_ret);

#endif
