/* SPDX-License-Identifier: MIT */
/*
 * libktriage: Linux kernel crash dump analysis.
 *
 * Every fallible function returns a struct kt_error *, NULL on success; results go to the last
 * argument(s), named *ret, and are written only on success. Errors are freed with
 * kt_error_destroy() (a no-op for NULL and for static errors such as out-of-memory).
 */
#ifndef KTRIAGE_H
#define KTRIAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KT_PUBLIC __attribute__((visibility("default")))

/* Errors */

enum kt_error_code {
	KT_ERROR_NOMEM,        /* out of memory */
	KT_ERROR_OS,           /* a system call failed; errno in the message */
	KT_ERROR_FAULT,        /* a dump address could not be read; see kt_error_address() */
	KT_ERROR_BAD_DATA,     /* the dump or debug info holds something impossible */
	KT_ERROR_NOT_FOUND,    /* a symbol, type, note or object is absent */
	KT_ERROR_LIMIT,        /* a walk hit its budget (a loop in a list, a runaway stack) */
	KT_ERROR_UNSUPPORTED,  /* this kernel or dump has a layout ktriage does not read */
	KT_ERROR_INVALID_ARGUMENT,
};

struct kt_error;

KT_PUBLIC enum kt_error_code kt_error_code(const struct kt_error *err);
KT_PUBLIC const char *kt_error_message(const struct kt_error *err);
/* For KT_ERROR_FAULT: the first address that could not be read. */
KT_PUBLIC bool kt_error_address(const struct kt_error *err, uint64_t *ret);
KT_PUBLIC void kt_error_destroy(struct kt_error *err);

/* Programs: a dump with the symbols and types that describe it */

struct kt_program;

struct kt_open_options {
	const char *vmlinux;        /* debug vmlinux, or NULL to search the debuginfo directories */
	const char *const *debuginfo_dirs; /* searched in order; NULL: /usr/lib/debug and the lab cache */
	size_t n_debuginfo_dirs;
	bool no_debuginfo;          /* use only what the dump carries (kallsyms, BTF) */
};

KT_PUBLIC struct kt_error *kt_program_open(const char *path, const struct kt_open_options *opts,
					   struct kt_program **ret);
KT_PUBLIC void kt_program_destroy(struct kt_program *prog);
/* Where symbols and types come from, for people: "kallsyms and BTF from the dump (no debug
 * file: no source lines, no inlined frames)" or "vmlinux PATH (ELF symbols, BTF)". */
KT_PUBLIC const char *kt_program_debuginfo_mode(const struct kt_program *prog);

/* Memory */

enum kt_address_space {
	KT_KVADDR,   /* kernel virtual */
	KT_KPHYSADDR /* physical */
};

/* Reads exactly len bytes or fails with KT_ERROR_FAULT naming the first unreadable address. */
KT_PUBLIC struct kt_error *kt_program_read(struct kt_program *prog, uint64_t addr,
					   enum kt_address_space space, void *buf, size_t len);

/* Symbols */

KT_PUBLIC struct kt_error *kt_program_symbol_address(struct kt_program *prog, const char *name,
						     uint64_t *ret);

/* System summary, as crash's `sys` */

struct kt_sys_info {
	char *release;          /* utsname release */
	char *version;          /* utsname version */
	char *machine;
	char *nodename;
	char *dump_path;
	char *dump_format;      /* what libkdumpfile calls the file format */
	char *build_id;         /* from VMCOREINFO, or NULL */
	uint64_t kaslr_offset;
	bool has_kaslr_offset;
	unsigned int cpus_online;
	unsigned int cpus_possible;
	unsigned int cpus_with_registers; /* CPUs whose registers the dump holds */
	int64_t crash_time;     /* seconds since the epoch; valid if has_crash_time */
	bool has_crash_time;
	char *panic_message;    /* NULL if the log holds none */
	int panic_cpu;          /* -1 if unknown */
	const char *debuginfo_mode; /* kt_program_debuginfo_mode(): valid while the program is */
};

KT_PUBLIC struct kt_error *kt_sys_info_get(struct kt_program *prog, struct kt_sys_info *ret);
KT_PUBLIC void kt_sys_info_deinit(struct kt_sys_info *info);

/* Kernel log */

struct kt_log_record {
	uint64_t seq;
	uint64_t ts_nsec;
	unsigned int level;      /* 0-7, or 8 if unknown */
	uint32_t caller_id;      /* "T<pid>" or "C<cpu>" encoding of printk, 0 if absent */
	const char *text;        /* not NUL-terminated inside the record: use text_len */
	size_t text_len;
};

/* Calls fn for each record of the kernel log, oldest first; fn returns false to stop. */
typedef bool kt_log_fn(const struct kt_log_record *rec, void *arg);
KT_PUBLIC struct kt_error *kt_log_for_each(struct kt_program *prog, kt_log_fn *fn, void *arg);

/* Tasks, as crash's `ps` */

struct kt_task {
	uint64_t address;        /* struct task_struct * */
	int32_t pid, tgid, ppid;
	char comm[17];
	uint64_t state;          /* __state (or state before 5.14) | exit_state */
	const char *state_name;  /* crash's two letters: RU IN UN ST TR DE ZO PA ID NE */
	int cpu;                 /* the CPU it last ran on */
	bool active;             /* the current task of its CPU at the time of the dump */
	bool idle;               /* a CPU's idle task (swapper/N) */
};

typedef bool kt_task_fn(const struct kt_task *task, void *arg);
/* Every task: each CPU's idle task first, then every thread of every process. */
KT_PUBLIC struct kt_error *kt_task_for_each(struct kt_program *prog, kt_task_fn *fn, void *arg);

/* Loaded modules, as crash's `mod` */

struct kt_module_info {
	uint64_t address;        /* struct module * */
	const char *name;
	uint64_t base, size;     /* core text/data: module_layout (before 6.4) or mem[] (6.4+) */
	unsigned int state;      /* enum module_state: 0 live, 1 coming, 2 going, 3 unformed */
	size_t n_symbols;        /* symbols read from the module's own kallsyms */
};

/* Every module on the kernel's `modules` list, in list order (newest first). */
KT_PUBLIC struct kt_error *kt_module_list(struct kt_program *prog,
					  const struct kt_module_info **ret, size_t *n_ret);

/* Names an address: the kernel's or a module's symbol containing it. module_ret is NULL for
 * the kernel itself. The strings live as long as the program. */
KT_PUBLIC struct kt_error *kt_program_symbolize(struct kt_program *prog, uint64_t addr,
						const char **name_ret, uint64_t *offset_ret,
						const char **module_ret);

/* Rendering (text for people, JSON with the schema in docs/json.md) */

KT_PUBLIC char *kt_sys_info_to_text(const struct kt_sys_info *info);
KT_PUBLIC char *kt_sys_info_to_json(const struct kt_sys_info *info);

#ifdef __cplusplus
}
#endif
#endif /* KTRIAGE_H */
