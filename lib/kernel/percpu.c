// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "kernel/kernel_ctx.h"
#include "kernel/percpu.h"

/* CONFIG_NR_CPUS is at most 8192 on x86_64 (arch/x86/Kconfig). */
enum { NR_CPUS_MAX = 8192 };

/*
 * Where a CPU mask's bits are, by the symbols the kernel has (never by its version):
 *   4.5+:      the bitmap itself, struct cpumask __cpu_possible_mask ("kernel/cpu.c: change
 *              type of cpu_possible_bits and friends", v4.5)
 *   3.10-4.4:  const struct cpumask *const cpu_possible_mask, a pointer to the static bitmap
 *              cpu_possible_bits (kernel/cpu.c)
 * name is the mask's short name ("possible", "online").
 */
static struct kt_error *mask_address(struct kt_program *prog, const char *name, uint64_t *ret)
{
	char bitmap[32], pointer[32];
	snprintf(bitmap, sizeof(bitmap), "__cpu_%s_mask", name);
	snprintf(pointer, sizeof(pointer), "cpu_%s_mask", name);
	struct kt_error *err = kt_program_kernel_symbol(prog, bitmap, ret);
	if (!err || !kt_error_catch(&err, KT_ERROR_NOT_FOUND))
		return err;
	uint64_t ptr;
	err = kt_program_kernel_symbol(prog, pointer, &ptr);
	if (!err)
		return kt_error_prefix(kt_read_u64(&prog->reader, ptr, ret), "%s", pointer);
	if (!kt_error_catch(&err, KT_ERROR_NOT_FOUND))
		return err;
	return kt_error_create(KT_ERROR_NOT_FOUND,
			       "the CPU %s mask: the kernel has neither the bitmap %s (Linux 4.5+) nor "
			       "the pointer %s (before 4.5)", name, bitmap, pointer);
}

static struct kt_error *read_mask(struct kt_program *prog, const char *name, unsigned int nbits,
				  uint64_t **ret)
{
	uint64_t addr;
	size_t words = (nbits + 63) / 64;
	uint64_t *mask = calloc(words, 8);
	if (!mask)
		return &kt_enomem;
	struct kt_error *err = mask_address(prog, name, &addr);
	if (!err && (err = kt_read(&prog->reader, addr, mask, words * 8)))
		err = kt_error_prefix(err, "the CPU %s mask at 0x%llx", name, (unsigned long long)addr);
	if (err) {
		free(mask);
		return err;
	}
	if (nbits % 64)
		mask[words - 1] &= (1ull << (nbits % 64)) - 1;
	*ret = mask;
	return NULL;
}

static struct kt_error *percpu_copy(const struct kt_percpu *from, struct kt_percpu *to)
{
	size_t words = (from->nr_cpu_ids + 63) / 64;
	*to = (struct kt_percpu){.nr_cpu_ids = from->nr_cpu_ids};
	if (!(to->offsets = malloc(from->nr_cpu_ids * 8ul)) || !(to->possible = malloc(words * 8)) ||
	    !(to->online = malloc(words * 8))) {
		kt_percpu_deinit(to);
		return &kt_enomem;
	}
	memcpy(to->offsets, from->offsets, from->nr_cpu_ids * 8ul);
	memcpy(to->possible, from->possible, words * 8);
	memcpy(to->online, from->online, words * 8);
	return NULL;
}

static struct kt_error *percpu_read(struct kt_program *prog, struct kt_percpu *ret);

/* Read once per program: walkers ask for it per task. */
struct kt_error *kt_percpu_get(struct kt_program *prog, const struct kt_percpu **ret)
{
	if (!prog->kernel->percpu) {
		struct kt_percpu *p = calloc(1, sizeof(*p));
		if (!p)
			return &kt_enomem;
		struct kt_error *err = percpu_read(prog, p);
		if (err) {
			free(p);
			return err;
		}
		prog->kernel->percpu = p;
	}
	*ret = prog->kernel->percpu;
	return NULL;
}

struct kt_error *kt_percpu_init(struct kt_program *prog, struct kt_percpu *ret)
{
	const struct kt_percpu *p = NULL;
	struct kt_error *err = kt_percpu_get(prog, &p);
	return err ? err : percpu_copy(p, ret);
}

void kt_percpu_destroy(struct kt_percpu *p)
{
	if (p) {
		kt_percpu_deinit(p);
		free(p);
	}
}

static struct kt_error *percpu_read(struct kt_program *prog, struct kt_percpu *ret)
{
	struct kt_percpu p = {0};
	uint64_t nr_addr, off_addr;
	uint32_t nr;
	struct kt_error *err;
	if ((err = kt_program_kernel_symbol(prog, "nr_cpu_ids", &nr_addr)) ||
	    (err = kt_read_u32(&prog->reader, nr_addr, &nr)) ||
	    (err = kt_program_kernel_symbol(prog, "__per_cpu_offset", &off_addr)))
		return kt_error_prefix(err, "per-CPU areas");
	if (nr == 0 || nr > NR_CPUS_MAX)
		return kt_error_create(KT_ERROR_BAD_DATA, "nr_cpu_ids is %u", nr);
	p.nr_cpu_ids = nr;
	if (!(p.offsets = calloc(nr, 8)))
		return &kt_enomem;
	if ((err = kt_read(&prog->reader, off_addr, p.offsets, (size_t)nr * 8)) ||
	    (err = read_mask(prog, "possible", nr, &p.possible)) ||
	    (err = read_mask(prog, "online", nr, &p.online))) {
		kt_percpu_deinit(&p);
		return kt_error_prefix(err, "per-CPU areas");
	}
	*ret = p;
	return NULL;
}

void kt_percpu_deinit(struct kt_percpu *p)
{
	free(p->offsets);
	free(p->possible);
	free(p->online);
}

bool kt_percpu_possible(const struct kt_percpu *p, unsigned int cpu)
{
	return cpu < p->nr_cpu_ids && (p->possible[cpu / 64] >> (cpu % 64) & 1);
}

bool kt_percpu_online(const struct kt_percpu *p, unsigned int cpu)
{
	return cpu < p->nr_cpu_ids && (p->online[cpu / 64] >> (cpu % 64) & 1);
}

unsigned int kt_percpu_count(const struct kt_percpu *p, bool online)
{
	const uint64_t *mask = online ? p->online : p->possible;
	unsigned int n = 0;
	for (size_t i = 0; i < (p->nr_cpu_ids + 63) / 64; i++)
		n += (unsigned int)__builtin_popcountll(mask[i]);  // bits past nr_cpu_ids are cleared
	return n;
}

struct kt_error *kt_percpu_address(const struct kt_percpu *p, uint64_t sym, unsigned int cpu,
				   uint64_t *ret)
{
	if (!kt_percpu_possible(p, cpu))
		return kt_error_create(KT_ERROR_NOT_FOUND, "CPU %u is not a possible CPU", cpu);
	*ret = sym + p->offsets[cpu];
	return NULL;
}
