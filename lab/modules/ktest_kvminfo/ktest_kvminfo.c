// SPDX-License-Identifier: GPL-2.0
/*
 * ktest_kvminfo - prints where a running KVM VM's objects are, as ground truth
 * for dumps of a host that runs an SVM guest (lab/scenarios/kvm-svm.sh).
 *
 * Writing a PID to /dev/ktest_kvminfo makes the module look through that
 * process's open files for its VM ("kvm-vm") and vCPU ("kvm-vcpu:0") files,
 * the anonymous-inode files whose private_data are the struct kvm and the
 * struct kvm_vcpu. It needs nothing exported by kvm.ko.
 *
 * struct vcpu_svm is private to kvm_amd: the head of it declared here has the
 * layout of arch/x86/kvm/svm/svm.h of the kernel built against (5.10: vmcb and
 * vmcb_pa; 5.12 on: vmcb, vmcb01, current_vmcb, asid), checked below against
 * the DWARF of Debian's kvm-amd.ko of each kernel the lab runs. Values that change while the vCPU runs (mode, cpu,
 * last exit code, counters) are one sample taken at the write, stamped with
 * the time: at dump time the vCPU thread may be anywhere in its loop.
 *
 * Ground truth: "KTGT svm.<key> <value>" (lab/CONTRACT.md, lab/scenarios/kvm-svm.md).
 */
#include <linux/build_bug.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/kvm_host.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/sched/task.h>
#include <linux/version.h>
#include <asm/svm.h>

/* The VMCB pair of 5.12+ ("KVM: SVM: introduce vmcb01 and vmcb02"). */
#define KVMINFO_HAS_VMCB01 (LINUX_VERSION_CODE >= KERNEL_VERSION(5, 12, 0))

#if KVMINFO_HAS_VMCB01
/* Linux 6.1 and 6.12 arch/x86/kvm/svm/svm.h */
struct kvm_vmcb_info {
	struct vmcb *ptr;
	unsigned long pa;
	int cpu;
	uint64_t asid_generation;
};

/* The first members of the 6.1 struct vcpu_svm; the rest is not needed. */
struct vcpu_svm_head {
	struct kvm_vcpu vcpu;
	/* vmcb always points at current_vmcb->ptr, it's purely a shorthand. */
	struct vmcb *vmcb;
	struct kvm_vmcb_info vmcb01;
	struct kvm_vmcb_info *current_vmcb;
	u32 asid;
};
#else
/* The first members of the 5.10 struct vcpu_svm (arch/x86/kvm/svm/svm.h). */
struct vcpu_svm_head {
	struct kvm_vcpu vcpu;
	struct vmcb *vmcb;
	unsigned long vmcb_pa;
};
#endif

/*
 * From the DWARF of Debian's kvm-amd.ko, package linux-image-RELEASE-dbg,
 * usr/lib/debug/lib/modules/RELEASE/kernel/arch/x86/kvm/kvm-amd.ko:
 *   pahole -C vcpu_svm kvm-amd.ko; pahole -C vmcb kvm-amd.ko
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0) && LINUX_VERSION_CODE < KERNEL_VERSION(6, 13, 0)
#define KVM_VCPU_SIZE	6480	/* 6.12.95+deb12-amd64 */
#define VMCB_SIZE	2672
#elif LINUX_VERSION_CODE >= KERNEL_VERSION(6, 1, 0) && LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
#define KVM_VCPU_SIZE	6552	/* 6.1.0-56-amd64 */
#define VMCB_SIZE	1764
#elif LINUX_VERSION_CODE >= KERNEL_VERSION(5, 10, 0) && LINUX_VERSION_CODE < KERNEL_VERSION(5, 11, 0)
#define KVM_VCPU_SIZE	10008	/* 5.10.0-46-amd64 */
#define VMCB_SIZE	2056
#else
#error "no struct vcpu_svm layout checked for this kernel"
#endif
static_assert(sizeof(struct kvm_vcpu) == KVM_VCPU_SIZE);
static_assert(offsetof(struct vcpu_svm_head, vcpu) == 0);
static_assert(offsetof(struct vcpu_svm_head, vmcb) == KVM_VCPU_SIZE);
#if KVMINFO_HAS_VMCB01
static_assert(offsetof(struct vcpu_svm_head, vmcb01) == KVM_VCPU_SIZE + 8);
static_assert(offsetof(struct vcpu_svm_head, current_vmcb) == KVM_VCPU_SIZE + 40);
static_assert(offsetof(struct vcpu_svm_head, asid) == KVM_VCPU_SIZE + 48);
static_assert(sizeof(struct kvm_vmcb_info) == 32);
#else
static_assert(offsetof(struct vcpu_svm_head, vmcb_pa) == KVM_VCPU_SIZE + 8);
#endif
static_assert(offsetof(struct vmcb, control.exit_code) == 112);
static_assert(offsetof(struct vmcb, control.exit_info_1) == 120);
static_assert(offsetof(struct vmcb, save) == 1024);
static_assert(sizeof(struct vmcb) == VMCB_SIZE);

/* A task's state member: "state" until 5.14 renamed it to "__state". */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(5, 14, 0)
#define KVMINFO_TASK_STATE(t)	READ_ONCE((t)->__state)
#else
#define KVMINFO_TASK_STATE(t)	READ_ONCE((t)->state)
#endif

#define KTGT(fmt, ...)	pr_info("KTGT svm." fmt "\n", ##__VA_ARGS__)

struct kvm_files {
	struct file *vm;
	struct file *vcpu;
};

static int kvminfo_match_fd(const void *arg, struct file *file, unsigned int fd)
{
	struct kvm_files *kf = (struct kvm_files *)arg;
	const char *name = file->f_path.dentry->d_name.name;

	if (!kf->vm && !strcmp(name, "kvm-vm"))
		kf->vm = get_file(file);
	else if (!kf->vcpu && !strcmp(name, "kvm-vcpu:0"))
		kf->vcpu = get_file(file);
	return 0;
}

static int kvminfo_find_files(pid_t nr, struct kvm_files *kf)
{
	struct task_struct *task;

	task = get_pid_task(find_vpid(nr), PIDTYPE_PID);
	if (!task)
		return -ESRCH;
	task_lock(task);
	if (task->files)
		iterate_fd(task->files, 0, kvminfo_match_fd, kf);
	task_unlock(task);
	put_task_struct(task);
	return kf->vm && kf->vcpu ? 0 : -ENOENT;
}

static void kvminfo_report_task(struct kvm_vcpu *vcpu)
{
	struct task_struct *task = NULL;
	struct pid *pid;

	rcu_read_lock();
	pid = rcu_dereference(vcpu->pid);
	if (pid)
		task = get_pid_task(pid, PIDTYPE_PID);
	rcu_read_unlock();
	if (!task) {
		KTGT("task.pid 0");
		return;
	}
	KTGT("task.addr %px", task);
	KTGT("task.pid %d", task_pid_nr(task));
	KTGT("task.tgid %d", task_tgid_nr(task));
	KTGT("task.comm %s", task->comm);
	KTGT("observed.task_cpu %d", task_cpu(task));
	KTGT("observed.task_on_cpu %d", READ_ONCE(task->on_cpu));
	KTGT("observed.task_state %u", (unsigned int)KVMINFO_TASK_STATE(task));
	put_task_struct(task);
}

static void kvminfo_report(struct kvm *kvm, struct kvm_vcpu *vcpu)
{
	struct vcpu_svm_head *svm = container_of(vcpu, struct vcpu_svm_head, vcpu);
	static unsigned int seq;
	struct vmcb *vmcb;

	KTGT("kvm %px", kvm);
	KTGT("kvm_vcpu %px", vcpu);
	KTGT("vcpu_svm %px", svm);
	KTGT("vm.online_vcpus %d", atomic_read(&kvm->online_vcpus));
	KTGT("vm.userspace_pid %d", kvm->userspace_pid);
	KTGT("vm.mm %px", kvm->mm);
	KTGT("vcpu.kvm %px", vcpu->kvm);
	KTGT("vcpu.vcpu_id %d", vcpu->vcpu_id);
	KTGT("vcpu.vcpu_idx %d", vcpu->vcpu_idx);
	KTGT("vcpu.run %px", vcpu->run);
	KTGT("sizeof.kvm_vcpu %zu", sizeof(struct kvm_vcpu));
	KTGT("offset.vmcb %zu", offsetof(struct vcpu_svm_head, vmcb));
#if KVMINFO_HAS_VMCB01
	KTGT("offset.vmcb01 %zu", offsetof(struct vcpu_svm_head, vmcb01));
	KTGT("offset.current_vmcb %zu", offsetof(struct vcpu_svm_head, current_vmcb));
#endif
	KTGT("offset.vmcb_exit_code %zu", offsetof(struct vmcb, control.exit_code));
	KTGT("offset.kvm_vcpu_mode %zu", offsetof(struct kvm_vcpu, mode));
	KTGT("offset.kvm_vcpu_cpu %zu", offsetof(struct kvm_vcpu, cpu));

	vmcb = READ_ONCE(svm->vmcb);
	KTGT("vmcb.addr %px", vmcb);
	KTGT("vmcb.pa 0x%016llx", (u64)__pa(vmcb));
#if KVMINFO_HAS_VMCB01
	KTGT("vmcb01.ptr %px", svm->vmcb01.ptr);
	KTGT("vmcb01.pa 0x%016lx", svm->vmcb01.pa);
	KTGT("current_vmcb %px", svm->current_vmcb);
	KTGT("vmcb01.is_current %d", svm->current_vmcb == &svm->vmcb01);
	KTGT("asid %u", svm->asid);
#else
	KTGT("vmcb_pa 0x%016lx", svm->vmcb_pa);
#endif

	/* One sample of a running vCPU, and when it was taken */
	KTGT("observed.seq %u", ++seq);
	KTGT("observed.ktime_ns %llu", ktime_get_ns());
	KTGT("observed.jiffies %lu", jiffies);
	KTGT("observed.by_cpu %d", raw_smp_processor_id());
	KTGT("observed.mode %d", READ_ONCE(vcpu->mode));
	KTGT("observed.cpu %d", READ_ONCE(vcpu->cpu));
	KTGT("observed.exit_code %u", READ_ONCE(vmcb->control.exit_code));
	KTGT("observed.exit_code_hi %u", READ_ONCE(vmcb->control.exit_code_hi));
	KTGT("observed.exit_info_1 0x%llx", READ_ONCE(vmcb->control.exit_info_1));
	KTGT("observed.run_exit_reason %u", READ_ONCE(vcpu->run->exit_reason));
	KTGT("observed.exits %llu", READ_ONCE(vcpu->stat.exits));
	KTGT("observed.io_exits %llu", READ_ONCE(vcpu->stat.io_exits));
	kvminfo_report_task(vcpu);
}

static ssize_t kvminfo_write(struct file *filp, const char __user *buf,
			     size_t count, loff_t *ppos)
{
	struct kvm_files kf = {};
	struct kvm_vcpu *vcpu;
	struct kvm *kvm;
	pid_t nr;
	int r;

	r = kstrtoint_from_user(buf, count, 10, &nr);
	if (r)
		return r;
	r = kvminfo_find_files(nr, &kf);
	if (r) {
		pr_err("no kvm-vm and kvm-vcpu:0 files in process %d\n", nr);
		goto out;
	}
	/* The VM file holds a reference on the kvm, which holds its vCPUs. */
	kvm = kf.vm->private_data;
	vcpu = kf.vcpu->private_data;
	if (vcpu->kvm != kvm) {
		pr_err("kvm-vcpu:0 of process %d is not from its kvm-vm\n", nr);
		r = -EINVAL;
		goto out;
	}
	kvminfo_report(kvm, vcpu);
	r = count;
out:
	if (kf.vcpu)
		fput(kf.vcpu);
	if (kf.vm)
		fput(kf.vm);
	return r;
}

static const struct file_operations kvminfo_fops = {
	.owner	= THIS_MODULE,
	.write	= kvminfo_write,
	.llseek	= noop_llseek,
};

static struct miscdevice kvminfo_dev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "ktest_kvminfo",
	.fops	= &kvminfo_fops,
};

module_misc_device(kvminfo_dev);
MODULE_DESCRIPTION("Ground truth about a running KVM VM (struct kvm, vcpu_svm, VMCB)");
MODULE_LICENSE("GPL");
