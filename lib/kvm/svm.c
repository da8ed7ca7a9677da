// SPDX-License-Identifier: MIT
/*
 * A vCPU's SVM state (struct vcpu_svm, arch/x86/kvm/svm/svm.h in v5.12 and later): it contains
 * the struct kvm_vcpu; svm->vmcb is the VMCB in use (the nested guest's vmcb02 while one runs);
 * v5.15 also keeps vmcb01 (struct kvm_vmcb_info { ptr, pa, ... }) and current_vmcb, v5.12 and
 * v5.10 vmcb_pa. The VMCB (arch/x86/include/asm/svm.h): the control area (exit_code, a u32
 * beside exit_code_hi in kernels that split it, exit_info_1/2, exit_int_info) and the save area
 * (cr0, cr3, cr4, efer, rip, rsp), read by member name. Unlike a VMCS, the VMCB's layout is
 * architectural (AMD64 APM Vol 2, "VMCB Layout").
 */
#include <inttypes.h>
#include <stdlib.h>

#include "arch/x86_64/vmx_tables.h"
#include "core/error.h"
#include "core/util.h"
#include "kernel/object.h"
#include "kvm/kvm_internal.h"

static void vcpu_read(struct kt_kvm_ctx *ctx, const struct kt_kvm_vcpu *vcpu, struct kt_svm_vcpu *out)
{
	struct kt_object svm, vmcb;
	uint64_t v;
	*out = (struct kt_svm_vcpu){.vcpu = *vcpu, .module = ctx->svm_module};
	struct kt_error *err = kt_kvm_vendor_object(ctx, KT_KVM_VENDOR_SVM, vcpu->address, &svm);
	if (!err)
		err = kt_object_member(&svm, "vmcb", &vmcb);
	if (!err)
		err = kt_object_read_unsigned(&vmcb, &out->vmcb);
	if (err) {
		kt_kvm_note(err, out->error, sizeof(out->error), "vcpu_svm.vmcb");
		return;
	}
	out->vcpu_svm = svm.address;
	if (kt_object_member_u64(&svm, "vmcb01.ptr", &v)) {
		out->has_vmcb01 = true;
		out->vmcb01 = v;
		kt_object_member_u64(&svm, "vmcb01.pa", &out->vmcb01_pa);
		uint64_t current;
		struct kt_object m, cur;
		if (kt_object_member_u64(&svm, "current_vmcb", &current) && kt_kvm_member(&svm, "vmcb01", false, &m)) {
			out->vmcb01_current = current == m.address;
			if (current && kt_kvm_member(&svm, "current_vmcb", true, &cur))
				kt_object_member_u64(&cur, "pa", &out->vmcb_pa);
		}
	} else {
		kt_object_member_u64(&svm, "vmcb_pa", &out->vmcb_pa);
	}
	if (!out->vmcb) {
		kt_textf(out->error, sizeof(out->error), "vcpu_svm.vmcb is NULL");
		return;
	}
	if ((err = kt_object_deref(&vmcb, &vmcb))) {
		kt_kvm_note(err, out->error, sizeof(out->error), "VMCB");
		return;
	}
	if (!kt_svm_exit_code_read(&vmcb, &out->exit_code)) {
		kt_textf(out->error, sizeof(out->error), "VMCB at 0x%" PRIx64 ": control.exit_code "
			 "cannot be read", out->vmcb);
		return;
	}
	out->readable = true;
	out->exit_name = kt_svm_exit_code_name(out->exit_code);
	kt_object_member_u64(&vmcb, "control.exit_info_1", &out->exit_info_1);
	kt_object_member_u64(&vmcb, "control.exit_info_2", &out->exit_info_2);
	if (kt_object_member_u64(&vmcb, "control.exit_int_info", &v))
		out->exit_int_info = (uint32_t)v;
	if (kt_object_member_u64(&vmcb, "control.exit_int_info_err", &v))
		out->exit_int_info_err = (uint32_t)v;
	kt_object_member_u64(&vmcb, "save.cr0", &out->cr0);
	kt_object_member_u64(&vmcb, "save.cr3", &out->cr3);
	kt_object_member_u64(&vmcb, "save.cr4", &out->cr4);
	kt_object_member_u64(&vmcb, "save.efer", &out->efer);
	kt_object_member_u64(&vmcb, "save.rip", &out->rip);
	kt_object_member_u64(&vmcb, "save.rsp", &out->rsp);
}

struct kt_error *kt_svm_state_read(struct kt_program *prog, uint64_t vcpu, struct kt_svm_state **ret)
{
	struct kt_kvm_ctx ctx;
	struct kt_error *err = kt_kvm_ctx_init(prog, &ctx);
	if (err)
		return err;
	if (!ctx.svm_module)
		return kt_error_create(KT_ERROR_NOT_FOUND, "no loaded module defines struct vcpu_svm "
				       "(kvm_amd not loaded, or no BTF or debug file for it)");
	struct kt_kvm_state *kvm;
	if ((err = kt_kvm_state_read(prog, &kvm)))
		return err;
	size_t total = 0;
	for (size_t i = 0; i < kvm->n_vms; i++)
		total += kvm->vms[i].n_vcpus;
	struct kt_svm_state *state = calloc(1, sizeof(*state));
	if (!state || !(state->vcpus = calloc(total ? total : 1, sizeof(*state->vcpus)))) {
		free(state);
		kt_kvm_state_destroy(kvm);
		return &kt_enomem;
	}
	state->module = ctx.svm_module;
	for (size_t i = 0; i < kvm->n_vms; i++) {
		for (size_t j = 0; j < kvm->vms[i].n_vcpus; j++) {
			const struct kt_kvm_vcpu *v = &kvm->vms[i].vcpus[j];
			if (v->vendor != KT_KVM_VENDOR_SVM)
				continue;
			struct kt_svm_vcpu *out = &state->vcpus[state->n_vcpus];
			vcpu_read(&ctx, v, out);
			if (!vcpu || vcpu == v->address || vcpu == out->vcpu_svm)
				state->n_vcpus++;
		}
	}
	kt_kvm_state_destroy(kvm);
	if (vcpu && !state->n_vcpus) {
		kt_svm_state_destroy(state);
		return kt_error_create(KT_ERROR_NOT_FOUND, "no SVM vCPU at 0x%" PRIx64, vcpu);
	}
	*ret = state;
	return NULL;
}

void kt_svm_state_destroy(struct kt_svm_state *state)
{
	if (!state)
		return;
	free(state->vcpus);
	free(state);
}
