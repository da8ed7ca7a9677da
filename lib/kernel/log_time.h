/* SPDX-License-Identifier: MIT */
/* Wall-clock times for kernel log records (log -T); the method is explained in log_time.c. */
#ifndef KT_KERNEL_LOG_TIME_H
#define KT_KERNEL_LOG_TIME_H

#include "program.h"

/* The timekeeper's offs_real: CLOCK_REALTIME - CLOCK_MONOTONIC in nanoseconds, at the crash. */
struct kt_error *kt_timekeeper_offs_real(struct kt_program *prog, int64_t *ret);

/* CLOCK_MONOTONIC at the timekeeper's last update (tkr_mono.base: the tick before the crash), in
 * nanoseconds since boot: the clock of task->start_time. */
struct kt_error *kt_timekeeper_monotonic(struct kt_program *prog, uint64_t *ret);

#endif
