// SPDX-License-Identifier: MIT
/*
 * crash's `list`: the entries of a linked list, and optionally each as `struct` prints it.
 * A list_head list (-H: START heads it; -h: START is an entry holding its list_head at offset)
 * is walked by kt_list_for_each (cycle-checked, budgeted). A list of next pointers (START is the
 * first entry, the next entry's address at offset in each) ends as crash's does: at a NULL
 * pointer, or at one back to START or to the entry itself; one back to another entry is a loop, and the walk stops
 * there saying so, as it does at an unreadable pointer.
 */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "kernel/list.h"
#include "kernel/list_walk.h"
#include "kernel/node_set.h"
#include "program.h"

enum { DEFAULT_BUDGET = 1000000 };

struct collect {
	struct kt_list_entries *out;
	uint64_t offset;
	bool nomem;
};

bool kt_list_entries_add(struct kt_list_entries *l, uint64_t entry)
{
	uint64_t *grown = realloc(l->entries, (l->n + 1) * sizeof(*grown));
	if (!grown)
		return false;
	l->entries = grown;
	grown[l->n++] = entry;
	return true;
}

static bool collect_node(uint64_t node, void *arg)
{
	struct collect *c = arg;
	if (!kt_list_entries_add(c->out, node - c->offset)) {
		c->nomem = true;
		return false;
	}
	return true;
}

/* A walk that ended early: why, kept in the result (the entries before it stay). */
struct kt_error *kt_list_entries_stopped(struct kt_list_entries *l, struct kt_error *err)
{
	if (err == &kt_enomem)
		return err;
	l->stop_code = kt_error_code(err);
	l->stop = strdup(kt_error_message(err));
	kt_error_destroy(err);
	return l->stop ? NULL : &kt_enomem;
}

static struct kt_error *walk_pointers(struct kt_program *prog, const struct kt_list_request *req,
				      uint64_t budget, struct kt_list_entries *l)
{
	struct kt_node_set seen = {0};
	struct kt_error *err = NULL;
	uint64_t entry = req->start;
	for (uint64_t n = 0; entry; n++) {
		if (n >= budget) {
			err = kt_error_create(KT_ERROR_LIMIT, "more than %llu entries, stopped at 0x%llx",
					      (unsigned long long)budget, (unsigned long long)entry);
			break;
		}
		if (kt_node_set_check(&seen, entry)) {
			err = kt_error_create(KT_ERROR_LIMIT, "loops: 0x%llx points back to entry 0x%llx",
					      (unsigned long long)l->entries[l->n - 1],
					      (unsigned long long)entry);
			break;
		}
		if (!kt_list_entries_add(l, entry)) {
			err = &kt_enomem;
			break;
		}
		uint64_t next;
		if ((err = kt_read_u64(&prog->reader, entry + req->offset, &next))) {
			err = kt_error_prefix(err, "the next pointer of entry 0x%llx",
					      (unsigned long long)entry);
			break;
		}
		// crash's ends: back to START, or to the entry itself.
		if (next == req->start || next == entry)
			break;
		entry = next;
	}
	kt_node_set_deinit(&seen);
	return err ? kt_list_entries_stopped(l, err) : NULL;
}

struct kt_error *kt_list_entries_values(struct kt_program *prog, const struct kt_list_request *req,
				       struct kt_list_entries *l)
{
	if (!req->type)
		return NULL;
	if (!(l->values = calloc(l->n ? l->n : 1, sizeof(*l->values))))
		return &kt_enomem;
	struct kt_value_options opts = {.hex = req->hex};
	for (size_t i = 0; i < l->n; i++) {
		struct kt_error *err = kt_value_read(prog, req->type, req->members, l->entries[i], &opts,
						     &l->values[i]);
		if (err == &kt_enomem)
			return err;
		if (err) {
			// The entry stays listed; its value says why it cannot be read.
			struct kt_value *v = calloc(1, sizeof(*v));
			if (!v || !(v->error = strdup(kt_error_message(err))) ||
			    !(v->type = strdup(req->type))) {
				if (v)
					free(v->error);
				free(v);
				kt_error_destroy(err);
				return &kt_enomem;
			}
			v->kind = KT_VALUE_UNREADABLE;
			v->address = l->entries[i];
			v->top = true;
			l->values[i] = v;
			kt_error_destroy(err);
		}
	}
	return NULL;
}

struct kt_error *kt_list_entries_read(struct kt_program *prog, const struct kt_list_request *req,
				      struct kt_list_entries **ret)
{
	struct kt_list_entries *l = calloc(1, sizeof(*l));
	if (!l)
		return &kt_enomem;
	uint64_t budget = req->budget ? req->budget : DEFAULT_BUDGET;
	struct kt_error *err = NULL;
	if (req->kind == KT_LIST_START_ENTRY) {
		err = walk_pointers(prog, req, budget, l);
	} else {
		uint64_t head = req->start;
		if (req->kind == KT_LIST_START_EMBEDDED) {
			head += req->offset;
			if (!kt_list_entries_add(l, req->start))
				err = &kt_enomem;
		}
		struct collect c = {.out = l, .offset = req->offset};
		if (!err) {
			err = kt_list_for_each(&prog->reader, head, budget, collect_node, &c);
			if (c.nomem) {
				kt_error_destroy(err);
				err = &kt_enomem;
			} else if (err) {
				err = kt_list_entries_stopped(l, err);
			}
		}
	}
	if (!err)
		err = kt_list_entries_values(prog, req, l);
	if (err) {
		kt_list_entries_destroy(l);
		return err;
	}
	*ret = l;
	return NULL;
}

void kt_list_entries_destroy(struct kt_list_entries *l)
{
	if (!l)
		return;
	for (size_t i = 0; l->values && i < l->n; i++)
		kt_value_destroy(l->values[i]);
	free(l->values);
	free(l->entries);
	free(l->stop);
	free(l);
}
