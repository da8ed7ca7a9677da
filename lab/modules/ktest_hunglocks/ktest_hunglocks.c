// SPDX-License-Identifier: GPL-2.0
/*
 * ktest_hunglocks - tasks blocked forever in D state on three kinds of lock,
 * for the hung-task detector to report (and, with hung_task_panic=1, panic).
 *
 * - Mutex deadlock: ktest_dlA takes ktest_m1, ktest_dlB takes ktest_m2; once
 *   both hold theirs, A calls mutex_lock(ktest_m2) and B mutex_lock(ktest_m1).
 * - rw_semaphore: ktest_rdr0 and ktest_rdr1 hold ktest_rwsem for reading and
 *   sleep interruptibly forever (S state); ktest_wrtr blocks in down_write().
 * - Completion: ktest_cmplw blocks in wait_for_completion(&ktest_done), which
 *   nothing ever completes.
 *
 * Every thread is bound to a CPU and reports itself before it blocks. Ground
 * truth is printed as "KTGT <key> <value>" lines (see lab/CONTRACT.md and
 * lab/scenarios/hung-locks.md). The module cannot be unloaded.
 */

#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/rwsem.h>
#include <linux/sched.h>

static DEFINE_MUTEX(ktest_m1);
static DEFINE_MUTEX(ktest_m2);
static DECLARE_RWSEM(ktest_rwsem);
static DECLARE_COMPLETION(ktest_done);		/* never completed */

static DECLARE_COMPLETION(ktest_a_holds);
static DECLARE_COMPLETION(ktest_b_holds);
static DECLARE_COMPLETION(ktest_readers_hold);	/* once per reader */

#define KTEST_READERS	2

static bool ktest_done_seen;

/* One blocking thread: who it is, what it holds and what it waits on. */
struct ktest_hl {
	const char *key;	/* ground-truth key under "hung." */
	const char *comm;
	int cpu;
	const char *state;	/* the state it ends in: D or S */
	void *holds;		/* lock held (NULL: none) */
	const char *holds_name;
	void *waits;		/* what it blocks on (NULL: nothing) */
	const char *waits_name;
	const char *waits_kind;	/* mutex, rwsem_write, completion, sleep */
};

static struct ktest_hl ktest_dla = {
	"dla", "ktest_dlA", 0, "D", &ktest_m1, "ktest_m1", &ktest_m2, "ktest_m2", "mutex" };
static struct ktest_hl ktest_dlb = {
	"dlb", "ktest_dlB", 1, "D", &ktest_m2, "ktest_m2", &ktest_m1, "ktest_m1", "mutex" };
static struct ktest_hl ktest_rdr[KTEST_READERS] = {
	{ "rdr0", "ktest_rdr0", 0, "S", &ktest_rwsem, "ktest_rwsem", NULL, "none", "sleep" },
	{ "rdr1", "ktest_rdr1", 1, "S", &ktest_rwsem, "ktest_rwsem", NULL, "none", "sleep" },
};
static struct ktest_hl ktest_wrtr = {
	"wrtr", "ktest_wrtr", 0, "D", NULL, "none", &ktest_rwsem, "ktest_rwsem", "rwsem_write" };
static struct ktest_hl ktest_cmplw = {
	"cmplw", "ktest_cmplw", 1, "D", NULL, "none", &ktest_done, "ktest_done", "completion" };

/* What it holds and waits on: an address, or "none" (a NULL %px would read as the number 0). */
static void ktest_hl_report_locks(const struct ktest_hl *t)
{
	const char *k = t->key;

	if (t->holds)
		pr_info("KTGT hung.%s.holds %px\n", k, t->holds);
	else
		pr_info("KTGT hung.%s.holds none\n", k);
	pr_info("KTGT hung.%s.holds_name %s\n", k, t->holds_name);
	if (t->waits)
		pr_info("KTGT hung.%s.waits %px\n", k, t->waits);
	else
		pr_info("KTGT hung.%s.waits none\n", k);
	pr_info("KTGT hung.%s.waits_name %s\n", k, t->waits_name);
	pr_info("KTGT hung.%s.waits_kind %s\n", k, t->waits_kind);
}

/*
 * The thread's own call levels, innermost first: frames.0 is the function
 * that calls the blocking primitive (its pc lies in that call and is not
 * recorded), frames.1 the thread function, frames.2 kthread; frames.N.pc for
 * N > 0 is the return address into frames.N.func.
 */
static void ktest_hl_report(const struct ktest_hl *t, const char *func0,
			    unsigned long ret1, const char *func1, unsigned long ret2)
{
	const char *k = t->key;

	pr_info("KTGT hung.%s.pid %d\n", k, task_pid_nr(current));
	pr_info("KTGT hung.%s.comm %s\n", k, current->comm);
	pr_info("KTGT hung.%s.task %px\n", k, current);
	pr_info("KTGT hung.%s.cpu %d\n", k, raw_smp_processor_id());
	pr_info("KTGT hung.%s.state %s\n", k, t->state);
	ktest_hl_report_locks(t);
	pr_info("KTGT hung.%s.frames.0.func %s\n", k, func0);
	pr_info("KTGT hung.%s.frames.1.func %s\n", k, func1);
	pr_info("KTGT hung.%s.frames.1.pc %px\n", k, (void *)ret1);
	pr_info("KTGT hung.%s.frames.2.func kthread\n", k);
	pr_info("KTGT hung.%s.frames.2.pc %px\n", k, (void *)ret2);
}

static noinline void ktest_hl_lock_second(struct ktest_hl *t, unsigned long ret2)
{
	ktest_hl_report(t, __func__, (unsigned long)__builtin_return_address(0),
			"ktest_hl_deadlock_thread", ret2);
	mutex_lock(t->waits);
	mutex_unlock(t->waits);
}

/* dlA and dlB: each holds one mutex, then waits for the other's. */
static int ktest_hl_deadlock_thread(void *data)
{
	struct ktest_hl *t = data;
	bool is_a = t == &ktest_dla;

	mutex_lock(t->holds);
	complete(is_a ? &ktest_a_holds : &ktest_b_holds);
	wait_for_completion(is_a ? &ktest_b_holds : &ktest_a_holds);
	ktest_hl_lock_second(t, (unsigned long)__builtin_return_address(0));
	barrier();
	mutex_unlock(t->holds);
	return 0;
}

/* Readers: hold the rwsem for reading and sleep interruptibly (S) forever. */
static int ktest_hl_reader_thread(void *data)
{
	struct ktest_hl *t = data;

	down_read(&ktest_rwsem);
	pr_info("KTGT hung.%s.pid %d\n", t->key, task_pid_nr(current));
	pr_info("KTGT hung.%s.comm %s\n", t->key, current->comm);
	pr_info("KTGT hung.%s.task %px\n", t->key, current);
	pr_info("KTGT hung.%s.cpu %d\n", t->key, raw_smp_processor_id());
	pr_info("KTGT hung.%s.state %s\n", t->key, t->state);
	ktest_hl_report_locks(t);
	pr_info("KTGT hung.%s.frames.0.func %s\n", t->key, __func__);
	pr_info("KTGT hung.%s.frames.1.func kthread\n", t->key);
	pr_info("KTGT hung.%s.frames.1.pc %px\n", t->key, __builtin_return_address(0));
	complete(&ktest_readers_hold);
	for (;;)
		msleep_interruptible(60 * 1000);
	up_read(&ktest_rwsem);
	return 0;
}

static noinline void ktest_hl_write_take(struct ktest_hl *t, unsigned long ret2)
{
	ktest_hl_report(t, __func__, (unsigned long)__builtin_return_address(0),
			"ktest_hl_writer_thread", ret2);
	down_write(&ktest_rwsem);
	up_write(&ktest_rwsem);
}

/* Writer: blocks in down_write() behind the sleeping readers (D). */
static int ktest_hl_writer_thread(void *data)
{
	int i;

	for (i = 0; i < KTEST_READERS; i++)
		wait_for_completion(&ktest_readers_hold);
	ktest_hl_write_take(data, (unsigned long)__builtin_return_address(0));
	barrier();
	return 0;
}

static noinline void ktest_hl_wait_done(struct ktest_hl *t, unsigned long ret2)
{
	ktest_hl_report(t, __func__, (unsigned long)__builtin_return_address(0),
			"ktest_hl_completion_thread", ret2);
	wait_for_completion(&ktest_done);
	WRITE_ONCE(ktest_done_seen, true);	/* no tail call: this frame stays */
}

/* Completion waiter: waits for ktest_done, which nothing completes (D). */
static int ktest_hl_completion_thread(void *data)
{
	ktest_hl_wait_done(data, (unsigned long)__builtin_return_address(0));
	barrier();
	return 0;
}

static struct task_struct *ktest_create(int (*fn)(void *), struct ktest_hl *t)
{
	struct task_struct *task = kthread_create(fn, t, "%s", t->comm);

	if (!IS_ERR(task))
		kthread_bind(task, t->cpu);
	return task;
}

static int __init ktest_hunglocks_init(void)
{
	struct task_struct *task[6];
	int i, n = 0;

	if (!cpu_online(0) || !cpu_online(1)) {
		pr_err("ktest_hunglocks: needs CPUs 0 and 1 online\n");
		return -ENODEV;
	}
	pr_info("KTGT hung.lock.m1.addr %px\n", &ktest_m1);
	pr_info("KTGT hung.lock.m1.kind mutex\n");
	pr_info("KTGT hung.lock.m2.addr %px\n", &ktest_m2);
	pr_info("KTGT hung.lock.m2.kind mutex\n");
	pr_info("KTGT hung.lock.rwsem.addr %px\n", &ktest_rwsem);
	pr_info("KTGT hung.lock.rwsem.kind rw_semaphore\n");
	pr_info("KTGT hung.lock.done.addr %px\n", &ktest_done);
	pr_info("KTGT hung.lock.done.kind completion\n");

	task[n++] = ktest_create(ktest_hl_deadlock_thread, &ktest_dla);
	task[n++] = ktest_create(ktest_hl_deadlock_thread, &ktest_dlb);
	for (i = 0; i < KTEST_READERS; i++)
		task[n++] = ktest_create(ktest_hl_reader_thread, &ktest_rdr[i]);
	task[n++] = ktest_create(ktest_hl_writer_thread, &ktest_wrtr);
	task[n++] = ktest_create(ktest_hl_completion_thread, &ktest_cmplw);
	for (i = 0; i < n; i++) {
		if (IS_ERR(task[i])) {
			for (i = 0; i < n; i++)
				if (!IS_ERR(task[i]))
					kthread_stop(task[i]);
			return -ENOMEM;
		}
	}
	/* Owners as the dump shows them: set once the threads run. */
	pr_info("KTGT hung.lock.m1.owner %px\n", task[0]);
	pr_info("KTGT hung.lock.m2.owner %px\n", task[1]);
	for (i = 0; i < n; i++)
		wake_up_process(task[i]);
	return 0;
}
module_init(ktest_hunglocks_init);

/* No module_exit: the locks are never released. */

MODULE_DESCRIPTION("Test module: mutex deadlock, rwsem and completion waiters in D state");
MODULE_LICENSE("GPL");
