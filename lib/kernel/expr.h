/* SPDX-License-Identifier: MIT */
/*
 * Address expressions, as crash's commands take them: "0xffffffff81000000", "ffffffff81000000",
 * "linux_banner", "init_task+0x10", "sysrq_crash_op+16", "jiffies-8". The public entry point is
 * kt_program_parse_address() (ktriage.h); the number syntax is shared with commands that take
 * counts and offsets.
 */
#ifndef KT_KERNEL_EXPR_H
#define KT_KERNEL_EXPR_H

#include <stdbool.h>
#include <stdint.h>

/*
 * The whole of s as a number: hexadecimal after "0x", decimal otherwise (crash and gdb read an
 * offset after a symbol the same way). False if s is empty, has other characters or overflows.
 */
bool kt_parse_number(const char *s, uint64_t *ret);

struct kt_program;
struct kt_object;
/* Longer than any expression typed by hand. */
enum { KT_EXPR_TEXT_MAX = 1024 };
/*
 * p's expression as C (and gdb) evaluate it (kernel/expr_eval.c): the value, in memory (a
 * variable, a member, *(TYPE *)ADDR) or computed (a number, an address, sizeof). A per-CPU
 * variable without :CPU comes back with percpu set; an untyped symbol as a void object at its
 * address.
 */
struct kt_error *kt_expr_evaluate(struct kt_program *prog, const char *text,
				  struct kt_object *ret);

#endif
