// SPDX-License-Identifier: MIT
/* A VM's memslots: how many, and how many guest pages they map. */
#include <inttypes.h>
#include <string.h>

#include "core/error.h"
#include "core/util.h"
#include "kernel/object.h"
#include "kvm/kvm_internal.h"

enum { MEMSLOT_BUDGET = 1 << 15 };

struct slot_count {
	unsigned int n;
	uint64_t pages;
};

static bool count_slot(const struct kt_object *slot, void *arg)
{
	struct slot_count *c = arg;
	uint64_t pages;
	c->n++;
	if (kt_object_member_u64(slot, "npages", &pages))
		c->pages += pages;
	return c->n < MEMSLOT_BUDGET;
}

/*
 * Address space 0's memslots: v5.17+ keep them in struct kvm_memslots' id_hash (hash list of
 * struct kvm_memory_slot linked by id_node[node_idx]); before, in the array memslots[], the
 * first used_slots of them where that member exists, else every slot with pages.
 */
struct kt_error *kt_kvm_memslots_read(struct kt_kvm_vm *vm, const struct kt_object *kvm)
{
	struct kt_object slots, member;
	struct slot_count c = {0};
	uint64_t pointer;
	struct kt_error *err = kt_object_member(kvm, "memslots[0]", &slots);
	if (!err && !(err = kt_object_read_unsigned(&slots, &pointer)) && !pointer) {
		kt_textf(vm->memslots_note, sizeof(vm->memslots_note),
			 "kvm->memslots[0] is NULL: no memslots set up");
		return NULL;
	}
	if (!err)
		err = kt_object_deref(&slots, &slots);
	if (err)
		return kt_error_prefix(err, "kvm->memslots[0]");
	int64_t node_idx;
	if (kt_kvm_i64(&slots, "node_idx", &node_idx) && !(err = kt_object_member(&slots, "id_hash", &member))) {
		uint64_t size;
		char link[32], type[160];
		if ((err = kt_object_size(&member, &size)))
			return err;
		kt_textf(link, sizeof(link), "id_node[%d]", (int)(node_idx & 1));
		char buf[128];
		kt_textf(type, sizeof(type), "%s", kt_object_type_name(&slots, buf, sizeof(buf)));
		// The slot type from the same types as struct kvm_memslots.
		char *star = strstr(type, "kvm_memslots");
		if (!star)
			return kt_error_create(KT_ERROR_BAD_DATA, "kvm->memslots[0] is a %s", type);
		strcpy(star, "kvm_memory_slot");
		for (uint64_t i = 0; i < size / 8 && c.n < MEMSLOT_BUDGET; i++) {
			struct kt_object bucket;
			if ((err = kt_object_subscript(&member, i, &bucket)) ||
			    (err = kt_object_hlist_for_each(&bucket, type, link, MEMSLOT_BUDGET, count_slot, &c)))
				return kt_error_prefix(err, "memslots id_hash[%" PRIu64 "]", i);
		}
		kt_textf(vm->memslots_note, sizeof(vm->memslots_note),
			 "address space 0, from kvm_memslots.id_hash");
	} else {
		kt_error_destroy(err);
		if ((err = kt_object_member(&slots, "memslots", &member)))
			return kt_error_prefix(err, "struct kvm_memslots has neither id_hash nor memslots[]");
		uint64_t size, slot_size, used = UINT64_MAX;
		struct kt_object first;
		if ((err = kt_object_size(&member, &size)) || (err = kt_object_subscript(&member, 0, &first)) ||
		    (err = kt_object_size(&first, &slot_size)))
			return err;
		bool has_used = kt_object_member_u64(&slots, "used_slots", &used);
		// v5.10's memslots[] is a flexible array of used_slots entries: the type gives no bound.
		uint64_t n = has_used ? used : slot_size ? size / slot_size : 0;
		if (n > MEMSLOT_BUDGET)
			return kt_error_create(KT_ERROR_BAD_DATA, "kvm_memslots.used_slots %" PRIu64
					       " is more than any kernel allows", n);
		for (uint64_t i = 0; slot_size && i < n; i++) {
			struct kt_object slot = first;
			uint64_t pages;
			slot.address = first.address + i * slot_size;
			if (kt_object_member_u64(&slot, "npages", &pages) && (pages || has_used)) {
				c.n++;
				c.pages += pages;
			}
		}
		kt_textf(vm->memslots_note, sizeof(vm->memslots_note),
			 "address space 0, from kvm_memslots.memslots[]%s",
			 has_used ? " (used_slots)" : " (slots with pages)");
	}
	vm->has_memslots = true;
	vm->n_memslots = c.n;
	vm->memslot_pages = c.pages;
	return NULL;
}
