// SPDX-License-Identifier: MIT
/*
 * Backtraces over hostile stacks: copies of real ELF dumps with a return address overwritten by
 * garbage or by another chain's return address, and with the NMI pt_regs of a CPU that saved no
 * registers made implausible, and with the pointer to the panic CPU's IRQ stack cleared. Every
 * walk must end with a reason, never crash or loop.
 */
#include <json-c/json.h>

#include "dump_patch.h"
#include "kernel/percpu.h"
#include "tap.h"
#include "unwind/stack_layout.h"
#include "tap_open.h"

static struct json_object *ground_truth;

/* A ground-truth value by dotted path ("nmi.frames.1.pc"), hex strings as numbers. */
static bool gt_u64(const char *path, uint64_t *ret)
{
	struct json_object *o = ground_truth;
	char buf[128];
	snprintf(buf, sizeof(buf), "%s", path);
	for (char *save, *part = strtok_r(buf, ".", &save); part && o; part = strtok_r(NULL, ".", &save)) {
		if (json_object_is_type(o, json_type_array))
			o = json_object_array_get_idx(o, (size_t)strtoul(part, NULL, 10));
		else if (!json_object_object_get_ex(o, part, &o))
			o = NULL;
	}
	if (!o)
		return false;
	*ret = json_object_is_type(o, json_type_string) ? strtoull(json_object_get_string(o), NULL, 16)
							 : (uint64_t)json_object_get_int64(o);
	return true;
}

static struct kt_backtrace *bt_of(const char *path, int cpu)
{
	struct kt_program *prog;
	struct kt_backtrace *bt = NULL;
	struct kt_error *err = tap_program_open(path, NULL, &prog);
	if (!err) {
		err = cpu < 0 ? kt_backtrace_panic(prog, &bt) : kt_backtrace_cpu(prog, (unsigned int)cpu, &bt);
		kt_program_destroy(prog);  // frames name symbols the program owns: compare only pcs
	}
	if (err) {
		tap_diag("%s", kt_error_message(err));
		kt_error_destroy(err);
	}
	return bt;
}

static off_t file_offset(const char *path, uint64_t va)
{
	struct kt_program *prog;
	off_t at = -1;
	struct kt_error *err = tap_program_open(path, NULL, &prog);
	if (!err) {
		if (!va_to_file_offset(prog, path, va, &at))
			at = -1;
		kt_program_destroy(prog);
	}
	kt_error_destroy(err);
	return at;
}

static void return_address_cases(const char *path)
{
	struct kt_backtrace *bt = bt_of(path, -1);
	if (!tap_ok(bt && bt->n_frames >= 6, "the panic backtrace has at least 6 frames"))
		goto out;
	uint64_t slot = bt->frames[4].slot, other = bt->frames[1].pc;
	off_t at = file_offset(path, slot);
	char copy[] = "/tmp/ktriage-stack-XXXXXX";
	close(mkstemp(copy));
	if (!tap_ok(at >= 0 && copy_file(path, copy), "copy the dump; frame 4's slot is in the file"))
		goto out;

	struct kt_backtrace *bad;
	patch_u64(copy, at, 0x4141414141414141ull);
	bad = bt_of(copy, -1);
	tap_ok(bad && bad->n_frames == 4 && bad->note_code == KT_STOP_NOT_RETURN_ADDRESS &&
		       strstr(bad->note, "0x4141414141414141"),
	       "a garbage return address ends the walk there (stop.not_return_address), and the note "
	       "names it");
	if (bad)
		tap_diag("%s", bad->note);
	kt_backtrace_destroy(bad);

	// A real return address of this same chain, in the wrong place: the call before it does
	// not target the frame above, so it cannot be verified, and the walk must still end.
	patch_u64(copy, at, other);
	bad = bt_of(copy, -1);
	tap_ok(bad && bad->n_frames > 4 && bad->n_frames < 1024 &&
		       bad->frames[4].status != KT_FRAME_VERIFIED,
	       "a return address from elsewhere in the chain is not verified, and the walk ends");
	if (bad && bad->n_frames > 4)
		tap_diag("frame 4: %s; %s", bad->frames[4].reason, bad->note);
	kt_backtrace_destroy(bad);
	unlink(copy);
out:
	kt_backtrace_destroy(bt);
}

static void nmi_regs_case(const char *path)
{
	struct kt_backtrace *bt = bt_of(path, 1);
	uint64_t regs = 0;
	for (size_t i = 0; bt && i < bt->n_frames; i++)
		if (bt->frames[i].has_pt_regs && !regs)
			regs = bt->frames[i].pt_regs_address;
	if (!tap_ok(regs, "nmi-stuck CPU 1 starts at NMI pt_regs"))
		goto out;
	off_t at = file_offset(path, regs + 136);  // pt_regs.cs
	char copy[] = "/tmp/ktriage-nmi-XXXXXX";
	close(mkstemp(copy));
	if (!tap_ok(at >= 0 && copy_file(path, copy), "copy the dump; the pt_regs are in the file"))
		goto out;
	patch_u64(copy, at, 0x4141);
	struct kt_backtrace *bad = bt_of(copy, 1);
	bool uses_bad = false;
	for (size_t i = 0; bad && i < bad->n_frames; i++)
		uses_bad |= bad->frames[i].has_pt_regs && bad->frames[i].pt_regs_address == regs;
	tap_ok(bad && !uses_bad && bad->registers_code == KT_REGISTERS_NMI_UNANSWERED,
	       "implausible NMI pt_regs are not used; the CPU is still explained "
	       "(regs.none.nmi_unanswered)");
	if (bad)
		tap_diag("%s (%zu frames)", bad->note, bad->n_frames);
	// Without them the chain is rebuilt from the top of the task stack: every return address
	// the module recorded below the interrupted function (nmi.frames[1..]) must be there.
	size_t found = 0, want = 0;
	for (size_t i = 1; i < 8; i++) {
		uint64_t pc;
		char key[64];
		snprintf(key, sizeof(key), "nmi.frames.%zu.pc", i);
		if (!gt_u64(key, &pc))
			break;
		want++;
		for (size_t f = 0; bad && f < bad->n_frames; f++)
			found += bad->frames[f].pc == pc && bad->frames[f].status == KT_FRAME_INFERRED;
	}
	tap_ok(want && found == want, "the rebuilt chain holds the %zu recorded return addresses, inferred "
	       "(%zu found)", want, found);
	kt_backtrace_destroy(bad);
	unlink(copy);
out:
	kt_backtrace_destroy(bt);
}

/* A saved rbp that points at its own frame record: the frame-pointer walk must stop there. */
static void fp_loop_case(const char *path)
{
	uint64_t task, bp1, ret1;
	if (!tap_ok(gt_u64("cf.fp.task", &task) && gt_u64("cf.fp.frames.1.bp", &bp1) &&
		    gt_u64("cf.fp.frames.1.ret", &ret1), "callforms ground truth has the fp chain"))
		return;
	off_t at = file_offset(path, bp1);
	char copy[] = "/tmp/ktriage-fp-XXXXXX";
	close(mkstemp(copy));
	if (!tap_ok(at >= 0 && copy_file(path, copy) && patch_u64(copy, at, bp1),
		    "copy the dump; make ktcf_fp_middle's saved rbp point at itself"))
		goto out;
	struct kt_program *prog;
	struct kt_backtrace *bt = NULL;
	struct kt_backtrace_options fp = {.unwinder = KT_UNWINDER_FP};
	struct kt_error *err = tap_program_open(copy, NULL, &prog);
	if (!err) {
		err = kt_backtrace_task_with(prog, task, &fp, &bt);
		kt_program_destroy(prog);
	}
	if (err)
		tap_diag("%s", kt_error_message(err));
	kt_error_destroy(err);
	size_t last = bt && bt->n_frames ? bt->n_frames - 1 : 0;
	tap_ok(bt && bt->n_frames < 16 && bt->note_code == KT_STOP_LOOP && bt->frames[last].pc == ret1,
	       "the frame-pointer walk stops at the loop, after the frame that saved it, with a reason");
	if (bt)
		tap_diag("%s (%zu frames)", bt->note, bt->n_frames);
	kt_backtrace_destroy(bt);
out:
	unlink(copy);
}

/* Where the panic CPU's IRQ stack pointer lives (the kernel's own layout for it), or 0. */
static uint64_t irq_stack_pointer(const char *path, unsigned int cpu, const char **symbol_ret)
{
	struct kt_program *prog;
	uint64_t sym, at = 0;
	const struct kt_stack_layout *l;
	const struct kt_percpu *percpu;
	struct kt_error *err = tap_program_open(path, NULL, &prog);
	if (err) {
		tap_diag("%s", kt_error_message(err));
		kt_error_destroy(err);
		return 0;
	}
	if (!(err = kt_program_stack_layout(prog, &l)) && l->irq_how == KT_IRQ_STACK_POINTER &&
	    !(err = kt_program_symbol_address(prog, l->irq_symbol, &sym)) &&
	    !(err = kt_percpu_get(prog, &percpu)) && !(err = kt_percpu_address(percpu, sym, cpu, &at))) {
		at += l->irq_member;
		*symbol_ret = l->irq_symbol;  // a string constant of the library
	}
	if (err)
		tap_diag("%s", kt_error_message(err));
	kt_error_destroy(err);
	kt_program_destroy(prog);
	return at;
}

/* The lockup panic runs on the IRQ stack: with the kernel's pointer to it cleared, the stack is
 * unknown, and the walk must end saying which stack could not be located and why. */
static void irq_stack_case(const char *path)
{
	struct kt_backtrace *bt = bt_of(path, -1);
	const char *symbol = NULL;
	uint64_t ptr = bt && bt->cpu >= 0 ? irq_stack_pointer(path, (unsigned int)bt->cpu, &symbol) : 0;
	bool on_irq = bt && bt->n_frames && !strcmp(bt->frames[0].stack, "IRQ stack");
	off_t at = ptr ? file_offset(path, ptr) : -1;
	char copy[] = "/tmp/ktriage-irq-XXXXXX";
	close(mkstemp(copy));
	if (!tap_ok(on_irq && at >= 0 && copy_file(path, copy) && patch_u64(copy, at, 0),
		    "copy the lockup dump; clear the panic CPU's %s", symbol ? symbol : "IRQ stack pointer"))
		goto out;
	struct kt_backtrace *bad = bt_of(copy, -1);
	tap_ok(bad && bad->n_frames >= 1 && bad->n_frames < bt->n_frames && bad->note_code == KT_STOP_OFF_STACK &&
		       strstr(bad->note, "IRQ stack") && strstr(bad->note, "NULL"),
	       "without its IRQ stack the walk stops off the known stacks, and the note says the IRQ "
	       "stack could not be located and why");
	if (bad)
		tap_diag("%s (%zu frames)", bad->note, bad->n_frames);
	kt_backtrace_destroy(bad);
out:
	unlink(copy);
	kt_backtrace_destroy(bt);
}

int main(void)
{
	char *lockup = tap_lab_file("lockup", "vmcore.elf");
	if (lockup)
		irq_stack_case(lockup);
	free(lockup);
	char *panic = tap_lab_file("panic", "vmcore.elf");
	if (panic)
		return_address_cases(panic);
	free(panic);
	char *nmi = tap_lab_file("nmi-stuck", "vmcore.elf");
	char *gt = tap_lab_file("nmi-stuck", "ground-truth.json");
	if (nmi && gt && (ground_truth = json_object_from_file(gt)))
		nmi_regs_case(nmi);
	json_object_put(ground_truth);
	free(nmi);
	free(gt);
	char *cf = tap_lab_file("callforms", "vmcore.elf");
	char *cf_gt = tap_lab_file("callforms", "ground-truth.json");
	if (cf && cf_gt && (ground_truth = json_object_from_file(cf_gt)))
		fp_loop_case(cf);
	json_object_put(ground_truth);
	free(cf);
	free(cf_gt);
	return tap_done();
}
