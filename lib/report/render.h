/* SPDX-License-Identifier: MIT */
/* Shared by the renderers of lib/report. */
#ifndef KT_REPORT_RENDER_H
#define KT_REPORT_RENDER_H

#include <stdbool.h>
#include <stdio.h>

#include "ktriage.h"

/* A task name for text output, control characters escaped (kt_text_escaped); buf of
 * KT_COMM_TEXT_SIZE bytes. */
enum { KT_COMM_TEXT_SIZE = 4 * 16 + 1 };
const char *kt_comm_text(const char *comm, char *buf);
/* Text read from the dump (log records), control characters but newlines and tabs escaped. */
void kt_write_escaped(FILE *out, const char *s, size_t n);
/* s escaped as kt_write_escaped does, allocated; NULL for NULL (or out of memory). */
char *kt_escaped_dup(const char *s);

/* Starts the next item of a list: in JSON the separator; true for JSON. */
bool kt_list_item(struct kt_list_writer *w);

/* A call site: text lines under indent, or a JSON object (callsite_render.c). */
void kt_call_site_text(FILE *out, const struct kt_call_site *cs, const char *indent);
void kt_call_site_json(FILE *out, const struct kt_call_site *cs);

/* Source lines of a frame (source_render.c). */
void kt_source_inlined_text(FILE *out, struct kt_program *prog, const struct kt_frame *f,
			    const char *indent);
void kt_source_text(FILE *out, struct kt_program *prog, const struct kt_frame *f, const char *indent);
void kt_source_notices(FILE *out, struct kt_program *prog, const struct kt_frame *frames, size_t n,
		       const char *indent);
/* `, "source": ..., "inlined": [...]` members of a frame. */
void kt_source_json(FILE *out, struct kt_program *prog, const struct kt_frame *f);

/* The members "r15": "0x...", ... of a pt_regs (first: no comma before the first). */
void kt_pt_regs_json(FILE *out, const uint64_t *regs, bool first);
/* The "frames" array of an exception-frame search (bt -E, bt -e). */
void kt_exception_frames_json(FILE *out, const struct kt_exception_frame *frames, size_t n);
/* A value as a JSON object (kt_value_render()'s members), inside another document. */
void kt_value_json(FILE *out, const struct kt_value *value);
/* One backtrace or one finding as a JSON object, as the lists write them. */
void kt_backtrace_json(FILE *out, const struct kt_backtrace *bt);
void kt_finding_json(FILE *out, const struct kt_finding *f);
/* A known issue: "PREFIXBUG: NOTE (match PATTERN, line N)" and its JSON object (null for NULL). */
const char *kt_store_date_text(char *buf, size_t size, bool known, int64_t t);
void kt_known_issue_text(FILE *out, const char *prefix, const struct kt_known_issue *issue);
void kt_known_issue_json(FILE *out, const struct kt_known_issue *issue);

/* Memory rows as rd prints them, and their JSON members after the document's or object's first
 * (", "address": ..., "values": [...], ... "error_code": ...), from memory_render.c. */
void kt_memory_rows_text(FILE *out, const struct kt_memory_rows *rows);
void kt_memory_rows_json_members(FILE *out, const struct kt_memory_rows *rows);

/* "function+0xOFF [module]" or "?". */
void kt_symbol_text(FILE *out, const char *function, uint64_t offset, const char *module);
/* The same with the offset in decimal (function+123) when decimal is true. */
void kt_symbol_text_as(FILE *out, const char *function, uint64_t offset, const char *module,
		       bool decimal);

/* crash's task header of files, sig, vm ("PID: N  TASK: ADDR  CPU: N  COMMAND: ...") and the
 * task's members in JSON ({"pid": ..., "comm": ...}), from crash_task.c. */
void kt_crash_task_header(FILE *out, const struct kt_task *t);
void kt_crash_task_json(FILE *out, const struct kt_task *t);

#endif
