// SPDX-License-Identifier: MIT
/*
 * A vCPU's last exit reason, from its vendor structure: struct vcpu_vmx's exit-reason field
 * (bits 15:0 the basic reason, bit 31 VM-entry failure: [SDM-2016] Vol 3C §26.7) or the
 * EXITCODE of struct vcpu_svm's VMCB in use.
 */
#include <inttypes.h>

#include "arch/x86_64/vmx_tables.h"
#include "core/error.h"
#include "core/util.h"
#include "kernel/object.h"
#include "kvm/kvm_internal.h"

void kt_vmx_exit_reason_fill(struct kt_kvm_ctx *ctx, const struct kt_object *vmx,
			     struct kt_kvm_vcpu *v)
{
	(void)ctx;
	// u32 exit_reason up to v5.11; union vmx_exit_reason (.full) from v5.12; the newest
	// kernels move it to a struct vcpu_vt (tried as vmx->vt).
	static const char *const paths[] = {"exit_reason.full", "vt.exit_reason.full", "exit_reason"};
	uint64_t reason;
	for (size_t i = 0; i < KT_ARRAY_SIZE(paths); i++) {
		if (!kt_object_member_u64(vmx, paths[i], &reason))
			continue;
		v->has_exit_reason = true;
		v->exit_reason = reason;
		v->exit_failed_entry = reason & KT_VMX_EXIT_FAILED_VMENTRY;
		v->exit_reason_name = kt_vmx_exit_reason_name((uint32_t)reason & 0xffff);
		return;
	}
	kt_textf(v->exit_reason_note, sizeof(v->exit_reason_note),
		 "struct vcpu_vmx of %s has no exit_reason", v->vendor_module);
}

bool kt_svm_exit_code_read(const struct kt_object *vmcb, uint64_t *ret)
{
	uint64_t lo, hi = 0;
	if (!kt_object_member_u64(vmcb, "control.exit_code", &lo))
		return false;
	if (kt_object_member_u64(vmcb, "control.exit_code_hi", &hi))
		lo = (lo & 0xffffffff) | hi << 32;
	*ret = lo;
	return true;
}

void kt_svm_exit_reason_fill(struct kt_kvm_ctx *ctx, const struct kt_object *svm,
			     struct kt_kvm_vcpu *v)
{
	(void)ctx;
	struct kt_object vmcb;
	uint64_t code, ptr;
	struct kt_error *err = kt_object_member(svm, "vmcb", &vmcb);
	if (!err && kt_object_member_u64(svm, "vmcb", &ptr) && ptr)
		err = kt_object_deref(&vmcb, &vmcb);
	if (!err && kt_svm_exit_code_read(&vmcb, &code)) {
		v->has_exit_reason = true;
		v->exit_reason = code;
		v->exit_reason_name = kt_svm_exit_code_name(code);
		return;
	}
	kt_textf(v->exit_reason_note, sizeof(v->exit_reason_note), "vcpu_svm->vmcb: %s",
		 err ? kt_error_message(err) : "exit_code cannot be read");
	kt_error_destroy(err);
}

