// SPDX-License-Identifier: GPL-2.0
/*
 * ktest_lockup - a soft lockup on both CPUs around one spinlock.
 *
 * A thread bound to CPU 1 takes ktest_lockup_lock and spins with it held
 * (spin_lock() keeps preemption off); a thread bound to CPU 0 then spins in
 * spin_lock() on the same lock. Neither CPU schedules again, so the soft-lockup
 * watchdog fires; with softlockup_panic=1 it panics and kdump NMIs the other
 * CPU, which is spinning with interrupts enabled.
 *
 * Ground truth is printed as "KTGT <key> <value>" lines (see lab/CONTRACT.md and
 * lab/scenarios/lockup.md) before either thread starts spinning. The module
 * cannot be unloaded.
 */

#include <linux/completion.h>
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/spinlock.h>

#define KTEST_HOLDER_CPU	1
#define KTEST_WAITER_CPU	0

static DEFINE_SPINLOCK(ktest_lockup_lock);
static DECLARE_COMPLETION(ktest_lock_held);
static bool ktest_release;	/* never set: the holder spins forever */

static void ktest_report_task(const char *who)
{
	pr_info("KTGT %s.pid %d\n", who, task_pid_nr(current));
	pr_info("KTGT %s.comm %s\n", who, current->comm);
	pr_info("KTGT %s.task %px\n", who, current);
	pr_info("KTGT %s.cpu %d\n", who, raw_smp_processor_id());
}

/*
 * Each thread's own call levels, innermost first: frames.0 is the function
 * that spins (holder) or calls spin_lock() (waiter); its pc lies inside the
 * loop or the spin_lock() call and is not recorded. frames.N.pc for N > 0 is
 * the return address into frames.N.func, recorded by the callee.
 */
static void ktest_report_frames(const char *who, const char *const func[3],
				const unsigned long pc[3])
{
	int i;

	for (i = 0; i < 3; i++) {
		pr_info("KTGT %s.frames.%d.func %s\n", who, i, func[i]);
		if (i)
			pr_info("KTGT %s.frames.%d.pc %px\n", who, i, (void *)pc[i]);
	}
}

static const char *ktest_holder_func[3];
static unsigned long ktest_holder_pc[3];

static noinline void ktest_lockup_hold(spinlock_t *lock)
{
	ktest_holder_func[0] = __func__;
	ktest_holder_pc[1] = (unsigned long)__builtin_return_address(0);
	ktest_report_task("lockup.holder");
	ktest_report_frames("lockup.holder", ktest_holder_func, ktest_holder_pc);

	spin_lock(lock);
	complete(&ktest_lock_held);
	while (!READ_ONCE(ktest_release))
		cpu_relax();
	spin_unlock(lock);
}

static int ktest_lockup_holder_thread(void *data)
{
	ktest_holder_func[1] = __func__;
	ktest_holder_func[2] = "kthread";
	ktest_holder_pc[2] = (unsigned long)__builtin_return_address(0);

	ktest_lockup_hold(data);
	barrier();
	return 0;
}

static const char *ktest_waiter_func[3];
static unsigned long ktest_waiter_pc[3];

static noinline void ktest_lockup_take(spinlock_t *lock)
{
	ktest_waiter_func[0] = __func__;
	ktest_waiter_pc[1] = (unsigned long)__builtin_return_address(0);
	ktest_report_task("lockup.waiter");
	ktest_report_frames("lockup.waiter", ktest_waiter_func, ktest_waiter_pc);

	spin_lock(lock);
	spin_unlock(lock);
}

static int ktest_lockup_waiter_thread(void *data)
{
	ktest_waiter_func[1] = __func__;
	ktest_waiter_func[2] = "kthread";
	ktest_waiter_pc[2] = (unsigned long)__builtin_return_address(0);

	ktest_lockup_take(data);
	barrier();
	return 0;
}

/* The lock is passed as thread data so that no call level gets specialised. */
static struct task_struct *ktest_create(int (*fn)(void *), int cpu,
					const char *name)
{
	struct task_struct *t = kthread_create(fn, &ktest_lockup_lock, "%s", name);

	if (!IS_ERR(t))
		kthread_bind(t, cpu);
	return t;
}

static int __init ktest_lockup_init(void)
{
	struct task_struct *holder, *waiter;

	if (!cpu_online(KTEST_HOLDER_CPU) || !cpu_online(KTEST_WAITER_CPU)) {
		pr_err("ktest_lockup: needs CPUs %d and %d online\n",
		       KTEST_WAITER_CPU, KTEST_HOLDER_CPU);
		return -ENODEV;
	}

	/* Create both first: once CPU 1 spins, kthreadd may never run there. */
	holder = ktest_create(ktest_lockup_holder_thread, KTEST_HOLDER_CPU,
			      "ktest_lkholder");
	waiter = ktest_create(ktest_lockup_waiter_thread, KTEST_WAITER_CPU,
			      "ktest_lkwaiter");
	if (IS_ERR(holder) || IS_ERR(waiter)) {
		if (!IS_ERR(holder))
			kthread_stop(holder);
		if (!IS_ERR(waiter))
			kthread_stop(waiter);
		return -ENOMEM;
	}

	pr_info("KTGT lockup.lock %px\n", &ktest_lockup_lock);
	wake_up_process(holder);
	wait_for_completion(&ktest_lock_held);
	wake_up_process(waiter);
	return 0;
}
module_init(ktest_lockup_init);

/* No module_exit: the lock is never released. */

MODULE_DESCRIPTION("Test module: soft lockup on a spinlock held forever");
MODULE_LICENSE("GPL");
