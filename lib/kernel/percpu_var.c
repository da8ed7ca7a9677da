// SPDX-License-Identifier: MIT
/*
 * A per-CPU variable on each CPU, as crash prints a per-CPU symbol's addresses. On x86_64 a
 * per-CPU symbol's value is an offset into the per-CPU area (the section linked at 0, v2.6.30 to
 * v6.14) or its link address in the kernel image (v6.15+), and a __percpu pointer from
 * alloc_percpu() is alike; CPU n's copy is at that value plus __per_cpu_offset[n] either way.
 */
#include <stdlib.h>

#include "core/error.h"
#include "kernel/percpu.h"

struct kt_error *kt_percpu_addresses(struct kt_program *prog, uint64_t offset,
				     struct kt_percpu_slot **ret, size_t *n_ret)
{
	// Where the per-CPU section is linked at 0, per-CPU offsets and __percpu pointers are small
	// numbers and a kernel address (top bit set) is none; in the kernel image (v6.15+) both are
	// kernel addresses.
	bool zero_based = false;
	struct kt_error *err = kt_percpu_zero_based(prog, &zero_based);
	if (err == &kt_enomem)
		return err;
	kt_error_destroy(err);
	if (zero_based && offset >> 63)
		return kt_error_create(KT_ERROR_INVALID_ARGUMENT,
				       "0x%016llx is a kernel address, not a per-CPU variable "
				       "(this kernel links its per-CPU area at 0: those are offsets "
				       "into it, below 0x8000000000000000)",
				       (unsigned long long)offset);
	const struct kt_percpu *percpu = NULL;
	if ((err = kt_percpu_get(prog, &percpu)))
		return err;
	struct kt_percpu_slot *slots = calloc(percpu->nr_cpu_ids, sizeof(*slots));
	size_t n = 0;
	if (!slots)
		return &kt_enomem;
	for (unsigned int cpu = 0; cpu < percpu->nr_cpu_ids; cpu++) {
		uint64_t addr;
		if (!kt_percpu_possible(percpu, cpu))
			continue;
		if ((err = kt_percpu_address(percpu, offset, cpu, &addr)))
			break;
		slots[n++] = (struct kt_percpu_slot){
			.cpu = cpu,
			.online = kt_percpu_online(percpu, cpu),
			.address = addr,
		};
	}
	if (err) {
		free(slots);
		return err;
	}
	*ret = slots;
	*n_ret = n;
	return NULL;
}

void kt_percpu_slots_destroy(struct kt_percpu_slot *slots, size_t n)
{
	(void)n;
	free(slots);
}
