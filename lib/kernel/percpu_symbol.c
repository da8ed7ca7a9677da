// SPDX-License-Identifier: MIT
/*
 * Which symbols are per-CPU variables: the kernel's per-CPU section (__per_cpu_start..
 * __per_cpu_end, wherever it is linked) and each module's per-CPU area. Apart from percpu.c
 * (CPU masks and offsets), which the module walk itself needs.
 */
#include "core/error.h"
#include "kernel/kernel_ctx.h"
#include "kernel/modules.h"
#include "kernel/percpu.h"

static struct kt_error *percpu_range(struct kt_program *prog, const struct kt_kallsyms **ret)
{
	struct kt_kallsyms *ks;
	struct kt_error *err = kt_program_kallsyms(prog, &ks);
	if (err)
		return err;
	if (!ks->has_percpu)
		return kt_error_create(KT_ERROR_NOT_FOUND, "per-CPU variables: the kernel's symbols have "
				       "no __per_cpu_start and __per_cpu_end");
	*ret = ks;
	return NULL;
}

struct kt_error *kt_percpu_kernel_symbol(struct kt_program *prog, uint64_t addr, bool *ret,
					 bool *zero_based_ret)
{
	const struct kt_kallsyms *ks = NULL;
	struct kt_error *err = percpu_range(prog, &ks);
	if (!err) {
		*ret = kt_kallsyms_is_percpu(ks, addr);
		*zero_based_ret = ks->percpu_start == 0;
	}
	return err;
}

struct kt_error *kt_percpu_symbol(struct kt_program *prog, uint64_t addr, bool *ret)
{
	const struct kt_kallsyms *ks = NULL;
	struct kt_error *err = percpu_range(prog, &ks);
	if (err)
		return err;
	*ret = kt_kallsyms_is_percpu(ks, addr);
	const struct kt_symbol *at;
	if (*ret || kt_kallsyms_at(ks, addr, &at, 1))
		return NULL;  // the kernel's own symbol
	const struct kt_module_info *infos;
	size_t n;
	if ((err = kt_module_list(prog, &infos, &n))) {
		if (err == &kt_enomem)
			return err;
		kt_error_destroy(err);  // no module list: no module per-CPU variables known
		return NULL;
	}
	*ret = kt_modules_percpu(prog->kernel->modules, addr);
	return NULL;
}

struct kt_error *kt_percpu_zero_based(struct kt_program *prog, bool *ret)
{
	const struct kt_kallsyms *ks = NULL;
	struct kt_error *err = percpu_range(prog, &ks);
	if (!err)
		*ret = ks->percpu_start == 0;
	return err;
}
