// SPDX-License-Identifier: GPL-2.0
/*
 * ktest_stuck - leaves CPU 1 stuck in NMI context so that it never answers the
 * kdump NMI, and leaves a mutex waiter in D state on CPU 0.
 *
 * CPU 1: a vCPU thread calls vcpu->ops->run(vcpu) through a few call levels.
 * The run callback disables interrupts and sends its own CPU an NMI by writing
 * the local APIC ICR; the NMI handler of this module then spins forever. NMIs
 * stay blocked until that handler returns, so the NMI that the panicking CPU
 * sends before kexec stays pending and the dump has no registers for CPU 1.
 * What is left to find them is the NMI pt_regs on CPU 1's NMI stack and the
 * thread's own stack, which also holds stale return addresses from an earlier
 * sleep and printk.
 *
 * CPU 0: one thread holds ktest_vm_lock and sleeps interruptibly, another blocks
 * in mutex_lock() on it (TASK_UNINTERRUPTIBLE) until the hung-task detector
 * reports it.
 *
 * With nmi_printk=1 the NMI handler on CPU 1 first prints one log line, and
 * only once that printk has returned does it spin: the return address of the
 * finished call stays on the NMI stack below the spinning handler
 * (lab/scenarios/nmi-printk.md).
 *
 * Ground truth is printed as "KTGT <key> <value>" lines (see lab/CONTRACT.md and
 * lab/scenarios/nmi-stuck.md). The module cannot be unloaded.
 */

#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/kallsyms.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/stddef.h>
#include <linux/sysfs.h>
#include <linux/timer.h>
#include <linux/version.h>
#include <asm/apic.h>
#include <asm/nmi.h>
#include <asm/smp.h>

/* The xAPIC ICR2 destination field; older kernels name it SET_APIC_DEST_FIELD. */
#ifndef SET_XAPIC_DEST_FIELD
#define SET_XAPIC_DEST_FIELD(x)	SET_APIC_DEST_FIELD(x)
#endif

#define KTEST_STUCK_CPU		1
#define KTEST_LOCK_CPU		0

struct ktest_vcpu;

/* A vendor ops table, called indirectly like kvm_x86_ops. */
struct ktest_vcpu_ops {
	int (*create)(struct ktest_vcpu *vcpu);
	void (*load)(struct ktest_vcpu *vcpu, int cpu);
	void (*put)(struct ktest_vcpu *vcpu);
	int (*run)(struct ktest_vcpu *vcpu);
	void (*destroy)(struct ktest_vcpu *vcpu);
};

struct ktest_vcpu {
	int vcpu_id;
	int cpu;
	unsigned long requests;
	u64 exits;
	const struct ktest_vcpu_ops *ops;
	bool armed;		/* false: run() exits without sending the NMI */
	bool kicked;
	u64 halts;
	struct task_struct *task;
	struct timer_list kick_timer;
};

enum {
	KTEST_EXIT_PROBE = 1,	/* run() returned without entering */
};

/*
 * Frames of the vCPU thread as an unwinder should see them on CPU 1, innermost
 * first: each call level stores its own name and its return address into its
 * caller (the caller's frame pc). pc[0] and sp are the NMI's interrupted
 * RIP/RSP. The first pass through the call chain (vcpu->armed == false) fills
 * this in; the second pass runs the same call sites from the same stack depth,
 * so the values are those of the stuck CPU.
 */
#define KTEST_FRAMES 5
static struct {
	const char *func[KTEST_FRAMES];
	unsigned long pc[KTEST_FRAMES];
	unsigned long sp;
} ktest_trace;

static bool ktest_nmi_armed;
static struct pt_regs *ktest_nmi_regs;	/* set by the NMI handler on CPU 1 */

static bool nmi_printk;
module_param(nmi_printk, bool, 0444);
MODULE_PARM_DESC(nmi_printk, "the NMI handler prints a line before it spins");

/* The line the printing NMI handler writes, and what it saw (read from CPU 0). */
#define KTEST_NMI_LINE "ktest_stuck: NMI handler on CPU 1 entered"
static struct {
	unsigned long ret;	/* return address of the handler's printk call */
	unsigned long sp;	/* the handler's stack pointer at that call */
	struct task_struct *task;	/* the task the NMI interrupted */
} ktest_nmi_printk;

static DEFINE_MUTEX(ktest_vm_lock);
static DECLARE_COMPLETION(ktest_lock_taken);

static int ktest_svm_vcpu_create(struct ktest_vcpu *vcpu)
{
	vcpu->requests = 0;
	return 0;
}

static void ktest_svm_vcpu_load(struct ktest_vcpu *vcpu, int cpu)
{
	WRITE_ONCE(vcpu->cpu, cpu);
}

static void ktest_svm_vcpu_put(struct ktest_vcpu *vcpu)
{
	WRITE_ONCE(vcpu->cpu, -1);
}

/* x2APIC mode, from IA32_APIC_BASE (x2apic_mode is not exported before 5.11). */
static bool ktest_x2apic(void)
{
	u64 base;

	rdmsrl(MSR_IA32_APICBASE, base);
	return base & X2APIC_ENABLE;
}

/*
 * Sends this CPU an NMI (physical destination = own APIC ID) if @fire, and
 * records the address of label 1 and the stack pointer there. TCG raises the
 * NMI during the ICR write but takes it at the next translation-block
 * boundary; the jmp right after the write ends the block, so the interrupted
 * RIP is exactly label 1. With !@fire the same code runs without the write.
 */
static __always_inline void ktest_self_nmi(bool fire, unsigned long *pc,
					   unsigned long *sp)
{
	u32 apicid = cpu_physical_id(smp_processor_id());

	if (ktest_x2apic()) {
		/* x2APIC: the ICR is MSR 0x830, destination in the high half. */
		asm volatile("lea 1f(%%rip), %0\n\t"
			     "mov %%rsp, %1\n\t"
			     "test %b5, %b5\n\t"
			     "jz 1f\n\t"
			     "wrmsr\n\t"
			     "jmp 1f\n"
			     "1:"
			     : "=&r" (*pc), "=&r" (*sp)
			     : "c" (APIC_BASE_MSR + (APIC_ICR >> 4)),
			       "a" (APIC_DM_NMI | APIC_DEST_PHYSICAL),
			       "d" (apicid), "q" (fire)
			     : "memory");
	} else {
		u32 *icr = (u32 *)(APIC_BASE + APIC_ICR);

		while (native_apic_mem_read(APIC_ICR) & APIC_ICR_BUSY)
			cpu_relax();
		native_apic_mem_write(APIC_ICR2, SET_XAPIC_DEST_FIELD(apicid));
		asm volatile("lea 1f(%%rip), %0\n\t"
			     "mov %%rsp, %1\n\t"
			     "test %b4, %b4\n\t"
			     "jz 1f\n\t"
			     "movl %3, (%2)\n\t"
			     "jmp 1f\n"
			     "1:"
			     : "=&r" (*pc), "=&r" (*sp)
			     : "r" (icr), "r" (APIC_DM_NMI | APIC_DEST_PHYSICAL),
			       "q" (fire)
			     : "memory");
	}
}

/* ops->run: the function CPU 1 is interrupted in. */
static noinline int ktest_svm_vcpu_run(struct ktest_vcpu *vcpu)
{
	unsigned long flags;

	ktest_trace.func[0] = __func__;
	ktest_trace.pc[1] = (unsigned long)__builtin_return_address(0);

	local_irq_save(flags);
	if (vcpu->armed)
		WRITE_ONCE(ktest_nmi_armed, true);
	ktest_self_nmi(vcpu->armed, &ktest_trace.pc[0], &ktest_trace.sp);
	local_irq_restore(flags);

	return KTEST_EXIT_PROBE;
}

static void ktest_svm_vcpu_destroy(struct ktest_vcpu *vcpu)
{
}

static const struct ktest_vcpu_ops ktest_svm_ops = {
	.create		= ktest_svm_vcpu_create,
	.load		= ktest_svm_vcpu_load,
	.put		= ktest_svm_vcpu_put,
	.run		= ktest_svm_vcpu_run,
	.destroy	= ktest_svm_vcpu_destroy,
};

static struct ktest_vcpu ktest_vcpu0 = {
	.vcpu_id = 0,
	.cpu = -1,
	.ops = &ktest_svm_ops,
};

static noinline int ktest_vcpu_enter_guest(struct ktest_vcpu *vcpu)
{
	int exit_reason;

	ktest_trace.func[1] = __func__;
	ktest_trace.pc[2] = (unsigned long)__builtin_return_address(0);

	exit_reason = vcpu->ops->run(vcpu);
	vcpu->exits++;
	return exit_reason;
}

static noinline int ktest_vcpu_ioctl_run(struct ktest_vcpu *vcpu)
{
	int r;

	ktest_trace.func[2] = __func__;
	ktest_trace.pc[3] = (unsigned long)__builtin_return_address(0);

	vcpu->ops->load(vcpu, raw_smp_processor_id());
	r = ktest_vcpu_enter_guest(vcpu);
	vcpu->ops->put(vcpu);
	return r;
}

static void ktest_report_task(const char *who)
{
	pr_info("KTGT %s.pid %d\n", who, task_pid_nr(current));
	pr_info("KTGT %s.comm %s\n", who, current->comm);
	pr_info("KTGT %s.task %px\n", who, current);
	pr_info("KTGT %s.cpu %d\n", who, raw_smp_processor_id());
}

static int ktest_stuck_nmi_handler(unsigned int type, struct pt_regs *regs);
static int ktest_stuck_nmi_printk_handler(unsigned int type, struct pt_regs *regs);

/* The handler CPU 1 spins in: the printing one with nmi_printk=1. */
static nmi_handler_t ktest_nmi_handler(void)
{
	return nmi_printk ? ktest_stuck_nmi_printk_handler : ktest_stuck_nmi_handler;
}

/* Everything about CPU 1 that the dump cannot tell by itself. */
static noinline void ktest_vcpu_report(struct ktest_vcpu *vcpu)
{
	int i;

	ktest_report_task("nmi");
	pr_info("KTGT nmi.vcpu %px\n", vcpu);
	pr_info("KTGT nmi.ops %px\n", vcpu->ops);
	pr_info("KTGT nmi.ops_offset %zu\n", offsetof(struct ktest_vcpu, ops));
	pr_info("KTGT nmi.run_offset %zu\n", offsetof(struct ktest_vcpu_ops, run));
	pr_info("KTGT nmi.run %px\n", vcpu->ops->run);
	pr_info("KTGT nmi.run_func %s\n", ktest_trace.func[0]);
	pr_info("KTGT nmi.handler %px\n", ktest_nmi_handler());
	pr_info("KTGT nmi.handler_func %ps\n", ktest_nmi_handler());
	pr_info("KTGT nmi.x2apic %d\n", ktest_x2apic() ? 1 : 0);
	pr_info("KTGT nmi.interrupted_pc %px\n", (void *)ktest_trace.pc[0]);
	pr_info("KTGT nmi.interrupted_sp %px\n", (void *)ktest_trace.sp);
	for (i = 0; i < KTEST_FRAMES; i++) {
		pr_info("KTGT nmi.frames.%d.func %s\n", i, ktest_trace.func[i]);
		pr_info("KTGT nmi.frames.%d.pc %px\n", i, (void *)ktest_trace.pc[i]);
	}
}

/* The kick timer: wakes the halted vCPU thread. */
static void ktest_vcpu_kick(struct timer_list *t)
{
	struct ktest_vcpu *vcpu = from_timer(vcpu, t, kick_timer);

	WRITE_ONCE(vcpu->kicked, true);
	wake_up_process(vcpu->task);
}

/*
 * Sleeps until kicked. After schedule() returns nothing here calls deeper, so
 * the frames of schedule() and __schedule() stay on the stack as leftovers,
 * and the thread's saved thread.sp keeps pointing at them.
 */
static noinline void ktest_vcpu_halt(struct ktest_vcpu *vcpu)
{
	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (READ_ONCE(vcpu->kicked))
			break;
		schedule();
	}
	__set_current_state(TASK_RUNNING);
}

/*
 * Exit handling a few calls deeper than the run path, as real vCPU exit
 * handling is: the printk and the sleep leave stale return addresses below
 * the frames that are live when CPU 1 gets stuck.
 */
static noinline void ktest_vcpu_wait_kick(struct ktest_vcpu *vcpu)
{
	pr_info("ktest_stuck: vcpu%d waiting for kick on CPU %d\n",
		vcpu->vcpu_id, raw_smp_processor_id());
	mod_timer(&vcpu->kick_timer, jiffies + msecs_to_jiffies(100));
	ktest_vcpu_halt(vcpu);
	vcpu->requests = 0;
}

static noinline void ktest_vcpu_block(struct ktest_vcpu *vcpu)
{
	ktest_vcpu_wait_kick(vcpu);
	vcpu->halts++;
}

static noinline void ktest_vcpu_handle_exit(struct ktest_vcpu *vcpu, int reason)
{
	if (reason != KTEST_EXIT_PROBE)
		return;
	ktest_vcpu_report(vcpu);
	ktest_vcpu_block(vcpu);
	/* No printk from here on: it would overwrite the stale frames. */
	vcpu->armed = true;
}

static int ktest_vcpu_thread(void *data)
{
	struct ktest_vcpu *vcpu = data;
	int reason;

	ktest_trace.func[3] = __func__;
	ktest_trace.pc[4] = (unsigned long)__builtin_return_address(0);
	ktest_trace.func[4] = "kthread";
	vcpu->task = current;

	vcpu->ops->create(vcpu);
	/* One call site: the probe pass and the stuck pass share their frames. */
	while (!kthread_should_stop()) {
		reason = ktest_vcpu_ioctl_run(vcpu);
		ktest_vcpu_handle_exit(vcpu, reason);
	}
	vcpu->ops->destroy(vcpu);
	return 0;
}

/*
 * Registered NMI_LOCAL: runs for the self-NMI. Never returns once armed, so
 * CPU 1 stays in NMI context with NMIs blocked. No printk here: the NMI's
 * view is reported from CPU 0 by reading the "stuck" parameter.
 */
static int ktest_stuck_nmi_handler(unsigned int type, struct pt_regs *regs)
{
	if (raw_smp_processor_id() != KTEST_STUCK_CPU || !READ_ONCE(ktest_nmi_armed))
		return NMI_DONE;

	WRITE_ONCE(ktest_nmi_regs, regs);
	for (;;)
		cpu_relax();
}

/*
 * The printing handler: one complete log line, and the spin starts only after
 * that printk has returned. The call pushes its return address at the stack
 * pointer the handler has at the call site (no argument goes on the stack),
 * and the finished callee leaves that slot as it was: reading it after the
 * call gives the return address. The stack pointer is taken right before the
 * call; the handler checks that the slot holds an address inside itself
 * (reported from CPU 0).
 */
static noinline int ktest_stuck_nmi_printk_handler(unsigned int type,
						   struct pt_regs *regs)
{
	unsigned long sp;

	if (raw_smp_processor_id() != KTEST_STUCK_CPU || !READ_ONCE(ktest_nmi_armed))
		return NMI_DONE;

	ktest_nmi_printk.task = current;
	asm volatile("mov %%rsp, %0" : "=r" (sp));
	pr_info(KTEST_NMI_LINE "\n");
	barrier();
	ktest_nmi_printk.sp = sp;
	ktest_nmi_printk.ret = *(unsigned long *)(sp - sizeof(long));

	WRITE_ONCE(ktest_nmi_regs, regs);
	for (;;)
		cpu_relax();
}

/* printk's entry point: _printk since 5.15 (printk became a macro for the printk index). */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(5, 15, 0)
#define KTEST_PRINTK_FN _printk
#else
#define KTEST_PRINTK_FN printk
#endif

/* What the printing handler recorded, and its own extent as kallsyms has it. */
static void ktest_report_nmi_printk(void)
{
	char sym[KSYM_SYMBOL_LEN];
	unsigned long start = (unsigned long)ktest_stuck_nmi_printk_handler;
	unsigned long off, size;
	struct task_struct *t = ktest_nmi_printk.task;
	bool inside;

	/* "%pS" is "NAME+0xOFF/0xSIZE [MODULE]". */
	snprintf(sym, sizeof(sym), "%pS", (void *)start);
	if (sscanf(strchr(sym, '+') ?: "", "+%lx/%lx", &off, &size) != 2 || off) {
		pr_info("KTLAB: no extent for the printing NMI handler: %s\n", sym);
		return;
	}
	inside = ktest_nmi_printk.ret > start && ktest_nmi_printk.ret < start + size;
	pr_info("KTGT nmi.printk.handler %px\n", (void *)start);
	pr_info("KTGT nmi.printk.handler_end %px\n", (void *)(start + size));
	pr_info("KTGT nmi.printk.handler_func %ps\n", (void *)start);
	pr_info("KTGT nmi.printk.callee %ps\n", (void *)KTEST_PRINTK_FN);
	pr_info("KTGT nmi.printk.callee_addr %px\n", (void *)KTEST_PRINTK_FN);
	pr_info("KTGT nmi.printk.line %s\n", KTEST_NMI_LINE);
	pr_info("KTGT nmi.printk.sp %px\n", (void *)ktest_nmi_printk.sp);
	pr_info("KTGT nmi.printk.ret_slot %px\n", (void *)(ktest_nmi_printk.sp - sizeof(long)));
	pr_info("KTGT nmi.printk.ret %px\n", (void *)ktest_nmi_printk.ret);
	pr_info("KTGT nmi.printk.ret_sym %pS\n", (void *)ktest_nmi_printk.ret);
	pr_info("KTGT nmi.printk.pid %d\n", task_pid_nr(t));
	pr_info("KTGT nmi.printk.comm %s\n", t->comm);
	pr_info("KTGT nmi.printk.task %px\n", t);
	if (!inside)
		pr_info("KTLAB: the printk return slot holds %px, not an address in the handler\n",
			(void *)ktest_nmi_printk.ret);
}

/*
 * /sys/module/ktest_stuck/parameters/stuck reads 1 once CPU 1 is in the NMI
 * handler. The first such read prints the interrupted registers as the NMI
 * saw them; a repeated key keeps the last value, so these are the ones that
 * count should the prediction printed by the vCPU thread be off.
 */
static int ktest_stuck_get(char *buf, const struct kernel_param *kp)
{
	static bool reported;
	struct pt_regs *regs = READ_ONCE(ktest_nmi_regs);

	if (regs && !reported) {
		reported = true;
		pr_info("KTGT nmi.regs %px\n", regs);
		pr_info("KTGT nmi.interrupted_pc %px\n", (void *)regs->ip);
		pr_info("KTGT nmi.frames.0.pc %px\n", (void *)regs->ip);
		pr_info("KTGT nmi.interrupted_sp %px\n", (void *)regs->sp);
		pr_info("KTGT nmi.state stuck\n");
		if (nmi_printk)
			ktest_report_nmi_printk();
	}
	return sysfs_emit(buf, "%d\n", regs ? 1 : 0);
}

static const struct kernel_param_ops ktest_stuck_ops = {
	.get = ktest_stuck_get,
};
module_param_cb(stuck, &ktest_stuck_ops, NULL, 0444);
MODULE_PARM_DESC(stuck, "1 once CPU 1 is stuck in the NMI handler");

/* CPU 0: holds ktest_vm_lock and sleeps in TASK_INTERRUPTIBLE. */
static int ktest_lock_holder_thread(void *data)
{
	mutex_lock(&ktest_vm_lock);
	ktest_report_task("mutex.holder");
	pr_info("KTGT mutex.holder.frames.0.func %s\n", __func__);
	pr_info("KTGT mutex.holder.frames.1.func kthread\n");
	pr_info("KTGT mutex.holder.frames.1.pc %px\n", __builtin_return_address(0));
	complete(&ktest_lock_taken);

	while (!kthread_should_stop())
		msleep_interruptible(60 * 1000);

	mutex_unlock(&ktest_vm_lock);
	return 0;
}

static noinline void ktest_lock_waiter_take(void)
{
	pr_info("KTGT mutex.waiter.frames.0.func %s\n", __func__);
	pr_info("KTGT mutex.waiter.frames.1.pc %px\n", __builtin_return_address(0));

	mutex_lock(&ktest_vm_lock);
	mutex_unlock(&ktest_vm_lock);
}

/* CPU 0: blocks in mutex_lock() in TASK_UNINTERRUPTIBLE. */
static int ktest_lock_waiter_thread(void *data)
{
	ktest_report_task("mutex.waiter");
	pr_info("KTGT mutex.waiter.frames.1.func %s\n", __func__);
	pr_info("KTGT mutex.waiter.frames.2.func kthread\n");
	pr_info("KTGT mutex.waiter.frames.2.pc %px\n", __builtin_return_address(0));

	ktest_lock_waiter_take();
	barrier();
	return 0;
}

static struct task_struct *ktest_create(int (*fn)(void *), void *data,
					int cpu, const char *name)
{
	struct task_struct *t = kthread_create(fn, data, "%s", name);

	if (!IS_ERR(t))
		kthread_bind(t, cpu);
	return t;
}

/*
 * Not __init: a module's init sections are freed by a work item after the load
 * (do_free_init), and on 5.10 that vfree flushes the kernel TLB on every CPU
 * with an IPI that stuck CPU 1 never answers, which would hang CPU 0 too. A
 * module without init sections has nothing to free.
 */
static int ktest_stuck_init(void)
{
	struct task_struct *holder, *waiter, *vcpu;
	int ret;

	if (!cpu_online(KTEST_STUCK_CPU) || !cpu_online(KTEST_LOCK_CPU)) {
		pr_err("ktest_stuck: needs CPUs %d and %d online\n",
		       KTEST_LOCK_CPU, KTEST_STUCK_CPU);
		return -ENODEV;
	}

	/* Create everything first: nothing can be undone once CPU 1 is gone. */
	holder = ktest_create(ktest_lock_holder_thread, NULL, KTEST_LOCK_CPU,
			      "ktest_holder");
	waiter = ktest_create(ktest_lock_waiter_thread, NULL, KTEST_LOCK_CPU,
			      "ktest_waiter");
	vcpu = ktest_create(ktest_vcpu_thread, &ktest_vcpu0, KTEST_STUCK_CPU,
			    "ktest_vcpu/1");
	if (nmi_printk)
		ret = register_nmi_handler(NMI_LOCAL, ktest_stuck_nmi_printk_handler,
					   0, "ktest_stuck");
	else
		ret = register_nmi_handler(NMI_LOCAL, ktest_stuck_nmi_handler, 0,
					   "ktest_stuck");
	if (IS_ERR(holder) || IS_ERR(waiter) || IS_ERR(vcpu) || ret) {
		if (!ret)
			unregister_nmi_handler(NMI_LOCAL, "ktest_stuck");
		if (!IS_ERR(holder))
			kthread_stop(holder);
		if (!IS_ERR(waiter))
			kthread_stop(waiter);
		if (!IS_ERR(vcpu))
			kthread_stop(vcpu);
		return ret ?: -ENOMEM;
	}

	timer_setup(&ktest_vcpu0.kick_timer, ktest_vcpu_kick, 0);
	wake_up_process(holder);
	wait_for_completion(&ktest_lock_taken);
	pr_info("KTGT mutex.addr %px\n", &ktest_vm_lock);
	pr_info("KTGT mutex.owner %px\n", holder);
	wake_up_process(waiter);
	wake_up_process(vcpu);
	return 0;
}
module_init(ktest_stuck_init);

/* No module_exit: CPU 1 never comes back, so the module cannot be unloaded. */

MODULE_DESCRIPTION("Test module: CPU stuck in NMI context, mutex waiter in D state");
MODULE_LICENSE("GPL");
