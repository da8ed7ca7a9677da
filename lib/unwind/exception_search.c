// SPDX-License-Identifier: MIT
/*
 * crash's `bt -E`: every struct pt_regs on every stack of every CPU (its current task's stack,
 * the IRQ stack, the IST stacks, the entry stack), live or left over. A candidate is reported
 * only when proven as the reconstruction proves them (pt_regs_proof.c): the iret frame's shape,
 * and the entry code's return address just below it, whose ORC entry marks the pt_regs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "kernel/tasks.h"
#include "unwind/pt_regs_proof.h"
#include "unwind/unwind_ctx.h"

enum { USER_RPL_MASK = 3 };

static struct kt_error *add_frame(struct kt_stack_search *s, const struct kt_exception_frame *f)
{
	struct kt_exception_frame *grown = realloc(s->frames, (s->n_frames + 1) * sizeof(*grown));
	if (!grown)
		return &kt_enomem;
	grown[s->n_frames++] = *f;
	s->frames = grown;
	return NULL;
}

static void describe(struct kt_program *prog, uint64_t addr, const char **name, uint64_t *off,
		     const char **module)
{
	struct kt_error *err = kt_program_symbolize(prog, addr, name, off, module);
	if (err) {
		*name = NULL;
		*off = 0;
		*module = NULL;
	}
	kt_error_destroy(err);
}

static struct kt_error *search_stack(struct kt_unwinder *uw, struct kt_stack_copy *c,
				     struct kt_stack_search *s)
{
	// Top down, as the entry code stacks them: the outermost frame first.
	for (uint64_t a = c->end - PT_REGS_SIZE; a >= c->start; a -= 8) {
		uint64_t slot, ret;
		if (!kt_plausible_pt_regs(uw, c, a) || !kt_prove_pt_regs(uw, c, a, &slot, &ret))
			continue;
		struct kt_exception_frame f = {.address = a};
		for (unsigned int r = 0; r < KT_PT_REGS_COUNT; r++)
			kt_stack_word(c, a + 8 * r, &f.regs[r]);
		f.user_mode = (f.regs[KT_REG_cs] & USER_RPL_MASK) != 0;
		if (!f.user_mode)
			describe(uw->prog, f.regs[KT_REG_rip], &f.function, &f.offset, &f.module);
		const char *name, *module;
		uint64_t off;
		describe(uw->prog, ret, &name, &off, &module);
		char proof[256];
		snprintf(proof, sizeof(proof), "return address %s+0x%llx at 0x%016llx just below: "
			 "its ORC entry marks a pt_regs frame at 0x%016llx", name ? name : "?",
			 (unsigned long long)off, (unsigned long long)slot, (unsigned long long)a);
		if (!(f.proof = strdup(proof)))
			return &kt_enomem;
		struct kt_error *err = add_frame(s, &f);
		if (err) {
			free(f.proof);
			return err;
		}
	}
	return NULL;
}

static struct kt_error *search_cpu(struct kt_program *prog, unsigned int cpu, struct kt_stack_copy *c,
				   struct kt_stack_search **all, size_t *n_all)
{
	struct kt_unwinder uw = {.prog = prog, .mode = KT_UNWINDER_AUTO};
	uint64_t task = 0;
	struct kt_error *err = kt_cpu_current_task(prog, cpu, &task);
	if (err == &kt_enomem)
		return err;
	kt_error_destroy(err);
	if ((err = kt_program_orc(prog, &uw.orc)))
		return err;
	// A task whose stack pointer cannot be read still leaves the CPU's own stacks to search.
	if ((err = kt_stacks_get(prog, task, (int)cpu, &uw.stacks))) {
		kt_error_destroy(err);
		task = 0;
		if ((err = kt_stacks_get(prog, 0, (int)cpu, &uw.stacks)))
			return err;
	}
	for (size_t i = 0; i < uw.stacks.n; i++) {
		const struct kt_stack *stack = &uw.stacks.stacks[i];
		struct kt_stack_search *grown = realloc(*all, (*n_all + 1) * sizeof(*grown));
		if (!grown)
			return &kt_enomem;
		*all = grown;
		struct kt_stack_search *s = &grown[(*n_all)++];
		*s = (struct kt_stack_search){
			.cpu = (int)cpu,
			.task = stack->kind == KT_STACK_TASK ? task : 0,
			.stack = kt_stack_name(stack->kind),
			.start = stack->start,
			.end = stack->end,
		};
		if ((err = kt_stack_copy_read(prog, stack, c))) {
			if (err == &kt_enomem)
				return err;
			s->error = strdup(kt_error_message(err));
			s->error_code = kt_error_code(err);
			kt_error_destroy(err);
			if (!s->error)
				return &kt_enomem;
			continue;
		}
		if ((err = search_stack(&uw, c, s)))
			return err;
	}
	return NULL;
}

struct kt_error *kt_exception_frames_search(struct kt_program *prog, struct kt_stack_search **ret,
					    size_t *n_ret)
{
	unsigned int n_cpus = kt_program_nr_cpus(prog);
	if (!n_cpus)
		return kt_error_create(KT_ERROR_NOT_FOUND, "the number of CPUs is unknown");
	struct kt_stack_copy *c = malloc(sizeof(*c));
	if (!c)
		return &kt_enomem;
	struct kt_stack_search *all = NULL;
	size_t n = 0;
	struct kt_error *err = NULL;
	for (unsigned int cpu = 0; cpu < n_cpus && !err; cpu++)
		err = search_cpu(prog, cpu, c, &all, &n);
	free(c);
	if (err) {
		kt_stack_search_destroy(all, n);
		return err;
	}
	*ret = all;
	*n_ret = n;
	return NULL;
}

void kt_stack_search_destroy(struct kt_stack_search *stacks, size_t n)
{
	for (size_t i = 0; stacks && i < n; i++) {
		for (size_t j = 0; j < stacks[i].n_frames; j++)
			free(stacks[i].frames[j].proof);
		free(stacks[i].frames);
		free(stacks[i].error);
	}
	free(stacks);
}
