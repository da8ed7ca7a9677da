/* SPDX-License-Identifier: MIT */
/* Source lines and inlined frames of backtrace frames (bt -l), as text and JSON. */
#ifndef KTRIAGE_CLI_SOURCE_OUT_H
#define KTRIAGE_CLI_SOURCE_OUT_H

#include "ktriage.h"

/* Where a frame's code is for DWARF: the pc itself where the CPU was, else the call (pc - 1). */
uint64_t cli_source_address(const struct kt_frame *f);

/* The functions inlined at the frame's pc, innermost first, one "(inlined)" line each: printed
 * above the frame's own line. */
void cli_source_inlined_text(struct kt_program *prog, const struct kt_frame *f, const char *indent);
/* The frame's own source line ("FILE: LINE", as crash's bt -l), below the frame's line. */
void cli_source_text(struct kt_program *prog, const struct kt_frame *f, const char *indent);
/* Which debug file gave the lines of these frames, or why none did: one line per file. */
void cli_source_notices(struct kt_program *prog, const struct kt_frame *frames, size_t n,
			const char *indent);
/* JSON members for a frame: , "source": {...}|null[, "source_unavailable": "..."], "inlined": [...] */
void cli_source_json(struct kt_program *prog, const struct kt_frame *f);

#endif
