/* SPDX-License-Identifier: MIT */
/* x86-64 register sets as the unwinder keeps them: values plus which ones are known. */
#ifndef KT_ARCH_X86_64_REGS_H
#define KT_ARCH_X86_64_REGS_H

#include <stdbool.h>
#include <stdint.h>

enum kt_reg {
#define X(name, ptregs, prstatus, dwarf) KT_REG_##name,
#include "arch/x86_64/regs.def"
#undef X
	KT_REG_COUNT
};

enum {
	PT_REGS_SIZE = 168,          /* sizeof(struct pt_regs) on x86-64 */
	PRSTATUS_PR_REG_OFFSET = 112, /* offsetof(struct elf_prstatus, pr_reg) on x86-64 */
	PRSTATUS_NREGS = 27,         /* ELF_NGREG: pt_regs order, then fs_base gs_base ds es fs gs */
};

struct kt_regs {
	uint64_t r[KT_REG_COUNT];
	uint32_t known;              /* bit per enum kt_reg */
};

static inline void kt_regs_set(struct kt_regs *regs, enum kt_reg reg, uint64_t value)
{
	regs->r[reg] = value;
	regs->known |= 1u << reg;
}

static inline bool kt_regs_has(const struct kt_regs *regs, enum kt_reg reg)
{
	return regs->known & (1u << reg);
}

const char *kt_reg_name(enum kt_reg reg);
unsigned int kt_reg_pt_regs_offset(enum kt_reg reg);
/* DWARF register number <-> enum kt_reg; -1 if there is none. */
int kt_reg_from_dwarf(int dwarf);
int kt_reg_to_dwarf(enum kt_reg reg);
/* Fills regs from a struct pt_regs image (PT_REGS_SIZE bytes) or from pr_reg. */
void kt_regs_from_pt_regs(struct kt_regs *regs, const uint8_t *pt_regs);

#endif
