// SPDX-License-Identifier: MIT
/*
 * bt -f as data: every stack slot from a frame's sp up to the next frame's return address slot,
 * with what each one is known to hold: a stale return address (a backtrace's stale frames), a
 * callee-saved register the frame's function saved there (DWARF CFI, else its prologue), an
 * argument of the frame's function or of its caller kept there (DWARF locations), and the
 * symbol a kernel address value points into.
 */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/strpool.h"
#include "kernel/mem_map.h"
#include "kernel/slab_objects.h"
#include "unwind/backtrace_build.h"

enum { MAX_SAVED = 8, MAX_ARGS = 8, MAX_MARKS = MAX_SAVED + 2 * MAX_ARGS + 4, FRAME_BYTES = 4096 };

struct kt_stack_slots_impl {
	struct kt_stack_slots pub;
	struct kt_strpool strings;
};

struct frame_args {
	char names[MAX_ARGS][64];
	uint64_t at[MAX_ARGS];
	size_t n;
};

static void frame_args_get(struct kt_program *prog, const struct kt_backtrace *bt, size_t i,
			   struct frame_args *ret)
{
	ret->n = i < bt->n_frames ? kt_backtrace_frame_arguments(prog, bt, i, ret->names, ret->at,
								 MAX_ARGS) : 0;
}

static struct kt_error *add_mark(struct kt_strpool *pool, struct kt_stack_slot_mark *marks,
				 size_t *n, enum kt_slot_mark_kind kind, const char *name,
				 const char *function)
{
	if (*n >= MAX_MARKS)
		return NULL;
	struct kt_stack_slot_mark *m = &marks[(*n)++];
	m->kind = kind;
	m->name = name ? kt_strpool_str(pool, name) : NULL;
	m->function = function;
	return name && !m->name ? &kt_enomem : NULL;
}

/* The slots of frame i; own and caller: the arguments of frame i and of frame i + 1. */
static struct kt_error *frame_slots(struct kt_program *prog, const struct kt_backtrace *bt,
				    size_t i, const struct frame_args *own, const struct frame_args *caller,
				    struct kt_strpool *pool, struct kt_frame_slots *ret)
{
	const struct kt_frame *f = &bt->frames[i];
	uint64_t end = i + 1 < bt->n_frames ? bt->frames[i + 1].slot : f->sp + 64;
	ret->frame = i;
	if (!f->sp || end <= f->sp || end - f->sp > FRAME_BYTES)
		return NULL;
	const char *saved_names[MAX_SAVED];
	uint64_t saved_at[MAX_SAVED];
	size_t n_saved = kt_backtrace_saved_registers(prog, bt, i, saved_names, saved_at, MAX_SAVED);
	size_t cap = (end - f->sp) / 8;
	ret->slots = calloc(cap ? cap : 1, sizeof(*ret->slots));
	if (!ret->slots)
		return &kt_enomem;
	for (uint64_t a = f->sp; a < end; a += 8) {
		uint64_t v;
		struct kt_error *err = kt_program_read(prog, a, KT_KVADDR, &v, 8);
		if (err) {
			ret->error_address = a;
			ret->error_code = kt_error_code(err);
			ret->error = kt_strpool_str(pool, kt_error_message(err));
			kt_error_destroy(err);
			return ret->error ? NULL : &kt_enomem;
		}
		struct kt_stack_slot *s = &ret->slots[ret->n_slots++];
		s->address = a;
		s->value = v;
		struct kt_stack_slot_mark marks[MAX_MARKS];
		size_t n = 0;
		for (size_t k = 0; k < bt->n_stale && !err; k++)
			if (bt->stale[k].slot == a)
				err = add_mark(pool, marks, &n, KT_SLOT_STALE_RETURN, NULL, NULL);
		for (size_t k = 0; k < n_saved && !err; k++)
			if (saved_at[k] == a)
				err = add_mark(pool, marks, &n, KT_SLOT_SAVED_REGISTER, saved_names[k], NULL);
		for (size_t k = 0; k < own->n && !err; k++)
			if (own->at[k] == a)
				err = add_mark(pool, marks, &n, KT_SLOT_ARGUMENT, own->names[k], f->function);
		for (size_t k = 0; k < caller->n && !err; k++)
			if (caller->at[k] == a)
				err = add_mark(pool, marks, &n, KT_SLOT_ARGUMENT, caller->names[k],
					       bt->frames[i + 1].function);
		if (err)
			return err;
		if (n) {
			struct kt_stack_slot_mark *copy = malloc(n * sizeof(*copy));
			if (!copy)
				return &kt_enomem;
			memcpy(copy, marks, n * sizeof(*copy));
			s->marks = copy;
			s->n_marks = n;
		}
		const char *name, *module;
		uint64_t off;
		if (v >= 0xffffffff80000000ull && !(err = kt_program_symbolize(prog, v, &name, &off, &module))) {
			s->symbol = name;
			s->symbol_offset = off;
			s->module = module;
		}
		kt_error_destroy(err);
	}
	return NULL;
}

struct kt_error *kt_backtrace_stack_slots(struct kt_program *prog, const struct kt_backtrace *bt,
					  struct kt_stack_slots **ret)
{
	struct kt_stack_slots_impl *impl = calloc(1, sizeof(*impl));
	if (!impl)
		return &kt_enomem;
	struct kt_stack_slots *out = &impl->pub;
	out->frames = calloc(bt->n_frames ? bt->n_frames : 1, sizeof(*out->frames));
	out->n_frames = bt->n_frames;
	struct frame_args *args = malloc(2 * sizeof(*args));  // frame i's and its caller's, by i % 2
	struct kt_error *err = out->frames && args ? NULL : &kt_enomem;
	for (size_t i = 0; i < bt->n_frames && !err; i++) {
		// The caller's arguments now are this frame's own at the next one.
		if (i == 0)
			frame_args_get(prog, bt, 0, &args[0]);
		frame_args_get(prog, bt, i + 1, &args[(i + 1) % 2]);
		err = frame_slots(prog, bt, i, &args[i % 2], &args[(i + 1) % 2], &impl->strings,
				  &out->frames[i]);
	}
	free(args);
	if (err) {
		kt_stack_slots_destroy(out);
		return err;
	}
	*ret = out;
	return NULL;
}

void kt_stack_slots_destroy(struct kt_stack_slots *slots)
{
	if (!slots)
		return;
	for (size_t i = 0; slots->frames && i < slots->n_frames; i++) {
		for (size_t j = 0; j < slots->frames[i].n_slots; j++)
			free((void *)slots->frames[i].slots[j].marks);
		free(slots->frames[i].slots);
	}
	free(slots->frames);
	kt_strpool_free(&((struct kt_stack_slots_impl *)slots)->strings);
	free(slots);
}

struct kt_error *kt_stack_slots_name_slab_objects(struct kt_program *prog, struct kt_stack_slots *slots)
{
	struct kt_stack_slots_impl *impl = (struct kt_stack_slots_impl *)slots;
	struct kt_mem_map m;
	struct kt_error *err = kt_mem_map_get(prog, &m);
	if (err)
		return kt_error_prefix(err, "slab objects on the stack");
	for (size_t i = 0; i < slots->n_frames; i++) {
		struct kt_frame_slots *fs = &slots->frames[i];
		for (size_t j = 0; j < fs->n_slots; j++) {
			struct kt_stack_slot *s = &fs->slots[j];
			uint64_t phys;
			struct kt_slab_object_ref r;
			if (s->symbol || !kt_mem_direct(&m, s->value, &phys) ||
			    !kt_slab_object_find(prog, &m, kt_mem_pfn_to_page(&m, phys >> KT_MEM_PAGE_SHIFT),
						 s->value, &r, NULL, 0))
				continue;
			if (!(s->slab_cache = kt_strpool_str(&impl->strings, r.cache_name)))
				return &kt_enomem;
			s->slab_object = r.object;
		}
	}
	return NULL;
}
