/* SPDX-License-Identifier: MIT */
/*
 * Task state names, from the kernel's own task_state_array (fs/proc/array.c): entry 0 is
 * "R (running)", entry i+1 names state bit i, in whatever order the kernel defines its bits.
 * Which bits /proc reports changed in v4.14 ("sched/debug: Add explicit TASK_PARKED printing"
 * and its series); the array tells the two schemes apart (task_state.c).
 */
#ifndef KT_KERNEL_TASK_STATE_H
#define KT_KERNEL_TASK_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "program.h"

enum { KT_TASK_STATES_MAX = 32 };

struct kt_task_states {
	unsigned int n;                        /* entries of task_state_array */
	char letter[KT_TASK_STATES_MAX];       /* entry i's letter: 'R', 'S', 'D', 'T', 't', ... */
	bool from_kernel;                      /* false: the array could not be read (see .c) */
	/* What fs/proc/array.c does with state and exit_state before taking the highest bit. */
	bool mask_both;                        /* v4.14+: (state | exit_state) & report; before:
						* (state & report) | exit_state */
	uint32_t report;                       /* TASK_REPORT */
	uint32_t idle;                         /* v4.14+: TASK_IDLE, reported as the last entry */
};

/* States from task_state_array's n strings, as the kernel has them ("R (running)", ...); false
 * if they do not look like it. from_kernel is left false. */
bool kt_task_states_parse(struct kt_task_states *states, const char *const *entries, unsigned int n);
/* The kernel's array, or (when it cannot be read) the fallback; never fails but for memory. */
struct kt_error *kt_task_states_read(struct kt_program *prog, struct kt_task_states *ret);
/* crash's two letters (RU IN UN ST TR ZO DE PA ID WA) for a task's state and exit_state: the
 * entry fs/proc/array.c would print, "??" if that entry's letter is one crash has no name for. */
const char *kt_task_states_name(const struct kt_task_states *states, uint32_t state,
				uint32_t exit_state);

#endif
