// SPDX-License-Identifier: MIT
/*
 * Where a stuck CPU was (spin_point.h). The crash path leaves the panicking CPU's registers in
 * __crash_kexec and the timer interrupt's frames above what it interrupted; the code that ran
 * when the CPU stopped is the first exact frame below them: frame 0 of a CPU that answered the
 * crash NMI (crash_nmi_callback saves the interrupted registers), or the frame a pt_regs
 * interrupted. Its rflags say whether interrupts were enabled there.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "arch/x86_64/regs.h"
#include "core/error.h"
#include "core/util.h"
#include "findings/spin_point.h"
#include "dump/reader.h"
#include "sym/dwarf_params.h"
#include "unwind/cpu_regs.h"

/* A loop is a backward jump over at most this many bytes of code: a spin, not a function body. */
enum { LOOP_SPAN_MAX = 256, FUNCTION_INSNS_MAX = 8192 };

struct loop_scan {
	uint64_t pc;
	const char *function;
	/* Calls and backward jumps seen so far, in address order. */
	uint64_t calls[64];
	size_t n_calls;
	bool found;
	uint64_t start, jump;
};

static bool loop_line(const struct kt_dis_line *line, void *arg)
{
	struct loop_scan *s = arg;
	if (!line->symbol || strcmp(line->symbol, s->function))
		return false;  // past the function's end
	if (line->kind == KT_INSN_CALL && s->n_calls < KT_ARRAY_SIZE(s->calls))
		s->calls[s->n_calls++] = line->address;
	if ((line->kind == KT_INSN_JMP || line->kind == KT_INSN_JCC) && line->has_target &&
	    line->address >= s->pc && line->target <= s->pc && line->address - line->target <= LOOP_SPAN_MAX) {
		bool calls = false;
		for (size_t i = 0; i < s->n_calls; i++)
			calls |= s->calls[i] >= line->target && s->calls[i] <= line->address;
		if (!calls) {
			s->found = true;
			s->start = line->target;
			s->jump = line->address;
			return false;
		}
	}
	return line->address < s->pc + LOOP_SPAN_MAX;
}

/* Whether f's pc is inside a backward jump's span with no call in it. */
static struct kt_error *loop_find(struct kt_program *prog, const struct kt_frame *f, struct kt_spin_point *p)
{
	if (!f->function || f->pc < f->offset)
		return NULL;
	struct loop_scan s = {.pc = f->pc, .function = f->function};
	struct kt_error *err = kt_disassemble(prog, f->pc - f->offset, UINT64_MAX, FUNCTION_INSNS_MAX,
					      loop_line, &s);
	if (err == &kt_enomem)
		return err;
	kt_error_destroy(err);
	p->loop = s.found;
	p->loop_start = s.start;
	p->loop_jump = s.jump;
	return NULL;
}

bool kt_spin_point_find(struct kt_findings_input *in, unsigned int cpu, const struct kt_backtrace *bt,
			struct kt_spin_point *ret)
{
	*ret = (struct kt_spin_point){0};
	if (bt->registers_code != KT_REGISTERS_CRASH_NOTES && bt->registers_code != KT_REGISTERS_QEMU_NOTE)
		return false;
	for (size_t i = 0; i < bt->n_frames; i++) {
		const struct kt_frame *f = &bt->frames[i];
		if (!f->exact || f->status != KT_FRAME_VERIFIED || !f->function ||
		    kt_signature_skips(f->function))
			continue;
		ret->frame = i;
		if (i == 0) {
			struct kt_cpu_regs regs;
			struct kt_error *err = kt_cpu_regs_get(in->prog, cpu, &regs);
			if (err == &kt_enomem)
				return false;
			kt_error_destroy(err);
			if (!err && regs.source != KT_REGS_NONE && kt_regs_has(&regs.regs, KT_REG_rflags)) {
				ret->has_flags = true;
				ret->flags = regs.regs.r[KT_REG_rflags];
				kt_textf(ret->flags_source, sizeof(ret->flags_source), "%s of CPU %u",
					 kt_regs_source_name(regs.source), cpu);
			}
		} else if (f->has_pt_regs) {
			ret->has_flags = true;
			ret->flags = f->pt_regs[KT_REG_rflags];
			kt_textf(ret->flags_source, sizeof(ret->flags_source), "pt_regs at 0x%" PRIx64,
				 f->pt_regs_address);
		}
		return !loop_find(in->prog, f, ret);
	}
	return false;
}

struct kt_error *kt_frame_parameter(struct kt_program *prog, const struct kt_backtrace *bt, size_t i,
				    const char *name, bool *found_ret, uint64_t *value_ret, char *source,
				    size_t source_size)
{
	*found_ret = false;
	const struct kt_frame *f = &bt->frames[i];
	if (!f->function || f->pc < f->offset)
		return NULL;
	struct kt_dwarf_param *params;
	size_t n;
	uint64_t pc = f->exact ? f->pc : f->pc - 1;  // a return address is after the call
	struct kt_error *err = kt_dwarf_function_params(prog, f->pc - f->offset, pc, &params, &n);
	if (err) {
		if (err == &kt_enomem)
			return err;
		kt_error_destroy(err);
		return NULL;
	}
	struct kt_call_registers regs;
	err = kt_backtrace_call_registers(prog, bt, i, &regs);
	if (err == &kt_enomem) {
		kt_dwarf_params_free(params, n);
		return err;
	}
	bool have_regs = !err;
	kt_error_destroy(err);
	for (size_t p = 0; p < n && !*found_ret; p++) {
		const struct kt_dwarf_param *pa = &params[p];
		if (!pa->name || strcmp(pa->name, name))
			continue;
		if (pa->where == KT_PARAM_REGISTER && have_regs && pa->dwarf_reg >= 0 && pa->dwarf_reg < 16 &&
		    (regs.known & (1u << pa->dwarf_reg))) {
			char from[160];
			kt_register_source_text(&regs.source[pa->dwarf_reg], from, sizeof(from));
			int reg = kt_reg_from_dwarf(pa->dwarf_reg);
			const char *reg_name = reg >= 0 ? kt_reg_name((enum kt_reg)reg) : "?";
			*value_ret = regs.value[pa->dwarf_reg];
			*found_ret = true;
			kt_textf(source, source_size, "DWARF: parameter %s of %s (frame #%zu) is in %%%s at its pc; "
				 "%%%s: %s", name, f->function, i, reg_name, reg_name, from);
		} else if (pa->where == KT_PARAM_FRAME_BASE && i + 1 < bt->n_frames && bt->frames[i + 1].sp &&
			   !bt->frames[i + 1].has_pt_regs) {
			// The frame base is the CFA: the caller's stack pointer before the call.
			uint64_t at = bt->frames[i + 1].sp + (uint64_t)pa->offset, v;
			struct kt_error *rerr = kt_read_u64(&prog->reader, at, &v);
			if (!rerr) {
				*value_ret = v;
				*found_ret = true;
				kt_textf(source, source_size, "DWARF: parameter %s of %s (frame #%zu) at the frame "
					 "base %+" PRId64 ", read from 0x%" PRIx64, name, f->function, i, pa->offset, at);
			}
			kt_error_destroy(rerr);
		}
	}
	kt_dwarf_params_free(params, n);
	return NULL;
}

void kt_frame_name(const struct kt_frame *f, char *buf, size_t size)
{
	if (!f->function)
		kt_textf(buf, size, "0x%" PRIx64, f->pc);
	else if (f->module)
		kt_textf(buf, size, "%s+0x%" PRIx64 " [%s]", f->function, f->offset, f->module);
	else
		kt_textf(buf, size, "%s+0x%" PRIx64, f->function, f->offset);
}

void kt_frames_text(const struct kt_backtrace *bt, size_t start, size_t max, char *buf, size_t size)
{
	size_t len = 0, count = 0;
	buf[0] = '\0';
	for (size_t i = start; i < bt->n_frames && count < max && len < size; i++) {
		if (bt->frames[i].status != KT_FRAME_VERIFIED)
			continue;
		char name[128];
		kt_frame_name(&bt->frames[i], name, sizeof(name));
		len += (size_t)snprintf(buf + len, size - len, "%s%s", count++ ? " < " : "", name);
	}
}

const char *kt_log_lockup_line(struct kt_findings_input *in, unsigned int cpu, bool *hard_ret)
{
	const struct kt_log_line *log;
	size_t n;
	kt_input_log(in, &log, &n);
	const char *found = NULL;
	for (size_t i = 0; i < n; i++) {
		const char *t = log[i].text, *at;
		unsigned int c;
		if ((at = strstr(t, "soft lockup - CPU#")) && sscanf(at, "soft lockup - CPU#%u", &c) == 1 &&
		    c == cpu) {
			found = t;
			*hard_ret = false;
		} else if ((at = strstr(t, "hard LOCKUP on cpu ")) &&
			   sscanf(at, "hard LOCKUP on cpu %u", &c) == 1 && c == cpu) {
			found = t;
			*hard_ret = true;
		}
	}
	return found;
}

bool kt_panic_is_lockup(struct kt_findings_input *in)
{
	const struct kt_sys_info *sys;
	if (kt_input_sys(in, &sys) || !sys->panic_message)
		return false;
	for (const char *p = sys->panic_message; *p; p++)
		if (!strncasecmp(p, "lockup", 6))
			return true;
	return false;
}
