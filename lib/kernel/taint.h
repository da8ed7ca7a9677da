/* SPDX-License-Identifier: MIT */
/* The kernel's taint flags (tainted_mask), decoded by the table in taint.def. */
#ifndef KT_KERNEL_TAINT_H
#define KT_KERNEL_TAINT_H

#include "program.h"

struct kt_error *kt_taint_read(struct kt_program *prog, uint64_t *ret);
/* The letters of the set flags ("POE"; "" when none) and their names, comma-separated; bits
 * the table does not know are named "bit N". */
void kt_taint_decode(uint64_t mask, char *letters, size_t letters_size, char *names, size_t names_size);

#endif
