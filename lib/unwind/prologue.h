/* SPDX-License-Identifier: MIT */
#ifndef KT_UNWIND_PROLOGUE_H
#define KT_UNWIND_PROLOGUE_H

#include "program.h"

/* Bytes the function starting at start has pushed or reserved by pc (see prologue.c). */
struct kt_error *kt_prologue_depth(struct kt_program *prog, uint64_t start, uint64_t pc,
				   uint64_t *depth_ret);

#endif
