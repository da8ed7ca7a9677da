/* SPDX-License-Identifier: MIT */
/*
 * One task in detail, as crash's `task` summarises it: kt_task_info_find() (ktriage.h) finds the
 * task through the task walk, so that only tasks the kernel itself lists are accepted, then
 * reads the members the walk does not need, by name through the kernel's types.
 */
#ifndef KT_KERNEL_TASK_INFO_H
#define KT_KERNEL_TASK_INFO_H

#include "program.h"

/* PF_KTHREAD in task_struct.flags (include/linux/sched.h): the same bit since it was added. */
enum { KT_PF_KTHREAD = 0x00200000 };

/* kt_task_info_read() (ktriage.h) fills the rest of a kt_task_info for a task the walk found. */

#endif
