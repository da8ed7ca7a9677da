/* SPDX-License-Identifier: MIT */
/*
 * Reading why the kernel died from its own log (panic_log.c, patterns in panic_patterns.def):
 * the panic line, the report that led to it (the oops, the watchdog's message), and the lines
 * after that report that name the CPU, the task, RIP and the fault. panic_cause.c ties them to
 * the dump's backtraces.
 */
#ifndef KT_FINDINGS_PANIC_LOG_H
#define KT_FINDINGS_PANIC_LOG_H

#include "findings/findings.h"

enum kt_panic_class {
#define CLASS(id, code, severity, signature, sign, title) KT_PANIC_CLASS_##id,
#define PATTERN(cls, where, match, text, source)
#include "findings/panic_patterns.def"
#undef CLASS
#undef PATTERN
	KT_PANIC_CLASS_COUNT
};

enum kt_panic_sign { KT_PANIC_SIGN_FRAMES, KT_PANIC_SIGN_TEXT, KT_PANIC_SIGN_MESSAGE, KT_PANIC_SIGN_NONE };

struct kt_panic_class_info {
	const char *code;
	enum kt_severity severity;
	const char *signature;
	enum kt_panic_sign sign;
	const char *title;
};

extern const struct kt_panic_class_info kt_panic_classes[KT_PANIC_CLASS_COUNT];

enum { KT_PANIC_NO_LINE = -1 };

/* "RIP: 0010:func+0x22/0x40 [mod]" (3.10: "RIP: 0010:[<addr>]  [<addr>] func+0x22/0x40 [mod]";
 * before 5.0 also "IP: ..." after the page-fault BUG line): where the CPU was. */
struct kt_panic_rip {
	long line;
	char function[96];       /* "" if the kernel printed only an address */
	uint64_t offset;
	char module[64];
	uint64_t address;
	bool has_address;
};

/* What the log says. Line numbers index the input's log; KT_PANIC_NO_LINE when absent. */
struct kt_panic_log {
	enum kt_panic_class cls;
	const char *panic_source; /* where the kernel prints the panic line, if a pattern knows it */
	const char *source;      /* where it prints the report (cause or die line) */
	long panic_line;         /* "Kernel panic - not syncing: ..." */
	const char *message;     /* the panic message, inside the panic line */
	long cause_line;         /* the report that led to the panic (BUG:, soft lockup, ...) */
	long die_line;           /* the die header "STR: %04lx [#N]" of an oops */
	char die_str[64];        /* STR: "Oops", "general protection fault", "invalid opcode" */
	unsigned int die_error;
	unsigned int die_count;
	long cpu_line;           /* "CPU: N PID: P Comm: C" after the report */
	int cpu;                 /* from the report or the CPU line; -1 unknown */
	int pid;                 /* -1 unknown */
	char comm[17];
	struct kt_panic_rip rip;    /* line KT_PANIC_NO_LINE if none */
	/* Page faults. */
	long pf_error_line;      /* "#PF: error_code(0x0000) - not-present page" (5.0+) */
	long pf_access_line;     /* "#PF: supervisor read access in kernel mode" */
	long cr2_line;           /* the summary "CR2: %016lx" after the oops */
	uint64_t fault_address;
	bool has_fault_address;
	/* General protection faults under KASAN: "KASAN: null-ptr-deref in range [a-b]" (the
	 * address the non-canonical one was made from, mm/kasan/report.c). */
	long kasan_line;
	/* Soft lockups: "stuck for %us". */
	unsigned int stuck_seconds;
	/* Hung tasks: every "INFO: task %s:%d blocked ..." before the panic. */
	long blocked_lines[16];
	size_t n_blocked;
	/* "Trigger a crash": the sysrq action message before a sysrq panic. */
	long sysrq_line;
	/* Reports of other classes before the deciding one, which did not panic (a hung task
	 * reported before a sysrq crash, an earlier oops): the latest of each pattern, newest
	 * first. */
	long earlier_lines[4];
	size_t n_earlier;
};

/* Reads the log; false when it holds neither a panic line nor an oops. An oops without a panic
 * line may have taken the dump itself (oops_end() -> crash_kexec()): the caller checks that
 * against the dump. */
bool kt_panic_log_read(const struct kt_log_line *log, size_t n, struct kt_panic_log *ret);

#endif
