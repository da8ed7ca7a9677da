// SPDX-License-Identifier: MIT
/*
 * The MSR lists kvm_intel hands the processor (add_atomic_switch_msr(): VM_ENTRY_MSR_LOAD_ADDR =
 * __pa(guest entries), VM_EXIT_MSR_LOAD_ADDR = __pa(host entries)), in both layouts, told apart
 * by member names:
 *   v3.10 (RHEL 7 up to 7.7): struct msr_autoload { unsigned nr; struct vmx_msr_entry guest[N],
 *                host[N]; }, one count for both lists;
 *   v4.20+ (and RHEL 7.8): struct msr_autoload { struct vmx_msrs guest, host; }, struct vmx_msrs
 *                { unsigned int nr; struct vmx_msr_entry val[N]; }, and the VM-exit MSR-store
 *                list msr_autostore.guest where it exists.
 * Each entry (struct vmx_msr_entry { u32 index; u32 reserved; u64 value; }) is checked against
 * the SDM's rules (lib/arch/x86_64/msr_rules.c); entries past the count are read too, to find
 * live ones.
 */
#include <inttypes.h>
#include <stdlib.h>

#include "arch/x86_64/vmx_tables.h"
#include "core/error.h"
#include "core/util.h"
#include "kernel/object.h"
#include "kvm/kvm_internal.h"

enum { ENTRIES_MAX = 4096 };

static struct kt_error *list_read(struct kt_kvm_ctx *ctx, enum kt_msr_list_kind kind,
				  const char *member, const struct kt_object *array, uint64_t count,
				  bool has_misc, uint64_t vmx_misc, struct kt_vmx_msr_list *l)
{
	uint64_t size, entry_size;
	struct kt_object first;
	*l = (struct kt_vmx_msr_list){.kind = kind, .member = member, .address = array->address,
				      .count = (uint32_t)count};
	struct kt_error *err;
	if ((err = kt_object_size(array, &size)) || (err = kt_object_subscript(array, 0, &first)) ||
	    (err = kt_object_size(&first, &entry_size)))
		return err;
	if (!entry_size)
		return kt_error_create(KT_ERROR_BAD_DATA, "%s: entries of size 0", member);
	l->capacity = (uint32_t)(size / entry_size);
	uint32_t n_read = l->capacity < ENTRIES_MAX ? l->capacity : ENTRIES_MAX;
	l->entries = calloc(n_read ? n_read : 1, sizeof(*l->entries));
	if (!l->entries)
		return &kt_enomem;
	unsigned int live_beyond = 0;
	for (uint32_t i = 0; i < n_read; i++) {
		struct kt_object e;
		uint64_t index, reserved, value;
		if ((err = kt_object_subscript(array, i, &e)))
			return err;
		if (!kt_object_member_u64(&e, "index", &index) || !kt_object_member_u64(&e, "reserved", &reserved) ||
		    !kt_object_member_u64(&e, "value", &value))
			return kt_error_fault(e.address, "%s[%u] cannot be read", member, i);
		bool beyond = i >= count;
		if (beyond && !index)
			continue;
		live_beyond += beyond;
		struct kt_vmx_msr_entry *out = &l->entries[l->n_entries++];
		*out = (struct kt_vmx_msr_entry){.slot = i, .beyond_count = beyond, .address = e.address,
						 .index = (uint32_t)index, .reserved = (uint32_t)reserved,
						 .value = value, .name = kt_msr_name((uint32_t)index)};
		kt_msr_value_decode(out->index, value, &ctx->cpu_model, out->decoded, sizeof(out->decoded));
		if (!beyond)
			out->n_checks = kt_msr_entry_check(kind, out->index, out->reserved, value,
							   &ctx->cpu_model, out->checks);
		for (size_t k = 0; k < out->n_checks; k++)
			l->failed += out->checks[k].result == KT_CHECK_FAIL;
	}
	l->n_checks = kt_msr_list_check(kind, l->address, l->count, l->capacity, has_misc, vmx_misc,
					live_beyond, l->checks);
	for (size_t k = 0; k < l->n_checks; k++)
		l->failed += l->checks[k].result == KT_CHECK_FAIL;
	return NULL;
}

struct list_spec {
	enum kt_msr_list_kind kind;
	const char *member;      /* shown */
	const char *count_path;
	const char *array_path;
};

static const struct list_spec split_layout[] = {
	{KT_MSR_LIST_ENTRY_LOAD, "msr_autoload.guest", "msr_autoload.guest.nr", "msr_autoload.guest.val"},
	{KT_MSR_LIST_EXIT_LOAD, "msr_autoload.host", "msr_autoload.host.nr", "msr_autoload.host.val"},
	{KT_MSR_LIST_EXIT_STORE, "msr_autostore.guest", "msr_autostore.guest.nr", "msr_autostore.guest.val"},
};

static const struct list_spec one_count_layout[] = {
	{KT_MSR_LIST_ENTRY_LOAD, "msr_autoload.guest", "msr_autoload.nr", "msr_autoload.guest"},
	{KT_MSR_LIST_EXIT_LOAD, "msr_autoload.host", "msr_autoload.nr", "msr_autoload.host"},
};

void kt_vmx_msr_lists_read(struct kt_kvm_ctx *ctx, const struct kt_object *vmx, bool has_misc,
			   uint64_t vmx_misc, struct kt_vmx_vcpu *out)
{
	const struct list_spec *specs;
	size_t n;
	if (kt_kvm_has(vmx, "msr_autoload.guest.nr")) {
		specs = split_layout;
		n = KT_ARRAY_SIZE(split_layout);
		out->list_layout = "struct vmx_msrs guest and host, each with its own nr (v4.20 and later)";
	} else if (kt_kvm_has(vmx, "msr_autoload.nr")) {
		specs = one_count_layout;
		n = KT_ARRAY_SIZE(one_count_layout);
		out->list_layout = "one nr for guest[] and host[] (v3.10, RHEL 7 up to 7.7)";
	} else {
		kt_textf(out->lists_error, sizeof(out->lists_error),
			 "struct vcpu_vmx has neither msr_autoload.guest.nr nor msr_autoload.nr");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		struct kt_object array;
		uint64_t count;
		if (!kt_object_member_u64(vmx, specs[i].count_path, &count)) {
			if (specs[i].kind != KT_MSR_LIST_EXIT_STORE)  // msr_autostore: newer kernels only
				kt_textf(out->lists_error, sizeof(out->lists_error), "%s cannot be read",
					 specs[i].count_path);
			continue;
		}
		struct kt_error *err = kt_object_member(vmx, specs[i].array_path, &array);
		struct kt_vmx_msr_list *l = &out->lists[out->n_lists++];
		if (!err)
			err = list_read(ctx, specs[i].kind, specs[i].member, &array, count, has_misc,
					vmx_misc, l);
		if (err) {
			kt_textf(out->lists_error, sizeof(out->lists_error), "%s: %s", specs[i].member,
				 kt_error_message(err));
			kt_error_destroy(err);
		}
	}
}
