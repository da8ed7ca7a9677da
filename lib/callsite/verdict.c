// SPDX-License-Identifier: MIT
/*
 * The verdict on a call site: its target is the function of the frame above, or reaches it by a
 * tail call (direct, through a register, memory or a retpoline thunk, one or two functions
 * deep: those have no frame of their own), or is another function.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callsite/call_regs.h"
#include "callsite/disasm.h"
#include "callsite/render.h"
#include "callsite/site_text.h"
#include "callsite/thunks.h"
#include "core/error.h"
#include "core/util.h"

/*
 * Does the function at start (what the call reached) jump to callee: directly, or through a
 * register, memory or a retpoline thunk whose value, computed with the registers at the call
 * (callee-saved ones survive into it) and the call's own values as its entry, is callee?
 */
static bool jumps_to(struct resolver *r, uint64_t start, uint64_t callee, uint64_t call,
		     uint64_t *jmp_at)
{
	struct kt_function_code code;
	struct kt_error *err = kt_function_code_load(r->prog, start, &code);
	if (err) {
		kt_error_destroy(err);
		return false;
	}
	struct kt_entry_source at_call = {.insn = call, .outer = r->entry};
	if (r->regs)
		at_call.regs = *r->regs;
	struct kt_call_registers at_entry;
	kt_call_registers_at_entry(&at_call.regs, &at_entry);
	bool found = false;
	for (size_t i = 0; i < code.n && !found; i++) {
		const struct kt_insn *insn = &code.insns[i];
		if (insn->kind != KT_INSN_JMP)
			continue;
		if (insn->has_target && insn->target == callee) {
			found = true;
		} else if (r->depth < ENTRY_DEPTH_MAX) {
			enum kt_x86_reg through = insn->has_target ? KT_X86_REG_NONE : insn->indirect.reg;
			if (insn->has_target) {
				through = kt_thunk_register(r->prog, insn->target);
				if (through == KT_X86_REG_NONE)
					continue;
			}
			struct kt_slice *slice = malloc(sizeof(*slice));
			if (!slice)
				break;
			kt_slice_init(slice, r->prog, &code, i);
			const struct kt_sx *x = through != KT_X86_REG_NONE || insn->indirect.type == KT_INSN_OPERAND_REG
							? kt_slice_register(slice, through, i)
							: kt_slice_call_target(slice);
			struct resolver inner = kt_resolver_nested(r, &code, i, &at_entry, &at_call);
			struct rendered out;
			kt_render(&inner, x, &out);
			found = out.known && out.value == callee;
			free(slice);
		}
		if (found)
			*jmp_at = insn->address;
	}
	kt_function_code_deinit(&code);
	return found;
}

/* Functions a tail-call search decodes at most, for one verdict. */
enum { TAIL_SEARCH_MAX = 1024 };

/*
 * Does start jump directly to a function that itself jumps directly to callee? *via is that
 * function, *jmp_at its jump. Only direct jumps to function starts are followed.
 */
static bool tail_calls_through(struct resolver *r, uint64_t start, uint64_t callee, uint64_t *via,
			       uint64_t *jmp_at)
{
	struct kt_function_code code;
	struct kt_error *err = kt_function_code_load(r->prog, start, &code);
	if (err) {
		kt_error_destroy(err);
		return false;
	}
	bool found = false;
	unsigned int searched = 0;
	for (size_t i = 0; i < code.n && !found && searched < TAIL_SEARCH_MAX; i++) {
		const struct kt_insn *insn = &code.insns[i];
		const char *name, *module;
		uint64_t off;
		if (insn->kind != KT_INSN_JMP || !insn->has_target ||
		    (insn->target >= code.start && insn->target < code.end))
			continue;
		struct kt_error *serr = kt_program_symbolize(r->prog, insn->target, &name, &off, &module);
		kt_error_destroy(serr);
		if (serr || off)
			continue;  // not a function start: not a tail call
		searched++;
		struct kt_function_code next;
		if ((serr = kt_function_code_load(r->prog, insn->target, &next))) {
			kt_error_destroy(serr);
			continue;
		}
		for (size_t k = 0; k < next.n && !found; k++) {
			if (next.insns[k].kind == KT_INSN_JMP && next.insns[k].has_target &&
			    next.insns[k].target == callee) {
				*via = insn->target;
				*jmp_at = next.insns[k].address;
				found = true;
			}
		}
		kt_function_code_deinit(&next);
	}
	kt_function_code_deinit(&code);
	return found;
}

void kt_judge_call(struct resolver *r, struct kt_call_site *site, uint64_t callee)
{
	struct kt_program *prog = r->prog;
	if (!site->has_target || !callee)
		return;
	const char *cname = "?", *mod;
	uint64_t off;
	struct kt_error *err = kt_program_symbolize(prog, callee, &cname, &off, &mod);
	kt_error_destroy(err);
	char tname[200];
	kt_name_address(prog, site->target, tname, sizeof(tname));
	if (site->target == callee) {
		site->verdict = KT_CALL_MATCHES;
		site->reason_code = KT_CALL_REASON_REACHES_CALLEE;
		kt_textf(site->text->reason, sizeof(site->text->reason),
			 "the call reaches %s, the function of the "
			 "frame above", tname);
		return;
	}
	if (site->target_function && !site->target_offset && kt_is_cold_part(prog, site->target, callee)) {
		site->verdict = KT_CALL_MATCHES;
		site->reason_code = KT_CALL_REASON_REACHES_COLD_PART;
		kt_textf(site->text->reason, sizeof(site->text->reason),
			 "the call reaches %s, whose unlikely part %s "
		      "(a jump away, no call) is the frame above", tname, cname);
		return;
	}
	uint64_t jmp_at, via;
	if (site->target_function && !site->target_offset &&
	    jumps_to(r, site->target, callee, site->address, &jmp_at)) {
		site->verdict = KT_CALL_TAIL_CALL;
		site->tail_jump = jmp_at;
		site->tail_calls = 1;
		site->reason_code = KT_CALL_REASON_TAIL_CALL;
		kt_textf(site->text->reason, sizeof(site->text->reason),
			 "the call reaches %s, which tail-called %s "
		      "(jmp at 0x%016llx): %s has no frame of its own", tname, cname,
		      (unsigned long long)jmp_at, tname);
		return;
	}
	// Two tail calls (x64_sys_call -> __x64_sys_write -> ksys_write): direct jumps only.
	if (site->target_function && !site->target_offset &&
	    tail_calls_through(r, site->target, callee, &via, &jmp_at)) {
		char vname[200];
		kt_name_address(prog, via, vname, sizeof(vname));
		site->verdict = KT_CALL_TAIL_CALL;
		site->tail_jump = jmp_at;
		site->tail_calls = 2;
		site->reason_code = KT_CALL_REASON_TWO_TAIL_CALLS;
		kt_textf(site->text->reason, sizeof(site->text->reason),
			 "the call reaches %s, which tail-called %s, "
		      "which tail-called %s (jmp at 0x%016llx): neither has a frame of its own", tname,
		      vname, cname, (unsigned long long)jmp_at);
		return;
	}
	site->verdict = KT_CALL_DIFFERS;
	site->reason_code = KT_CALL_REASON_OTHER_FUNCTION;
	kt_textf(site->text->reason, sizeof(site->text->reason),
		 "the call reaches %s, not %s: the frame above "
		 "is not this call's callee", tname, cname);
}
