/* SPDX-License-Identifier: MIT */
/* Per-CPU variables: a per-CPU symbol's address plus __per_cpu_offset[cpu]. */
#ifndef KT_KERNEL_PERCPU_H
#define KT_KERNEL_PERCPU_H

#include "program.h"

struct kt_percpu {
	unsigned int nr_cpu_ids;
	uint64_t *offsets;        /* __per_cpu_offset[], nr_cpu_ids entries */
	uint64_t *possible;       /* __cpu_possible_mask bits */
	uint64_t *online;         /* __cpu_online_mask bits */
};

struct kt_error *kt_percpu_init(struct kt_program *prog, struct kt_percpu *ret);
/* The program's own copy, read on first use: valid while the program is. */
struct kt_error *kt_percpu_get(struct kt_program *prog, const struct kt_percpu **ret);
void kt_percpu_deinit(struct kt_percpu *percpu);
/* Frees the program's cached copy. */
void kt_percpu_destroy(struct kt_percpu *percpu);
bool kt_percpu_possible(const struct kt_percpu *percpu, unsigned int cpu);
bool kt_percpu_online(const struct kt_percpu *percpu, unsigned int cpu);
/* How many CPUs are online (or possible). */
unsigned int kt_percpu_count(const struct kt_percpu *percpu, bool online);
/* The address of per-CPU variable sym (its link-time address) on cpu. */
struct kt_error *kt_percpu_address(const struct kt_percpu *percpu, uint64_t sym, unsigned int cpu,
				   uint64_t *ret);

/*
 * Whether a symbol's address addr is a per-CPU variable's: in the kernel's per-CPU section
 * (__per_cpu_start..__per_cpu_end, wherever it is linked) or in a module's per-CPU variables.
 * NOT_FOUND if the kernel's symbols have no __per_cpu_start/__per_cpu_end.
 */
struct kt_error *kt_percpu_symbol(struct kt_program *prog, uint64_t addr, bool *ret);
/* Whether addr is in the kernel's own per-CPU section (modules' per-CPU areas not included), and
 * whether that section is linked at 0 (so that KASLR does not move its addresses). */
struct kt_error *kt_percpu_kernel_symbol(struct kt_program *prog, uint64_t addr, bool *ret,
					 bool *zero_based_ret);
/* Whether the kernel links its per-CPU section at 0, so that per-CPU offsets and __percpu
 * pointers are small numbers (v2.6.30-v6.14); false when it is in the kernel image (v6.15+). */
struct kt_error *kt_percpu_zero_based(struct kt_program *prog, bool *ret);

#endif
