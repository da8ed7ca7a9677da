// SPDX-License-Identifier: GPL-2.0
/*
 * kvm_intel's VMX objects with their Linux 6.1 layouts, for the simulated
 * VMX-abort hang of vmx_sim.c.
 *
 * Types and members as in Linux 6.1 (Debian 6.1.0-56-amd64):
 *   struct vcpu_vmx, vmx_msrs, vmx_uret_msr	arch/x86/kvm/vmx/vmx.h
 *   struct vmcs_hdr, vmcs, loaded_vmcs,
 *     vmcs_host_state, vmcs_controls_shadow	arch/x86/kvm/vmx/vmcs.h
 *   per-CPU current_vmcs, loaded_vmcss_on_cpu	arch/x86/kvm/vmx/vmx.c
 *   struct vmx_msr_entry			arch/x86/include/asm/vmx.h
 *
 * struct vcpu_vmx embeds the real struct kvm_vcpu of <linux/kvm_host.h> and is
 * declared up to msr_autostore; the members after it (rmode .. lbr_desc) are
 * one opaque array, so that the size and alignment equal the real type's.
 * The static_asserts below hold the offsets to those in the DWARF of Debian's
 * kvm-intel.ko.
 */
#include <linux/build_bug.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <asm/msr-index.h>

#include "vmx_sim.h"

const char vmx_sim_layout[] = "6.1";

#define MAX_NR_USER_RETURN_MSRS	7
#define MAX_NR_LOADSTORE_MSRS	8

struct vmcs_hdr {
	u32 revision_id:31;
	u32 shadow_vmcs:1;
};

struct vmcs {
	struct vmcs_hdr hdr;
	u32 abort;
	char data[];
};

struct vmcs_host_state {
	unsigned long cr3;	/* May not match real cr3 */
	unsigned long cr4;	/* May not match real cr4 */
	unsigned long gs_base;
	unsigned long fs_base;
	unsigned long rsp;

	u16           fs_sel, gs_sel, ldt_sel;
	u16           ds_sel, es_sel;
};

struct vmcs_controls_shadow {
	u32 vm_entry;
	u32 vm_exit;
	u32 pin;
	u32 exec;
	u32 secondary_exec;
	u64 tertiary_exec;
};

struct loaded_vmcs {
	struct vmcs *vmcs;
	struct vmcs *shadow_vmcs;
	int cpu;
	bool launched;
	bool nmi_known_unmasked;
	bool hv_timer_soft_disabled;
	/* Support for vnmi-less CPUs */
	int soft_vnmi_blocked;
	ktime_t entry_time;
	s64 vnmi_blocked_time;
	unsigned long *msr_bitmap;
	struct list_head loaded_vmcss_on_cpu_link;
	struct vmcs_host_state host_state;
	struct vmcs_controls_shadow controls_shadow;
};

struct vmx_msrs {
	unsigned int		nr;
	struct vmx_msr_entry	val[MAX_NR_LOADSTORE_MSRS];
};

struct vmx_uret_msr {
	bool load_into_hardware;
	u64 data;
	u64 mask;
};

/* From the DWARF of kvm-intel.ko: rmode starts here, the type ends there. */
#define VCPU_VMX_RMODE_OFFSET	7392
#define VCPU_VMX_SIZE		9088

struct vcpu_vmx {
	struct kvm_vcpu       vcpu;
	u8                    fail;
	u8		      x2apic_msr_bitmap_mode;
	bool		      guest_state_loaded;
	unsigned long         exit_qualification;
	u32                   exit_intr_info;
	u32                   idt_vectoring_info;
	ulong                 rflags;
	struct vmx_uret_msr   guest_uret_msrs[MAX_NR_USER_RETURN_MSRS];
	bool                  guest_uret_msrs_loaded;
	u64		      msr_host_kernel_gs_base;
	u64		      msr_guest_kernel_gs_base;
	u64		      spec_ctrl;
	u32		      msr_ia32_umwait_control;

	/*
	 * loaded_vmcs points to the VMCS currently used in this vcpu. For a
	 * non-nested (L1) guest, it always points to vmcs01. For a nested
	 * guest (L2), it points to a different VMCS.
	 */
	struct loaded_vmcs    vmcs01;
	struct loaded_vmcs   *loaded_vmcs;

	struct msr_autoload {
		struct vmx_msrs guest;
		struct vmx_msrs host;
	} msr_autoload;

	struct msr_autostore {
		struct vmx_msrs guest;
	} msr_autostore;

	/* rmode, segment_cache, vpid, ..., pi_desc, nested, ..., lbr_desc */
	u8 not_modelled[VCPU_VMX_SIZE - VCPU_VMX_RMODE_OFFSET];
} __aligned(64);	/* pi_desc is __aligned(64) */

/*
 * Numbers from the DWARF of Debian's kvm-intel.ko, package
 * linux-image-6.1.0-56-amd64-dbg, file
 * usr/lib/debug/lib/modules/6.1.0-56-amd64/kernel/arch/x86/kvm/kvm-intel.ko:
 *   gdb -batch -ex 'ptype /o struct vcpu_vmx' kvm-intel.ko
 */
static_assert(sizeof(struct kvm_vcpu) == 6552);
static_assert(offsetof(struct kvm_vcpu, cpu) == 32);
static_assert(offsetof(struct kvm_vcpu, vcpu_id) == 36);
static_assert(offsetof(struct kvm_vcpu, mode) == 48);
static_assert(offsetof(struct vcpu_vmx, vcpu) == 0);
static_assert(offsetof(struct vcpu_vmx, fail) == 6552);
static_assert(offsetof(struct vcpu_vmx, exit_qualification) == 6560);
static_assert(offsetof(struct vcpu_vmx, rflags) == 6576);
static_assert(offsetof(struct vcpu_vmx, guest_uret_msrs) == 6584);
static_assert(offsetof(struct vcpu_vmx, guest_uret_msrs_loaded) == 6752);
static_assert(offsetof(struct vcpu_vmx, spec_ctrl) == 6776);
static_assert(offsetof(struct vcpu_vmx, msr_ia32_umwait_control) == 6784);
static_assert(offsetof(struct vcpu_vmx, vmcs01) == 6792);
static_assert(offsetof(struct vcpu_vmx, loaded_vmcs) == 6952);
static_assert(offsetof(struct vcpu_vmx, msr_autoload) == 6960);
static_assert(offsetof(struct vcpu_vmx, msr_autoload.guest) == 6960);
static_assert(offsetof(struct vcpu_vmx, msr_autoload.guest.val) == 6976);
static_assert(offsetof(struct vcpu_vmx, msr_autoload.host) == 7104);
static_assert(offsetof(struct vcpu_vmx, msr_autoload.host.val) == 7120);
static_assert(offsetof(struct vcpu_vmx, msr_autostore) == 7248);
static_assert(offsetof(struct vcpu_vmx, not_modelled) == VCPU_VMX_RMODE_OFFSET);
static_assert(sizeof(struct vcpu_vmx) == VCPU_VMX_SIZE);
static_assert(__alignof__(struct vcpu_vmx) == 64);
/* gdb -batch -ex 'ptype /o struct loaded_vmcs' kvm-intel.ko */
static_assert(sizeof(struct loaded_vmcs) == 160);
static_assert(offsetof(struct loaded_vmcs, cpu) == 16);
static_assert(offsetof(struct loaded_vmcs, launched) == 20);
static_assert(offsetof(struct loaded_vmcs, loaded_vmcss_on_cpu_link) == 56);
static_assert(offsetof(struct loaded_vmcs, host_state) == 72);
static_assert(offsetof(struct loaded_vmcs, controls_shadow) == 128);
/* ... 'ptype /o struct vmcs', 'struct vmx_msrs', 'struct vmx_msr_entry' */
static_assert(offsetof(struct vmcs, abort) == 4);
static_assert(sizeof(struct vmcs) == 8);
static_assert(sizeof(struct vmx_msrs) == 144);
static_assert(sizeof(struct vmx_msr_entry) == 16);

DEFINE_PER_CPU(struct vmcs *, current_vmcs);
/*
 * We maintain a per-CPU linked-list of VMCS loaded on that CPU. This is needed
 * when a CPU is brought down, and we need to VMCLEAR all VMCSs loaded on it.
 */
static DEFINE_PER_CPU(struct list_head, loaded_vmcss_on_cpu);

/*
 * What setup_vmcs_config() read from the IA32_VMX_* MSRs, among them the VMCS
 * revision id (IA32_VMX_BASIC[30:0]) that every VMCS region must carry, and
 * IA32_VMX_MISC: struct vmcs_config of arch/x86/kvm/vmx/capabilities.h, up to
 * misc (nested, after it, is not modelled).
 */
struct vmcs_config {
	int size;
	u32 basic_cap;
	u32 revision_id;
	u32 pin_based_exec_ctrl;
	u32 cpu_based_exec_ctrl;
	u32 cpu_based_2nd_exec_ctrl;
	u64 cpu_based_3rd_exec_ctrl;
	u32 vmexit_ctrl;
	u32 vmentry_ctrl;
	u64 misc;
};
static_assert(offsetof(struct vmcs_config, revision_id) == 8);
static_assert(offsetof(struct vmcs_config, misc) == 40);

struct vmcs_config vmcs_config;

/* add_atomic_switch_msr(): entry i of both lists is the same MSR */
static void add_atomic_switch_msr(struct vcpu_vmx *vmx, u32 msr,
				  u64 guest_val, u64 host_val)
{
	struct msr_autoload *m = &vmx->msr_autoload;

	m->guest.val[m->guest.nr].index = msr;
	m->guest.val[m->guest.nr++].value = guest_val;
	m->host.val[m->host.nr].index = msr;
	m->host.val[m->host.nr++].value = host_val;
}

struct kvm_vcpu *vmx_vcpu_create(void)
{
	struct vcpu_vmx *vmx;
	struct page *page;
	int cpu;

	for_each_possible_cpu(cpu)
		INIT_LIST_HEAD(&per_cpu(loaded_vmcss_on_cpu, cpu));

	vmx = kzalloc(sizeof(*vmx), GFP_KERNEL_ACCOUNT);
	if (!vmx)
		return ERR_PTR(-ENOMEM);

	/* alloc_vmcs_cpu(): one zeroed page on the node of its CPU */
	page = alloc_pages_node(cpu_to_node(VMX_SIM_CPU),
				GFP_KERNEL_ACCOUNT | __GFP_ZERO, 0);
	if (!page) {
		kfree(vmx);
		return ERR_PTR(-ENOMEM);
	}
	vmx->vmcs01.vmcs = page_address(page);
	vmcs_config.size = PAGE_SIZE;
	vmcs_config.revision_id = VMX_SIM_REVISION_ID;
	vmcs_config.misc = VMX_SIM_VMX_MISC;
	vmx->vmcs01.vmcs->hdr.revision_id = vmcs_config.revision_id;
	vmx->vmcs01.cpu = -1;
	INIT_LIST_HEAD(&vmx->vmcs01.loaded_vmcss_on_cpu_link);
	vmx->loaded_vmcs = &vmx->vmcs01;

	/*
	 * atomic_switch_perf_msrs() on a host using PEBS, on a CPU without
	 * the VM-entry/exit "load IA32_PERF_GLOBAL_CTRL" controls.
	 */
	add_atomic_switch_msr(vmx, MSR_CORE_PERF_GLOBAL_CTRL, 0, 0x70000000fULL);
	add_atomic_switch_msr(vmx, MSR_IA32_PEBS_ENABLE, 0, 2);

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

/* vmx_vcpu_load_vmcs(), without VMCLEAR/VMPTRLD */
void vmx_vcpu_load(struct kvm_vcpu *vcpu, int cpu)
{
	struct loaded_vmcs *lv = to_vmx(vcpu)->loaded_vmcs;
	bool already_loaded = lv->cpu == cpu;

	if (!already_loaded) {
		if (lv->cpu >= 0)	/* loaded_vmcs_clear() */
			list_del(&lv->loaded_vmcss_on_cpu_link);
		local_irq_disable();
		list_add(&lv->loaded_vmcss_on_cpu_link,
			 &per_cpu(loaded_vmcss_on_cpu, cpu));
		local_irq_enable();
	}
	if (per_cpu(current_vmcs, cpu) != lv->vmcs)
		per_cpu(current_vmcs, cpu) = lv->vmcs;
	if (!already_loaded) {
		lv->cpu = cpu;
		lv->launched = 1;	/* as after an earlier VMLAUNCH here */
	}
}

unsigned int vmx_vcpu_run_flags(struct vcpu_vmx *vmx)
{
	return vmx->loaded_vmcs->launched ? VMX_RUN_VMRESUME : 0;
}

void vmx_update_host_rsp(struct vcpu_vmx *vmx, unsigned long host_rsp)
{
	vmx->loaded_vmcs->host_state.rsp = host_rsp;
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
	KTGT_OFFSET("vmcs01", struct vcpu_vmx, vmcs01);
	KTGT_OFFSET("loaded_vmcs", struct vcpu_vmx, loaded_vmcs);
	KTGT_OFFSET("msr_autoload", struct vcpu_vmx, msr_autoload);
	KTGT_OFFSET("msr_autoload_guest", struct vcpu_vmx, msr_autoload.guest);
	KTGT_OFFSET("msr_autoload_host", struct vcpu_vmx, msr_autoload.host);
	KTGT_OFFSET("msr_autoload_guest_nr", struct vcpu_vmx, msr_autoload.guest.nr);
	KTGT_OFFSET("msr_autoload_guest_entries", struct vcpu_vmx, msr_autoload.guest.val);
	KTGT_OFFSET("msr_autoload_host_nr", struct vcpu_vmx, msr_autoload.host.nr);
	KTGT_OFFSET("msr_autoload_host_entries", struct vcpu_vmx, msr_autoload.host.val);
	KTGT_OFFSET("loaded_vmcs_vmcs", struct loaded_vmcs, vmcs);
	KTGT_OFFSET("loaded_vmcs_cpu", struct loaded_vmcs, cpu);
	KTGT_OFFSET("loaded_vmcs_launched", struct loaded_vmcs, launched);
	KTGT_OFFSET("loaded_vmcs_link", struct loaded_vmcs, loaded_vmcss_on_cpu_link);
	KTGT_OFFSET("vmcs_abort", struct vmcs, abort);

	KTGT("loaded_vmcs.addr %px", lv);
	KTGT("loaded_vmcs.is_vmcs01 %d", lv == &vmx->vmcs01);
	KTGT("loaded_vmcs.cpu %d", lv->cpu);
	KTGT("loaded_vmcs.launched %d", lv->launched);
	KTGT("host_rsp %px", (void *)lv->host_state.rsp);
	KTGT("vmcs.addr %px", vmcs);
	KTGT("vmcs.pa 0x%016llx", (u64)__pa(vmcs));
	KTGT("vmcs.size %lu", PAGE_SIZE);
	KTGT("vmcs.revision_id %u", vmcs->hdr.revision_id);
	KTGT("vmcs.abort %u", vmcs->abort);
	KTGT("vmcs_config.addr %px", &vmcs_config);
	KTGT("vmcs_config.revision_id %u", vmcs_config.revision_id);
	KTGT("vmcs_config.misc 0x%llx", vmcs_config.misc);

	KTGT("percpu.cpu %d", VMX_SIM_CPU);
	KTGT("percpu.cpu_offset %px", (void *)__per_cpu_offset[VMX_SIM_CPU]);
	KTGT("percpu.current_vmcs %px", per_cpu_ptr(&current_vmcs, VMX_SIM_CPU));
	KTGT("percpu.current_vmcs_value %px", per_cpu(current_vmcs, VMX_SIM_CPU));
	KTGT("percpu.loaded_vmcss_on_cpu %px", on_cpu);
	KTGT("percpu.loaded_vmcss_on_cpu_next %px", on_cpu->next);

	vmx_sim_report_msrs("guest", vmx->msr_autoload.guest.nr,
			    vmx->msr_autoload.guest.val);
	vmx_sim_report_msrs("host", vmx->msr_autoload.host.nr,
			    vmx->msr_autoload.host.val);
}

MODULE_DESCRIPTION("Simulated VMX-abort hang of a vCPU thread, Linux 6.1 kvm_intel layouts");
