/* SPDX-License-Identifier: MIT */
/*
 * The registers each CPU left in the dump, and why a CPU has none. Sources, best first:
 *   crash_notes  the per-CPU buffer crash_save_cpu() fills with an NT_PRSTATUS note when the CPU
 *                answers the crash NMI (kernel/crash_core.c, arch/x86/kernel/crash.c); indexed
 *                by CPU, so a silent CPU is simply an empty buffer, never a shifted note
 *   QEMU notes   dump-guest-memory's QEMUCPUState per CPU, in CPU order
 */
#ifndef KT_UNWIND_CPU_REGS_H
#define KT_UNWIND_CPU_REGS_H

#include "arch/x86_64/regs.h"
#include "program.h"

enum kt_regs_source {
	KT_REGS_NONE,
	KT_REGS_CRASH_NOTES,
	KT_REGS_QEMU,
};

struct kt_cpu_regs {
	enum kt_regs_source source;
	struct kt_regs regs;
	int32_t pid;            /* pr_pid of the note, -1 if none */
	char reason[192];       /* with KT_REGS_NONE: why */
	enum kt_registers_code none_code; /* ... and as a code */
};

const char *kt_regs_source_name(enum kt_regs_source source);
/* Never fails for lack of registers: that is KT_REGS_NONE with a reason. */
struct kt_error *kt_cpu_regs_get(struct kt_program *prog, unsigned int cpu, struct kt_cpu_regs *ret);

#endif
