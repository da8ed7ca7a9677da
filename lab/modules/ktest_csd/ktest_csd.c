// SPDX-License-Identifier: GPL-2.0
/*
 * ktest_csd - a synchronous cross-CPU function call that never completes.
 *
 * CPU 1: kthread ktest_csd_cli, once the scenario writes 1 to parameter go,
 * disables interrupts and spins forever, so it never takes the call-function
 * IPI.
 * CPU 0: kthread ktest_csd_call then calls smp_call_function_single(1,
 * ktest_csd_func, &ktest_csd_info, 1) and spins in csd_lock_wait() with
 * interrupts enabled but preemption disabled; the soft-lockup watchdog of
 * CPU 0 fires and, with softlockup_panic=1, panics. CPU 1 answers the crash
 * NMI (cli does not block NMIs), so both CPUs have registers in the dump.
 *
 * Ground truth is printed as "KTGT <key> <value>" lines (see lab/CONTRACT.md and
 * lab/scenarios/csd-hang.md). The module cannot be unloaded.
 */

#include <linux/delay.h>
#include <linux/err.h>
#include <linux/irqflags.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/smp.h>

#define KTEST_CLI_CPU	1
#define KTEST_CALL_CPU	0

/* What the call passes as info: lets the csd on the caller's stack be recognised. */
static struct {
	unsigned long magic;
	unsigned long calls;	/* never incremented: the function never runs */
} ktest_csd_info = { .magic = 0x6b74657374637364UL };

static bool ktest_cli_spinning;
static bool ktest_release;	/* never set */

/*
 * Written 1 by the scenario once insmod has returned and the module's init
 * memory is freed: those steps may IPI every CPU (kernel TLB flushes), which
 * CPU 1 would no longer answer.
 */
static bool go;
module_param(go, bool, 0644);
MODULE_PARM_DESC(go, "1: CPU 1 disables interrupts and spins, CPU 0 calls it");

static void ktest_report_task(const char *who)
{
	pr_info("KTGT %s.pid %d\n", who, task_pid_nr(current));
	pr_info("KTGT %s.comm %s\n", who, current->comm);
	pr_info("KTGT %s.task %px\n", who, current);
	pr_info("KTGT %s.cpu %d\n", who, raw_smp_processor_id());
}

static void ktest_report_frames(const char *who, const char *f0, const char *f1,
				unsigned long pc1, unsigned long pc2)
{
	pr_info("KTGT %s.frames.0.func %s\n", who, f0);
	pr_info("KTGT %s.frames.1.func %s\n", who, f1);
	pr_info("KTGT %s.frames.1.pc %px\n", who, (void *)pc1);
	pr_info("KTGT %s.frames.2.func kthread\n", who);
	pr_info("KTGT %s.frames.2.pc %px\n", who, (void *)pc2);
}

/* The function CPU 1 is asked to run: never runs. */
static void ktest_csd_func(void *info)
{
	WRITE_ONCE(ktest_csd_info.calls, ktest_csd_info.calls + 1);
}

/* CPU 1: interrupts off, spin. */
static noinline void ktest_csd_spin(unsigned long ret2)
{
	ktest_report_task("csd.target");
	ktest_report_frames("csd.target", __func__, "ktest_csd_cli_thread",
			    (unsigned long)__builtin_return_address(0), ret2);
	pr_info("KTGT csd.target.spin_func %s\n", __func__);
	pr_info("KTGT csd.target.spin_addr %px\n", ktest_csd_spin);

	local_irq_disable();
	WRITE_ONCE(ktest_cli_spinning, true);
	while (!READ_ONCE(ktest_release))
		cpu_relax();
	local_irq_enable();
}

static int ktest_csd_cli_thread(void *data)
{
	while (!READ_ONCE(go))
		msleep(10);
	ktest_csd_spin((unsigned long)__builtin_return_address(0));
	barrier();
	return 0;
}

/* CPU 0: the synchronous call, which waits for CPU 1 forever. */
static noinline void ktest_csd_call(unsigned long ret2)
{
	ktest_report_task("csd.caller");
	ktest_report_frames("csd.caller", __func__, "ktest_csd_call_thread",
			    (unsigned long)__builtin_return_address(0), ret2);
	pr_info("KTGT csd.target_cpu %d\n", KTEST_CLI_CPU);
	pr_info("KTGT csd.func %px\n", ktest_csd_func);
	pr_info("KTGT csd.func_name %ps\n", ktest_csd_func);
	pr_info("KTGT csd.info %px\n", &ktest_csd_info);
	pr_info("KTGT csd.wait 1\n");
	pr_info("KTGT csd.caller.spin_func smp_call_function_single\n");

	smp_call_function_single(KTEST_CLI_CPU, ktest_csd_func, &ktest_csd_info, 1);
	WRITE_ONCE(ktest_release, true);	/* no tail call: this frame stays */
}

static int ktest_csd_call_thread(void *data)
{
	/* Only once CPU 1 has interrupts off. */
	while (!READ_ONCE(ktest_cli_spinning))
		msleep(10);
	ktest_csd_call((unsigned long)__builtin_return_address(0));
	barrier();
	return 0;
}

static struct task_struct *ktest_create(int (*fn)(void *), int cpu,
					const char *name)
{
	struct task_struct *t = kthread_create(fn, NULL, "%s", name);

	if (!IS_ERR(t))
		kthread_bind(t, cpu);
	return t;
}

/*
 * Not __init: freeing a module's init sections (do_free_init) may flush the
 * kernel TLB with an IPI to every CPU, which CPU 1 would never answer.
 */
static int ktest_csd_init(void)
{
	struct task_struct *cli, *caller;

	if (!cpu_online(KTEST_CLI_CPU) || !cpu_online(KTEST_CALL_CPU)) {
		pr_err("ktest_csd: needs CPUs %d and %d online\n",
		       KTEST_CALL_CPU, KTEST_CLI_CPU);
		return -ENODEV;
	}
	/* Create both first: once CPU 1 spins, kthreadd may never run there. */
	cli = ktest_create(ktest_csd_cli_thread, KTEST_CLI_CPU, "ktest_csd_cli");
	caller = ktest_create(ktest_csd_call_thread, KTEST_CALL_CPU, "ktest_csd_call");
	if (IS_ERR(cli) || IS_ERR(caller)) {
		if (!IS_ERR(cli))
			kthread_stop(cli);
		if (!IS_ERR(caller))
			kthread_stop(caller);
		return -ENOMEM;
	}
	wake_up_process(cli);
	wake_up_process(caller);
	return 0;
}
module_init(ktest_csd_init);

/* No module_exit: CPU 1 never enables interrupts again. */

MODULE_DESCRIPTION("Test module: synchronous cross-CPU call to a CPU with interrupts off");
MODULE_LICENSE("GPL");
