// SPDX-License-Identifier: MIT
/*
 * Call-site resolution: for a return address, the call before it, what that call read its
 * target through (a backward slice, slice.c, rendered in C with values by render.c), the target,
 * and whether that target is the function the stack says was called (verdict.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callsite/disasm.h"
#include "callsite/pv_ops.h"
#include "callsite/render.h"
#include "callsite/site_text.h"
#include "callsite/static_calls.h"
#include "callsite/thunks.h"
#include "core/error.h"
#include "core/util.h"

const char *kt_call_kind_name(enum kt_call_kind kind)
{
	static const char *const names[] = {
		[KT_CALL_NONE] = "none",         [KT_CALL_DIRECT] = "direct",
		[KT_CALL_STATIC] = "static_call", [KT_CALL_RETPOLINE] = "retpoline",
		[KT_CALL_REGISTER] = "register", [KT_CALL_MEMORY] = "memory",
		[KT_CALL_PV_OPS] = "pv_ops",
	};
	return kind <= KT_CALL_PV_OPS ? names[kind] : "?";
}

const char *kt_call_verdict_name(enum kt_call_verdict verdict)
{
	static const char *const names[] = {
		[KT_CALL_UNDETERMINED] = "undetermined", [KT_CALL_MATCHES] = "matches",
		[KT_CALL_TAIL_CALL] = "tail_call",       [KT_CALL_DIFFERS] = "differs",
	};
	return verdict <= KT_CALL_DIFFERS ? names[verdict] : "?";
}

/* Whether target is a __SCT__ static-call trampoline; *dest is where it jumps now (0: returns). */
static bool static_call_trampoline(struct kt_program *prog, uint64_t target, uint64_t *dest)
{
	if (!kt_is_static_call_trampoline(prog, target))
		return false;
	struct kt_error *err;
	// The trampoline is patched to "jmp target" or to "ret" (arch/x86/kernel/static_call.c).
	uint8_t code[KT_INSN_MAX_LENGTH];
	struct kt_insn insn;
	*dest = 0;
	if ((err = kt_read(&prog->reader, target, code, sizeof(code))) ||
	    (err = kt_insn_decode(target, code, sizeof(code), &insn))) {
		kt_error_destroy(err);
		return true;
	}
	if (insn.kind == KT_INSN_JMP && insn.has_target)
		*dest = insn.target;
	return true;
}

/* The call instruction that ends at return_address, from the caller's decoded code. */
static ssize_t find_call(const struct kt_function_code *code, uint64_t return_address)
{
	// A call to a noreturn function can be the function's last instruction.
	ssize_t next = return_address == code->end ? (ssize_t)code->n
						   : kt_function_code_index(code, return_address);
	if (next <= 0)
		return -1;
	return code->insns[next - 1].kind == KT_INSN_CALL ? next - 1 : -1;
}

static void set_target(struct kt_program *prog, struct kt_call_site *site, uint64_t target)
{
	site->has_target = true;
	site->target = target;
	const char *name, *module;
	uint64_t off;
	struct kt_error *err = kt_program_symbolize(prog, target, &name, &off, &module);
	if (err) {
		kt_error_destroy(err);
		return;
	}
	site->target_function = name;
	site->target_offset = off;
	site->target_module = module;
}

struct kt_error *kt_call_site_resolve(struct kt_program *prog, uint64_t return_address,
				      const struct kt_call_registers *regs, uint64_t callee,
				      struct kt_call_site *ret)
{
	return kt_call_site_resolve_entry(prog, return_address, regs, callee, NULL, ret);
}

static struct kt_error *resolve(struct kt_program *prog, uint64_t return_address,
			       const struct kt_call_registers *regs, uint64_t callee,
			       const struct kt_entry_source *entry, struct kt_call_site *site)
{
	site->return_address = return_address;
	struct kt_function_code code;
	struct kt_error *err = kt_function_code_load(prog, return_address - 1, &code);
	if (err)
		return kt_error_prefix(err, "call before 0x%016llx", (unsigned long long)return_address);
	ssize_t ci = find_call(&code, return_address);
	site->caller = code.name;
	if (ci < 0) {
		site->kind = KT_CALL_NONE;
		site->reason_code = KT_CALL_REASON_NO_CALL;
		kt_textf(site->text->reason, sizeof(site->text->reason),
			 "no call instruction of %s ends at 0x%016llx", code.name, (unsigned long long)return_address);
		kt_function_code_deinit(&code);
		return NULL;
	}
	const struct kt_insn *call = &code.insns[ci];
	site->address = call->address;
	struct kt_code_symbols cs;
	if ((err = kt_code_symbols_get(prog, &cs)) ||
	    (err = kt_insn_render(&cs, call, site->text->instruction, sizeof(site->text->instruction)))) {
		kt_function_code_deinit(&code);
		return err;
	}
	struct kt_types *types = NULL;
	struct kt_error *terr = kt_program_types(prog, &types);
	kt_error_destroy(terr);
	struct resolver r = {
		.prog = prog,
		.types = types,
		.regs = regs,
		.caller = code.name,
		.caller_start = code.start,
		.call = call->address,
		.call_depth = code.depth[ci],
		.entry = entry,
		.site = site,
	};
	struct kt_slice *slice = malloc(sizeof(*slice));
	if (!slice) {
		kt_function_code_deinit(&code);
		return &kt_enomem;
	}
	kt_slice_init(slice, prog, &code, (size_t)ci);
	const struct kt_sx *through = NULL;
	if (call->has_target) {
		uint64_t dest;
		enum kt_x86_reg thunk_reg = kt_thunk_register(prog, call->target);
		if (thunk_reg != KT_X86_REG_NONE) {
			site->kind = KT_CALL_RETPOLINE;
			// The thunk shares its address with other names (__x86_indirect_thunk_array,
			// __static_call_text_end): name it by the register it jumps through.
			char *name = strchr(site->text->instruction, '<');
			if (name)
				kt_textf(name, sizeof(site->text->instruction) - (size_t)(name - site->text->instruction),
				      "<__x86_indirect_thunk_%s>", kt_x86_reg_name(thunk_reg));
			through = kt_slice_register(slice, thunk_reg, (size_t)ci);
		} else if (static_call_trampoline(prog, call->target, &dest)) {
			site->kind = KT_CALL_STATIC;
			kt_name_address(prog, call->target, site->text->expression, sizeof(site->text->expression));
			if (dest)
				set_target(prog, site, dest);
			else
				kt_resolver_missing(&r, "the static-call trampoline at 0x%016llx does not jump anywhere",
					    (unsigned long long)call->target);
		} else {
			uint64_t key;
			site->kind = KT_CALL_DIRECT;
			char member[160];
			if (kt_static_call_site(prog, call->address, &key)) {
				// Patched in place: the call names the target itself, the key says why.
				site->kind = KT_CALL_STATIC;
				kt_name_address(prog, key, site->text->expression, sizeof(site->text->expression));
			} else if (kt_pv_ops_site(prog, call->address, member, sizeof(member))) {
				site->kind = KT_CALL_PV_OPS;
				kt_textf(site->text->expression, sizeof(site->text->expression), "pv_ops.%s", member);
			}
			set_target(prog, site, call->target);
		}
	} else {
		site->kind = call->indirect.type == KT_INSN_OPERAND_MEM ? KT_CALL_MEMORY : KT_CALL_REGISTER;
		through = kt_slice_call_target(slice);
	}
	if (through) {
		struct rendered out;
		kt_render(&r, through, &out);
		snprintf(site->text->expression, sizeof(site->text->expression), "%s", out.text);
		if (out.known)
			set_target(prog, site, out.value);
	}
	free(slice);
	kt_function_code_deinit(&code);
	if (site->has_target)
		kt_judge_call(&r, site, callee);
	if (!site->has_target) {
		site->reason_code = KT_CALL_REASON_TARGET_UNKNOWN;
		kt_textf(site->text->reason, sizeof(site->text->reason), "target not determined: %s",
			 r.missing[0] ? r.missing : "no value to read it from");
	} else if (!callee && !site->reason[0]) {
		site->reason_code = KT_CALL_REASON_NO_CALLEE;
		kt_textf(site->text->reason, sizeof(site->text->reason), "no frame above to compare with");
	}
	if (r.guessed && strlen(site->reason) + 40 < sizeof(site->text->reason))
		strcat(site->text->reason, " (a global's type taken from its name)");
	return NULL;
}

struct kt_error *kt_call_site_resolve_entry(struct kt_program *prog, uint64_t return_address,
					    const struct kt_call_registers *regs, uint64_t callee,
					    const struct kt_entry_source *entry, struct kt_call_site *ret)
{
	struct kt_call_site site;
	struct kt_error *err = kt_call_site_init(&site);
	if (!err)
		err = resolve(prog, return_address, regs, callee, entry, &site);
	if (err) {
		kt_call_site_deinit(&site);
		return err;
	}
	*ret = site;
	return NULL;
}
