// SPDX-License-Identifier: MIT
#include <string.h>

#include "callsite/call_returns.h"
#include "core/error.h"
#include "ktriage.h"

static const struct known_return {
	const char *function;
	enum kt_x86_reg arg;       /* the pointer argument (System V psABI, 3.2.3) */
	const char *type, *member;
} known_returns[] = {
	/* kernel/entry/common.c (5.8+): returns syscall_get_nr(current, regs), regs->orig_ax, which
	 * ptrace or seccomp may have rewritten (or the number it was given, which is the same). */
	{"syscall_enter_from_user_mode", KT_X86_RDI, "pt_regs", "orig_ax"},
};

bool kt_call_returns_member(struct kt_program *prog, uint64_t target, enum kt_x86_reg *arg, int64_t *offset)
{
	const char *name, *module;
	uint64_t within, member;
	struct kt_error *err = kt_program_symbolize(prog, target, &name, &within, &module);
	if (err) {
		kt_error_destroy(err);
		return false;
	}
	if (within || module)
		return false;
	for (size_t i = 0; i < sizeof(known_returns) / sizeof(known_returns[0]); i++) {
		const struct known_return *k = &known_returns[i];
		if (strcmp(name, k->function))
			continue;
		err = kt_program_member_offset(prog, k->type, k->member, &member);
		if (err) {
			kt_error_destroy(err);
			return false;
		}
		*arg = k->arg;
		*offset = (int64_t)member;
		return true;
	}
	return false;
}
