// SPDX-License-Identifier: GPL-2.0
/*
 * ktest_callforms - a catalogue of call forms for call-site resolution.
 *
 * For each form F a kthread "ktcf_F" calls, through that form, a callee that
 * records its own return address (__builtin_return_address(0)) and then
 * sleeps forever in TASK_INTERRUPTIBLE in ktcf_sleep(), so the dump holds one
 * sleeping stack per form, each with the call site of interest one frame above
 * the callee:
 *
 *   direct         ktcf_direct_callee(obj)              call rel32
 *   retpoline      obj->ops->run(obj)                    call __x86_indirect_thunk_rXX
 *   memory         obj->ops->handle_exit(obj)            call *off(%reg)        (cf_noretpoline.c)
 *   riprel_ptr     ktcf_ops_ptr->flush_tlb(obj)          call *off(%reg)        (cf_noretpoline.c)
 *   riprel_struct  ktcf_ops_table.sync_regs(obj)         call *sym+off(%rip)    (cf_noretpoline.c)
 *   nested         vcpu->arch.mmu[1].ops.set_cr3(vcpu)   call *off(%reg)        (cf_noretpoline.c)
 *   static_call    static_call(ktcf_sc_run)(obj)         call __SCT__ktcf_sc_run, patched to the callee
 *   tail           A calls B, B ends in "jmp C"          B's frame is missing
 *   stale          an earlier, deeper call chain leaves its return addresses in
 *                  the uninitialised local area of a live frame
 *   fp             a frame-pointer chain                  (cf_fp.c)
 *
 * Threads only record; the facts are printed as "KTGT cf.<form>.<key> <value>"
 * (lab/CONTRACT.md, lab/scenarios/callforms.md) by the first read of
 * /sys/module/ktest_callforms/parameters/ready that finds every thread asleep,
 * so no printk runs on the threads' stacks. The module cannot be unloaded.
 */
#include <linux/err.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sched.h>
#include <linux/static_call.h>
#include <linux/stringify.h>
#include <linux/sysfs.h>
#include <linux/version.h>
#include <asm/asm.h>

#include "cf.h"

struct ktcf_rec ktcf_rec[KTCF_NR] = {
	[KTCF_DIRECT]		= { .form = "direct" },
	[KTCF_RETPOLINE]	= { .form = "retpoline" },
	[KTCF_MEMORY]		= { .form = "memory" },
	[KTCF_RIPREL_PTR]	= { .form = "riprel_ptr" },
	[KTCF_RIPREL_STRUCT]	= { .form = "riprel_struct" },
	[KTCF_NESTED]		= { .form = "nested" },
	[KTCF_STATIC_CALL]	= { .form = "static_call" },
	[KTCF_TAIL]		= { .form = "tail" },
	[KTCF_STALE]		= { .form = "stale" },
	[KTCF_FP]		= { .form = "fp" },
};

static bool ktcf_stop;	/* never set: the threads sleep until the dump */

/*
 * The shared sleeping helper. Called by every callee, which does more work
 * after it returns, so the callee's own frame stays on the stack.
 */
KTCF_FN void ktcf_sleep(enum ktcf_form form)
{
	smp_store_release(&ktcf_rec[form].recorded, true);
	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (READ_ONCE(ktcf_stop))
			break;
		schedule();
	}
	__set_current_state(TASK_RUNNING);
}

/* direct: call rel32 */
static KTCF_FN int ktcf_direct_callee(struct ktcf_obj *obj)
{
	ktcf_record_callee(KTCF_DIRECT, ktcf_direct_callee);
	ktcf_sleep(KTCF_DIRECT);
	obj->count++;
	return 0;
}

static KTCF_FN int ktcf_direct_caller(void *arg)
{
	struct ktcf_obj *obj = arg;
	int ret;

	ktcf_rec[KTCF_DIRECT].caller = __func__;
	ret = ktcf_direct_callee(obj);
	obj->count += ret;
	return ret;
}

/* retpoline: the kernel's own flags, call __x86_indirect_thunk_rXX */
static KTCF_FN int ktcf_retpoline_callee(struct ktcf_obj *obj)
{
	struct ktcf_rec *r = &ktcf_rec[KTCF_RETPOLINE];

	ktcf_record_callee(KTCF_RETPOLINE, ktcf_retpoline_callee);
	r->object = (void *)obj->ops;
	r->outer_object = obj;
	ktcf_sleep(KTCF_RETPOLINE);
	obj->count++;
	return 0;
}

static KTCF_FN int ktcf_retpoline_caller(struct ktcf_obj *obj)
{
	int ret;

	ktcf_rec[KTCF_RETPOLINE].caller = __func__;
	ret = obj->ops->run(obj);
	obj->count += ret;
	return ret;
}

static const struct ktcf_ops ktcf_retpoline_ops = {
	.run = ktcf_retpoline_callee,
};

/* static_call: call __SCT__ktcf_sc_run in the file, a direct call once patched */
static KTCF_FN int ktcf_static_default(struct ktcf_obj *obj)
{
	return 0;
}

DEFINE_STATIC_CALL(ktcf_sc_run, ktcf_static_default);

static KTCF_FN int ktcf_static_callee(struct ktcf_obj *obj)
{
	ktcf_record_callee(KTCF_STATIC_CALL, ktcf_static_callee);
	ktcf_sleep(KTCF_STATIC_CALL);
	obj->count++;
	return 0;
}

static KTCF_FN int ktcf_static_caller(void *arg)
{
	struct ktcf_obj *obj = arg;
	int ret;

	ktcf_rec[KTCF_STATIC_CALL].caller = __func__;
	ret = static_call(ktcf_sc_run)(obj);
	obj->count += ret;
	return ret;
}

/* tail: ktcf_tail_caller calls ktcf_tail_via, which jumps to ktcf_tail_callee */
static const char *ktcf_tail_via_name;
static void *ktcf_tail_via_addr;

static KTCF_FN int ktcf_tail_callee(struct ktcf_obj *obj)
{
	ktcf_record_callee(KTCF_TAIL, ktcf_tail_callee);
	ktcf_sleep(KTCF_TAIL);
	obj->count++;
	return 0;
}

static KTCF_FN int ktcf_tail_via(struct ktcf_obj *obj)
{
	ktcf_tail_via_name = __func__;
	ktcf_tail_via_addr = ktcf_tail_via;
	obj->requests++;
	return ktcf_tail_callee(obj);
}

static KTCF_FN int ktcf_tail_caller(void *arg)
{
	struct ktcf_obj *obj = arg;
	int ret;

	ktcf_rec[KTCF_TAIL].caller = __func__;
	ret = ktcf_tail_via(obj);
	obj->count += ret;
	return ret;
}

/*
 * stale: ktcf_stale_run first calls ktcf_stale_deep1 -> deep2 -> deep3, which
 * record each return address and the stack slot it lies in (the frame address
 * forces a frame, the return address sits right above it). Then, from the same
 * stack depth, it calls ktcf_stale_caller, whose large local buffer is never
 * written (__uninitialized: not even by CONFIG_INIT_STACK_ALL_ZERO), so the
 * return addresses of the deeper chain stay inside that live frame.
 * val[k] is a return address into func[k], at slot[k].
 */
#define KTCF_STALE_DEPTH 3
static struct {
	const char *func[KTCF_STALE_DEPTH];
	unsigned long val[KTCF_STALE_DEPTH];
	unsigned long *slot[KTCF_STALE_DEPTH];
	unsigned long buf_lo, buf_hi;
	const char *buf_func;
	int found;		/* index into val/slot/func, or -1 */
	int survivors;		/* how many are still in the buffer */
} ktcf_stale = { .found = -1 };

#define ktcf_stale_note(k) do {						\
	unsigned long *fp = __builtin_frame_address(0);		\
									\
	ktcf_stale.val[k] = (unsigned long)__builtin_return_address(0);\
	ktcf_stale.slot[k] = fp + 1;					\
} while (0)

static KTCF_FN void ktcf_stale_deep3(void)
{
	ktcf_stale_note(2);
}

static KTCF_FN void ktcf_stale_deep2(void)
{
	ktcf_stale.func[2] = __func__;
	ktcf_stale_deep3();
	ktcf_stale_note(1);
}

static KTCF_FN void ktcf_stale_deep1(void)
{
	volatile unsigned long pad[16];	/* pushes deep2 and deep3 further down */

	pad[0] = 1;
	ktcf_stale.func[1] = __func__;
	ktcf_stale_deep2();
	ktcf_stale_note(0);
	pad[15] = pad[0];
}

static KTCF_FN int ktcf_stale_callee(struct ktcf_obj *obj)
{
	int k;

	ktcf_record_callee(KTCF_STALE, ktcf_stale_callee);
	/* Right before sleeping: which of the deeper chain's return addresses are still there? */
	for (k = 0; k < KTCF_STALE_DEPTH; k++) {
		unsigned long slot = (unsigned long)ktcf_stale.slot[k];

		if (slot < ktcf_stale.buf_lo || slot + sizeof(long) > ktcf_stale.buf_hi ||
		    READ_ONCE(*ktcf_stale.slot[k]) != ktcf_stale.val[k])
			continue;
		ktcf_stale.survivors++;
		if (ktcf_stale.found < 0)
			ktcf_stale.found = k;
	}
	ktcf_sleep(KTCF_STALE);
	obj->count++;
	return 0;
}

static KTCF_FN int ktcf_stale_caller(struct ktcf_obj *obj)
{
	volatile char buf[512] __uninitialized;
	int ret;

	ktcf_stale.buf_lo = (unsigned long)buf;
	ktcf_stale.buf_hi = (unsigned long)buf + sizeof(buf);
	ktcf_stale.buf_func = __func__;
	ktcf_rec[KTCF_STALE].caller = __func__;
	ret = ktcf_stale_callee(obj);
	obj->count += ret;
	return ret;
}

static KTCF_FN int ktcf_stale_run(void *arg)
{
	struct ktcf_obj *obj = arg;

	ktcf_stale.func[0] = __func__;
	ktcf_stale_deep1();
	return ktcf_stale_caller(obj) + 1;
}

static struct ktcf_obj ktcf_objs[KTCF_NR];

/* Keeps its own frame (no tail call into the entry): kthread -> ktcf_thread -> entry. */
static int ktcf_thread(void *data)
{
	struct ktcf_rec *r = data;
	int ret;

	ret = r->entry(r->arg);
	WRITE_ONCE(r->returned, true);
	return ret;
}

/* The static call's current target: static_call_query() since 5.12, the key's func before. */
static void *ktcf_static_call_target(void)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(5, 12, 0)
	return static_call_query(ktcf_sc_run);
#else
	return READ_ONCE(STATIC_CALL_KEY(ktcf_sc_run).func);
#endif
}

static void ktcf_report(void)
{
	int i, k;

	for (i = 0; i < KTCF_NR; i++) {
		struct ktcf_rec *r = &ktcf_rec[i];
		const char *f = r->form;

		pr_info("KTGT cf.%s.pid %d\n", f, task_pid_nr(r->task));
		pr_info("KTGT cf.%s.comm %s\n", f, r->task->comm);
		pr_info("KTGT cf.%s.task %px\n", f, r->task);
		pr_info("KTGT cf.%s.cpu %d\n", f, task_cpu(r->task));
		pr_info("KTGT cf.%s.caller %s\n", f, r->caller);
		pr_info("KTGT cf.%s.ret %px\n", f, (void *)r->ret);
		pr_info("KTGT cf.%s.ret_sym %pS\n", f, (void *)r->ret);
		pr_info("KTGT cf.%s.callee %s\n", f, r->callee);
		pr_info("KTGT cf.%s.callee_addr %px\n", f, r->callee_addr);
		if (r->path) {
			pr_info("KTGT cf.%s.path %s\n", f, r->path);
			pr_info("KTGT cf.%s.type %s\n", f, r->type);
			pr_info("KTGT cf.%s.member %s\n", f, r->member);
			pr_info("KTGT cf.%s.offset %zu\n", f, r->offset);
			pr_info("KTGT cf.%s.object %px\n", f, r->object);
		}
		if (r->outer_member) {
			pr_info("KTGT cf.%s.outer_type %s\n", f, r->outer_type);
			pr_info("KTGT cf.%s.outer_member %s\n", f, r->outer_member);
			pr_info("KTGT cf.%s.outer_offset %zu\n", f, r->outer_offset);
			pr_info("KTGT cf.%s.outer_object %px\n", f, r->outer_object);
		}
		if (r->global) {
			pr_info("KTGT cf.%s.global %s\n", f, r->global);
			pr_info("KTGT cf.%s.global_addr %px\n", f, r->global_addr);
		}
	}

	pr_info("KTGT cf.static_call.key %s\n", STATIC_CALL_KEY_STR(ktcf_sc_run));
	pr_info("KTGT cf.static_call.key_addr %px\n", &STATIC_CALL_KEY(ktcf_sc_run));
	pr_info("KTGT cf.static_call.trampoline %s\n", STATIC_CALL_TRAMP_STR(ktcf_sc_run));
	pr_info("KTGT cf.static_call.trampoline_addr %px\n", STATIC_CALL_TRAMP_ADDR(ktcf_sc_run));
	pr_info("KTGT cf.static_call.target %px\n", ktcf_static_call_target());

	pr_info("KTGT cf.tail.via %s\n", ktcf_tail_via_name);
	pr_info("KTGT cf.tail.via_addr %px\n", ktcf_tail_via_addr);

	k = ktcf_stale.found;
	pr_info("KTGT cf.stale.found %d\n", k >= 0 ? 1 : 0);
	pr_info("KTGT cf.stale.survivors %d\n", ktcf_stale.survivors);
	pr_info("KTGT cf.stale.buffer %px\n", (void *)ktcf_stale.buf_lo);
	pr_info("KTGT cf.stale.buffer_size %lu\n", ktcf_stale.buf_hi - ktcf_stale.buf_lo);
	pr_info("KTGT cf.stale.buffer_func %s\n", ktcf_stale.buf_func);
	if (k >= 0) {
		pr_info("KTGT cf.stale.value %px\n", (void *)ktcf_stale.val[k]);
		pr_info("KTGT cf.stale.value_sym %pS\n", (void *)ktcf_stale.val[k]);
		pr_info("KTGT cf.stale.slot %px\n", ktcf_stale.slot[k]);
		pr_info("KTGT cf.stale.func %s\n", ktcf_stale.func[k]);
		/* Read again now, with the thread asleep: still there? */
		pr_info("KTGT cf.stale.still %d\n",
			READ_ONCE(*ktcf_stale.slot[k]) == ktcf_stale.val[k] ? 1 : 0);
	}

	for (k = 0; k < KTCF_FP_FRAMES; k++) {
		pr_info("KTGT cf.fp.frames.%d.func %s\n", k, ktcf_fp_frames[k].func);
		pr_info("KTGT cf.fp.frames.%d.ret %px\n", k, (void *)ktcf_fp_frames[k].ret);
		pr_info("KTGT cf.fp.frames.%d.bp %px\n", k, (void *)ktcf_fp_frames[k].bp);
	}
	pr_info("KTGT cf.forms %d\n", KTCF_NR);
	pr_info("KTGT cf.ready 1\n");
}

/* A task's state member: "state" until 5.14 renamed it to "__state". */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(5, 14, 0)
#define KTCF_TASK_STATE(t)	READ_ONCE((t)->__state)
#else
#define KTCF_TASK_STATE(t)	READ_ONCE((t)->state)
#endif

/* Asleep: recorded everything, TASK_INTERRUPTIBLE, off its CPU and off the run queue. */
static bool ktcf_asleep(const struct ktcf_rec *r)
{
	struct task_struct *t = r->task;

	return t && smp_load_acquire(&r->recorded) &&
	       KTCF_TASK_STATE(t) == TASK_INTERRUPTIBLE &&
	       !READ_ONCE(t->on_cpu) && !READ_ONCE(t->on_rq);
}

/*
 * /sys/module/ktest_callforms/parameters/ready reads 1 once every thread has
 * recorded its facts and sleeps; the first such read prints them.
 */
static int ktcf_ready_get(char *buf, const struct kernel_param *kp)
{
	static bool reported;
	bool ready = true;
	int i;

	for (i = 0; i < KTCF_NR; i++)
		ready = ready && ktcf_asleep(&ktcf_rec[i]);
	if (ready && !reported) {
		reported = true;
		ktcf_report();
	}
	return sysfs_emit(buf, "%d\n", ready ? 1 : 0);
}

static const struct kernel_param_ops ktcf_ready_ops = {
	.get = ktcf_ready_get,
};
module_param_cb(ready, &ktcf_ready_ops, NULL, 0444);
MODULE_PARM_DESC(ready, "1 once every call-form thread sleeps in its callee");

static int __init ktcf_init(void)
{
	struct task_struct *t[KTCF_NR];
	struct ktcf_rec *r;
	int i;

	ktcf_noretpoline_setup();

	ktcf_rec[KTCF_DIRECT].entry = ktcf_direct_caller;

	r = &ktcf_rec[KTCF_RETPOLINE];
	r->entry = (ktcf_entry_fn)ktcf_retpoline_caller;
	ktcf_objs[KTCF_RETPOLINE].ops = &ktcf_retpoline_ops;
	r->path = "obj->ops->run";
	r->type = "ktcf_ops";
	r->member = "run";
	r->offset = offsetof(struct ktcf_ops, run);
	r->outer_type = "ktcf_obj";
	r->outer_member = "ops";
	r->outer_offset = offsetof(struct ktcf_obj, ops);

	static_call_update(ktcf_sc_run, ktcf_static_callee);
	ktcf_rec[KTCF_STATIC_CALL].entry = ktcf_static_caller;
	ktcf_rec[KTCF_TAIL].entry = ktcf_tail_caller;
	ktcf_rec[KTCF_STALE].entry = ktcf_stale_run;
	ktcf_rec[KTCF_FP].entry = ktcf_fp_outer;

	for (i = 0; i < KTCF_NR; i++) {
		r = &ktcf_rec[i];
		if (!r->arg) {
			ktcf_objs[i].id = i;
			ktcf_objs[i].cpu = -1;
			r->arg = &ktcf_objs[i];
		}
	}

	/* Create every thread first: there is no way to stop one that runs. */
	for (i = 0; i < KTCF_NR; i++) {
		t[i] = kthread_create(ktcf_thread, &ktcf_rec[i], "ktcf_%s", ktcf_rec[i].form);
		if (IS_ERR(t[i])) {
			while (i--)
				kthread_stop(t[i]);
			return -ENOMEM;
		}
	}
	for (i = 0; i < KTCF_NR; i++) {
		ktcf_rec[i].task = t[i];
		wake_up_process(t[i]);
	}
	return 0;
}
module_init(ktcf_init);

/* No module_exit: the threads never return. */

MODULE_DESCRIPTION("Test module: a catalogue of call forms, one sleeping kthread each");
MODULE_LICENSE("GPL");
