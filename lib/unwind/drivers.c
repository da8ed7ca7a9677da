// SPDX-License-Identifier: MIT
/*
 * The backtrace drivers: where a chain starts. A CPU's active task from the CPU's saved
 * registers, or reconstructed (reconstruct.c) when it left none; a sleeping task from the frame
 * its last context switch left at thread.sp; the CPU that panicked. The chain itself is built by
 * backtrace.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "kernel/percpu.h"
#include "kernel/tasks.h"
#include "unwind/backtrace_build.h"
#include "unwind/cpu_regs.h"
#include "unwind/switch_frame.h"
#include "unwind/unwind_ctx.h"

/* known: the task as the caller already read it, or NULL. */
static struct kt_error *bt_create(struct kt_program *prog, uint64_t task, int cpu,
				  const struct kt_task *known, const struct kt_backtrace_options *opts,
				  struct kt_unwinder *uw, struct kt_backtrace **ret)
{
	struct kt_backtrace_impl *impl = calloc(1, sizeof(*impl));
	if (!impl)
		return &kt_enomem;
	struct kt_backtrace *bt = &impl->bt;
	bt->cpu = cpu;
	bt->task = task;
	bt->pid = -1;
	bt->registers_code = KT_REGISTERS_NONE;
	bt->registers_source = "none";
	bt->note_code = KT_STOP_NONE;
	bt->note = "";
	struct kt_task t;
	struct kt_error *err = known ? NULL : kt_task_read_one(prog, task, &t);
	if (!err) {
		bt->pid = known ? known->pid : t.pid;
		memcpy(bt->comm, known ? known->comm : t.comm, sizeof(bt->comm));
	}
	kt_error_destroy(err);
	uw->prog = prog;
	uw->mode = opts ? opts->unwinder : KT_UNWINDER_AUTO;
	// Without ORC (kernels before v4.14, or an entry layout that cannot be read) DWARF CFI and
	// frame pointers carry the walk; each step says that ORC is missing and why.
	uw->orc = NULL;
	if ((err = kt_program_orc(prog, &uw->orc)) && err != &kt_enomem) {
		kt_error_destroy(err);
		err = NULL;
	}
	if (err || (err = kt_stacks_get(prog, task, cpu, &uw->stacks))) {
		kt_backtrace_destroy(bt);
		return err;
	}
	*ret = bt;
	return NULL;
}

void kt_backtrace_destroy(struct kt_backtrace *bt)
{
	if (!bt)
		return;
	free(bt->frames);
	free(bt->stale);
	kt_strpool_free(kt_bt_strings(bt));
	free(bt);
}

/* The stack pointers that vouch for cpu's stack (the hypervisor's, through the program's
 * upcall): the chain above each replaces the reconstruction's. */
static struct kt_error *anchor_cpu(struct kt_program *prog, unsigned int cpu, struct kt_unwinder *uw,
				   struct kt_backtrace *bt)
{
	struct kt_stack_anchor anchors[4];
	size_t n = 0;
	if (!prog->upcalls || !prog->upcalls->stack_anchors)
		return NULL;
	struct kt_error *err = prog->upcalls->stack_anchors(prog, cpu, anchors, 4, &n);
	if (err) {
		if (err == &kt_enomem)
			return err;
		kt_bt_set_note(bt, bt->note_code, "%s; no host stack pointer: %s", bt->note,
			       kt_error_message(err));
		kt_error_destroy(err);
		return NULL;
	}
	for (size_t i = 0; i < n && !err; i++)
		err = kt_bt_anchor(uw, bt, &anchors[i]);
	return err;
}

/*
 * Registers a CPU in the kernel cannot have had: a kernel-mode pc or a stack pointer that is no
 * kernel address. A damaged note (or crash_notes entry) would otherwise start a "verified" chain
 * at garbage; set aside, the CPU is treated as one without registers. A pc in no known function
 * is not enough (BPF programs, ftrace trampolines), and user-mode registers (an NMI that
 * interrupted user space) are left alone.
 */
static bool regs_damaged(struct kt_program *prog, const struct kt_regs *regs, char *why, size_t len)
{
	uint64_t ip = regs->r[KT_REG_rip], sp = regs->r[KT_REG_rsp];
	if (regs->r[KT_REG_cs] & 3)
		return false;
	bool bad_ip = !kt_address_is_kernel(&prog->reader, ip);
	bool bad_sp = !kt_address_is_kernel(&prog->reader, sp);
	if (!bad_ip && !bad_sp)
		return false;
	snprintf(why, len, "the saved registers are damaged: kernel-mode pc 0x%016llx, rsp 0x%016llx: "
		 "%s; set aside", (unsigned long long)ip, (unsigned long long)sp,
		 bad_ip && bad_sp ? "neither is a kernel address"
				  : bad_ip ? "the pc is no kernel address" : "rsp is no kernel address");
	return true;
}

struct kt_error *kt_backtrace_cpu_with(struct kt_program *prog, unsigned int cpu,
				       const struct kt_backtrace_options *opts, struct kt_backtrace **ret)
{
	uint64_t task;
	struct kt_cpu_regs regs;
	struct kt_error *err;
	if ((err = kt_cpu_current_task(prog, cpu, &task)) ||
	    (err = kt_cpu_regs_get(prog, cpu, &regs)))
		return err;
	struct kt_backtrace *bt;
	struct kt_unwinder uw;
	if ((err = bt_create(prog, task, (int)cpu, NULL, opts, &uw, &bt)))
		return err;
	if (regs.source != KT_REGS_NONE && regs_damaged(prog, &regs.regs, regs.reason, sizeof(regs.reason))) {
		regs.source = KT_REGS_NONE;
		regs.none_code = KT_REGISTERS_DAMAGED;
	}
	if (regs.source == KT_REGS_NONE) {
		bt->registers_code = regs.none_code;
		err = kt_bt_reconstruct(&uw, bt, regs.reason);
		if (!err)
			err = anchor_cpu(prog, cpu, &uw, bt);
	} else {
		bt->registers_code = regs.source == KT_REGS_QEMU ? KT_REGISTERS_QEMU_NOTE
								 : KT_REGISTERS_CRASH_NOTES;
		bt->registers_source = kt_regs_source_name(regs.source);
		struct kt_unwind_state st = {
			.ip = regs.regs.r[KT_REG_rip],
			.sp = regs.regs.r[KT_REG_rsp],
			.bp = regs.regs.r[KT_REG_rbp],
			.bp_known = true,
			.exact = true,
			.regs = regs.regs,
		};
		char why[96];
		snprintf(why, sizeof(why), "pc from the CPU's saved registers (%s)",
			 regs.source == KT_REGS_QEMU ? "QEMU CPU note" : "crash_notes");
		err = kt_bt_unwind_from(&uw, bt, st, KT_FRAME_VERIFIED, KT_FRAME_REASON_CPU_REGISTERS, why);
		if (!err)
			err = kt_bt_scan_chain(&uw, bt);
	}
	if (err) {
		kt_backtrace_destroy(bt);
		return err;
	}
	*ret = bt;
	return NULL;
}

/* A task that is not running: the frame its last context switch left at thread.sp. */
static struct kt_error *backtrace_sleeping(struct kt_program *prog, const struct kt_task *t,
					   const struct kt_backtrace_options *opts,
					   struct kt_backtrace **ret)
{
	struct kt_backtrace *bt;
	struct kt_unwinder uw;
	struct kt_unwind_state st;
	const char *source;
	struct kt_error *err = bt_create(prog, t->address, -1, t, opts, &uw, &bt);
	if (err)
		return err;
	uint64_t sp;
	if ((err = kt_switch_state(prog, t->address, &st, &sp, &source)))
		goto out;
	bt->registers_code = KT_REGISTERS_SWITCH_FRAME;
	bt->registers_source = source;
	char why[128];
	snprintf(why, sizeof(why), "%s by the last context switch (thread.sp 0x%016llx)",
		 st.slot ? "return address saved" : "where it resumes, as left", (unsigned long long)sp);
	if (!(err = kt_bt_unwind_from(&uw, bt, st, KT_FRAME_VERIFIED, KT_FRAME_REASON_SWITCH_FRAME, why)))
		err = kt_bt_scan_chain(&uw, bt);
out:
	if (err) {
		kt_backtrace_destroy(bt);
		return err;
	}
	*ret = bt;
	return NULL;
}

struct kt_error *kt_backtrace_of_task(struct kt_program *prog, const struct kt_task *task,
				      const struct kt_backtrace_options *opts, struct kt_backtrace **ret)
{
	if (task->active && task->cpu >= 0)
		return kt_backtrace_cpu_with(prog, (unsigned int)task->cpu, opts, ret);
	return backtrace_sleeping(prog, task, opts, ret);
}

struct kt_error *kt_backtrace_task_with(struct kt_program *prog, uint64_t task,
					const struct kt_backtrace_options *opts, struct kt_backtrace **ret)
{
	struct kt_task t;
	struct kt_error *err = kt_task_read_one(prog, task, &t);
	if (err)
		return err;
	uint64_t curr;
	if (t.cpu >= 0 && !(err = kt_cpu_current_task(prog, (unsigned int)t.cpu, &curr)) && curr == task)
		return kt_backtrace_cpu_with(prog, (unsigned int)t.cpu, opts, ret);
	kt_error_destroy(err);
	return backtrace_sleeping(prog, &t, opts, ret);
}

struct kt_error *kt_backtrace_task(struct kt_program *prog, uint64_t task, struct kt_backtrace **ret)
{
	return kt_backtrace_task_with(prog, task, NULL, ret);
}

struct kt_error *kt_backtrace_cpu(struct kt_program *prog, unsigned int cpu,
				  struct kt_backtrace **ret)
{
	return kt_backtrace_cpu_with(prog, cpu, NULL, ret);
}

bool kt_unwinder_parse(const char *name, enum kt_unwinder_kind *ret)
{
	static const char *const names[] = {
		[KT_UNWINDER_AUTO] = "auto", [KT_UNWINDER_ORC] = "orc",
		[KT_UNWINDER_CFI] = "cfi", [KT_UNWINDER_FP] = "fp",
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(name, names[i])) {
			*ret = (enum kt_unwinder_kind)i;
			return true;
		}
	}
	return false;
}

struct kt_error *kt_program_cpu_count(struct kt_program *prog, unsigned int *ret)
{
	struct kt_percpu percpu;
	struct kt_error *err = kt_percpu_init(prog, &percpu);
	if (err)
		return kt_error_prefix(err, "the number of CPUs");
	*ret = percpu.nr_cpu_ids;
	kt_percpu_deinit(&percpu);
	return NULL;
}

unsigned int kt_program_nr_cpus(struct kt_program *prog)
{
	unsigned int n = 0;
	kt_error_destroy(kt_program_cpu_count(prog, &n));
	return n;
}

struct kt_error *kt_backtrace_panic(struct kt_program *prog, struct kt_backtrace **ret)
{
	return kt_backtrace_panic_with(prog, NULL, ret);
}

struct kt_error *kt_backtrace_panic_with(struct kt_program *prog,
					 const struct kt_backtrace_options *opts, struct kt_backtrace **ret)
{
	uint64_t addr;
	uint32_t cpu;
	struct kt_error *err = kt_program_symbol_address(prog, "panic_cpu", &addr);
	if (!err)
		err = kt_read_u32(&prog->reader, addr, &cpu);
	if (!err && (int32_t)cpu >= 0)
		return kt_backtrace_cpu_with(prog, cpu, opts, ret);
	// Only a kernel without panic_cpu goes on; symbols that cannot be had (damaged kallsyms)
	// or a panic_cpu that cannot be read must not pass for "no CPU panicked".
	if (err && kt_error_code(err) != KT_ERROR_NOT_FOUND)
		return kt_error_prefix(err, "which CPU panicked (panic_cpu)");
	kt_error_destroy(err);
	// No panic (a live dump): the first CPU whose registers the dump has.
	unsigned int n;
	if ((err = kt_program_cpu_count(prog, &n)))
		return err;
	for (unsigned int c = 0; c < n; c++) {
		struct kt_cpu_regs regs;
		if (!(err = kt_cpu_regs_get(prog, c, &regs)) && regs.source != KT_REGS_NONE)
			return kt_backtrace_cpu_with(prog, c, opts, ret);
		kt_error_destroy(err);
	}
	return kt_error_create(KT_ERROR_NOT_FOUND, "no CPU panicked and none has saved registers");
}
