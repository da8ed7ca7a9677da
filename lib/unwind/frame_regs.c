// SPDX-License-Identifier: MIT
/*
 * The registers each frame of a backtrace had at its call instruction. The innermost frame
 * starts from what the dump recorded (crash notes, QEMU notes, a pt_regs, or the switch frame of
 * a sleeping task); going outwards, a callee-saved register keeps its value through a call
 * unless the callee saved it, and then the value sits where the callee's prologue pushed it
 * (DWARF CFI says where, or the callee's own pushes when there is no CFI). This is the
 * "recover register values from prologue pushes" step of reading a stack by hand.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callsite/function_code.h"
#include "callsite/resolve.h"
#include "callsite/site_text.h"
#include "core/error.h"
#include "core/util.h"
#include "kernel/tasks.h"
#include "unwind/backtrace_build.h"
#include "unwind/cfi.h"
#include "unwind/cpu_regs.h"
#include "unwind/unwind_ctx.h"

/* kt_x86_reg numbering is DWARF's for the general-purpose registers. */
static bool is_callee_saved(int dwarf)
{
	return dwarf >= 0 && dwarf < 16 && (KT_X86_CALLEE_SAVED & (1u << dwarf));
}

static void set_reg(struct kt_call_registers *r, int dwarf, uint64_t value,
		    const struct kt_register_source *source)
{
	r->value[dwarf] = value;
	r->known |= 1u << dwarf;
	r->source[dwarf] = *source;
}

static void from_regs(struct kt_call_registers *r, const struct kt_regs *regs,
		      const struct kt_register_source *source)
{
	for (int reg = 0; reg < KT_REG_COUNT; reg++) {
		int dwarf = kt_reg_to_dwarf((enum kt_reg)reg);
		if (dwarf >= 0 && dwarf < 16 && kt_regs_has(regs, (enum kt_reg)reg))
			set_reg(r, dwarf, regs->r[reg], source);
	}
}

static void from_pt_regs(struct kt_call_registers *r, const struct kt_frame *f)
{
	struct kt_register_source source = {.origin = KT_REGISTER_ORIGIN_PT_REGS,
					    .address = f->pt_regs_address};
	struct kt_regs regs = {0};
	for (int reg = 0; reg < KT_PT_REGS_COUNT && reg < KT_REG_COUNT; reg++)
		kt_regs_set(&regs, (enum kt_reg)reg, f->pt_regs[reg]);
	from_regs(r, &regs, &source);
}

/* A sleeping task's frame 0 returns into __schedule: struct inactive_task_frame holds the
 * callee-saved registers __switch_to_asm pushed (arch/x86/include/asm/switch_to.h). */
static void from_switch_frame(struct kt_program *prog, const struct kt_frame *f,
			      struct kt_call_registers *r)
{
	static const struct { const char *member; int dwarf; } members[] = {
		{"r15", 15}, {"r14", 14}, {"r13", 13}, {"r12", 12}, {"bx", 3}, {"bp", 6},
	};
	uint64_t ret_off;
	struct kt_error *err = kt_program_member_offset(prog, "inactive_task_frame", "ret_addr", &ret_off);
	if (err || !f->slot) {
		kt_error_destroy(err);
		return;
	}
	uint64_t frame = f->slot - ret_off;
	for (size_t i = 0; i < sizeof(members) / sizeof(members[0]); i++) {
		uint64_t off, v;
		if ((err = kt_program_member_offset(prog, "inactive_task_frame", members[i].member, &off)) ||
		    (err = kt_read_u64(&prog->reader, frame + off, &v))) {
			kt_error_destroy(err);
			continue;
		}
		struct kt_register_source source = {.origin = KT_REGISTER_ORIGIN_SWITCH_FRAME,
						    .address = frame + off};
		set_reg(r, members[i].dwarf, v, &source);
	}
}

static void initial(struct kt_program *prog, const struct kt_backtrace *bt, struct kt_call_registers *r)
{
	const struct kt_frame *f = &bt->frames[0];
	if (f->has_pt_regs) {
		from_pt_regs(r, f);
		return;
	}
	if (f->exact && bt->cpu >= 0) {
		struct kt_cpu_regs cr;
		struct kt_error *err = kt_cpu_regs_get(prog, (unsigned int)bt->cpu, &cr);
		if (!err && cr.source != KT_REGS_NONE) {
			struct kt_register_source source = {.origin = KT_REGISTER_ORIGIN_CPU_NOTE,
							    .note = kt_regs_source_name(cr.source),
							    .cpu = bt->cpu};
			from_regs(r, &cr.regs, &source);
		}
		kt_error_destroy(err);
		return;
	}
	if (!f->exact && bt->cpu < 0)
		from_switch_frame(prog, f, r);
}

/*
 * Where the function of frame f pushed callee-saved registers before reaching f's pc, with
 * cfa its caller's stack pointer before the call: its pushes as the decoded code shows them.
 */
static size_t pushed_slots(struct kt_program *prog, const struct kt_frame *f, uint64_t cfa,
			   int *dwarf, uint64_t *addrs, size_t max)
{
	struct kt_function_code code;
	uint64_t pc = f->exact ? f->pc : f->pc - 1;
	struct kt_error *err = kt_function_code_load(prog, pc, &code);
	if (err) {
		kt_error_destroy(err);
		return 0;
	}
	size_t n = 0;
	uint32_t seen = 0;
	for (size_t i = 0; i < code.n && code.insns[i].address < f->pc && n < max; i++) {
		const struct kt_insn *insn = &code.insns[i];
		if (insn->kind == KT_INSN_RET || insn->kind == KT_INSN_JMP)
			break;  // the straight-line prologue is over
		if (insn->op != KT_OP_PUSH || insn->dst.type != KT_INSN_OPERAND_REG ||
		    code.depth[i] == KT_DEPTH_UNKNOWN)
			continue;
		int reg = insn->dst.reg;
		if (!is_callee_saved(reg) || (seen & (1u << reg)))
			continue;
		seen |= 1u << reg;
		dwarf[n] = reg;
		// The return address is at cfa - 8; the push at depth d stores below it.
		addrs[n++] = cfa - 16 - (uint64_t)code.depth[i];
	}
	kt_function_code_deinit(&code);
	return n;
}

static size_t saved_slots(struct kt_program *prog, const struct kt_frame *f, uint64_t cfa,
			  int *dwarf, uint64_t *addrs, enum kt_register_origin *how)
{
	struct kt_cfi *cfi;
	struct kt_error *err = kt_program_cfi(prog, &cfi);
	if (!err) {
		enum kt_reg regs[8];
		size_t n = kt_cfi_saved_slots(cfi, prog->kaslr_offset, f->pc, f->exact, cfa, regs, addrs, 8);
		if (n) {
			for (size_t i = 0; i < n; i++)
				dwarf[i] = kt_reg_to_dwarf(regs[i]);
			*how = KT_REGISTER_ORIGIN_SAVED_CFI;
			return n;
		}
	}
	kt_error_destroy(err);
	*how = KT_REGISTER_ORIGIN_SAVED_PROLOGUE;
	return pushed_slots(prog, f, cfa, dwarf, addrs, 8);
}

/* The registers at every frame's pc, innermost first: out has bt->n_frames entries. */
static void all_call_registers(struct kt_program *prog, const struct kt_backtrace *bt,
			       struct kt_call_registers *out)
{
	struct kt_call_registers r = {.cpu = bt->cpu};
	if (r.cpu < 0) {
		struct kt_task t;
		struct kt_error *err = kt_task_read_one(prog, bt->task, &t);
		if (!err)
			r.cpu = t.cpu;  // the CPU it last ran on: where its %gs: pointed
		kt_error_destroy(err);
	}
	initial(prog, bt, &r);
	for (size_t k = 0;; k++) {
		// The stack pointer at a call is just above the return address it pushed.
		const struct kt_frame *f = &bt->frames[k];
		if (!f->exact && f->slot && !(r.known & (1u << 7))) {
			struct kt_register_source source = {.origin = KT_REGISTER_ORIGIN_RETURN_SLOT,
							    .address = f->slot};
			set_reg(&r, 7, f->slot + 8, &source);
		}
		out[k] = r;
		if (k + 1 >= bt->n_frames)
			break;
		const struct kt_frame *caller = &bt->frames[k + 1];
		if (caller->has_pt_regs) {
			struct kt_call_registers full = {.cpu = r.cpu};
			from_pt_regs(&full, caller);
			r = full;
			continue;
		}
		// Through a call only callee-saved registers keep their values; the callee's saves say what.
		struct kt_call_registers next = {.cpu = r.cpu};
		kt_call_registers_keep(&r, KT_X86_CALLEE_SAVED, &next);
		int dwarf[8];
		uint64_t addrs[8];
		enum kt_register_origin how;
		size_t n = caller->sp ? saved_slots(prog, f, caller->sp, dwarf, addrs, &how) : 0;
		for (size_t s = 0; s < n; s++) {
			uint64_t v;
			if (!is_callee_saved(dwarf[s]))
				continue;
			struct kt_error *err = kt_read_u64(&prog->reader, addrs[s], &v);
			if (err) {
				kt_error_destroy(err);
				next.known &= ~(1u << dwarf[s]);
				continue;
			}
			struct kt_register_source source = {.origin = how, .address = addrs[s],
							    .function = f->function};
			set_reg(&next, dwarf[s], v, &source);
		}
		r = next;
	}
}

size_t kt_bt_saved_slots(struct kt_program *prog, const struct kt_backtrace *bt, size_t i, int *dwarf,
			 uint64_t *addrs)
{
	// The frame's CFA is where its caller's stack pointer resumes: the next frame's sp, unless
	// the next frame came out of a pt_regs (then this frame was interrupted, not called from).
	if (i + 1 >= bt->n_frames || bt->frames[i + 1].has_pt_regs || !bt->frames[i].pc ||
	    !bt->frames[i + 1].sp)
		return 0;
	enum kt_register_origin how;
	return saved_slots(prog, &bt->frames[i], bt->frames[i + 1].sp, dwarf, addrs, &how);
}

size_t kt_backtrace_saved_registers(struct kt_program *prog, const struct kt_backtrace *bt, size_t i,
				    const char **names, uint64_t *addrs, size_t max)
{
	int dwarf[8];
	uint64_t at[8];
	size_t n = kt_bt_saved_slots(prog, bt, i, dwarf, at);
	size_t kept = 0;
	for (size_t r = 0; r < n && kept < max; r++) {
		int reg = kt_reg_from_dwarf(dwarf[r]);
		if (reg < 0)
			continue;
		names[kept] = kt_reg_name((enum kt_reg)reg);
		addrs[kept++] = at[r];
	}
	return kept;
}

struct kt_error *kt_backtrace_call_registers(struct kt_program *prog, const struct kt_backtrace *bt,
					     size_t i, struct kt_call_registers *ret)
{
	if (i >= bt->n_frames)
		return kt_error_create(KT_ERROR_INVALID_ARGUMENT, "frame #%zu: the backtrace has %zu frames",
				       i, bt->n_frames);
	struct kt_call_registers *all = malloc(bt->n_frames * sizeof(*all));
	if (!all)
		return &kt_enomem;
	all_call_registers(prog, bt, all);
	*ret = all[i];
	free(all);
	return NULL;
}

static bool entered_by_call(const struct kt_backtrace *bt, size_t i)
{
	return i > 0 && i < bt->n_frames && !bt->frames[i].exact && !bt->frames[i].has_pt_regs &&
	       bt->frames[i].pc;
}

/*
 * Outermost first, so that each caller's entry values are known when its call site is
 * resolved: they are what the call one frame further out passed (through a tail call, if the
 * call reached another function that jumped).
 */
struct kt_error *kt_backtrace_call_sites(struct kt_program *prog, const struct kt_backtrace *bt,
					 struct kt_call_site **ret)
{
	size_t n = bt->n_frames;
	struct kt_call_site *sites = calloc(n ? n : 1, sizeof(*sites));
	struct kt_call_registers *regs = malloc((n ? n : 1) * sizeof(*regs));
	struct kt_entry_source *pool = malloc((2 * n + 1) * sizeof(*pool));
	const struct kt_entry_source **entry = calloc(n + 1, sizeof(*entry));
	if (!sites || !regs || !pool || !entry) {
		kt_call_sites_destroy(sites, bt->n_frames);
		free(regs);
		free(pool);
		free(entry);
		return &kt_enomem;
	}
	if (n)
		all_call_registers(prog, bt, regs);
	size_t used = 0;
	for (size_t j = n; j-- > 0;) {
		struct kt_call_site *cs = &sites[j];
		if (!entered_by_call(bt, j)) {
			if (kt_call_site_init(cs)) {
				kt_call_sites_destroy(sites, n);
				sites = NULL;
				break;
			}
			cs->kind = KT_CALL_NONE;
			cs->return_address = bt->frames[j].pc;
			cs->reason_code = j ? KT_CALL_REASON_INTERRUPTED : KT_CALL_REASON_INNERMOST;
			snprintf(cs->text->reason, sizeof(cs->text->reason), j ? "this frame was interrupted, not called"
								    : "the innermost frame");
			continue;
		}
		const struct kt_entry_source *outer = j + 1 < n ? entry[j + 1] : NULL;
		struct kt_error *err = kt_call_site_resolve_entry(prog, bt->frames[j].pc, &regs[j],
								  kt_bt_function_start(&bt->frames[j - 1]),
								  outer, cs);
		if (err == &kt_enomem || (err && kt_call_site_init(cs))) {
			kt_error_destroy(err);
			kt_call_sites_destroy(sites, n);
			sites = NULL;
			break;
		}
		if (err) {
			cs->kind = KT_CALL_NONE;
			cs->return_address = bt->frames[j].pc;
			cs->reason_code = KT_CALL_REASON_ERROR;
			snprintf(cs->text->reason, sizeof(cs->text->reason), "%s", kt_error_message(err));
			kt_error_destroy(err);
			continue;
		}
		// What frame j - 1's function was entered with.
		// Through two tail calls the middle function's changes to the arguments are unknown.
		if (cs->verdict == KT_CALL_MATCHES || (cs->verdict == KT_CALL_TAIL_CALL && cs->tail_calls == 1)) {
			struct kt_entry_source *s = &pool[used++];
			*s = (struct kt_entry_source){.insn = cs->address, .regs = regs[j], .outer = outer};
			entry[j] = s;
			if (cs->verdict == KT_CALL_TAIL_CALL) {
				struct kt_entry_source *t = &pool[used++];
				t->insn = cs->tail_jump;
				kt_call_registers_at_entry(&regs[j], &t->regs);
				t->outer = s;
				entry[j] = t;
			}
		}
	}
	free(regs);
	free(pool);
	free(entry);
	if (!sites)
		return &kt_enomem;
	*ret = sites;
	return NULL;
}

struct kt_error *kt_backtrace_call_site(struct kt_program *prog, const struct kt_backtrace *bt,
					size_t i, struct kt_call_site *ret)
{
	if (!entered_by_call(bt, i))
		return kt_error_create(KT_ERROR_NOT_FOUND, "frame #%zu was not entered by a call", i);
	struct kt_call_site *sites;
	struct kt_error *err = kt_backtrace_call_sites(prog, bt, &sites);
	if (err)
		return err;
	*ret = sites[i];
	sites[i].text = NULL;  // its strings go with the copy
	kt_call_sites_destroy(sites, bt->n_frames);
	return NULL;
}
