// SPDX-License-Identifier: GPL-2.0
/*
 * kvm_intel's VMX objects with their Linux 3.10 layouts (the base of RHEL7's
 * kernel-3.10.0), for the simulated VMX-abort hang of vmx_sim.c.
 *
 * Types and members as in Linux v3.10:
 *   struct vmcs, loaded_vmcs, shared_msr_entry,
 *     vcpu_vmx, msr_autoload			arch/x86/kvm/vmx.c
 *   per-CPU current_vmcs, loaded_vmcss_on_cpu	arch/x86/kvm/vmx.c
 *   NR_AUTOLOAD_MSRS (8)			arch/x86/kvm/vmx.c
 *   struct vmx_msr_entry (16 bytes,
 *     __aligned(16), unchanged in 6.1)		arch/x86/include/asm/vmx.h
 *
 * The embedded struct kvm_vcpu is the one the build headers give, i.e. 6.1's
 * (6552 bytes), not 3.10's: absolute offsets inside vcpu_vmx therefore differ
 * from those of a real 3.10 or RHEL7 kernel, while the members after the
 * vcpu keep their 3.10 order, types and relative placement. RHEL7 kernels add
 * backported members of their own; this is the upstream v3.10 layout.
 * vcpu_vmx is declared up to host_state; rmode .. nested are not modelled.
 */
#include <linux/build_bug.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <asm/msr-index.h>

#include "vmx_sim.h"

const char vmx_sim_layout[] = "3.10";

#define NR_AUTOLOAD_MSRS 8

struct vmcs {
	u32 revision_id;
	u32 abort;
	char data[];		/* data[0] in 3.10 */
};

/*
 * Track a VMCS that may be loaded on a certain CPU. If it is (cpu!=-1), also
 * remember whether it was VMLAUNCHed, and maintain a linked list of all VMCSs
 * loaded on this CPU (so we can clear them if the CPU goes down).
 */
struct loaded_vmcs {
	struct vmcs *vmcs;
	int cpu;
	int launched;
	struct list_head loaded_vmcss_on_cpu_link;
};

struct shared_msr_entry {
	unsigned index;
	u64 data;
	u64 mask;
};

struct vcpu_vmx {
	struct kvm_vcpu       vcpu;	/* 6.1's, see above */
	unsigned long         host_rsp;
	u8                    fail;
	u8                    cpl;
	bool                  nmi_known_unmasked;
	u32                   exit_intr_info;
	u32                   idt_vectoring_info;
	ulong                 rflags;
	struct shared_msr_entry *guest_msrs;
	int                   nmsrs;
	int                   save_nmsrs;
	unsigned long	      host_idt_base;
	u64		      msr_host_kernel_gs_base;
	u64		      msr_guest_kernel_gs_base;
	/*
	 * loaded_vmcs points to the VMCS currently used in this vcpu. For a
	 * non-nested (L1) guest, it always points to vmcs01. For a nested
	 * guest (L2), it points to a different VMCS.
	 */
	struct loaded_vmcs    vmcs01;
	struct loaded_vmcs   *loaded_vmcs;
	bool                  __launched; /* temporary, used in vmx_vcpu_run */
	struct msr_autoload {
		unsigned nr;
		struct vmx_msr_entry guest[NR_AUTOLOAD_MSRS];
		struct vmx_msr_entry host[NR_AUTOLOAD_MSRS];
	} msr_autoload;
	struct {
		int           loaded;
		u16           fs_sel, gs_sel, ldt_sel;
		u16           ds_sel, es_sel;
		int           gs_ldt_reload_needed;
		int           fs_reload_needed;
	} host_state;
	/* rmode, segment_cache, vpid, ..., pi_desc, nested: not modelled */
};

/*
 * The 3.10 members follow a kvm_vcpu of 6552 bytes (6.1, see
 * ktest_vmx61/vmx_layout_61.c); the offsets below are those of the v3.10
 * declaration above under the x86_64 ABI, worked out by hand: host_rsp at
 * 6552, vmcs01 72 bytes after it, msr_autoload 16-byte aligned because
 * struct vmx_msr_entry is, guest[] 16 bytes into it and host[] 128 after.
 */
static_assert(sizeof(struct kvm_vcpu) == 6552);
static_assert(offsetof(struct vcpu_vmx, vcpu) == 0);
static_assert(offsetof(struct vcpu_vmx, host_rsp) == 6552);
static_assert(offsetof(struct vcpu_vmx, rflags) == 6576);
static_assert(offsetof(struct vcpu_vmx, msr_guest_kernel_gs_base) == 6616);
static_assert(offsetof(struct vcpu_vmx, vmcs01) == 6624);
static_assert(offsetof(struct vcpu_vmx, loaded_vmcs) == 6656);
static_assert(offsetof(struct vcpu_vmx, __launched) == 6664);
static_assert(offsetof(struct vcpu_vmx, msr_autoload) == 6672);
static_assert(offsetof(struct vcpu_vmx, msr_autoload.guest) == 6688);
static_assert(offsetof(struct vcpu_vmx, msr_autoload.host) == 6816);
static_assert(sizeof(struct msr_autoload) == 272);
static_assert(offsetof(struct vcpu_vmx, host_state) == 6944);
static_assert(sizeof(struct loaded_vmcs) == 32);
static_assert(offsetof(struct loaded_vmcs, loaded_vmcss_on_cpu_link) == 16);
static_assert(offsetof(struct vmcs, abort) == 4);
static_assert(sizeof(struct vmx_msr_entry) == 16);

static DEFINE_PER_CPU(struct vmcs *, current_vmcs);
/*
 * We maintain a per-CPU linked-list of VMCS loaded on that CPU. This is needed
 * when a CPU is brought down, and we need to VMCLEAR all VMCSs loaded on it.
 */
static DEFINE_PER_CPU(struct list_head, loaded_vmcss_on_cpu);

/*
 * What setup_vmcs_config() read from the IA32_VMX_* MSRs, among them the VMCS
 * revision id (IA32_VMX_BASIC[30:0]) that every VMCS region must carry; v3.10
 * keeps no IA32_VMX_MISC. As in arch/x86/kvm/vmx.c of v3.10.
 */
static struct vmcs_config {
	int size;
	int order;
	u32 revision_id;
	u32 pin_based_exec_ctrl;
	u32 cpu_based_exec_ctrl;
	u32 cpu_based_2nd_exec_ctrl;
	u32 vmexit_ctrl;
	u32 vmentry_ctrl;
} vmcs_config;
static_assert(offsetof(struct vmcs_config, revision_id) == 8);

struct kvm_vcpu *vmx_vcpu_create(void)
{
	struct msr_autoload *m;
	struct vcpu_vmx *vmx;
	struct page *page;
	int cpu;

	for_each_possible_cpu(cpu)
		INIT_LIST_HEAD(&per_cpu(loaded_vmcss_on_cpu, cpu));

	vmx = kzalloc(sizeof(*vmx), GFP_KERNEL);
	if (!vmx)
		return ERR_PTR(-ENOMEM);

	/* alloc_vmcs_cpu(): one zeroed page on the node of its CPU */
	page = alloc_pages_node(cpu_to_node(VMX_SIM_CPU),
				GFP_KERNEL | __GFP_ZERO, 0);
	if (!page) {
		kfree(vmx);
		return ERR_PTR(-ENOMEM);
	}
	vmx->vmcs01.vmcs = page_address(page);
	vmcs_config.size = PAGE_SIZE;
	vmcs_config.revision_id = VMX_SIM_REVISION_ID;
	vmx->vmcs01.vmcs->revision_id = vmcs_config.revision_id;
	vmx->vmcs01.cpu = -1;
	INIT_LIST_HEAD(&vmx->vmcs01.loaded_vmcss_on_cpu_link);
	vmx->loaded_vmcs = &vmx->vmcs01;

	/*
	 * add_atomic_switch_msr() from atomic_switch_perf_msrs() on a host
	 * using PEBS: the single entry of the RHEL7 case this reproduces.
	 */
	m = &vmx->msr_autoload;
	m->guest[m->nr].index = MSR_IA32_PEBS_ENABLE;
	m->guest[m->nr].value = 0;
	m->host[m->nr].index = MSR_IA32_PEBS_ENABLE;
	m->host[m->nr].value = 2;
	m->nr++;

	return &vmx->vcpu;
}

void vmx_vcpu_free(struct kvm_vcpu *vcpu)
{
	struct vcpu_vmx *vmx = to_vmx(vcpu);
	struct loaded_vmcs *lv = &vmx->vmcs01;

	if (lv->cpu >= 0) {
		list_del(&lv->loaded_vmcss_on_cpu_link);
		if (per_cpu(current_vmcs, lv->cpu) == lv->vmcs)
			per_cpu(current_vmcs, lv->cpu) = NULL;
	}
	free_page((unsigned long)lv->vmcs);
	kfree(vmx);
}

/* The VMCS part of the 3.10 vmx_vcpu_load(), without VMCLEAR/VMPTRLD */
void vmx_vcpu_load(struct kvm_vcpu *vcpu, int cpu)
{
	struct vcpu_vmx *vmx = to_vmx(vcpu);
	struct loaded_vmcs *lv = vmx->loaded_vmcs;

	if (lv->cpu != cpu) {
		if (lv->cpu >= 0)	/* loaded_vmcs_clear() */
			list_del(&lv->loaded_vmcss_on_cpu_link);
		local_irq_disable();
		list_add(&lv->loaded_vmcss_on_cpu_link,
			 &per_cpu(loaded_vmcss_on_cpu, cpu));
		local_irq_enable();
	}
	if (per_cpu(current_vmcs, cpu) != lv->vmcs)
		per_cpu(current_vmcs, cpu) = lv->vmcs;
	if (lv->cpu != cpu) {
		lv->cpu = cpu;
		lv->launched = 1;	/* as after an earlier VMLAUNCH here */
	}
}

unsigned int vmx_vcpu_run_flags(struct vcpu_vmx *vmx)
{
	/* 3.10 vmx_vcpu_run(): the asm tests __launched for VMRESUME */
	vmx->__launched = vmx->loaded_vmcs->launched;
	return vmx->__launched ? VMX_RUN_VMRESUME : 0;
}

void vmx_update_host_rsp(struct vcpu_vmx *vmx, unsigned long host_rsp)
{
	vmx->host_rsp = host_rsp;	/* done inside the 3.10 asm */
}

void vmx_abort(struct vcpu_vmx *vmx, u32 reason)
{
	vmx->loaded_vmcs->vmcs->abort = reason;
}

#define KTGT(fmt, ...)	pr_info("KTGT vmx." fmt "\n", ##__VA_ARGS__)
#define KTGT_OFFSET(key, type, member) \
	KTGT("offset." key " %zu", offsetof(type, member))

void vmx_sim_report_layout(struct vcpu_vmx *vmx)
{
	struct loaded_vmcs *lv = vmx->loaded_vmcs;
	struct vmcs *vmcs = lv->vmcs;
	struct list_head *on_cpu = per_cpu_ptr(&loaded_vmcss_on_cpu, VMX_SIM_CPU);

	KTGT("vcpu_vmx %px", vmx);
	KTGT("sizeof.vcpu_vmx %zu", sizeof(*vmx));
	KTGT("sizeof.kvm_vcpu %zu", sizeof(struct kvm_vcpu));
	KTGT("sizeof.loaded_vmcs %zu", sizeof(*lv));
	KTGT("sizeof.vmx_msr_entry %zu", sizeof(struct vmx_msr_entry));
	KTGT_OFFSET("vcpu", struct vcpu_vmx, vcpu);
	KTGT_OFFSET("host_rsp", struct vcpu_vmx, host_rsp);
	KTGT_OFFSET("vmcs01", struct vcpu_vmx, vmcs01);
	KTGT_OFFSET("loaded_vmcs", struct vcpu_vmx, loaded_vmcs);
	KTGT_OFFSET("msr_autoload", struct vcpu_vmx, msr_autoload);
	KTGT_OFFSET("msr_autoload_guest", struct vcpu_vmx, msr_autoload.guest);
	KTGT_OFFSET("msr_autoload_host", struct vcpu_vmx, msr_autoload.host);
	/* one count for both lists in 3.10 */
	KTGT_OFFSET("msr_autoload_guest_nr", struct vcpu_vmx, msr_autoload.nr);
	KTGT_OFFSET("msr_autoload_guest_entries", struct vcpu_vmx, msr_autoload.guest);
	KTGT_OFFSET("msr_autoload_host_nr", struct vcpu_vmx, msr_autoload.nr);
	KTGT_OFFSET("msr_autoload_host_entries", struct vcpu_vmx, msr_autoload.host);
	KTGT_OFFSET("loaded_vmcs_vmcs", struct loaded_vmcs, vmcs);
	KTGT_OFFSET("loaded_vmcs_cpu", struct loaded_vmcs, cpu);
	KTGT_OFFSET("loaded_vmcs_launched", struct loaded_vmcs, launched);
	KTGT_OFFSET("loaded_vmcs_link", struct loaded_vmcs, loaded_vmcss_on_cpu_link);
	KTGT_OFFSET("vmcs_abort", struct vmcs, abort);

	KTGT("loaded_vmcs.addr %px", lv);
	KTGT("loaded_vmcs.is_vmcs01 %d", lv == &vmx->vmcs01);
	KTGT("loaded_vmcs.cpu %d", lv->cpu);
	KTGT("loaded_vmcs.launched %d", lv->launched);
	KTGT("host_rsp %px", (void *)vmx->host_rsp);
	KTGT("vmcs.addr %px", vmcs);
	KTGT("vmcs.pa 0x%016llx", (u64)__pa(vmcs));
	KTGT("vmcs.size %lu", PAGE_SIZE);
	KTGT("vmcs.revision_id %u", vmcs->revision_id);
	KTGT("vmcs.abort %u", vmcs->abort);
	KTGT("vmcs_config.addr %px", &vmcs_config);
	KTGT("vmcs_config.revision_id %u", vmcs_config.revision_id);

	KTGT("percpu.cpu %d", VMX_SIM_CPU);
	KTGT("percpu.cpu_offset %px", (void *)__per_cpu_offset[VMX_SIM_CPU]);
	KTGT("percpu.current_vmcs %px", per_cpu_ptr(&current_vmcs, VMX_SIM_CPU));
	KTGT("percpu.current_vmcs_value %px", per_cpu(current_vmcs, VMX_SIM_CPU));
	KTGT("percpu.loaded_vmcss_on_cpu %px", on_cpu);
	KTGT("percpu.loaded_vmcss_on_cpu_next %px", on_cpu->next);

	KTGT("msr_autoload.nr %u", vmx->msr_autoload.nr);
	vmx_sim_report_msrs("guest", vmx->msr_autoload.nr, vmx->msr_autoload.guest);
	vmx_sim_report_msrs("host", vmx->msr_autoload.nr, vmx->msr_autoload.host);
}

MODULE_DESCRIPTION("Simulated VMX-abort hang of a vCPU thread, Linux 3.10 kvm_intel layouts");
