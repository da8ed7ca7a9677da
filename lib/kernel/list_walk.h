/* SPDX-License-Identifier: MIT */
/* What list (list_walk.c) and tree (tree_walk.c) share: the entries they collect. */
#ifndef KT_KERNEL_LIST_WALK_H
#define KT_KERNEL_LIST_WALK_H

#include "program.h"

/* Appends entry; false without memory. */
bool kt_list_entries_add(struct kt_list_entries *l, uint64_t entry);
/* A walk that ended early: keeps why in l (the entries before it stay); frees err. NULL, or
 * kt_enomem. */
struct kt_error *kt_list_entries_stopped(struct kt_list_entries *l, struct kt_error *err);
/* With req->type: every entry's value (one that cannot be read says why). */
struct kt_error *kt_list_entries_values(struct kt_program *prog, const struct kt_list_request *req,
				       struct kt_list_entries *l);

#endif
