/* SPDX-License-Identifier: MIT */
/*
 * Shared by the files of lib/kvm: which modules describe the vendor structures, reading
 * members that some kernels lack, and the vCPU list every command starts from.
 */
#ifndef KT_KVM_INTERNAL_H
#define KT_KVM_INTERNAL_H

#include "program.h"

struct kt_kvm_ctx {
	struct kt_program *prog;
	const char *vmx_module;    /* defines struct vcpu_vmx (kvm_intel), or NULL */
	const char *svm_module;    /* defines struct vcpu_svm (kvm_amd), or NULL */
	struct kt_cpu_model cpu_model;
};

struct kt_error *kt_kvm_ctx_init(struct kt_program *prog, struct kt_kvm_ctx *ctx);

/* "MODULE:struct NAME" into buf. */
const char *kt_kvm_type(const char *module, const char *name, char *buf, size_t size);

/* A scalar member; false if the type lacks it or it cannot be read. */
bool kt_kvm_i64(const struct kt_object *obj, const char *path, int64_t *ret);
bool kt_kvm_has(const struct kt_object *obj, const char *path);
/* The member (or, deref, what the pointer member points at); false if absent or unreadable. */
bool kt_kvm_member(const struct kt_object *obj, const char *path, bool deref, struct kt_object *ret);

/* The task at address, as a kt_kvm_thread (found false if it cannot be read). */
void kt_kvm_thread_fill(struct kt_program *prog, uint64_t task, struct kt_kvm_thread *ret);

/* An error's message into buf, freeing it (enomem is returned, else NULL). */
struct kt_error *kt_kvm_note(struct kt_error *err, char *buf, size_t size, const char *what);

/* vcpu as struct kvm_vcpu (from vm_list: the kernel's types; else the vendor module's). */
void kt_kvm_vcpu_fill(struct kt_kvm_ctx *ctx, const struct kt_object *vcpu, enum kt_kvm_vendor vendor,
		      struct kt_kvm_vcpu *ret);

/* The vendor object (struct vcpu_vmx / vcpu_svm) containing a struct kvm_vcpu at address. */
struct kt_error *kt_kvm_vendor_object(struct kt_kvm_ctx *ctx, enum kt_kvm_vendor vendor,
				      uint64_t vcpu, struct kt_object *ret);

/* Every possible CPU's current_vmcs and loaded_vmcss_on_cpu (vmx_percpu.c). */
struct kt_error *kt_vmx_cpus_read(struct kt_kvm_ctx *ctx, struct kt_vmx_cpu **ret, size_t *n_ret);
void kt_vmx_cpus_destroy(struct kt_vmx_cpu *cpus, size_t n);

/* Address space 0's memslots into vm (memslots.c); an error names what could not be read. */
struct kt_error *kt_kvm_memslots_read(struct kt_kvm_vm *vm, const struct kt_object *kvm);

/* VMX vCPUs loaded on any CPU (per-CPU loaded_vmcss_on_cpu): their struct kvm_vcpu addresses. */
struct kt_error *kt_vmx_loaded_vcpus(struct kt_kvm_ctx *ctx, uint64_t **ret, size_t *n_ret);

/* Exit reasons into vcpu (exit_reasons.c). */
void kt_vmx_exit_reason_fill(struct kt_kvm_ctx *ctx, const struct kt_object *vmx,
			     struct kt_kvm_vcpu *vcpu);
void kt_svm_exit_reason_fill(struct kt_kvm_ctx *ctx, const struct kt_object *svm,
			     struct kt_kvm_vcpu *vcpu);

/* A VMCB's EXITCODE: exit_code, with exit_code_hi above it where the kernel splits the two. */
bool kt_svm_exit_code_read(const struct kt_object *vmcb, uint64_t *ret);

/* The host perf state behind IA32_PEBS_ENABLE on cpu (perf_pebs.c). */
void kt_pebs_context_read(struct kt_kvm_ctx *ctx, int cpu, struct kt_pebs_context *ret);

/* One vCPU's VMX lists (vmx_msr_lists.c). */
void kt_vmx_msr_lists_read(struct kt_kvm_ctx *ctx, const struct kt_object *vmx, bool has_misc,
			   uint64_t vmx_misc, struct kt_vmx_vcpu *ret);

#endif
