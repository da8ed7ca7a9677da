// SPDX-License-Identifier: MIT
/*
 * Is the value at a return-address slot really a return address, and of a call to the frame
 * above? The instruction that ends right before it must be a call: a direct call (e8 rel32,
 * 5 bytes) or an indirect one (ff /2, 2 to 7 bytes, possibly after a prefix). A direct call
 * must target the callee, or something that jumps there on the callee's behalf: a retpoline
 * thunk (__x86_indirect_thunk_*), a static-call trampoline (__SCT__*), or a tail call.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callsite/decode.h"
#include "callsite/disasm.h"
#include "callsite/thunks.h"
#include "core/error.h"
#include "unwind/backtrace.h"
#include "unwind/unwind_ctx.h"

/* 'T': a retpoline thunk, 'S': a static-call trampoline, 0: neither. */
static char trampoline_kind(struct kt_program *prog, uint64_t target)
{
	if (kt_thunk_register(prog, target) != KT_X86_REG_NONE)
		return 'T';
	return kt_is_static_call_trampoline(prog, target) ? 'S' : 0;
}

/* Every frame of every task asks about the same few hundred return addresses: remember the
 * answers (a direct-mapped cache; code in a dump does not change). */
enum { CALL_CACHE_SIZE = 4096, CALL_REASON_MAX = 192 };

struct kt_call_cache {
	struct call_answer {
		uint64_t ret_addr, callee_start, target;
		bool valid, fits;
		char reason[CALL_REASON_MAX];
	} answers[CALL_CACHE_SIZE];
};

static bool check_call_before(struct kt_program *prog, uint64_t ret_addr, uint64_t callee_start,
			      uint64_t *target_ret, char *reason, size_t reason_len);

bool kt_check_call_before(struct kt_program *prog, uint64_t ret_addr, uint64_t callee_start,
			  uint64_t *target_ret, char *reason, size_t reason_len)
{
	if (!prog->unwind->call_cache)
		prog->unwind->call_cache = calloc(1, sizeof(*prog->unwind->call_cache));
	if (!prog->unwind->call_cache)
		return check_call_before(prog, ret_addr, callee_start, target_ret, reason, reason_len);
	uint64_t h = (ret_addr ^ (callee_start * 0x9e3779b97f4a7c15ull)) * 0xff51afd7ed558ccdull;
	struct call_answer *a = &prog->unwind->call_cache->answers[(h >> 52) % CALL_CACHE_SIZE];
	if (!a->valid || a->ret_addr != ret_addr || a->callee_start != callee_start) {
		a->fits = check_call_before(prog, ret_addr, callee_start, &a->target, a->reason,
					    sizeof(a->reason));
		a->ret_addr = ret_addr;
		a->callee_start = callee_start;
		a->valid = true;
	}
	*target_ret = a->target;
	if (reason_len) {
		size_t n = strnlen(a->reason, reason_len - 1);
		memcpy(reason, a->reason, n);  // snprintf("%s") costs more, once per frame of every task
		reason[n] = '\0';
	}
	return a->fits;
}

static bool check_call_before(struct kt_program *prog, uint64_t ret_addr, uint64_t callee_start,
			      uint64_t *target_ret, char *reason, size_t reason_len)
{
	uint8_t code[16];
	*target_ret = 0;
	struct kt_error *err = kt_read(&prog->reader, ret_addr - sizeof(code), code, sizeof(code));
	if (err) {
		snprintf(reason, reason_len, "code before it unreadable: %s", kt_error_message(err));
		kt_error_destroy(err);
		return false;
	}
	// Try the lengths a call can have, the 5-byte direct call first.
	static const unsigned int lengths[] = {5, 2, 3, 6, 7, 4, 8};
	for (size_t i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++) {
		unsigned int len = lengths[i];
		struct kt_insn insn;
		err = kt_insn_decode(ret_addr - len, code + sizeof(code) - len, len, &insn);
		if (err) {
			kt_error_destroy(err);
			continue;
		}
		if (insn.length != len || insn.kind != KT_INSN_CALL)
			continue;
		const char *name, *module;
		uint64_t off;
		if (!insn.has_target) {
			snprintf(reason, reason_len, "after an indirect call at 0x%016llx",
				 (unsigned long long)insn.address);
			return true;
		}
		*target_ret = insn.target;
		err = kt_program_symbolize(prog, insn.target, &name, &off, &module);
		if (err) {
			kt_error_destroy(err);
			name = "?";
			off = 0;
		}
		char kind = off ? 0 : trampoline_kind(prog, insn.target);
		if (kind == 'T') {
			snprintf(reason, reason_len, "after an indirect call through a retpoline thunk at "
				 "0x%016llx", (unsigned long long)insn.target);
			return true;
		}
		if (kind == 'S') {
			snprintf(reason, reason_len, "after a static call through a trampoline at 0x%016llx",
				 (unsigned long long)insn.target);
			return true;
		}
		if (!callee_start || insn.target == callee_start || kt_is_cold_part(prog, insn.target, callee_start)) {
			snprintf(reason, reason_len, "after a call to %s", name);
			return true;
		}
		snprintf(reason, reason_len, "after a call to %s+0x%llx, not to the frame above", name,
			 (unsigned long long)off);
		return false;
	}
	snprintf(reason, reason_len, "no call instruction ends at 0x%016llx", (unsigned long long)ret_addr);
	return false;
}

bool kt_call_target_is_trampoline(struct kt_program *prog, uint64_t target)
{
	return trampoline_kind(prog, target) != 0;
}
