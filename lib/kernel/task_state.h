/* SPDX-License-Identifier: MIT */
/*
 * Task state bits (include/linux/sched.h) and crash's two-letter names for them. The most
 * significant set bit wins, as in fs/proc/array.c; TASK_IDLE is TASK_UNINTERRUPTIBLE|TASK_NOLOAD
 * (commit 80ed87c8a9ca "sched/wait: Introduce TASK_NOLOAD and TASK_IDLE", v4.2).
 */
#ifndef KT_KERNEL_TASK_STATE_H
#define KT_KERNEL_TASK_STATE_H

#include <stdint.h>

static inline const char *kt_task_state_name(uint64_t state)
{
	static const struct {
		uint64_t bits;
		const char *name;
	} names[] = {
		{0x0402, "ID"}, /* TASK_IDLE: UNINTERRUPTIBLE | NOLOAD (v4.2+) */
		{0x0080, "DE"}, /* TASK_DEAD (0x80 since v4.14) */
		{0x0040, "PA"}, /* TASK_PARKED (0x40 since v4.14) */
		{0x0020, "ZO"}, /* EXIT_ZOMBIE */
		{0x0010, "DE"}, /* EXIT_DEAD */
		{0x0008, "TR"}, /* __TASK_TRACED */
		{0x0004, "ST"}, /* __TASK_STOPPED */
		{0x0002, "UN"}, /* TASK_UNINTERRUPTIBLE */
		{0x0001, "IN"}, /* TASK_INTERRUPTIBLE */
	};
	if (state == 0)
		return "RU";
	for (unsigned int i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if ((state & names[i].bits) == names[i].bits)
			return names[i].name;
	return "??";
}

#endif
