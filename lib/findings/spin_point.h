/* SPDX-License-Identifier: MIT */
/*
 * Where a CPU was when the dump stopped it, for the checks of stuck CPUs (lockup.c,
 * csd_wait.c): the first frame of its backtrace whose pc is where the CPU was (not a return
 * address) outside the crash and interrupt machinery, the interrupt flag the CPU had there, and
 * whether that pc sits in a loop that calls nothing (a spin, as far as its code can tell).
 */
#ifndef KT_FINDINGS_SPIN_POINT_H
#define KT_FINDINGS_SPIN_POINT_H

#include "findings/findings.h"

struct kt_spin_point {
	size_t frame;            /* index in the backtrace */
	bool has_flags;
	uint64_t flags;          /* rflags at the frame's pc */
	char flags_source[96];   /* "crash_notes of CPU 1", "pt_regs at 0x..." */
	bool loop;               /* the pc is inside a backward jump's span that makes no call */
	uint64_t loop_start, loop_jump;
};

enum { KT_RFLAGS_IF = 1u << 9 };

/*
 * The point of bt (CPU cpu's): false when no exact frame outside the crash machinery exists, or
 * when its registers are not from the time of the dump (a CPU that ignored the crash NMI is
 * rebuilt from older pt_regs). Without memory for the loop's disassembly, loop stays false.
 */
bool kt_spin_point_find(struct kt_findings_input *in, unsigned int cpu, const struct kt_backtrace *bt,
			struct kt_spin_point *ret);
/*
 * The value of parameter name of frame i's function, where DWARF locates it at the frame's pc:
 * in a register the frame's registers know (all of them at an exact frame, the callee-saved ones
 * further out), or at the frame base. *found_ret false when DWARF has no such parameter or the
 * value is not known; source says where the value came from. Only NOMEM is returned.
 */
struct kt_error *kt_frame_parameter(struct kt_program *prog, const struct kt_backtrace *bt, size_t i,
				    const char *name, bool *found_ret, uint64_t *value_ret, char *source,
				    size_t source_size);
/* The frame's name for people: "function+0xoff [module]". */
void kt_frame_name(const struct kt_frame *f, char *buf, size_t size);
/* The first verified frames from frame start outwards, " < " between: "a+0x1 < b+0x2 [m]". */
void kt_frames_text(const struct kt_backtrace *bt, size_t start, size_t max, char *buf, size_t size);
/* The watchdog's report for cpu in the log ("watchdog: BUG: soft lockup - CPU#1 stuck for 9s!
 * [comm:pid]", "Watchdog detected hard LOCKUP on cpu 1"), the last one; NULL if none. *hard_ret
 * says which kind. */
const char *kt_log_lockup_line(struct kt_findings_input *in, unsigned int cpu, bool *hard_ret);
/* Whether the panic message is the watchdog's (softlockup/hardlockup panic). */
bool kt_panic_is_lockup(struct kt_findings_input *in);

#endif
