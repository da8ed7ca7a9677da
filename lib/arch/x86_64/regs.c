// SPDX-License-Identifier: MIT
#include <string.h>

#include "arch/x86_64/regs.h"

static const struct {
	const char *name;
	unsigned int pt_regs_offset;
	int dwarf;
} reg_info[] = {
#define X(name, ptregs, prstatus, dwarf) {#name, ptregs, dwarf},
#include "arch/x86_64/regs.def"
#undef X
};

const char *kt_reg_name(enum kt_reg reg)
{
	return reg < KT_REG_COUNT ? reg_info[reg].name : "?";
}

unsigned int kt_reg_pt_regs_offset(enum kt_reg reg)
{
	return reg_info[reg].pt_regs_offset;
}

void kt_regs_from_pt_regs(struct kt_regs *regs, const uint8_t *pt_regs)
{
	for (int r = 0; r < KT_REG_COUNT; r++) {
		uint64_t v;
		memcpy(&v, pt_regs + reg_info[r].pt_regs_offset, 8);
		kt_regs_set(regs, (enum kt_reg)r, v);
	}
}

int kt_reg_from_dwarf(int dwarf)
{
	for (int r = 0; r < KT_REG_COUNT; r++)
		if (reg_info[r].dwarf == dwarf)
			return r;
	return -1;
}

int kt_reg_to_dwarf(enum kt_reg reg)
{
	return reg < KT_REG_COUNT ? reg_info[reg].dwarf : -1;
}
