// SPDX-License-Identifier: MIT
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/error.h"
#include "unwind/cfi.h"

struct kt_cfi {
	int fd;
	Elf *elf;
	Dwarf *dwarf;
	Dwarf_CFI *cfi;
};

struct kt_error *kt_cfi_open(const char *vmlinux, struct kt_cfi **ret)
{
	struct kt_cfi *c = calloc(1, sizeof(*c));
	if (!c)
		return &kt_enomem;
	c->fd = open(vmlinux, O_RDONLY | O_CLOEXEC);
	elf_version(EV_CURRENT);
	if (c->fd < 0 || !(c->elf = elf_begin(c->fd, ELF_C_READ_MMAP, NULL)) ||
	    !(c->dwarf = dwarf_begin_elf(c->elf, DWARF_C_READ, NULL)) || !(c->cfi = dwarf_getcfi(c->dwarf))) {
		struct kt_error *err = kt_error_create(KT_ERROR_NOT_FOUND, "%s: no DWARF call frame "
						       "information: %s", vmlinux, dwarf_errmsg(-1));
		kt_cfi_destroy(c);
		return err;
	}
	*ret = c;
	return NULL;
}

void kt_cfi_destroy(struct kt_cfi *c)
{
	if (!c)
		return;
	if (c->dwarf)
		dwarf_end(c->dwarf);
	if (c->elf)
		elf_end(c->elf);
	if (c->fd >= 0)
		close(c->fd);
	free(c);
}

/* Evaluates the small expressions CFI rows use: breg+offset, CFA+offset, stack_value. */
static bool eval(const Dwarf_Op *ops, size_t n, const struct kt_unwind_state *st, uint64_t cfa,
		 bool *is_value, uint64_t *ret)
{
	uint64_t stack[8];
	size_t sp = 0;
	*is_value = false;
	for (size_t i = 0; i < n; i++) {
		uint8_t op = ops[i].atom;
		if ((op >= DW_OP_breg0 && op <= DW_OP_breg31) || op == DW_OP_bregx) {
			// libdw gives CFA rules as DW_OP_bregx (register, offset).
			int r = kt_reg_from_dwarf(op == DW_OP_bregx ? (int)ops[i].number : op - DW_OP_breg0);
			uint64_t off = op == DW_OP_bregx ? ops[i].number2 : ops[i].number;
			if (r < 0 || sp == 8 || !kt_regs_has(&st->regs, (enum kt_reg)r))
				return false;
			stack[sp++] = st->regs.r[r] + off;
		} else if (op == DW_OP_call_frame_cfa && sp < 8) {
			stack[sp++] = cfa;
		} else if ((op == DW_OP_plus_uconst) && sp) {
			stack[sp - 1] += ops[i].number;
		} else if ((op == DW_OP_consts || op == DW_OP_constu) && sp < 8) {
			stack[sp++] = ops[i].number;
		} else if (op == DW_OP_plus && sp >= 2) {
			stack[sp - 2] += stack[sp - 1];
			sp--;
		} else if (op == DW_OP_stack_value) {
			*is_value = true;
		} else {
			return false;
		}
	}
	if (sp != 1)
		return false;
	*ret = stack[0];
	return true;
}

struct kt_error *kt_cfi_step(struct kt_cfi *c, struct kt_reader *reader, uint64_t kaslr_offset,
			     struct kt_unwind_state *st)
{
	// The unwinder's own registers: rsp and rbp are always meaningful here.
	kt_regs_set(&st->regs, KT_REG_rsp, st->sp);
	if (st->bp_known)
		kt_regs_set(&st->regs, KT_REG_rbp, st->bp);
	uint64_t pc = (st->exact ? st->ip : st->ip - 1) - kaslr_offset;
	Dwarf_Frame *frame;
	if (dwarf_cfi_addrframe(c->cfi, pc, &frame))
		return kt_error_create(KT_ERROR_NOT_FOUND, "no DWARF CFI for 0x%016llx",
				       (unsigned long long)st->ip);
	Dwarf_Op *ops;
	size_t nops;
	uint64_t cfa;
	bool is_value;
	struct kt_error *err = NULL;
	if (dwarf_frame_cfa(frame, &ops, &nops) || !nops || !eval(ops, nops, st, 0, &is_value, &cfa)) {
		err = kt_error_create(KT_ERROR_UNSUPPORTED, "DWARF CFI of 0x%016llx: CFA not computable",
				      (unsigned long long)st->ip);
		goto out;
	}
	struct kt_unwind_state next = {.sp = cfa, .slot = cfa - 8};
	if ((err = kt_read_u64(reader, cfa - 8, &next.ip)))
		goto out;
	// Callee-saved registers: where the row says they were saved, or unchanged.
	static const enum kt_reg saved[] = {KT_REG_rbx, KT_REG_rbp, KT_REG_r12, KT_REG_r13,
					    KT_REG_r14, KT_REG_r15};
	for (size_t i = 0; i < sizeof(saved) / sizeof(saved[0]); i++) {
		Dwarf_Op mem[3], *rops;
		size_t rn;
		enum kt_reg r = saved[i];
		if (dwarf_frame_register(frame, kt_reg_to_dwarf(r), mem, &rops, &rn))
			continue;
		if (!rops && kt_regs_has(&st->regs, r)) {          // same value
			kt_regs_set(&next.regs, r, st->regs.r[r]);
			continue;
		}
		uint64_t where, v;
		if (!rn || !eval(rops, rn, st, cfa, &is_value, &where))
			continue;                                   // undefined, or too complex
		if (is_value) {
			kt_regs_set(&next.regs, r, where);
		} else {
			struct kt_error *rerr = kt_read_u64(reader, where, &v);
			if (!rerr)
				kt_regs_set(&next.regs, r, v);
			kt_error_destroy(rerr);
		}
	}
	next.bp_known = kt_regs_has(&next.regs, KT_REG_rbp);
	next.bp = next.regs.r[KT_REG_rbp];
	*st = next;
out:
	free(frame);  // dwarf_cfi_addrframe() allocates it for the caller
	return err;
}

size_t kt_cfi_saved_slots(struct kt_cfi *c, uint64_t kaslr_offset, uint64_t ip, bool exact,
			  uint64_t cfa, enum kt_reg *regs_out, uint64_t *addrs_out, size_t max)
{
	static const enum kt_reg saved[] = {KT_REG_rbx, KT_REG_rbp, KT_REG_r12, KT_REG_r13,
					    KT_REG_r14, KT_REG_r15};
	Dwarf_Frame *frame;
	if (dwarf_cfi_addrframe(c->cfi, (exact ? ip : ip - 1) - kaslr_offset, &frame))
		return 0;
	struct kt_unwind_state none = {0};
	size_t n = 0;
	for (size_t i = 0; i < sizeof(saved) / sizeof(saved[0]) && n < max; i++) {
		Dwarf_Op mem[3], *ops;
		size_t nops;
		uint64_t where;
		bool is_value;
		if (dwarf_frame_register(frame, kt_reg_to_dwarf(saved[i]), mem, &ops, &nops) || !nops ||
		    !eval(ops, nops, &none, cfa, &is_value, &where) || is_value)
			continue;
		regs_out[n] = saved[i];
		addrs_out[n++] = where;
	}
	free(frame);
	return n;
}
