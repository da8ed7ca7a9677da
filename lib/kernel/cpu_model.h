/* SPDX-License-Identifier: MIT */
/* The CPU model the kernel booted on (boot_cpu_data). */
#ifndef KT_KERNEL_CPU_MODEL_H
#define KT_KERNEL_CPU_MODEL_H

#include "program.h"

/* Fills *m; m->known stays false when boot_cpu_data cannot be read. */
void kt_cpu_model_read(struct kt_program *prog, struct kt_cpu_model *m);

#endif
