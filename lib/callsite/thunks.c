// SPDX-License-Identifier: MIT
/* Recognising retpoline thunks and static-call trampolines by every name of their address. */
#include <string.h>

#include "callsite/thunks.h"
#include "core/error.h"

/* Every kallsyms name at addr, up to max. */
static size_t names_at(struct kt_program *prog, uint64_t addr, const struct kt_symbol **at, size_t max)
{
	struct kt_kallsyms *ks;
	struct kt_error *err = kt_program_kallsyms(prog, &ks);
	if (err) {
		kt_error_destroy(err);
		return 0;
	}
	return kt_kallsyms_at(ks, addr, at, max);
}

enum kt_x86_reg kt_thunk_register(struct kt_program *prog, uint64_t addr)
{
	const struct kt_symbol *at[16];
	size_t n = names_at(prog, addr, at, 16);
	for (size_t i = 0; i < n; i++) {
		const char *name = at[i]->name, *suffix = NULL;
		if (!strncmp(name, "__x86_indirect_thunk_", 21))
			suffix = name + 21;
		else if (!strncmp(name, "__x86_indirect_call_thunk_", 26))
			suffix = name + 26;
		for (int reg = 0; suffix && reg < 16; reg++)
			if (!strcmp(suffix, kt_x86_reg_name((enum kt_x86_reg)reg)))
				return (enum kt_x86_reg)reg;
	}
	return KT_X86_REG_NONE;
}

bool kt_is_static_call_trampoline(struct kt_program *prog, uint64_t addr)
{
	const struct kt_symbol *at[16];
	size_t n = names_at(prog, addr, at, 16);
	for (size_t i = 0; i < n; i++)
		if (!strncmp(at[i]->name, "__SCT__", 7))
			return true;
	return false;
}
