// SPDX-License-Identifier: GPL-2.0
/*
 * A vCPU thread stuck in VM entry, as after a VMX abort; shared by ktest_vmx61
 * and ktest_vmx310, which supply the kvm_intel layouts (vmx_sim.h).
 *
 * A user thread named like QEMU's vCPU threads ("CPU 0/KVM", lab/guest/kvmloop.c
 * -s) opens /dev/ktest_vmx and issues KVM_RUN on CPU 1. The ioctl runs a call
 * chain named and shaped like kvm's (virt/kvm/kvm_main.c, arch/x86/kvm/x86.c,
 * vmx.c). The vendor call is an indirect call through an ops table, as
 * kvm_x86_ops->run() in 3.10 (6.1 uses a static call there):
 *
 *   kvm_vcpu_ioctl -> kvm_arch_vcpu_ioctl_run -> vcpu_run -> vcpu_enter_guest
 *     -> kvm_x86_ops_sim->run == vmx_vcpu_run -> __vmx_vcpu_run
 *
 * With interrupts off, __vmx_vcpu_run() writes the VMX-abort indicator into
 * the current VMCS and sends its own CPU an NMI through the local APIC ICR. The
 * NMI handler never returns, so NMIs stay blocked on CPU 1 and the crash NMI
 * of the dump is never taken: like a CPU in the VMX-abort shutdown state, CPU 1
 * leaves no registers in the dump. Its NMI pt_regs stay on its NMI stack.
 * TCG takes a pending interrupt at the start of the next translation block:
 * WRMSR ends a block, an xAPIC MMIO write does not, so a jump to the next
 * instruction follows it. Either way the NMI interrupts the PC recorded by
 * the inline asm.
 *
 * Every fact an analyser should recover is printed as "KTGT vmx.<key> <value>"
 * (lab/CONTRACT.md); lab/scenarios/vmx-sim-6.1.md describes the keys.
 */
#include <linux/delay.h>
#include <linux/kvm_host.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/sched/mm.h>
#include <linux/sched/task_stack.h>
#include <linux/vmalloc.h>
#include <asm/apic.h>
#include <asm/nmi.h>

#include "vmx_sim.h"

/* Each level keeps its own frame, name and return address, as in kvm. */
#define __vcpu_frame	noinline __noipa

/* Frames of the stuck thread, innermost first. */
enum {
	FRAME___VMX_VCPU_RUN,
	FRAME_VMX_VCPU_RUN,
	FRAME_VCPU_ENTER_GUEST,
	FRAME_VCPU_RUN,
	FRAME_KVM_ARCH_VCPU_IOCTL_RUN,
	FRAME_KVM_VCPU_IOCTL,
	FRAME_SYSCALL,		/* the ioctl syscall that called kvm_vcpu_ioctl */
	NR_FRAMES
};

static const char * const frame_func[NR_FRAMES] = {
	[FRAME___VMX_VCPU_RUN]		= "__vmx_vcpu_run",
	[FRAME_VMX_VCPU_RUN]		= "vmx_vcpu_run",
	[FRAME_VCPU_ENTER_GUEST]	= "vcpu_enter_guest",
	[FRAME_VCPU_RUN]		= "vcpu_run",
	[FRAME_KVM_ARCH_VCPU_IOCTL_RUN]	= "kvm_arch_vcpu_ioctl_run",
	[FRAME_KVM_VCPU_IOCTL]		= "kvm_vcpu_ioctl",
};

/* frame_ret[n]: where frame n resumes when frame n - 1 returns. */
static unsigned long frame_ret[NR_FRAMES];

#define record_caller(frame) \
	(frame_ret[(frame) + 1] = (unsigned long)__builtin_return_address(0))

static unsigned long vmx_sim_pc;	/* PC of the ICR write's successor */
static bool vmx_sim_armed;

static struct kvm *vmx_sim_kvm;
static struct kvm_vcpu *vmx_sim_vcpu;

/* Shaped like the 3.10 kvm_x86_ops that vcpu_enter_guest() called through. */
struct kvm_x86_ops_sim {
	void (*vcpu_load)(struct kvm_vcpu *vcpu, int cpu);
	void (*run)(struct kvm_vcpu *vcpu);
};

static void vmx_vcpu_run(struct kvm_vcpu *vcpu);

static struct kvm_x86_ops_sim vmx_x86_ops = {
	.vcpu_load	= vmx_vcpu_load,
	.run		= vmx_vcpu_run,
};

/* Set at init, so that the compiler cannot make the call a direct one. */
static struct kvm_x86_ops_sim *kvm_x86_ops_sim __read_mostly;

#define KTGT(fmt, ...)	pr_info("KTGT vmx." fmt "\n", ##__VA_ARGS__)

void vmx_sim_report_msrs(const char *list, unsigned int nr,
			 const struct vmx_msr_entry *e)
{
	unsigned int i;

	KTGT("msr_autoload.%s.nr %u", list, nr);
	KTGT("msr_autoload.%s.addr %px", list, e);
	/* What VM_ENTRY_MSR_LOAD_ADDR / VM_EXIT_MSR_LOAD_ADDR would hold */
	KTGT("msr_autoload.%s.pa 0x%016llx", list, (u64)__pa(e));
	for (i = 0; i < nr; i++) {
		KTGT("msr_autoload.%s.entry.%u.index %u", list, i, e[i].index);
		KTGT("msr_autoload.%s.entry.%u.value %llu", list, i, e[i].value);
	}
}

/* Printed on CPU 1 right before the NMI, with interrupts off. */
static noinline void vmx_sim_report(struct kvm_vcpu *vcpu, unsigned int flags,
				    u32 apicid)
{
	int i;

	KTGT("layout %s", vmx_sim_layout);
	KTGT("module %s", KBUILD_MODNAME);
	KTGT("task.addr %px", current);
	KTGT("task.pid %d", task_pid_nr(current));
	KTGT("task.tgid %d", task_tgid_nr(current));
	KTGT("task.comm %s", current->comm);
	KTGT("task.cpu %d", task_cpu(current));
	KTGT("task.stack %px", task_stack_page(current));
	KTGT("kvm %px", vcpu->kvm);
	KTGT("kvm_vcpu %px", vcpu);
	KTGT("vcpu.cpu %d", vcpu->cpu);
	KTGT("vcpu.vcpu_id %d", vcpu->vcpu_id);
	KTGT("vcpu.mode %d", READ_ONCE(vcpu->mode));
	KTGT("vcpu.mutex_owner %px", /* the owner word without MUTEX_FLAGS */
	     (void *)(atomic_long_read(&vcpu->mutex.owner) & ~0x07UL));
	KTGT("vcpu.run_flags %u", flags);
	KTGT("offset.kvm_vcpu_cpu %zu", offsetof(struct kvm_vcpu, cpu));
	KTGT("offset.kvm_vcpu_vcpu_id %zu", offsetof(struct kvm_vcpu, vcpu_id));
	KTGT("offset.kvm_vcpu_mode %zu", offsetof(struct kvm_vcpu, mode));
	KTGT("ops.ptr %px", &kvm_x86_ops_sim);
	KTGT("ops.table %px", kvm_x86_ops_sim);
	KTGT("ops.run_offset %zu", offsetof(struct kvm_x86_ops_sim, run));
	KTGT("ops.run %px", kvm_x86_ops_sim->run);
	KTGT("apic.mode %s", x2apic_mode ? "x2apic" : "xapic");
	KTGT("apic.id %u", apicid);
	KTGT("frames.0.func %s", frame_func[0]);
	for (i = 1; i < NR_FRAMES; i++) {
		if (frame_func[i])
			KTGT("frames.%d.func %s", i, frame_func[i]);
		else
			KTGT("frames.%d.func %ps", i, (void *)frame_ret[i]);
		KTGT("frames.%d.ret %px", i, (void *)frame_ret[i]);
	}
	vmx_sim_report_layout(to_vmx(vcpu));
}

/* Printed from the NMI; CPU 0 writes it out at its next console flush. */
static void vmx_sim_report_nmi(struct pt_regs *regs)
{
	unsigned long vcpu = (unsigned long)vmx_sim_vcpu;
	unsigned long *lo = task_stack_page(current);
	unsigned long *hi = lo + THREAD_SIZE / sizeof(*lo);
	unsigned long *p = (unsigned long *)regs->sp;
	static const struct {
		const char *name;
		size_t off;
	} gpr[] = {
#define GPR(r)	{ #r, offsetof(struct pt_regs, r) }
		GPR(bx), GPR(bp), GPR(r12), GPR(r13), GPR(r14), GPR(r15),
		GPR(di), GPR(si), GPR(ax), GPR(cx), GPR(dx),
#undef GPR
	};
	char in_regs[64] = "";
	int i, n;

	KTGT("frames.0.pc %px", (void *)vmx_sim_pc);
	KTGT("nmi.cpu %d", smp_processor_id());
	KTGT("nmi.regs %px", regs);
	KTGT("nmi.ip %px", (void *)regs->ip);
	KTGT("nmi.ip_is_pc %d", regs->ip == vmx_sim_pc);
	KTGT("nmi.sp %px", (void *)regs->sp);
	KTGT("nmi.flags 0x%lx", regs->flags);
	for (i = 0; i < ARRAY_SIZE(gpr); i++) {
		unsigned long v = *(unsigned long *)((char *)regs + gpr[i].off);

		KTGT("nmi.%s %px", gpr[i].name, (void *)v);
		if (v == vcpu)
			snprintf(in_regs + strlen(in_regs),
				 sizeof(in_regs) - strlen(in_regs), "%s%s",
				 in_regs[0] ? "," : "", gpr[i].name);
	}
	KTGT("nmi.vcpu_regs %s", in_regs[0] ? in_regs : "none");

	/* Where the return addresses and the vCPU pointer sit on the stack */
	if (p >= lo && p < hi) {
		for (i = 1, n = 0; p < hi; p++) {
			if (i < NR_FRAMES && *p == frame_ret[i])
				KTGT("frames.%d.slot %px", i++, p);
			if (*p == vcpu && n < 16)
				KTGT("stack.vcpu_slots.%d %px", n++, p);
		}
	}
	KTGT("nmi.stuck 1");
}

static int vmx_sim_nmi(unsigned int type, struct pt_regs *regs)
{
	if (!READ_ONCE(vmx_sim_armed) || smp_processor_id() != VMX_SIM_CPU)
		return NMI_DONE;

	vmx_sim_report_nmi(regs);
	/* Never return: NMIs stay blocked, as in the VMX-abort shutdown state. */
	for (;;)
		cpu_relax();
	return NMI_HANDLED;
}

/*
 * The self-NMI: save @vmx and @regs on the stack as vmenter.S does, record the
 * PC after the ICR write (label 1) and write the ICR. The compiler's DWARF CFI
 * does not see pushes inside inline asm, so say them, for DWARF unwinders to
 * agree with ORC (which objtool derives from the code itself).
 */
#ifdef __GCC_HAVE_DWARF2_CFI_ASM
#define CFI_ADJUST(n)	".cfi_adjust_cfa_offset " #n "\n\t"
#else
#define CFI_ADJUST(n)
#endif

#define SELF_NMI_ENTER				\
	"push %[vmx]\n\t" CFI_ADJUST(8)		\
	"push %[regs]\n\t" CFI_ADJUST(8)		\
	"lea 1f(%%rip), %%rax\n\t"		\
	"mov %%rax, %[pc]\n\t"

#define SELF_NMI_EXIT				\
	"1:\n\t"					\
	"pop %[regs]\n\t" CFI_ADJUST(-8)		\
	"pop %[vmx]\n\t" CFI_ADJUST(-8)

static __vcpu_frame bool __vmx_vcpu_run(struct vcpu_vmx *vmx,
					unsigned long *regs, unsigned int flags)
{
	u32 apicid = this_cpu_read(x86_cpu_to_apicid);

	record_caller(FRAME___VMX_VCPU_RUN);
	vmx_update_host_rsp(vmx, current_stack_pointer);

	/* The VM exit fails to load the host MSRs: the CPU records a VMX abort. */
	vmx_abort(vmx, VMX_ABORT_LOAD_HOST_MSR_FAIL);
	vmx_sim_report(vmx_to_vcpu(vmx), flags, apicid);

	/* ... and shuts down. */
	WRITE_ONCE(vmx_sim_armed, true);
	if (x2apic_mode) {
		asm volatile(SELF_NMI_ENTER
			     "mov %[icr], %%eax\n\t"
			     "wrmsr\n"
			     SELF_NMI_EXIT
			     : [vmx] "+r" (vmx), [regs] "+r" (regs),
			       [pc] "=m" (vmx_sim_pc)
			     : [icr] "i" (APIC_DEST_PHYSICAL | APIC_DM_NMI),
			       "c" (APIC_BASE_MSR + (APIC_ICR >> 4)),
			       "d" (apicid)
			     : "rax", "memory");
	} else {
		apic_wait_icr_idle();
		apic_write(APIC_ICR2, SET_XAPIC_DEST_FIELD(apicid));
		asm volatile(SELF_NMI_ENTER
			     "movl %[icr], (%[icr_reg])\n\t"
			     "jmp 1f\n"	/* ends the TCG block */
			     SELF_NMI_EXIT
			     : [vmx] "+r" (vmx), [regs] "+r" (regs),
			       [pc] "=m" (vmx_sim_pc)
			     : [icr] "i" (APIC_DEST_PHYSICAL | APIC_DM_NMI),
			       [icr_reg] "r" (APIC_BASE + APIC_ICR)
			     : "rax", "memory");
	}

	/* Only reached if the NMI did not come. */
	mdelay(1000);
	WRITE_ONCE(vmx_sim_armed, false);
	KTGT("nmi.stuck 0");
	return true;
}

static __vcpu_frame void vmx_vcpu_run(struct kvm_vcpu *vcpu)
{
	struct vcpu_vmx *vmx = to_vmx(vcpu);

	record_caller(FRAME_VMX_VCPU_RUN);
	if (__vmx_vcpu_run(vmx, vcpu->arch.regs, vmx_vcpu_run_flags(vmx)))
		vcpu->run->exit_reason = KVM_EXIT_FAIL_ENTRY;
}

static __vcpu_frame int vcpu_enter_guest(struct kvm_vcpu *vcpu)
{
	record_caller(FRAME_VCPU_ENTER_GUEST);
	preempt_disable();
	local_irq_disable();
	smp_store_release(&vcpu->mode, IN_GUEST_MODE);
	vcpu->arch.last_vmentry_cpu = vcpu->cpu;

	kvm_x86_ops_sim->run(vcpu);

	vcpu->mode = OUTSIDE_GUEST_MODE;
	local_irq_enable();
	preempt_enable();
	return vcpu->run->exit_reason == KVM_EXIT_FAIL_ENTRY ? -EIO : 0;
}

static __vcpu_frame int vcpu_run(struct kvm_vcpu *vcpu)
{
	int r;

	record_caller(FRAME_VCPU_RUN);
	vcpu->run->exit_reason = KVM_EXIT_UNKNOWN;
	r = vcpu_enter_guest(vcpu);
	vcpu->stat.exits++;
	return r;
}

/* Not static: declared in <linux/kvm_host.h>; kvm.ko is never loaded here. */
__vcpu_frame int kvm_arch_vcpu_ioctl_run(struct kvm_vcpu *vcpu)
{
	int cpu = get_cpu();
	int r;

	record_caller(FRAME_KVM_ARCH_VCPU_IOCTL_RUN);
	if (cpu != VMX_SIM_CPU) {
		put_cpu();
		pr_err("KVM_RUN must run on CPU %d, not %d\n", VMX_SIM_CPU, cpu);
		return -EINVAL;
	}
	/* vcpu_load() -> kvm_arch_vcpu_load() */
	kvm_x86_ops_sim->vcpu_load(vcpu, cpu);
	vcpu->cpu = cpu;
	put_cpu();

	r = vcpu_run(vcpu);

	/* vcpu_put() -> kvm_arch_vcpu_put() */
	vcpu->arch.last_host_tsc = rdtsc();
	return r;
}

static __vcpu_frame long kvm_vcpu_ioctl(struct file *filp, unsigned int ioctl,
					unsigned long arg)
{
	struct kvm_vcpu *vcpu = filp->private_data;
	struct pid *oldpid;
	long r;

	record_caller(FRAME_KVM_VCPU_IOCTL);
	if (ioctl != KVM_RUN)
		return -ENOTTY;
	if (mutex_lock_killable(&vcpu->mutex))
		return -EINTR;

	oldpid = rcu_access_pointer(vcpu->pid);
	if (oldpid != task_pid(current)) {
		rcu_assign_pointer(vcpu->pid, get_task_pid(current, PIDTYPE_PID));
		synchronize_rcu();
		put_pid(oldpid);
	}
	vcpu->wants_to_run = true;
	r = kvm_arch_vcpu_ioctl_run(vcpu);
	vcpu->wants_to_run = false;
	mutex_unlock(&vcpu->mutex);
	return r;
}

static int vmx_sim_open(struct inode *inode, struct file *filp)
{
	struct kvm *kvm = vmx_sim_kvm;

	mutex_lock(&kvm->lock);
	if (!kvm->mm) {
		kvm->mm = current->mm;
		mmgrab(kvm->mm);
		kvm->userspace_pid = task_pid_nr(current);
	}
	mutex_unlock(&kvm->lock);
	filp->private_data = vmx_sim_vcpu;
	return 0;
}

static const struct file_operations vmx_sim_fops = {
	.owner		= THIS_MODULE,
	.open		= vmx_sim_open,
	.unlocked_ioctl	= kvm_vcpu_ioctl,
	.llseek		= noop_llseek,
};

static struct miscdevice vmx_sim_dev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "ktest_vmx",
	.fops	= &vmx_sim_fops,
};

/* A VM with one vCPU, set up as kvm_create_vm() and kvm_vm_ioctl_create_vcpu() do. */
static int vmx_sim_create_vm(void)
{
	struct kvm *kvm;
	struct kvm_vcpu *vcpu;
	int r;

	kvm = vzalloc(sizeof(*kvm));	/* kvm_arch_alloc_vm() */
	if (!kvm)
		return -ENOMEM;
	refcount_set(&kvm->users_count, 1);
	mutex_init(&kvm->lock);
	xa_init(&kvm->vcpu_array);
	INIT_LIST_HEAD(&kvm->vm_list);

	vcpu = vmx_vcpu_create();
	if (IS_ERR(vcpu)) {
		r = PTR_ERR(vcpu);
		goto free_vm;
	}
	vcpu->kvm = kvm;
	vcpu->cpu = -1;
	vcpu->vcpu_id = 0;
	vcpu->vcpu_idx = 0;
	vcpu->mode = OUTSIDE_GUEST_MODE;
	mutex_init(&vcpu->mutex);
	vcpu->run = (struct kvm_run *)get_zeroed_page(GFP_KERNEL);
	if (!vcpu->run) {
		r = -ENOMEM;
		goto free_vcpu;
	}
	r = xa_insert(&kvm->vcpu_array, 0, vcpu, GFP_KERNEL);
	if (r)
		goto free_run;
	kvm->created_vcpus = 1;
	atomic_set(&kvm->online_vcpus, 1);

	vmx_sim_kvm = kvm;
	vmx_sim_vcpu = vcpu;
	return 0;

free_run:
	free_page((unsigned long)vcpu->run);
free_vcpu:
	vmx_vcpu_free(vcpu);
free_vm:
	vfree(kvm);
	return r;
}

static void vmx_sim_destroy_vm(void)
{
	struct kvm *kvm = vmx_sim_kvm;
	struct kvm_vcpu *vcpu = vmx_sim_vcpu;

	put_pid(rcu_dereference_protected(vcpu->pid, 1));
	free_page((unsigned long)vcpu->run);
	xa_destroy(&kvm->vcpu_array);
	vmx_vcpu_free(vcpu);
	if (kvm->mm)
		mmdrop(kvm->mm);
	vfree(kvm);
}

static int __init vmx_sim_init(void)
{
	int r;

	r = vmx_sim_create_vm();
	if (r)
		return r;
	kvm_x86_ops_sim = &vmx_x86_ops;

	r = register_nmi_handler(NMI_LOCAL, vmx_sim_nmi, 0, "ktest_vmx");
	if (r)
		goto destroy;
	r = misc_register(&vmx_sim_dev);
	if (r)
		goto unregister;
	pr_info("%s layout, /dev/%s ready\n", vmx_sim_layout, vmx_sim_dev.name);
	return 0;

unregister:
	unregister_nmi_handler(NMI_LOCAL, "ktest_vmx");
destroy:
	vmx_sim_destroy_vm();
	return r;
}

static void __exit vmx_sim_exit(void)
{
	misc_deregister(&vmx_sim_dev);
	unregister_nmi_handler(NMI_LOCAL, "ktest_vmx");
	vmx_sim_destroy_vm();
}

module_init(vmx_sim_init);
module_exit(vmx_sim_exit);
MODULE_LICENSE("GPL");
