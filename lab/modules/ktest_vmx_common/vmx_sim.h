/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Interface between the simulated VM-entry path (vmx_sim.c, compiled into both
 * modules) and the module that supplies one kernel's kvm_intel layouts:
 * ktest_vmx61 (Linux 6.1) and ktest_vmx310 (Linux 3.10, as in RHEL7).
 *
 * TCG cannot run VMX, so the layout module allocates a struct vcpu_vmx, its
 * loaded_vmcs, the VMCS page and the MSR autoload lists itself, with the type
 * and member names of kvm_intel. vmx_sim.c runs a KVM_RUN ioctl on CPU 1 down
 * to a __vmx_vcpu_run() that leaves the CPU deaf to NMIs, as a VMX abort
 * (shutdown state) does.
 */
#ifndef KTEST_VMX_SIM_H
#define KTEST_VMX_SIM_H

#include <linux/kvm_host.h>
#include <asm/vmx.h>

#define VMX_SIM_CPU		1	/* the vCPU thread runs and hangs here */
#define VMX_SIM_REVISION_ID	4	/* VMCS revision id of Skylake client CPUs */
/*
 * IA32_VMX_MISC as a Skylake client reports it (bits 27:25 = 0: at most 512
 * MSRs per MSR-load/store list are recommended, SDM Vol 3D App. A.6).
 */
#define VMX_SIM_VMX_MISC	0x7004c1e7ULL

/* Intel SDM vol. 3, "VMX Aborts": reason 4, failure loading host MSRs. */
#define VMX_ABORT_LOAD_HOST_MSR_FAIL	4

/* 6.1 arch/x86/kvm/vmx/run_flags.h */
#define VMX_RUN_VMRESUME	(1 << 0)

struct vcpu_vmx;

/* Both layouts embed the kvm_vcpu at offset 0, as kvm_intel does. */
static inline struct vcpu_vmx *to_vmx(struct kvm_vcpu *vcpu)
{
	return (struct vcpu_vmx *)vcpu;
}

static inline struct kvm_vcpu *vmx_to_vcpu(struct vcpu_vmx *vmx)
{
	return (struct kvm_vcpu *)vmx;
}

/* Provided by the layout module, named after the kvm_intel functions. */
extern const char vmx_sim_layout[];
struct kvm_vcpu *vmx_vcpu_create(void);
void vmx_vcpu_free(struct kvm_vcpu *vcpu);
void vmx_vcpu_load(struct kvm_vcpu *vcpu, int cpu);
unsigned int vmx_vcpu_run_flags(struct vcpu_vmx *vmx);
void vmx_update_host_rsp(struct vcpu_vmx *vmx, unsigned long host_rsp);
void vmx_abort(struct vcpu_vmx *vmx, u32 reason);
void vmx_sim_report_layout(struct vcpu_vmx *vmx);

/* Provided by vmx_sim.c for the layout module's report. */
void vmx_sim_report_msrs(const char *list, unsigned int nr,
			 const struct vmx_msr_entry *e);

#endif /* KTEST_VMX_SIM_H */
