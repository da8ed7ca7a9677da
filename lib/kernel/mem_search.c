// SPDX-License-Identifier: MIT
/*
 * search: 64-bit values in memory, as crash's search: every aligned word of a range (-s/-e) of
 * kernel, physical (-p) or a task's user memory (-u; without a range, each of its VMAs), or of
 * every task's kernel stack (-t: task->stack, THREAD_SIZE bytes), compared under a mask. Memory
 * is read a page at a time; a page the dump lacks is counted and skipped. The walk stops at the
 * caller's byte budget or when its interrupt flag is raised, and says so.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/util.h"
#include "dump/reader.h"
#include "kernel/mem_map.h"
#include "kernel/object.h"
#include "kernel/tasks.h"
#include "kernel/user_memory.h"
#include "kernel/vm.h"
#include "ktriage.h"

/* More hits than this is not a search but a dump of memory. */
enum { SEARCH_HITS_MAX = 1 << 20 };

struct search {
	struct kt_program *prog;
	const struct kt_search_options *opts;
	struct kt_search_result *r;
	size_t cap;
	struct kt_error *fatal;
	uint8_t page[KT_MEM_PAGE_SIZE];
	/* -t */
	uint64_t stack_size, stack_off;
	/* -u: the task's page tables, opened once */
	struct kt_user_space user;
};

static bool stopped(struct search *s)
{
	if (s->r->stopped)
		return true;
	const char *why = NULL;
	if (s->opts->interrupted && *s->opts->interrupted)
		why = "interrupted";
	else if (s->opts->max_bytes && s->r->bytes_read + s->r->bytes_unreadable >= s->opts->max_bytes)
		why = "the byte limit was reached";
	if (!why)
		return false;
	s->r->stopped = true;
	s->r->stop_reason = strdup(why);
	return true;
}

static bool add_hit(struct search *s, uint64_t addr, uint64_t value, const struct kt_task *task)
{
	struct kt_search_result *r = s->r;
	if (r->n_hits >= SEARCH_HITS_MAX) {
		if (!r->stopped) {
			r->stopped = true;
			r->stop_reason = strdup("more than 1048576 hits");
		}
		return false;
	}
	if (!kt_grow((void **)&r->hits, &s->cap, r->n_hits, sizeof(*r->hits), 64)) {
		s->fatal = &kt_enomem;
		return false;
	}
	struct kt_search_hit *h = &r->hits[r->n_hits++];
	*h = (struct kt_search_hit){.address = addr, .value = value};
	if (task) {
		h->has_task = true;
		h->task = *task;
	}
	return true;
}

/* [start, end), 8-byte words; false when the search must stop. */
static bool search_range(struct search *s, uint64_t start, uint64_t end, const struct kt_task *task)
{
	uint64_t mask = ~s->opts->mask;
	start &= ~7ULL;
	for (uint64_t addr = start; addr < end && addr >= start;) {
		if (stopped(s))
			return false;
		uint64_t page_end = (addr | (KT_MEM_PAGE_SIZE - 1)) + 1;
		if (!page_end || page_end > end)
			page_end = end;
		size_t len = (size_t)(page_end - addr) & ~(size_t)7;
		if (!len)
			break;
		struct kt_error *err =
			s->opts->space == KT_UVADDR
				? kt_user_space_read(s->prog, &s->user, addr, s->page, len)
				: kt_program_read(s->prog, addr, s->opts->space, s->page, len);
		if (!kt_error_none(err)) {
			s->r->bytes_unreadable += len;
		} else {
			s->r->bytes_read += len;
			for (size_t i = 0; i < len; i += 8) {
				uint64_t v;
				memcpy(&v, s->page + i, 8);
				for (size_t j = 0; j < s->opts->n_values; j++)
					if ((v & mask) == (s->opts->values[j] & mask)) {
						if (!add_hit(s, addr + i, v, task))
							return false;
						break;
					}
			}
		}
		addr = page_end;
	}
	return true;
}

static bool search_task(const struct kt_task *t, void *arg)
{
	struct search *s = arg;
	uint64_t stack;
	if (!kt_error_none(kt_read_u64(&s->prog->reader, t->address + s->stack_off, &stack)) || !stack)
		return true;
	s->r->n_tasks++;
	return search_range(s, stack, stack + s->stack_size, t);
}

/* -u without a range: the task's VMAs in address order, as crash's search -u walks them. A
 * damaged VMA tree or list ends the search after the VMAs before the damage, and says so. */
static struct kt_error *search_vmas(struct search *s)
{
	struct kt_vm *vm;
	struct kt_error *err = kt_vm_areas_read(s->prog, s->opts->task, &vm);
	if (err)
		return kt_error_prefix(err, "search -u");
	for (size_t i = 0; i < vm->n_vmas; i++) {
		s->r->n_vmas++;
		if (!search_range(s, vm->vmas[i].start, vm->vmas[i].end, NULL))
			break;
	}
	if (vm->error && !s->r->stopped) {
		s->r->stopped = true;
		if (asprintf(&s->r->stop_reason, "the walk of the VMAs stopped after %zu: %s",
			     vm->n_vmas, vm->error) < 0)
			s->r->stop_reason = NULL;
	}
	kt_vm_destroy(vm);
	return NULL;
}

struct kt_error *kt_search_memory(struct kt_program *prog, const struct kt_search_options *opts,
				  struct kt_search_result **ret)
{
	if (!opts->n_values)
		return kt_error_create(KT_ERROR_INVALID_ARGUMENT, "search: no value to search for");
	bool vmas = opts->space == KT_UVADDR && !opts->tasks && !opts->start && !opts->end;
	if (!opts->tasks && !vmas && opts->end <= opts->start)
		return kt_error_create(KT_ERROR_INVALID_ARGUMENT, "search: the end 0x%llx is not above "
				       "the start 0x%llx", (unsigned long long)opts->end,
				       (unsigned long long)opts->start);
	struct search *s = calloc(1, sizeof(*s));
	struct kt_search_result *r = calloc(1, sizeof(*r));
	if (!s || !r) {
		free(s);
		free(r);
		return &kt_enomem;
	}
	*s = (struct search){.prog = prog, .opts = opts, .r = r};
	struct kt_error *err = NULL;
	if (opts->tasks) {
		struct kt_type_ref ts, member;
		if ((err = kt_task_stack_size(prog, &s->stack_size)) ||
		    (err = kt_object_lookup_type(prog, "struct task_struct", &ts)) ||
		    (err = kt_object_member_offset(prog, ts, "stack", &s->stack_off, &member)))
			err = kt_error_prefix(err, "search -t");
		else
			err = kt_task_for_each(prog, search_task, s);
	} else if (opts->space != KT_UVADDR) {
		search_range(s, opts->start, opts->end, NULL);
	} else if (!(err = kt_user_space_open(prog, opts->task, &s->user))) {
		err = vmas ? search_vmas(s) : (search_range(s, opts->start, opts->end, NULL), NULL);
	}
	if (!err && s->fatal)
		err = s->fatal;
	free(s);
	if (err) {
		kt_search_result_destroy(r);
		return err;
	}
	*ret = r;
	return NULL;
}

void kt_search_result_destroy(struct kt_search_result *r)
{
	if (!r)
		return;
	free(r->hits);
	free(r->stop_reason);
	free(r);
}
