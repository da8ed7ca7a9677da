// SPDX-License-Identifier: MIT
/*
 * crash's `bt -t`, `bt -T` and `bt -e`: a task's kernel stack searched word by word, outside the
 * backtrace's chain. -t and -T list every word that is a kernel or module code address (one ORC
 * describes: the code before it for a return address), from the stack pointer or from the
 * stack's start. -e looks for struct pt_regs as crash does on x86_64: a user-mode frame by its
 * shape (user code and stack segments, a sane flags word with interrupts on, user pc and sp),
 * and a kernel-mode frame by its shape and the entry code's return address below it (the proof
 * bt -E uses). A shape alone can be a left-over: each frame says which checks it passed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86_64/regs.h"
#include "core/error.h"
#include "unwind/pt_regs_proof.h"
#include "unwind/unwind_ctx.h"

enum {
	USER_CS = 0x33,          /* __USER_CS */
	USER32_CS = 0x23,        /* __USER32_CS (compat tasks) */
	USER_DS = 0x2b,          /* __USER_DS */
	FLAGS_FIXED = 0x2,       /* rflags bit 1 is always set */
	FLAGS_IF = 0x200,        /* user mode always runs with interrupts on */
	FLAGS_LIMIT = 0x400000,  /* no rflags bit above 21 is ever set */
};
static const uint64_t USER_LIMIT = 0x0000800000000000ull;

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

static struct kt_error *add_text(struct kt_stack_scan *s, struct kt_program *prog,
				 const struct kt_backtrace *bt, uint64_t slot, uint64_t value)
{
	struct kt_stack_text_slot *grown = realloc(s->text, (s->n_text + 1) * sizeof(*grown));
	if (!grown)
		return &kt_enomem;
	s->text = grown;
	struct kt_stack_text_slot *t = &grown[s->n_text++];
	*t = (struct kt_stack_text_slot){.slot = slot, .value = value, .frame = -1};
	describe(prog, value, &t->function, &t->offset, &t->module);
	for (size_t i = 0; i < bt->n_frames && !t->in_backtrace; i++) {
		if (bt->frames[i].slot == slot && bt->frames[i].pc == value) {
			t->frame = (int)i;
			t->status = bt->frames[i].status;
			t->in_backtrace = true;
		}
	}
	for (size_t i = 0; i < bt->n_stale && !t->in_backtrace; i++) {
		if (bt->stale[i].slot == slot) {
			t->status = KT_FRAME_STALE;
			t->in_backtrace = true;
		}
	}
	return NULL;
}

static struct kt_error *add_frame(struct kt_stack_scan *s, const struct kt_exception_frame *f,
				  const char *proof)
{
	struct kt_exception_frame *grown = realloc(s->frames, (s->n_frames + 1) * sizeof(*grown));
	if (!grown)
		return &kt_enomem;
	s->frames = grown;
	grown[s->n_frames] = *f;
	if (!(grown[s->n_frames].proof = strdup(proof)))
		return &kt_enomem;
	s->n_frames++;
	return NULL;
}

/* The registers of a pt_regs at a, if every word of it was read. */
static bool read_regs(const struct kt_stack_copy *c, uint64_t a, uint64_t *regs)
{
	for (unsigned int r = 0; r < KT_PT_REGS_COUNT; r++)
		if (!kt_stack_word(c, a + 8 * r, &regs[r]))
			return false;
	return true;
}

static bool user_shape(const uint64_t *regs)
{
	uint64_t cs = regs[KT_REG_cs], ss = regs[KT_REG_ss], flags = regs[KT_REG_rflags];
	return (cs == USER_CS || cs == USER32_CS) && ss == USER_DS && (flags & FLAGS_FIXED) &&
	       (flags & FLAGS_IF) && flags < FLAGS_LIMIT && regs[KT_REG_rip] < USER_LIMIT &&
	       regs[KT_REG_rsp] < USER_LIMIT;
}

static struct kt_error *search_frames(struct kt_unwinder *uw, const struct kt_stack_copy *c,
				      struct kt_stack_scan *s)
{
	uint64_t top = c->end - PT_REGS_SIZE;
	for (uint64_t a = c->start; a <= top; a += 8) {
		struct kt_exception_frame f = {.address = a};
		if (!read_regs(c, a, f.regs))
			continue;
		char proof[256];
		if (user_shape(f.regs)) {
			f.user_mode = true;
			snprintf(proof, sizeof(proof), "user code segment 0x%llx, stack segment 0x2b, rflags "
				 "0x%llx, user pc and sp; %s", (unsigned long long)f.regs[KT_REG_cs],
				 (unsigned long long)f.regs[KT_REG_rflags],
				 a == top ? "at the top of the stack, where entry from user mode saves them"
					  : "not at the top of the stack: possibly a left-over");
		} else {
			uint64_t slot, ret;
			if (!uw->orc || !kt_plausible_pt_regs(uw, c, a) ||
			    f.regs[KT_REG_cs] & 3 || !kt_prove_pt_regs(uw, c, a, &slot, &ret))
				continue;
			describe(uw->prog, f.regs[KT_REG_rip], &f.function, &f.offset, &f.module);
			const char *name, *module;
			uint64_t off;
			describe(uw->prog, ret, &name, &off, &module);
			snprintf(proof, sizeof(proof), "kernel code segment; return address %s+0x%llx at "
				 "0x%016llx just below: its ORC entry marks a pt_regs frame here",
				 name ? name : "?", (unsigned long long)off, (unsigned long long)slot);
		}
		struct kt_error *err = add_frame(s, &f, proof);
		if (err)
			return err;
	}
	return NULL;
}

/* Where bt -t starts: the lowest stack pointer of a frame on the task stack. */
static uint64_t lowest_sp(const struct kt_backtrace *bt, uint64_t start, uint64_t end)
{
	uint64_t from = 0;
	for (size_t i = 0; i < bt->n_frames; i++) {
		uint64_t sp = bt->frames[i].sp;
		if (sp >= start && sp < end && (!from || sp < from))
			from = sp;
	}
	return from;
}

static struct kt_error *scan(struct kt_program *prog, const struct kt_backtrace *bt,
			     enum kt_stack_scan_kind kind, struct kt_stack_copy *c,
			     struct kt_stack_scan *s)
{
	struct kt_unwinder uw = {.prog = prog, .mode = KT_UNWINDER_AUTO};
	struct kt_error *err = kt_program_orc(prog, &uw.orc);
	if (err == &kt_enomem)
		return err;
	if (err) {
		// Without ORC nothing proves code addresses: -t and -T have nothing to go on.
		if (kind != KT_STACK_SCAN_EXCEPTION_FRAMES)
			return kt_error_prefix(err, "bt -t needs the kernel's ORC tables to tell code "
					       "addresses");
		kt_error_destroy(err);
		uw.orc = NULL;
	}
	if ((err = kt_stacks_get(prog, bt->task, -1, &uw.stacks)))
		return err;
	const struct kt_stack *stack = &uw.stacks.stacks[0];
	s->start = stack->start;
	s->end = stack->end;
	if ((err = kt_stack_copy_read(prog, stack, c)))
		return err;
	size_t missing = 0;
	for (size_t p = 0; p * KT_PAGE < c->n * 8; p++)
		missing += !c->page_ok[p];
	if (missing) {
		char why[96];
		snprintf(why, sizeof(why), "%zu page%s of the stack not in the dump", missing,
			 missing == 1 ? "" : "s");
		if (!(s->missing = strdup(why)))
			return &kt_enomem;
	}
	if (kind == KT_STACK_SCAN_EXCEPTION_FRAMES)
		return search_frames(&uw, c, s);
	s->from = c->start;
	s->from_sp = false;
	if (kind == KT_STACK_SCAN_TEXT_FROM_SP) {
		uint64_t sp = lowest_sp(bt, c->start, c->end);
		if (sp) {
			s->from = sp;
			s->from_sp = true;
		}
	}
	for (uint64_t a = s->from & ~7ull; a + 8 <= c->end; a += 8) {
		uint64_t v;
		if (kt_stack_word(c, a, &v) && kt_is_kernel_text(&uw, v) && (err = add_text(s, prog, bt, a, v)))
			return err;
	}
	return NULL;
}

struct kt_error *kt_stack_scan(struct kt_program *prog, const struct kt_backtrace *bt,
			       enum kt_stack_scan_kind kind, struct kt_stack_scan **ret)
{
	struct kt_stack_scan *s = calloc(1, sizeof(*s));
	struct kt_stack_copy *c = malloc(sizeof(*c));
	if (!s || !c) {
		free(s);
		free(c);
		return &kt_enomem;
	}
	s->kind = kind;
	s->task = bt->task;
	s->pid = bt->pid;
	s->cpu = bt->cpu;
	memcpy(s->comm, bt->comm, sizeof(s->comm));
	struct kt_error *err = scan(prog, bt, kind, c, s);
	free(c);
	if (err) {
		kt_stack_scan_destroy(s);
		return kt_error_prefix(err, "the stack of task 0x%llx", (unsigned long long)bt->task);
	}
	*ret = s;
	return NULL;
}

void kt_stack_scan_destroy(struct kt_stack_scan *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n_frames; i++)
		free(s->frames[i].proof);
	free(s->frames);
	free(s->text);
	free(s->missing);
	free(s);
}
