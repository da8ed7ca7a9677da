/* SPDX-License-Identifier: MIT */
/*
 * ORC unwind tables (arch/x86/include/asm/orc_types.h), read from the dump: the kernel's
 * (__start_orc_unwind_ip / __start_orc_unwind) and each module's (mod->arch). Entries are 6
 * bytes; the layout of the flags word is taken from the kernel's own struct orc_entry (without
 * it the tables are not read):
 *
 *   bits of the u16 at offset 4   v4.14 - v6.2       v6.3                 v6.4+
 *   sp_reg                        0-3                0-3                  0-3
 *   bp_reg                        4-7                4-7                  4-7
 *   type                          8-9 (CALL=0,       8-9                  8-10 (UNDEFINED=0,
 *                                 REGS=1, PARTIAL=2)                      END_OF_STACK=1, CALL=2,
 *                                                                         REGS=3, PARTIAL=4)
 *   signal                        -                  10                   11
 *   end                           10                 11                   -
 * A 2-bit type without an end bit is read as the kernel's unwinder reads an undefined sp_reg:
 * the end of the stack. (Commits ffb1b4a41016 "x86/unwind/orc: Add 'signal' field to ORC metadata", v6.3, and
 * fb799447ae29 "x86,objtool: Split UNWIND_HINT_EMPTY in two", v6.4)
 */
#ifndef KT_UNWIND_ORC_H
#define KT_UNWIND_ORC_H

#include "program.h"

enum kt_orc_reg {
	KT_ORC_REG_UNDEFINED = 0,
	KT_ORC_REG_PREV_SP = 1,
	KT_ORC_REG_DX = 2,
	KT_ORC_REG_DI = 3,
	KT_ORC_REG_BP = 4,
	KT_ORC_REG_SP = 5,
	KT_ORC_REG_R10 = 6,
	KT_ORC_REG_R13 = 7,
	KT_ORC_REG_BP_INDIRECT = 8,
	KT_ORC_REG_SP_INDIRECT = 9,
};

enum kt_orc_type {
	KT_ORC_TYPE_UNDEFINED,     /* no information: the unwind must stop */
	KT_ORC_TYPE_END_OF_STACK,  /* the outermost frame (also: the v6.1 end bit) */
	KT_ORC_TYPE_CALL,          /* a normal frame: the return address is at CFA - 8 */
	KT_ORC_TYPE_REGS,          /* a full struct pt_regs at CFA */
	KT_ORC_TYPE_REGS_PARTIAL,  /* only the hardware iret frame at CFA */
};

struct kt_orc_entry {
	int16_t sp_offset, bp_offset;
	enum kt_orc_reg sp_reg, bp_reg;
	enum kt_orc_type type;
	bool signal;
};

/* Where each field sits in the u16 flags word at offset 4, from the kernel's struct orc_entry. */
struct kt_orc_format {
	unsigned int sp_reg_bit, bp_reg_bit, type_bit, type_bits;
	int signal_bit, end_bit;   /* -1 if absent */
	bool typed_end;            /* v6.4+: UNDEFINED/END_OF_STACK are types */
};

/* The layout struct orc_entry has in types (NULL: none); UNSUPPORTED, saying what was looked
 * for, if it is not one of the layouts above: never a guess. */
struct kt_error *kt_orc_format_detect(struct kt_types *types, struct kt_orc_format *ret);
/* One 6-byte entry. */
void kt_orc_decode(const struct kt_orc_format *f, const uint8_t *entry, struct kt_orc_entry *ret);

struct kt_orc;

struct kt_error *kt_orc_load(struct kt_program *prog, struct kt_orc **ret);
/* lazy: the kernel's table read as lookups need it, through the kernel's block index where it
 * has one (kt_orc_load); else read whole at once. */
struct kt_error *kt_orc_load_how(struct kt_program *prog, bool lazy, struct kt_orc **ret);
/* Whether the kernel's table is read as needed (the kernel had a block index). */
bool kt_orc_is_lazy(const struct kt_orc *orc);
void kt_orc_destroy(struct kt_orc *orc);
/* The entry covering ip (kernel or module); NOT_FOUND if no table covers it (or orc is NULL). start_ret (may be
 * NULL) is the first address the entry covers. */
struct kt_error *kt_orc_find(const struct kt_orc *orc, uint64_t ip, struct kt_orc_entry *ret,
			     uint64_t *start_ret);

#endif
