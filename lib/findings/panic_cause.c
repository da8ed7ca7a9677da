// SPDX-License-Identifier: MIT
/*
 * panic.*: why the machine died. The kernel's own words first (panic_log.c reads the panic
 * line and the report before it: the oops, the watchdog's message), then the dump's evidence
 * for them: the CPU the report names, its active task, and for an oops or a lockup the frame of
 * that CPU's backtrace at the RIP the report printed (an exception's or interrupt's pt_regs,
 * or the registers crash_kexec() was handed by oops_end()). The signature starts there. A sysrq
 * crash is information only: someone crashed the machine by hand, and the other findings say
 * why.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86_64/regs.h"
#include "core/error.h"
#include "core/util.h"
#include "findings/findings.h"
#include "findings/panic_log.h"

/* A log line as evidence: "[   5.596282] BUG: kernel NULL pointer dereference, ...". */
static bool line_fact(struct kt_finding *f, const char *key, const struct kt_log_line *log, long i,
		      const char *note)
{
	const struct kt_log_line *l = &log[i];
	size_t len = strcspn(l->text, "\n");  // a record may hold several lines: the first says it
	while (len && (l->text[len - 1] == '\n' || l->text[len - 1] == ' '))
		len--;
	return kt_finding_fact(f, key, "[%5" PRIu64 ".%06" PRIu64 "] %.*s%s%s%s", l->ts_nsec / 1000000000,
			       l->ts_nsec % 1000000000 / 1000, (int)len, l->text, note ? " (" : "",
			       note ? note : "", note ? ")" : "");
}

static bool is_function(const struct kt_frame *fr, const char *name)
{
	if (!fr->function)
		return false;
	char cut[96];
	kt_signature_function(cut, sizeof(cut), fr->function);
	return !strcmp(cut, name);
}

/* The frame where the CPU was at the report's RIP: exact (a pc from registers, not a return
 * address), same function and offset, or same address when the kernel printed one. */
static long frame_at_rip(const struct kt_backtrace *bt, const struct kt_panic_rip *rip)
{
	for (size_t i = 0; bt && i < bt->n_frames; i++) {
		const struct kt_frame *fr = &bt->frames[i];
		if (!fr->exact)
			continue;
		if (rip->has_address && fr->pc == rip->address)
			return (long)i;
		if (rip->function[0] && fr->function && !strcmp(fr->function, rip->function) &&
		    fr->offset == rip->offset && (!rip->module[0] || (fr->module && !strcmp(fr->module, rip->module))))
			return (long)i;
	}
	return -1;
}

/* Without a RIP line: the innermost kernel-mode pt_regs frame entered through an exception,
 * interrupt or NMI entry (the frame above it is the entry code: arch/x86/entry/entry_64.S, the
 * asm_ names 5.8+, the older ones before). */
static long frame_after_entry(const struct kt_backtrace *bt)
{
	static const char *const entries[] = {"asm_exc_", "asm_sysvec_", "asm_common_interrupt", "end_repeat_nmi",
					      "repeat_nmi", "page_fault", "general_protection", "invalid_op",
					      "apic_timer_interrupt", "common_interrupt", "divide_error", "nmi"};
	for (size_t i = 1; bt && i < bt->n_frames; i++) {
		const struct kt_frame *fr = &bt->frames[i], *above = &bt->frames[i - 1];
		if (!fr->has_pt_regs || (fr->pt_regs[KT_REG_cs] & 3) || !above->function)
			continue;
		for (size_t k = 0; k < KT_ARRAY_SIZE(entries); k++)
			if (!strncmp(above->function, entries[k], strlen(entries[k])))
				return (long)i;
	}
	return -1;
}

/* The x86 page-fault error code (arch/x86/include/asm/trap_pf.h, enum x86_pf_error_code). */
static void pf_error_decode(unsigned int e, char *buf, size_t size)
{
	kt_textf(buf, size, "%s %s in %s mode, %s%s%s%s", e & 0x10 ? "instruction fetch" : e & 2 ? "write" : "read",
		 "access", e & 4 ? "user" : "supervisor", e & 1 ? "protection violation" : "not-present page",
		 e & 8 ? ", reserved bit set" : "", e & 0x20 ? ", protection key" : "",
		 e & 0x40 ? ", shadow stack" : "");
}

static bool frame_facts(struct kt_finding *f, const struct kt_backtrace *bt, long k, bool by_rip)
{
	const struct kt_frame *fr = &bt->frames[k];
	if (!kt_finding_fact(f, "frame", "#%ld %s+0x%" PRIx64 "%s%s%s at 0x%" PRIx64 ", %s: %s%s", k,
			     fr->function ? fr->function : "?", fr->offset, fr->module ? " [" : "",
			     fr->module ? fr->module : "", fr->module ? "]" : "", fr->pc,
			     kt_frame_status_name(fr->status), fr->reason,
			     by_rip ? "; its pc is the RIP the kernel printed"
				    : "; no RIP line in the log: the innermost kernel pt_regs after an exception, "
				      "interrupt or NMI entry"))
		return false;
	if (!fr->has_pt_regs)
		return true;
	const uint64_t *r = fr->pt_regs;
	return kt_finding_fact(f, "pt_regs", "at 0x%" PRIx64 ": rip 0x%" PRIx64 " cs 0x%" PRIx64 " rsp 0x%" PRIx64
			       " rflags 0x%" PRIx64 " orig_rax 0x%" PRIx64 "%s%s", fr->pt_regs_address, r[KT_REG_rip],
			       r[KT_REG_cs], r[KT_REG_rsp], r[KT_REG_rflags], r[KT_REG_orig_rax],
			       r[KT_REG_rip] == fr->pc ? "; rip is the frame's pc" : "; rip differs from the frame's pc",
			       r[KT_REG_orig_rax] < 0x10000 ? " (orig_rax holds the exception's error code)" : "");
}

/* The register dump's own CR2 ("CR2: X CR3: Y CR4: Z") is read when the registers are printed,
 * after show_opcodes() has read the code bytes: when that read faulted ("Unable to access opcode
 * bytes") CR2 holds its address, not the oops's. Said when they differ. */
static bool cr2_facts(struct kt_finding *f, const struct kt_log_line *log, long end, const struct kt_panic_log *pl)
{
	if (pl->cr2_line != KT_PANIC_NO_LINE &&
	    !line_fact(f, "cr2", log, pl->cr2_line, "the fault address page_fault_oops() was given"))
		return false;
	bool opcode_fault = false;
	for (long i = pl->die_line + 1; i < end; i++) {
		const char *t = log[i].text;
		opcode_fault |= !strncmp(t, "Code: Unable to access opcode bytes", 35);
		const char *c = strstr(t, "CR2: ");
		if (!c || !strstr(t, " CR3: "))
			continue;
		uint64_t cr2 = strtoull(c + 5, NULL, 16);
		if (pl->has_fault_address && cr2 != pl->fault_address)
			return line_fact(f, "cr2.registers", log, i,
					 opcode_fault ? "differs from the fault address: CR2 was read after show_opcodes()' "
							"read of the code bytes faulted again"
						      : "differs from the fault address: CR2 was read later");
		return true;
	}
	return true;
}

/* The CPU's active task in the dump, checked against the pid the log names. */
static bool task_fact(struct kt_finding *f, const struct kt_backtrace *bt, const struct kt_panic_log *pl, int cpu)
{
	if (!bt)
		return pl->pid < 0 || kt_finding_fact(f, "task", "pid %d \"%s\" (from the log)", pl->pid, pl->comm);
	f->task = bt->task;
	char agree[64] = "";
	if (pl->pid >= 0 && pl->pid == bt->pid)
		kt_textf(agree, sizeof(agree), "; the log names the same pid");
	else if (pl->pid >= 0)
		kt_textf(agree, sizeof(agree), "; the log names pid %d \"%s\"", pl->pid, pl->comm);
	return kt_finding_fact(f, "task", "pid %d \"%s\" task 0x%" PRIx64 ", active on CPU %d in the dump%s", bt->pid,
			       bt->comm, bt->task, cpu, agree);
}

/* "INFO: task NAME:PID blocked for more than N seconds.": the pid, or -1. */
static long blocked_pid(const char *text)
{
	const char *t = strstr(text, "INFO: task "), *b = t ? strstr(t, " blocked for") : NULL;
	const char *colon = b;
	while (colon && colon > t && *colon != ':')
		colon--;
	return colon && colon > t ? strtol(colon + 1, NULL, 10) : -1;
}

/* Each task the hung-task detector named, and what the dump says of it now: still there, and
 * in which state (UN: TASK_UNINTERRUPTIBLE, the state the detector looks for). */
static struct kt_error *blocked_facts(struct kt_findings_input *in, struct kt_finding *f,
				      const struct kt_log_line *log, const struct kt_panic_log *pl)
{
	const struct kt_task *tasks = NULL;
	size_t n_tasks = 0;
	const struct kt_error *terr = kt_input_tasks(in, &tasks, &n_tasks);
	if (terr == &kt_enomem)
		return &kt_enomem;
	for (size_t i = 0; i < pl->n_blocked; i++) {
		long pid = blocked_pid(log[pl->blocked_lines[i]].text);
		const struct kt_task *t = NULL;
		for (size_t k = 0; pid >= 0 && k < n_tasks && !t; k++)
			if (tasks[k].pid == pid)
				t = &tasks[k];
		char key[32], note[160];
		kt_textf(key, sizeof(key), "blocked.%zu", i);
		if (t)
			kt_textf(note, sizeof(note), "in the dump: task 0x%" PRIx64 " \"%s\" state %s", t->address, t->comm,
				 t->state_name ? t->state_name : "?");
		else
			kt_textf(note, sizeof(note), "pid %ld is not among the dump's tasks%s%s", pid, terr ? ": " : "",
				 terr ? kt_error_message(terr) : "");
		if (!line_fact(f, key, log, pl->blocked_lines[i], note))
			return &kt_enomem;
	}
	return NULL;
}

/* The sysrq crash's writer: the task under write_sysrq_trigger() on the panicking CPU, or the
 * keyboard or serial console when the crash came in an interrupt. */
static bool sysrq_facts(struct kt_finding *f, const struct kt_backtrace *bt, char *who, size_t size)
{
	for (size_t i = 0; bt && i < bt->n_frames; i++)
		if (is_function(&bt->frames[i], "write_sysrq_trigger")) {
			kt_textf(who, size, "pid %d \"%s\" wrote 'c' to /proc/sysrq-trigger", bt->pid, bt->comm);
			return kt_finding_fact(f, "sysrq", "%s: frame #%zu write_sysrq_trigger+0x%" PRIx64 " (%s)", who, i,
					       bt->frames[i].offset, kt_frame_status_name(bt->frames[i].status));
		}
	for (size_t i = 0; bt && i < bt->n_frames; i++)
		if (is_function(&bt->frames[i], "__handle_sysrq") || is_function(&bt->frames[i], "handle_sysrq")) {
			kt_textf(who, size, "sysrq c from the keyboard or serial console (pid %d \"%s\" was interrupted)",
				 bt->pid, bt->comm);
			return kt_finding_fact(f, "sysrq", "%s: frame #%zu %s, no write_sysrq_trigger", who, i,
					       bt->frames[i].function);
		}
	kt_textf(who, size, "sysrq c (its caller is not on the backtrace)");
	return kt_finding_fact(f, "sysrq", "no sysrq frame on the panicking CPU's backtrace");
}

static bool sign(struct kt_finding *f, const struct kt_panic_class_info *c, const struct kt_panic_log *pl,
		 const struct kt_backtrace *bt, long k, enum kt_panic_class cls)
{
	switch (c->sign) {
	case KT_PANIC_SIGN_NONE:
		return true;
	case KT_PANIC_SIGN_TEXT:
		return kt_finding_sign_text(f, c->signature);
	case KT_PANIC_SIGN_MESSAGE: {
		char text[192];
		const char *m = pl->message ? pl->message : "";
		size_t len = strcspn(m, "\n");
		while (len && m[len - 1] == ' ')
			len--;
		kt_textf(text, sizeof(text), "%s: %.*s", c->signature, (int)len, m);
		return kt_finding_sign_text(f, text);
	}
	case KT_PANIC_SIGN_FRAMES:
		break;
	}
	if (k >= 0 || cls == KT_PANIC_CLASS_OTHER)
		return kt_finding_sign(f, c->signature, bt, k >= 0 ? (size_t)k : 0);
	kt_textf(f->signature, sizeof(f->signature), "%s: %s", c->signature,
		 !bt ? "no backtrace of the CPU" : pl->rip.line != KT_PANIC_NO_LINE ? "no frame at the RIP the kernel printed"
										: "no faulting frame");
	f->signature_corrupted = true;
	return true;
}

static void summary(struct kt_finding *f, enum kt_panic_class cls, const struct kt_panic_log *pl, int cpu,
		    const struct kt_backtrace *bt, long k, const char *who, const char *cause_text)
{
	char where[160] = "";
	if (bt && k >= 0) {
		const struct kt_frame *fr = &bt->frames[k];
		kt_textf(where, sizeof(where), " in %s+0x%" PRIx64 "%s%s%s", fr->function ? fr->function : "?",
			 fr->offset, fr->module ? " [" : "", fr->module ? fr->module : "", fr->module ? "]" : "");
	}
	char task[64] = "";
	if (bt)
		kt_textf(task, sizeof(task), " (pid %d \"%s\")", bt->pid, bt->comm);
	const char *fatal = pl->panic_line != KT_PANIC_NO_LINE
				    ? "" : "; the oops took the dump itself (oops_end() -> crash_kexec())";
	switch (cls) {
	case KT_PANIC_CLASS_SYSRQ:
		kt_textf(f->summary, sizeof(f->summary),
			 "Crashed by hand on CPU %d: %s. A sysrq crash is how a stuck machine is dumped: why it "
			 "needed one is in the other findings.", cpu, who);
		break;
	case KT_PANIC_CLASS_PAGE_FAULT:
		kt_textf(f->summary, sizeof(f->summary),
			 "CPU %d%s took a kernel page fault%s at address 0x%" PRIx64 "%s: \"%s\"%s.", cpu, task, where,
			 pl->fault_address, pl->has_fault_address ? "" : " (unknown)", cause_text, fatal);
		break;
	case KT_PANIC_CLASS_SOFT_LOCKUP:
		kt_textf(f->summary, sizeof(f->summary),
			 "CPU %d%s did not schedule for %us%s, and softlockup_panic made the watchdog panic: \"%s\".",
			 cpu, task, pl->stuck_seconds, where, cause_text);
		break;
	case KT_PANIC_CLASS_HUNG_TASK:
		kt_textf(f->summary, sizeof(f->summary),
			 "The hung-task detector on CPU %d%s found %zu task%s blocked in D state and hung_task_panic "
			 "made it panic: the blocked tasks are the subject, not the panicking CPU.", cpu, task,
			 pl->n_blocked, pl->n_blocked == 1 ? "" : "s");
		break;
	default:
		kt_textf(f->summary, sizeof(f->summary), "%s on CPU %d%s%s: \"%s\"%s.", kt_panic_classes[cls].title, cpu,
			 task, where, cause_text, fatal);
		break;
	}
}

static struct kt_error *commands(struct kt_finding *f, const struct kt_findings_list *list,
				 const struct kt_panic_log *pl, const struct kt_log_line *log, int cpu,
				 const struct kt_backtrace *bt, long k)
{
	bool ok = kt_finding_command(f, list, "log") && (cpu < 0 || kt_finding_command(f, list, "bt -c %d", cpu));
	if (ok && bt && k >= 0 && bt->frames[k].function)
		ok = kt_finding_command(f, list, "dis -r %s+0x%" PRIx64, bt->frames[k].function, bt->frames[k].offset);
	for (size_t i = 0; ok && i < pl->n_blocked && i < 4; i++) {
		long pid = blocked_pid(log[pl->blocked_lines[i]].text);
		if (pid >= 0)
			ok = kt_finding_command(f, list, "bt %ld", pid);
	}
	if (ok && pl->n_blocked)
		ok = kt_finding_command(f, list, "ps --state=UN");
	return ok ? NULL : &kt_enomem;
}

static struct kt_error *no_reason(struct kt_findings_list *list, int panic_cpu, const struct kt_error *log_error)
{
	struct kt_finding *f = kt_finding_add(list, kt_panic_classes[KT_PANIC_CLASS_OTHER].code,
					      kt_panic_classes[KT_PANIC_CLASS_OTHER].title, KT_SEVERITY_CRITICAL);
	if (!f)
		return &kt_enomem;
	f->cpu = panic_cpu;
	kt_textf(f->summary, sizeof(f->summary),
		 "CPU %d panicked (panic_cpu), but the log holds no message that says why.", panic_cpu);
	bool ok = kt_finding_fact(f, "cpu", "%d: panic_cpu (kernel/panic.c), set by panic() and crash_kexec()", panic_cpu) &&
		  (!log_error || kt_finding_fact(f, "log", "%s", kt_error_message(log_error))) &&
		  kt_finding_command(f, list, "log") && kt_finding_command(f, list, "bt -c %d", panic_cpu) &&
		  kt_finding_sign_text(f, "panic: no reason in the log");
	return ok ? NULL : &kt_enomem;
}

struct kt_error *kt_finding_panic_cause(struct kt_findings_input *in, struct kt_findings_list *list)
{
	const struct kt_log_line *log;
	size_t n;
	const struct kt_error *log_error = kt_input_log(in, &log, &n);
	if (log_error == &kt_enomem)
		return &kt_enomem;
	const struct kt_sys_info *sys;
	const struct kt_error *serr = kt_input_sys(in, &sys);
	if (serr == &kt_enomem)
		return &kt_enomem;
	int panic_cpu = serr ? -1 : sys->panic_cpu;
	struct kt_panic_log pl;
	if (!kt_panic_log_read(log, n, &pl))
		// No panic: a dump taken from outside (QEMU's dump-guest-memory) or of a live kernel.
		return panic_cpu >= 0 ? no_reason(list, panic_cpu, log_error) : NULL;
	int cpu = pl.cpu >= 0 ? pl.cpu : panic_cpu;
	enum kt_panic_class cls = pl.cls;
	const struct kt_error *bt_error = NULL;
	const struct kt_backtrace *bt = cpu >= 0 ? kt_input_cpu_backtrace(in, (unsigned int)cpu, &bt_error) : NULL;
	if (!bt && bt_error == &kt_enomem)
		return &kt_enomem;
	long k = pl.rip.line != KT_PANIC_NO_LINE ? frame_at_rip(bt, &pl.rip) : -1;
	bool by_rip = k >= 0;
	// Without a RIP line, the exception or interrupt frame stands in; a RIP line that no frame
	// matches leaves none (the backtrace does not show the fault: another frame would mislead).
	if (k < 0 && pl.rip.line == KT_PANIC_NO_LINE && kt_panic_classes[cls].sign == KT_PANIC_SIGN_FRAMES &&
	    cls != KT_PANIC_CLASS_OTHER)
		k = frame_after_entry(bt);
	// An oops without a panic line took the dump itself (oops_end() -> crash_kexec()): only if
	// the dump says so, by panic_cpu or by the crash registers being the oops's own.
	if (pl.panic_line == KT_PANIC_NO_LINE) {
		bool tied = panic_cpu >= 0 ? panic_cpu == cpu
					   : bt && by_rip && k == 0 && bt->registers_code == KT_REGISTERS_CRASH_NOTES;
		if (!tied)
			return panic_cpu >= 0 ? no_reason(list, panic_cpu, log_error) : NULL;
	}
	// Before 4.17 sysrq c crashed by writing through a NULL pointer: a page fault there.
	if ((bt && k >= 0 && is_function(&bt->frames[k], "sysrq_handle_crash")) ||
	    !strcmp(pl.rip.function, "sysrq_handle_crash"))
		cls = KT_PANIC_CLASS_SYSRQ;
	const struct kt_panic_class_info *c = &kt_panic_classes[cls];
	struct kt_finding *f = kt_finding_add(list, c->code, c->title, c->severity);
	if (!f)
		return &kt_enomem;
	f->cpu = cpu;
	long end = pl.panic_line != KT_PANIC_NO_LINE ? pl.panic_line : (long)n;
	long decisive = pl.cause_line != KT_PANIC_NO_LINE ? pl.cause_line
			: pl.die_line != KT_PANIC_NO_LINE ? pl.die_line : pl.panic_line;
	char cause_text[200] = "";
	if (decisive != KT_PANIC_NO_LINE) {
		const char *t = log[decisive].text;
		size_t len = strcspn(t, "\n");
		while (len && t[len - 1] == ' ')
			len--;
		kt_textf(cause_text, sizeof(cause_text), "%.*s", (int)len, t);
	}
	char who[160] = "";
	bool ok = (pl.panic_line == KT_PANIC_NO_LINE
		   ? kt_finding_fact(f, "panic", "no panic line: the oops called crash_kexec() itself "
					       "(oops_end(), panic_on_oops with a capture kernel loaded)")
		   : line_fact(f, "panic", log, pl.panic_line, pl.panic_source)) &&
		  (pl.cause_line == KT_PANIC_NO_LINE || pl.n_blocked || line_fact(f, "cause", log, pl.cause_line, pl.source)) &&
		  (pl.die_line == KT_PANIC_NO_LINE ||
		   line_fact(f, "die", log, pl.die_line, pl.cause_line == KT_PANIC_NO_LINE ? pl.source : "die()'s header")) &&
		  kt_finding_fact(f, "cpu", "%d%s; panic_cpu %d", cpu,
				  pl.cpu >= 0 ? " (named by the log)" : " (panic_cpu)", panic_cpu) &&
		  (pl.cpu_line == KT_PANIC_NO_LINE || line_fact(f, "log.cpu", log, pl.cpu_line, NULL)) &&
		  task_fact(f, bt, &pl, cpu) &&
		  (pl.rip.line == KT_PANIC_NO_LINE || line_fact(f, "rip", log, pl.rip.line, NULL));
	if (ok && bt && k >= 0)
		ok = frame_facts(f, bt, k, by_rip);
	else if (ok && bt && pl.rip.line != KT_PANIC_NO_LINE)
		ok = kt_finding_fact(f, "frame", "no frame of CPU %d's backtrace is at the RIP the kernel printed", cpu);
	if (ok && pl.has_fault_address)
		ok = kt_finding_fact(f, "fault_address", "0x%" PRIx64, pl.fault_address);
	if (ok && pl.kasan_line != KT_PANIC_NO_LINE)
		ok = line_fact(f, "kasan", log, pl.kasan_line, NULL);
	if (ok && pl.pf_access_line != KT_PANIC_NO_LINE)
		ok = line_fact(f, "access", log, pl.pf_access_line, NULL);
	if (ok && pl.pf_error_line != KT_PANIC_NO_LINE)
		ok = line_fact(f, "error_code", log, pl.pf_error_line, NULL);
	if (ok && pl.die_line != KT_PANIC_NO_LINE) {
		char decoded[128] = "";
		if (pl.cls == KT_PANIC_CLASS_PAGE_FAULT)
			pf_error_decode(pl.die_error, decoded, sizeof(decoded));
		ok = kt_finding_fact(f, "die.error", "0x%04x%s%s (oops #%u)", pl.die_error, decoded[0] ? ": " : "",
				     decoded, pl.die_count);
	}
	if (ok && pl.cls == KT_PANIC_CLASS_PAGE_FAULT && pl.die_line != KT_PANIC_NO_LINE)
		ok = cr2_facts(f, log, end, &pl);
	if (ok && pl.n_blocked) {
		struct kt_error *err = blocked_facts(in, f, log, &pl);
		if (err)
			return err;
	}
	if (ok && pl.sysrq_line != KT_PANIC_NO_LINE && pl.sysrq_line != pl.cause_line && cls == KT_PANIC_CLASS_SYSRQ)
		ok = line_fact(f, "sysrq.log", log, pl.sysrq_line, NULL);
	if (ok && cls == KT_PANIC_CLASS_SYSRQ)
		ok = sysrq_facts(f, bt, who, sizeof(who));
	for (size_t i = 0; ok && i < pl.n_earlier; i++) {
		char key[32];
		kt_textf(key, sizeof(key), "earlier.%zu", i);
		ok = line_fact(f, key, log, pl.earlier_lines[i], "reported before, without a panic");
	}
	if (ok && log_error)
		ok = kt_finding_fact(f, "log.error", "%s", kt_error_message(log_error));
	if (ok && !bt)
		ok = cpu < 0 ? kt_finding_fact(f, "backtrace", "the log names no CPU and panic_cpu is unknown")
			     : kt_finding_fact(f, "backtrace", "no backtrace of CPU %d: %s", cpu,
					       bt_error ? kt_error_message(bt_error) : "?");
	if (!ok || !sign(f, c, &pl, bt, k, cls))
		return &kt_enomem;
	summary(f, cls, &pl, cpu, bt, k, who, cause_text);
	return commands(f, list, &pl, log, cpu, bt, k);
}
