// SPDX-License-Identifier: MIT
#include <stdlib.h>

#include "core/error.h"
#include "kernel/list.h"
#include "kernel/node_set.h"

/*
 * Brent's cycle detection, one step per link: the tortoise teleports to the hare at powers of
 * two, so a walk that comes round to where it has been meets it within twice the loop's length.
 */
struct cycle_check {
	uint64_t tortoise, power, lambda;
};

/* True if next is where the tortoise waits: the walk has come round. */
static bool cycle_step(struct cycle_check *c, uint64_t next)
{
	bool met = next == c->tortoise;
	if (++c->lambda == c->power) {
		c->tortoise = next;
		c->power *= 2;
		c->lambda = 0;
	}
	return met;
}

struct kt_error *kt_list_for_each(struct kt_reader *reader, uint64_t head, uint64_t budget,
				  kt_list_fn *fn, void *arg)
{
	uint64_t node;
	struct cycle_check cycle = {.tortoise = head, .power = 1};
	struct kt_error *err = kt_read_u64(reader, head, &node);
	if (err)
		return kt_error_prefix(err, "list head 0x%llx", (unsigned long long)head);
	struct kt_node_set seen = {0};
	uint64_t prev = head;
	for (uint64_t n = 0; node != head; n++) {
		if (n >= budget) {
			err = kt_error_create(KT_ERROR_LIMIT,
					      "list at 0x%llx: more than %llu entries, stopped at 0x%llx",
					      (unsigned long long)head, (unsigned long long)budget,
					      (unsigned long long)node);
			break;
		}
		if (!node) {
			err = kt_error_create(KT_ERROR_BAD_DATA,
					      "list at 0x%llx: NULL next pointer after %llu entries",
					      (unsigned long long)head, (unsigned long long)n);
			break;
		}
		if (kt_node_set_check(&seen, node)) {
			err = kt_error_create(KT_ERROR_LIMIT,
					      "list at 0x%llx loops: 0x%llx points back to 0x%llx "
					      "without reaching the head",
					      (unsigned long long)head, (unsigned long long)prev,
					      (unsigned long long)node);
			break;
		}
		// Read the link before handing the node out: the callback only sees readable nodes.
		uint64_t next;
		if ((err = kt_read_u64(reader, node, &next))) {
			err = kt_error_prefix(err, "list at 0x%llx, entry %llu",
					      (unsigned long long)head, (unsigned long long)n);
			break;
		}
		if (!fn(node, arg))
			break;
		if (cycle_step(&cycle, next) && next != head) {
			err = kt_error_create(KT_ERROR_LIMIT,
					      "list at 0x%llx loops: 0x%llx points back to 0x%llx "
					      "without reaching the head",
					      (unsigned long long)head, (unsigned long long)node,
					      (unsigned long long)next);
			break;
		}
		prev = node;
		node = next;
	}
	kt_node_set_deinit(&seen);
	return err;
}

struct kt_error *kt_hlist_for_each(struct kt_reader *reader, uint64_t head, uint64_t budget,
				   kt_list_fn *fn, void *arg)
{
	uint64_t node;
	struct cycle_check cycle = {.power = 1};
	struct kt_error *err = kt_read_u64(reader, head, &node);  // hlist_head.first
	if (err)
		return kt_error_prefix(err, "hash list head 0x%llx", (unsigned long long)head);
	for (uint64_t n = 0; node; n++) {
		if (n >= budget)
			return kt_error_create(KT_ERROR_LIMIT,
					       "hash list at 0x%llx: more than %llu entries, stopped at 0x%llx",
					       (unsigned long long)head, (unsigned long long)budget,
					       (unsigned long long)node);
		uint64_t next;  // hlist_node.next, its first member
		if ((err = kt_read_u64(reader, node, &next)))
			return kt_error_prefix(err, "hash list at 0x%llx, entry %llu",
					       (unsigned long long)head, (unsigned long long)n);
		if (!fn(node, arg))
			return NULL;
		if (cycle_step(&cycle, next) && next)
			return kt_error_create(KT_ERROR_LIMIT,
					       "hash list at 0x%llx loops: 0x%llx points back to 0x%llx",
					       (unsigned long long)head, (unsigned long long)node,
					       (unsigned long long)next);
		node = next;
	}
	return NULL;
}
