// SPDX-License-Identifier: GPL-2.0
/*
 * ktest_oops - a page-fault oops in a kthread, three call levels deep.
 *
 * Kthread ktest_oopser, bound to CPU 1, calls ktest_oops_walk ->
 * ktest_oops_lookup -> ktest_oops_read, which reads obj->field. The chain
 * first runs once with a real object: that pass records the return address of
 * every level and the address of the load instruction, and prints them. Then
 * the same code runs with obj == NULL: the load faults at address
 * offsetof(struct ktest_oops_obj, field), an oops, and with oops=panic the
 * kernel panics ("Fatal exception") and kdump captures.
 *
 * Ground truth is printed as "KTGT <key> <value>" lines (see lab/CONTRACT.md and
 * lab/scenarios/oops.md). The module cannot be unloaded.
 */

#include <linux/delay.h>
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/stddef.h>

#define KTEST_OOPS_CPU	1
#define KTEST_FRAMES	5

struct ktest_oops_obj {
	unsigned long magic;
	struct list_head link;
	void *owner;
	unsigned long field;	/* read through a NULL object: faults at its offset */
};

static struct ktest_oops_obj ktest_oops_good = { .magic = 0x6b746573744f4f50UL };

/* Innermost first: frames.0 is the faulting function, its pc the load. */
static struct {
	const char *func[KTEST_FRAMES];
	unsigned long pc[KTEST_FRAMES];
} ktest_trace;

static unsigned long ktest_oops_sink;

/* The load runs in asm so that its address is known exactly (label 1). */
static noinline unsigned long ktest_oops_read(struct ktest_oops_obj *obj)
{
	unsigned long val, pc;

	ktest_trace.func[0] = __func__;
	ktest_trace.pc[1] = (unsigned long)__builtin_return_address(0);

	asm volatile("lea 1f(%%rip), %0\n\t"
		     "1: mov %c3(%2), %1"
		     : "=&r" (pc), "=r" (val)
		     : "r" (obj), "i" (offsetof(struct ktest_oops_obj, field))
		     : "memory");
	ktest_trace.pc[0] = pc;
	return val;
}

static noinline unsigned long ktest_oops_lookup(struct ktest_oops_obj *obj)
{
	unsigned long v;

	ktest_trace.func[1] = __func__;
	ktest_trace.pc[2] = (unsigned long)__builtin_return_address(0);

	v = ktest_oops_read(obj);
	WRITE_ONCE(ktest_oops_sink, ktest_oops_sink + v);	/* no tail call */
	return v;
}

static noinline unsigned long ktest_oops_walk(struct ktest_oops_obj *obj)
{
	unsigned long v;

	ktest_trace.func[2] = __func__;
	ktest_trace.pc[3] = (unsigned long)__builtin_return_address(0);

	v = ktest_oops_lookup(obj);
	WRITE_ONCE(ktest_oops_sink, ktest_oops_sink ^ v);	/* no tail call */
	return v;
}

static void ktest_oops_report(void)
{
	int i;

	pr_info("KTGT oops.pid %d\n", task_pid_nr(current));
	pr_info("KTGT oops.comm %s\n", current->comm);
	pr_info("KTGT oops.task %px\n", current);
	pr_info("KTGT oops.cpu %d\n", raw_smp_processor_id());
	pr_info("KTGT oops.fault_func %s\n", ktest_trace.func[0]);
	pr_info("KTGT oops.fault_func_addr %px\n", ktest_oops_read);
	pr_info("KTGT oops.fault_pc %px\n", (void *)ktest_trace.pc[0]);
	pr_info("KTGT oops.fault_sym %pS\n", (void *)ktest_trace.pc[0]);
	/* Not %px: a small value printed as %px reads as a decimal number. */
	pr_info("KTGT oops.bad_addr 0x%016lx\n",
		(unsigned long)offsetof(struct ktest_oops_obj, field));
	pr_info("KTGT oops.field_offset %zu\n",
		offsetof(struct ktest_oops_obj, field));
	pr_info("KTGT oops.lookup_addr %px\n", ktest_oops_lookup);
	pr_info("KTGT oops.walk_addr %px\n", ktest_oops_walk);
	for (i = 0; i < KTEST_FRAMES; i++) {
		pr_info("KTGT oops.frames.%d.func %s\n", i, ktest_trace.func[i]);
		pr_info("KTGT oops.frames.%d.pc %px\n", i, (void *)ktest_trace.pc[i]);
	}
}

/* The object the next pass reads: the real one, then NULL. */
static struct ktest_oops_obj *ktest_oops_target;

static int ktest_oopser_thread(void *data)
{
	ktest_trace.func[3] = __func__;
	ktest_trace.pc[4] = (unsigned long)__builtin_return_address(0);
	ktest_trace.func[4] = "kthread";

	/*
	 * One call site for both passes, so that they share their frames: the
	 * object is read from memory each time (no peeled first pass), and the
	 * loop ends only in the oops.
	 */
	WRITE_ONCE(ktest_oops_target, data);
	for (;;) {
		ktest_oops_walk(READ_ONCE(ktest_oops_target));
		ktest_oops_report();
		msleep(1000);
		WRITE_ONCE(ktest_oops_target, NULL);
	}
	return 0;
}

static int __init ktest_oops_init(void)
{
	struct task_struct *t;

	if (!cpu_online(KTEST_OOPS_CPU)) {
		pr_err("ktest_oops: needs CPU %d online\n", KTEST_OOPS_CPU);
		return -ENODEV;
	}
	t = kthread_create(ktest_oopser_thread, &ktest_oops_good, "ktest_oopser");
	if (IS_ERR(t))
		return PTR_ERR(t);
	kthread_bind(t, KTEST_OOPS_CPU);
	wake_up_process(t);
	return 0;
}
module_init(ktest_oops_init);

/* No module_exit: the thread dies in the oops. */

MODULE_DESCRIPTION("Test module: NULL-based pointer read oops in a kthread");
MODULE_LICENSE("GPL");
