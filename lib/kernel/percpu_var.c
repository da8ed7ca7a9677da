// SPDX-License-Identifier: MIT
/*
 * A per-CPU variable on each CPU, as crash prints a per-CPU symbol's addresses. On x86_64 a
 * per-CPU symbol's value is an offset into the per-CPU area (the section is linked at 0 since
 * v2.6.30), and so is a __percpu pointer from alloc_percpu(); CPU n's copy is at that offset
 * plus __per_cpu_offset[n].
 */
#include <stdlib.h>

#include "core/error.h"
#include "kernel/percpu.h"

struct kt_error *kt_percpu_addresses(struct kt_program *prog, uint64_t offset,
				     struct kt_percpu_slot **ret, size_t *n_ret)
{
	// Kernel addresses have the top bit set; per-CPU offsets and __percpu pointers do not.
	if (offset >> 63)
		return kt_error_create(KT_ERROR_INVALID_ARGUMENT,
				       "0x%016llx is a kernel address, not a per-CPU variable "
				       "(those are offsets into the per-CPU area, below "
				       "0x8000000000000000)",
				       (unsigned long long)offset);
	const struct kt_percpu *percpu = NULL;
	struct kt_error *err = kt_percpu_get(prog, &percpu);
	if (err)
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
