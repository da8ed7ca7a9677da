// SPDX-License-Identifier: MIT
/*
 * bt -g: backtraces of many tasks grouped by what they show, so that a thousand idle workers
 * take one entry. Two backtraces are alike when they have the same frames, each the same
 * function in the same module with the same status (verified, inferred), and end for the same
 * reason: a group never hides a frame that is less certain in one of its tasks than in the
 * one shown.
 */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "ktriage.h"

static bool same_name(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

static bool alike(const struct kt_backtrace *a, const struct kt_backtrace *b)
{
	if (a->n_frames != b->n_frames || a->note_code != b->note_code)
		return false;
	for (size_t i = 0; i < a->n_frames; i++) {
		const struct kt_frame *x = &a->frames[i], *y = &b->frames[i];
		if (x->status != y->status || !same_name(x->function, y->function) ||
		    !same_name(x->module, y->module))
			return false;
		// Without a symbol the address is all there is to compare.
		if (!x->function && x->pc != y->pc)
			return false;
	}
	return true;
}

struct kt_error *kt_backtrace_groups_add(struct kt_backtrace_groups *g, struct kt_backtrace *bt)
{
	struct kt_backtrace_group *group = NULL;
	for (size_t i = 0; i < g->n && !group; i++)
		if (alike(g->groups[i].backtrace, bt))
			group = &g->groups[i];
	if (!group) {
		struct kt_backtrace_group *grown = realloc(g->groups, (g->n + 1) * sizeof(*grown));
		if (!grown) {
			kt_backtrace_destroy(bt);
			return &kt_enomem;
		}
		g->groups = grown;
		group = &grown[g->n++];
		*group = (struct kt_backtrace_group){.backtrace = bt};
	}
	struct kt_backtrace_group_task *tasks =
		realloc(group->tasks, (group->n_tasks + 1) * sizeof(*tasks));
	if (!tasks) {
		if (!group->n_tasks)
			g->n--;  // the group just made: no group is left without a task
		kt_backtrace_destroy(bt);
		return &kt_enomem;
	}
	group->tasks = tasks;
	struct kt_backtrace_group_task *t = &tasks[group->n_tasks++];
	*t = (struct kt_backtrace_group_task){.pid = bt->pid, .task = bt->task, .cpu = bt->cpu,
					      .order = g->n_added++};
	memcpy(t->comm, bt->comm, sizeof(t->comm));
	if (group->backtrace != bt)
		kt_backtrace_destroy(bt);
	return NULL;
}

static int by_size(const void *a, const void *b)
{
	const struct kt_backtrace_group *x = a, *y = b;
	// Largest first; equal sizes keep the order they were first seen in (stable by task).
	if (x->n_tasks != y->n_tasks)
		return x->n_tasks < y->n_tasks ? 1 : -1;
	return x->tasks[0].order < y->tasks[0].order ? -1 : x->tasks[0].order > y->tasks[0].order;
}

void kt_backtrace_groups_sort(struct kt_backtrace_groups *g)
{
	if (g->n > 1)
		qsort(g->groups, g->n, sizeof(*g->groups), by_size);
}

void kt_backtrace_groups_clear(struct kt_backtrace_groups *g)
{
	for (size_t i = 0; i < g->n; i++) {
		kt_backtrace_destroy(g->groups[i].backtrace);
		free(g->groups[i].tasks);
	}
	free(g->groups);
	*g = (struct kt_backtrace_groups){0};
}
