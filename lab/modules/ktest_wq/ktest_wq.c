// SPDX-License-Identifier: GPL-2.0
/*
 * ktest_wq - a per-CPU workqueue pool that a work item never gives back.
 *
 * A work item queued on CPU 1's normal-priority pool (system_wq) loops forever
 * calling cond_resched(): the CPU stays schedulable (no soft lockup, RCU sees
 * quiescent states), but its worker never returns to the pool and stays
 * counted as running, so the pool wakes no other worker. Work items queued on
 * the same pool afterwards stay on pool->worklist: the pool is stalled, which
 * no lock scan sees.
 *
 * Ground truth is printed as "KTGT <key> <value>" lines (see lab/CONTRACT.md and
 * lab/scenarios/wq-stall.md). The module cannot be unloaded.
 */

#include <linux/completion.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/workqueue.h>

#define KTEST_WQ_CPU		1
#define KTEST_WQ_PENDING	3

static DECLARE_COMPLETION(ktest_wq_started);
static bool ktest_wq_release;	/* never set: the spinner never returns */

static noinline void ktest_wq_spin(struct work_struct *work)
{
	pr_info("KTGT wq.worker.pid %d\n", task_pid_nr(current));
	pr_info("KTGT wq.worker.comm %s\n", current->comm);
	pr_info("KTGT wq.worker.task %px\n", current);
	pr_info("KTGT wq.worker.cpu %d\n", raw_smp_processor_id());
	complete(&ktest_wq_started);
	while (!READ_ONCE(ktest_wq_release)) {
		cpu_relax();
		cond_resched();
	}
}

/* Three functions, so that each pending item has a name of its own. */
static noinline void ktest_wq_pending0(struct work_struct *work) { barrier(); }
static noinline void ktest_wq_pending1(struct work_struct *work) { barrier(); }
static noinline void ktest_wq_pending2(struct work_struct *work) { barrier(); }

static const struct {
	work_func_t func;
	const char *name;
} ktest_wq_pending_funcs[KTEST_WQ_PENDING] = {
	{ ktest_wq_pending0, "ktest_wq_pending0" },
	{ ktest_wq_pending1, "ktest_wq_pending1" },
	{ ktest_wq_pending2, "ktest_wq_pending2" },
};

static struct work_struct ktest_wq_spinner;
static struct work_struct ktest_wq_pending[KTEST_WQ_PENDING];

static int __init ktest_wq_init(void)
{
	int i;

	if (!cpu_online(KTEST_WQ_CPU)) {
		pr_err("ktest_wq: needs CPU %d online\n", KTEST_WQ_CPU);
		return -ENODEV;
	}

	pr_info("KTGT wq.cpu %d\n", KTEST_WQ_CPU);
	pr_info("KTGT wq.workqueue events\n");
	INIT_WORK(&ktest_wq_spinner, ktest_wq_spin);
	pr_info("KTGT wq.spinner.work %px\n", &ktest_wq_spinner);
	pr_info("KTGT wq.spinner.func ktest_wq_spin\n");
	queue_work_on(KTEST_WQ_CPU, system_wq, &ktest_wq_spinner);
	wait_for_completion(&ktest_wq_started);

	for (i = 0; i < KTEST_WQ_PENDING; i++) {
		INIT_WORK(&ktest_wq_pending[i], ktest_wq_pending_funcs[i].func);
		pr_info("KTGT wq.pending.%d.work %px\n", i, &ktest_wq_pending[i]);
		pr_info("KTGT wq.pending.%d.func %s\n", i, ktest_wq_pending_funcs[i].name);
		queue_work_on(KTEST_WQ_CPU, system_wq, &ktest_wq_pending[i]);
	}
	pr_info("KTGT wq.queued_jiffies %lu\n", jiffies);
	return 0;
}
module_init(ktest_wq_init);

/* No module_exit: the spinner never returns. */

MODULE_DESCRIPTION("Test module: a workqueue pool stalled by a work item that never returns");
MODULE_LICENSE("GPL");
