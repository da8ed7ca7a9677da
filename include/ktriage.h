/* SPDX-License-Identifier: MIT */
/*
 * libktriage: Linux kernel crash dump analysis.
 *
 * Errors. Every fallible function returns a struct kt_error *, NULL on success; results go to
 * the last argument(s), named *ret, and are written only on success. Errors are freed with
 * kt_error_destroy() (a no-op for NULL and for static errors such as out-of-memory).
 *
 * Ownership: one convention, as drgn's libdrgn.
 * - Heap objects are made by kt_X_create() (or an opening or computing function that says so:
 *   kt_program_open, kt_backtrace_*) and released with kt_X_destroy(); kt_X_destroy(NULL) is a
 *   no-op. Arrays of results come with their count and are released with
 *   kt_X_destroy(array, count), named after the elements (kt_members_at_destroy,
 *   kt_stack_search_destroy, kt_inline_frames_destroy, kt_percpu_slots_destroy,
 *   kt_call_sites_destroy); NULL is a no-op there too.
 * - Structs the caller owns are filled by kt_X_init() and emptied by kt_X_deinit()
 *   (kt_sys_info_init, kt_sys_info_deinit). Structs without a kt_X_deinit() own nothing.
 * - Text formatted for the caller (char *: kt_value_format, kt_type_describe,
 *   kt_sys_info_to_text, ...) is a plain C string: free() it.
 * - Anything returned as const (names of symbols, modules, stacks, files; kt_module_list's
 *   array; messages of kt_program_debuginfo_mode and kt_source_status) belongs to the program
 *   and lives as long as it: never free it, and do not use it after kt_program_destroy().
 *
 * Threads. A struct kt_program is used by one thread at a time: its functions fill caches on
 * first use without locks, so two threads may not call into the same program at once (open
 * one program per thread; each has its own memory reader and caches). Different programs on
 * different threads share nothing mutable but a list kept under a lock, even on the same dump
 * file. An error belongs to
 * whoever received it and may be read or destroyed on any thread; the static ones are
 * immutable. Callbacks (kt_task_fn, kt_log_fn, ...) run on the calling thread. A walk over
 * every task may read the next tasks' pages ahead on a second thread of its own (see
 * enum kt_read_ahead_mode): that thread only reads dump pages through the dump's second
 * context into pages shared under a lock, calls no callback and touches no cache of the
 * program, and has ended when the walk returns. Without debug files, the kernel's symbol and
 * type tables are read and decoded half on a second thread in the same way: it reads into the
 * caller's buffers through the dump's second context, or decodes its half of the names, and has
 * ended when the table is made.
 */
#ifndef KTRIAGE_H
#define KTRIAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

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
/* The error class as a stable code (docs/json.md, "Codes"): "error.fault", "error.not_found". */
KT_PUBLIC const char *kt_error_code_name(enum kt_error_code code);

/* Programs: a dump with the symbols and types that describe it */

struct kt_program;

/*
 * Whether a walk over every task reads the next tasks' pages on a second thread. It pays where
 * reading a page costs more than copying it: kdump-compressed pages are inflated on every read.
 * ELF dumps are mapped, and copying their pages costs more than it saves while the file is in
 * the page cache; ALWAYS is for ELF dumps that are not (a cold or slow disk, a network file
 * system), so that the second thread waits for the disk instead. Never with a single CPU.
 * The same mode says whether the tables read from the dump without debug files (kallsyms, the
 * kernel's BTF: MBs, every page inflated) are read half on a second thread (AUTO: where pages are
 * inflated), and whether kallsyms names are decoded in two halves (AUTO and ALWAYS); NEVER keeps
 * all of it on the calling thread. The results are the same either way.
 */
enum kt_read_ahead_mode {
	KT_READ_AHEAD_AUTO,    /* where pages are inflated on every read, with two CPUs or more */
	KT_READ_AHEAD_NEVER,   /* read only on the calling thread */
	KT_READ_AHEAD_ALWAYS,  /* also for ELF dumps (mapped files), for a file not in the page cache */
};

struct kt_open_options {
	const char *vmlinux;        /* debug vmlinux, or NULL to search the debuginfo places */
	/* Where debug files are looked for, in order: files (matched to the vmlinux or a module by
	 * build-id, then name) and directories (searched for the vmlinux in /usr/lib/debug's
	 * layout, and recursively for NAME.ko, NAME.ko.debug, NAME.debug and .build-id/ for
	 * modules). The library searches only these; NULL: /usr/lib/debug. */
	const char *const *debuginfo_dirs;
	size_t n_debuginfo_dirs;
	bool no_debuginfo;          /* use only what the dump carries (kallsyms, BTF) */
	bool dwarf_types;           /* types from the vmlinux's DWARF even where BTF is at hand */
	enum kt_read_ahead_mode read_ahead; /* walks over every task read the next tasks' pages
				       on a second thread: AUTO where pages are inflated (kdump-compressed) */
	/* Called before a step that can take seconds (indexing debug directories, the first
	 * read of a debug file's DWARF, converting a module's DWARF types), with what it is;
	 * NULL: nothing is said. */
	void (*progress)(void *arg, const char *what);
	void *progress_arg;
};

/* The program keeps copies of the options' strings (vmlinux, debuginfo_dirs): the caller's
 * may be freed once it returns. */
KT_PUBLIC struct kt_error *kt_program_open(const char *path, const struct kt_open_options *opts,
					   struct kt_program **ret);
KT_PUBLIC void kt_program_destroy(struct kt_program *prog);
/* Where symbols and types come from, for people: "kallsyms and BTF from the dump (no debug
 * file: no source lines, no inlined frames)" or "vmlinux PATH (ELF symbols, BTF)". */
KT_PUBLIC const char *kt_program_debuginfo_mode(const struct kt_program *prog);
/* Whether a debug vmlinux is in use (else symbols and types come from the dump alone). */
KT_PUBLIC bool kt_program_has_debuginfo(const struct kt_program *prog);

/* Memory */

enum kt_address_space {
	KT_KVADDR,    /* kernel virtual */
	KT_KPHYSADDR, /* physical */
	KT_UVADDR     /* user virtual, of one task (kt_memory_request.task) */
};

/* Reads exactly len bytes or fails with KT_ERROR_FAULT naming the first unreadable address. */
KT_PUBLIC struct kt_error *kt_program_read(struct kt_program *prog, uint64_t addr,
					   enum kt_address_space space, void *buf, size_t len);

/* Reads len bytes of task's user memory (task: a task_struct address) through its page tables
 * (mm->pgd): NOT_FOUND for a task without an mm, FAULT where a page is not mapped or not in the
 * dump (most kdump configurations leave user pages out). */
KT_PUBLIC struct kt_error *kt_task_read_user(struct kt_program *prog, uint64_t task, uint64_t addr,
					     void *buf, size_t len);

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
	bool cpus_unknown;      /* the CPU masks could not be read (no symbols): cpus_online and
				 * cpus_possible are then 0 */
	int64_t crash_time;     /* seconds since the epoch; valid if has_crash_time */
	bool has_crash_time;
	char *panic_message;    /* NULL if the log holds none */
	int panic_cpu;          /* -1 if unknown */
	const char *debuginfo_mode; /* kt_program_debuginfo_mode(): valid while the program is */
	char *damage;           /* what the dump file is missing (it is truncated), or NULL */
	char *cpus_error;       /* why the CPU masks could not be read (cpus_unknown), or NULL */
	char *log_error;        /* why the kernel log could not be read: the panic message is then
				 * unknown rather than absent; NULL if it was read */
	bool incomplete;        /* the file is damaged, or memory it should hold could not be read:
				 * part of this summary is missing (the CLI exits 1) */
};

/* Fills *ret (the caller's); empty it with kt_sys_info_deinit(). */
KT_PUBLIC struct kt_error *kt_sys_info_init(struct kt_program *prog, struct kt_sys_info *ret);
KT_PUBLIC void kt_sys_info_deinit(struct kt_sys_info *info);

/* Kernel log */

struct kt_log_record {
	uint64_t seq;
	uint64_t ts_nsec;
	unsigned int level;      /* 0-7, or 8 if unknown */
	uint32_t caller_id;      /* "T<pid>" or "C<cpu>" encoding of printk, 0 if absent */
	const char *text;        /* not NUL-terminated inside the record: use text_len */
	size_t text_len;
	const char *damage;      /* why the text could not be read whole (its block is outside the
				  * ring, overwritten, shorter than text_len), or NULL: valid
				  * during the callback only */
	const char *subsystem;   /* dev_printk's dev_info (5.10+): "pci", and the device, "+pci:0000:00:03.0";
				  * "" when the record has none, NULL before 5.10; valid during the
				  * callback only */
	const char *device;
};

/* Calls fn for each record of the kernel log, oldest first; fn returns false to stop. */
typedef bool kt_log_fn(const struct kt_log_record *rec, void *arg);
KT_PUBLIC struct kt_error *kt_log_for_each(struct kt_program *prog, kt_log_fn *fn, void *arg);

/* log -a: the audit records the kernel holds but has not yet handed to auditd (the sk_buffs of
 * audit_queue, audit_retry_queue, audit_hold_queue; audit_skb_queue before 4.11). */
struct kt_audit_record {
	const char *queue;       /* the symbol of the queue it is on */
	uint64_t skb;            /* struct sk_buff * */
	uint32_t type;           /* nlmsg_type: AUDIT_SYSCALL 1300, ... */
	char *text;              /* its text, NUL-terminated */
};

struct kt_audit_log {
	struct kt_audit_record *records;
	size_t n;
};

/* NOT_FOUND for a kernel without audit queues (CONFIG_AUDIT off). Free with kt_audit_log_destroy(). */
KT_PUBLIC struct kt_error *kt_audit_log_read(struct kt_program *prog, struct kt_audit_log **ret);
KT_PUBLIC void kt_audit_log_destroy(struct kt_audit_log *log);

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

/* ps -S: how many tasks are in one state. */
enum { KT_TASK_STATE_COUNT_MAX = 16 };
struct kt_task_state_count {
	const char *state;       /* as kt_task.state_name */
	size_t count;
};

typedef bool kt_task_fn(const struct kt_task *task, void *arg);
/* Every task: each CPU's idle task first, then every thread of every process. */
KT_PUBLIC struct kt_error *kt_task_for_each(struct kt_program *prog, kt_task_fn *fn, void *arg);
struct kt_task_walk_options {
	bool stacks;  /* fn unwinds each task's stack: a second thread reads it ahead too */
};
KT_PUBLIC struct kt_error *kt_task_for_each_with(struct kt_program *prog,
						 const struct kt_task_walk_options *opts,
						 kt_task_fn *fn, void *arg);

/* Names that start with a prefix, for completion */

enum kt_name_kind {
	KT_NAMES_SYMBOLS,        /* kallsyms names of the kernel and every module */
	KT_NAMES_TYPES,          /* struct, union and typedef names of the kernel's and modules' BTF */
};

typedef bool kt_name_fn(const char *name, void *arg);
/* Calls fn for every name of kind that starts with prefix (duplicates included, in table order),
 * until it returns false. */
KT_PUBLIC struct kt_error *kt_names_with_prefix(struct kt_program *prog, enum kt_name_kind kind,
						const char *prefix, kt_name_fn *fn, void *arg);

/* "Did you mean": up to max kernel and module symbol names nearest to name, best first: those
 * that contain it (shortest first), then those within a few edits of it (fewest first). Names
 * are valid while the program is; *n_ret may be 0. */
KT_PUBLIC struct kt_error *kt_names_nearest(struct kt_program *prog, const char *name, const char **ret,
					    size_t max, size_t *n_ret);

/* Disassembly, as crash's `dis`: x86-64, AT&T syntax, from the code in the dump's memory */

/* Near control transfers; far ones (lcall, ljmp, lret) are KT_INSN_OTHER. */
enum kt_insn_kind {
	KT_INSN_OTHER,
	KT_INSN_CALL,
	KT_INSN_JMP,   /* unconditional */
	KT_INSN_JCC,   /* conditional: jcc, jrcxz, loop */
	KT_INSN_RET,
};

struct kt_dis_line {
	uint64_t address;
	const char *symbol;      /* the kallsyms symbol containing address, or NULL */
	uint64_t offset;         /* address - symbol's address */
	uint8_t bytes[15];
	unsigned int length;
	/* "call   0xffffffff81a523d0 <__schedule>"; "(bad)" for a byte that starts no instruction */
	const char *text;
	enum kt_insn_kind kind;
	bool has_target;         /* a direct call, jmp or jcc */
	uint64_t target;
};

/*
 * The function containing addr: [start, end) from kallsyms, a function ending where the next
 * symbol starts. INVALID_ARGUMENT if addr is in a data symbol, NOT_FOUND if no symbol covers it
 * (module code: kallsyms in VMCOREINFO covers vmlinux only).
 */
KT_PUBLIC struct kt_error *kt_function_bounds(struct kt_program *prog, uint64_t addr,
					      uint64_t *start_ret, uint64_t *end_ret);

typedef bool kt_dis_fn(const struct kt_dis_line *line, void *arg);
/*
 * Disassembles the code as it ran (alternatives, static calls and ftrace patched in), not as the
 * vmlinux file has it: instructions from start that begin below end (UINT64_MAX: no end), at
 * most count of them (0: no limit). fn returns false to stop. Fails if start is in a data symbol or if code cannot
 * be read (the FAULT names the address).
 */
KT_PUBLIC struct kt_error *kt_disassemble(struct kt_program *prog, uint64_t start, uint64_t end,
					  size_t count, kt_dis_fn *fn, void *arg);

/* Loaded modules, as crash's `mod` */

struct kt_module_info {
	uint64_t address;        /* struct module * */
	const char *name;
	uint64_t base, size;     /* its code: mem[MOD_TEXT] (6.4+, each region its own allocation),
				  * else the core allocation (core_layout, module_core before 4.5) */
	unsigned int state;      /* enum module_state: 0 live, 1 coming, 2 going, 3 unformed */
	size_t n_symbols;        /* symbols read from the module's own kallsyms */
	const char *symbols_error; /* NULL, or why its symbols could not be read (then n_symbols is 0) */
};

/* Every module on the kernel's `modules` list, in list order (newest first). A damaged list
 * yields the modules before the damage: kt_module_list_incomplete() then says why it ended. */
KT_PUBLIC struct kt_error *kt_module_list(struct kt_program *prog,
					  const struct kt_module_info **ret, size_t *n_ret);
/* NULL if kt_module_list's list is whole; else why it ended early (the program's: do not free). */
KT_PUBLIC const struct kt_error *kt_module_list_incomplete(struct kt_program *prog);

/* mod -t: a module's taints (struct module.taints: the TAINT_* bits it set when it loaded, such as
 * O for out-of-tree, E for unsigned), as crash's mod -t. */
struct kt_module_taint {
	const char *name;        /* valid while the program is */
	uint64_t module;         /* struct module * */
	uint64_t taints;
	char letters[40];        /* "OE" */
	char names[256];         /* "OOT_MODULE, UNSIGNED_MODULE" */
};

/* Every loaded module's taints, in list order (untainted ones too: taints 0). Free *ret. */
KT_PUBLIC struct kt_error *kt_module_taints_read(struct kt_program *prog, struct kt_module_taint **ret,
						 size_t *n_ret);

/*
 * A loaded module's debug file (its DWARF: source lines, inlined frames, the types of a module
 * without BTF), as crash's `mod`, `mod -s` and `mod -S` show and load it. A lookup that needs a
 * module's DWARF searches for it once; these say what was found, or load it ahead.
 */
enum kt_module_debug_state {
	KT_MODULE_DEBUG_NOT_SEARCHED, /* nothing has needed it yet */
	KT_MODULE_DEBUG_LOADED,       /* path is its debug file */
	KT_MODULE_DEBUG_NONE,         /* searched: reason says why no file fits */
};

struct kt_module_debug {
	enum kt_module_debug_state state;
	const char *path;      /* LOADED: the debug file */
	const char *checked;   /* LOADED: how it was matched ("build-id ... matches the loaded module") */
	/* NONE: "no file with build-id B, nor named N.ko, ... in PLACES", "build-id mismatch: FILE
	 * has X, module has B" (each refused candidate, "; " between), ... */
	const char *reason;
	const char *build_id;  /* the loaded module's, once searched; NULL if the dump holds none */
};

/* The state of module's debug file, without searching. Strings live as long as the program. */
KT_PUBLIC struct kt_error *kt_module_debug_status(struct kt_program *prog, const char *module,
						  struct kt_module_debug *ret);
/*
 * Loads module's debug file (crash's `mod -s NAME [FILE]`): file, checked against the loaded
 * module's build-id (or, when the dump holds none, its symbols), or (file NULL) the first
 * candidate of the program's places that fits, as a lookup would. A module that had none is given
 * a new chance by a file; one that has one keeps it (file must be that one: INVALID_ARGUMENT).
 * Fails with the reason when none fits: NOT_FOUND (no candidate), BAD_DATA (another build).
 */
KT_PUBLIC struct kt_error *kt_module_debug_load(struct kt_program *prog, const char *module,
						const char *file, struct kt_module_debug *ret);
/*
 * Loads every module's debug file (crash's `mod -S [DIR]`): each module without one yet is
 * searched in dir (walked recursively), or (dir NULL) in the program's places, where a module
 * searched in vain before is not searched again. *n_loaded_ret: how many modules have one after;
 * kt_module_debug_status() says why the others have none.
 */
KT_PUBLIC struct kt_error *kt_module_debug_load_all(struct kt_program *prog, const char *dir,
						    size_t *n_loaded_ret);

/* Names an address: the kernel's or a module's symbol containing it. module_ret is NULL for
 * the kernel itself. The strings live as long as the program. */
KT_PUBLIC struct kt_error *kt_program_symbolize(struct kt_program *prog, uint64_t addr,
						const char **name_ret, uint64_t *offset_ret,
						const char **module_ret);

/* Types and values, as crash's `struct`, `union`, `whatis` and `p` (types from the kernel's BTF) */

struct kt_value_options {
	bool json;               /* JSON (docs/json.md, "Types and values") instead of text */
	bool hex;                /* integers in hexadecimal */
	bool expand;             /* whatis: expand named struct members too, as gdb's ptype /o */
	bool deref;              /* struct -p: each pointer member of the object (or each member path
				  * asked for) shown with its type, and a struct or union it points to
				  * printed under it, as crash's struct -p */
	unsigned int array_max;  /* array elements printed before "... N more"; 0: 32 */
};

/* The declaration of a type ("task_struct", "union kvm_mmu_page_role", "atomic_t", "unsigned
 * long") with member offsets and sizes as gdb's `ptype /o`, or of a global variable or a
 * function: kt_declaration_read() and kt_declaration_render() together. */
KT_PUBLIC struct kt_error *kt_type_describe(struct kt_program *prog, const char *name,
					    const struct kt_value_options *opts, char **ret);
/* The object of type at addr: every member (members NULL) or comma-separated member paths
 * ("comm,pid", "se.on_rq", "val[2].value"). A member that cannot be read prints as
 * <unreadable: reason>; an object of which nothing can be read is a KT_ERROR_FAULT. */
KT_PUBLIC struct kt_error *kt_value_format(struct kt_program *prog, const char *type,
					   const char *members, uint64_t addr,
					   const struct kt_value_options *opts, char **ret);
/* A global variable: SYMBOL[:CPU|:a][.member.path] or *(TYPE *)ADDR[->member.path]. type (NULL
 * if none) gives the symbol's type where BTF does not: vmlinux BTF types only per-CPU variables,
 * and ktriage knows a few others (jiffies, init_task, panic_cpu, ...). */
KT_PUBLIC struct kt_error *kt_expr_format(struct kt_program *prog, const char *expr,
					  const char *type, const struct kt_value_options *opts,
					  char **ret);

/*
 * Values as data: what kt_value_read() and kt_expr_read() return, a tree of the object's members
 * (kt_value_render() writes it as text or JSON; kt_value_format() and kt_expr_format() are the
 * two together).
 */
enum kt_value_kind {
	KT_VALUE_STRUCT,      /* a struct or union: children are its members */
	KT_VALUE_MEMBERS,     /* the member paths asked for (struct TYPE.a,b ADDR): children */
	KT_VALUE_ARRAY,       /* children are the elements shown */
	KT_VALUE_CHARS,       /* a char array: string, string_len, string_cut */
	KT_VALUE_INT,         /* u (sign-extended if is_signed); a char if is_char */
	KT_VALUE_BOOL,        /* u: 0 or 1, or the number a bool holds that is neither */
	KT_VALUE_ENUM,        /* u, and enumerator if one has that value */
	KT_VALUE_POINTER,     /* u; symbol if kallsyms names it, string for a char * */
	KT_VALUE_FLOAT,       /* f */
	KT_VALUE_WIDE,        /* a 128-bit integer: hi, u */
	KT_VALUE_NONE,        /* no value (void) */
	KT_VALUE_UNREADABLE,  /* error says why */
	KT_VALUE_TOO_DEEP,    /* nested deeper than any kernel type: a loop in the types */
};

struct kt_value {
	char *name;            /* member name, "[3]", member path; NULL for the top of struct TYPE */
	char *type;            /* its C type: "struct list_head", "char [16]" */
	enum kt_value_kind kind;
	uint64_t address;
	uint64_t offset;       /* from the start of the object printed */
	uint64_t size;         /* bytes of the type */
	uint32_t bit_offset;   /* bitfields: first bit within the byte at offset */
	uint32_t bit_size;     /* 0 unless a bitfield */
	bool is_signed, is_char, hex;
	unsigned int width;    /* bits of an integer (hex shows a negative int in these) */
	uint64_t u, hi;
	double f;
	char *enumerator;      /* KT_VALUE_ENUM (and INT of an enum's type), or NULL */
	char *symbol;          /* KT_VALUE_POINTER: "init_task+0x920", or NULL */
	char *string;          /* KT_VALUE_CHARS, or what a char * points at (NULL if nothing) */
	size_t string_len;
	bool string_cut;       /* the string goes on past what was read */
	char *error;           /* why the value cannot be read (UNREADABLE; CHARS unreadable) */
	struct kt_value *children;
	size_t n_children;
	uint32_t repeats;      /* array elements: this one and repeats - 1 equal ones after it
				* (gdb's "<repeats N times>", 10 or more); 1 otherwise */
	uint32_t length;       /* arrays: elements in the type; structs: members in the type */
	bool nested;           /* arrays: of structs or arrays (text: an element a line) */
	uint32_t array_max;    /* arrays: elements shown at most */
	uint32_t text_more;    /* arrays: elements after those shown (text's "... N more") */
	uint32_t omitted;      /* arrays: elements past array_max (JSON's "omitted") */
	bool truncated;        /* the top: the output limit cut the tree short */
	bool top;              /* the top of the tree: has an address */
	bool computed;         /* p's value computed by the expression (a number, an address,
				* sizeof): not in memory, no address */
	/* struct -p, on the object's pointer members: */
	char *declaration;     /* "struct task_struct *parent": the member declared (NULL: not -p) */
	struct kt_value *target;  /* the struct or union it points to, read, or NULL */
	char *target_error;    /* why that object could not be read, or NULL */
};

/* The object of type at addr as kt_value_format() prints it. Free with kt_value_destroy(). */
KT_PUBLIC struct kt_error *kt_value_read(struct kt_program *prog, const char *type,
					 const char *members, uint64_t addr,
					 const struct kt_value_options *opts, struct kt_value **ret);
KT_PUBLIC void kt_value_destroy(struct kt_value *value);

/* What `p EXPR` shows: one value, one per CPU (NAME:a), or where a per-CPU variable is. */
struct kt_expr_result {
	struct kt_value **values;  /* one value; or, every_cpu, one per possible CPU */
	size_t n_values;
	bool every_cpu;
	bool percpu_list;          /* p NAME of a per-CPU variable: name, type, cpus */
	char *name;
	char *type;                /* NULL if nothing types the variable */
	char *declaration;         /* text: "struct rq runqueues", "(unknown type) NAME" */
	struct kt_percpu_copy {
		unsigned int cpu;
		uint64_t address;
	} *cpus;
	size_t n_cpus;
};

KT_PUBLIC struct kt_error *kt_expr_read(struct kt_program *prog, const char *expr,
					const char *type, const struct kt_value_options *opts,
					struct kt_expr_result **ret);
KT_PUBLIC void kt_expr_result_destroy(struct kt_expr_result *result);
/* p's expression (a C expression, kt_expr_read()) of an integer or pointer type, as a number:
 * "offsetof(struct rq, cfs)", "&runqueues:1", "sizeof(struct page) * 4". */
KT_PUBLIC struct kt_error *kt_expr_number(struct kt_program *prog, const char *expr,
					  uint64_t *ret);

/* eval: crash's calculator; kt_eval_render() shows the value in hexadecimal (with its size when
 * it is a whole number of KB, MB or GB), decimal (and signed, when negative), octal and binary,
 * and with bits the bits set. */
struct kt_eval_result {
	uint64_t value;
};

/* expr as kt_expr_number() takes it, decimal numbers with crash's k, m and g suffixes. */
KT_PUBLIC struct kt_error *kt_eval(struct kt_program *prog, const char *expr,
				   struct kt_eval_result *ret);

/*
 * whatis as data: a declaration (a type, a variable, a function) and its type described as a
 * tree: members with their offsets, sizes and bits, nested structs and unions, enumerators,
 * parameters (kt_declaration_render() writes it as text or JSON).
 */
enum kt_declaration_kind {
	KT_DECLARATION_TYPE,             /* "type": a type by name */
	KT_DECLARATION_VARIABLE,         /* "variable": a global variable at address */
	KT_DECLARATION_PERCPU_VARIABLE,  /* "percpu_variable": address is its offset into the
					  * per-CPU area (kt_percpu_addresses() gives each CPU's) */
	KT_DECLARATION_FUNCTION,         /* "function": a function at address; type is its
					  * prototype */
};

/* Where the types of an object file (the vmlinux or a module) were read from. */
enum kt_types_source {
	KT_TYPES_FROM_BTF,    /* "btf": its BTF (in the file, or in the dump's memory) */
	KT_TYPES_FROM_DWARF,  /* "dwarf": its debug file's DWARF, converted */
};

/* What gave a variable its type. */
enum kt_type_origin {
	KT_TYPE_ORIGIN_BTF,      /* "btf": a BTF variable (vmlinux's per-CPU variables) */
	KT_TYPE_ORIGIN_KTRIAGE,  /* "ktriage": ktriage's list of well-known globals (jiffies, ...) */
	KT_TYPE_ORIGIN_DWARF,    /* "dwarf": the definition in the vmlinux's or a module's DWARF */
	KT_TYPE_ORIGIN_GIVEN,    /* "given": the caller's */
};

/* What a type is, as whatis names it. */
enum kt_type_description_kind {
	KT_DESCRIBED_STRUCT,     /* "struct": members */
	KT_DESCRIBED_UNION,      /* "union": members */
	KT_DESCRIBED_ENUM,       /* "enum": enumerators */
	KT_DESCRIBED_TYPEDEF,    /* "typedef": target_type, target */
	KT_DESCRIBED_INT,        /* "int": integers, char and _Bool */
	KT_DESCRIBED_FLOAT,      /* "float" */
	KT_DESCRIBED_POINTER,    /* "pointer" */
	KT_DESCRIBED_ARRAY,      /* "array" */
	KT_DESCRIBED_FUNCTION,   /* "function": return_type, params */
	KT_DESCRIBED_VOID,       /* "void" */
	KT_DESCRIBED_OTHER,      /* "other": a forward declaration, a qualifier (const int) */
};

struct kt_type_description;

/* A member of a struct or union described. */
struct kt_type_member {
	char *name;            /* "" for an anonymous struct or union */
	char *type;            /* its C type: "struct list_head *", "char [16]" */
	char *declaration;     /* as C declares it: "char comm[16]", "void (*fn)(int)" */
	uint64_t offset;       /* bytes from the start of the outermost type described */
	uint64_t size;         /* bytes of its type */
	uint32_t bit_offset;   /* bitfields: first bit within the byte at offset; 0 otherwise */
	uint32_t bit_size;     /* 0 unless a bitfield */
	/* A struct or union member described in place (anonymous ones always, named ones when
	 * expanding), its members' offsets from the same start; NULL otherwise. */
	struct kt_type_description *expanded;
};

struct kt_enumerator {
	char *name;
	uint64_t value;        /* sign-extended when the enum is signed */
};

struct kt_type_param {
	char *name;            /* "" if the types do not name it */
	char *type;
};

struct kt_type_description {
	enum kt_type_description_kind kind;
	char *name;            /* as C spells it: "struct task_struct", "pid_t", "unsigned long",
				* "struct {...}" for an anonymous struct */
	char *tag;             /* struct, union, enum: the bare name ("task_struct"); NULL if
				* anonymous or another kind */
	uint64_t size;         /* bytes; 0 for void and functions */
	struct kt_type_member *members;         /* STRUCT, UNION: in declaration order */
	size_t n_members;
	struct kt_enumerator *enumerators;      /* ENUM */
	size_t n_enumerators;
	bool is_signed;                         /* ENUM: values are signed */
	char *declaration;     /* TYPEDEF: "typedef irqreturn_t (*irq_handler_t)(int, void *)" */
	char *target_type;     /* TYPEDEF: the type it names: "irqreturn_t (*)(int, void *)" */
	struct kt_type_description *target;     /* TYPEDEF of a struct, union or enum (through
						 * typedefs and qualifiers): it, described */
	char *return_type;                      /* FUNCTION */
	struct kt_type_param *params;           /* FUNCTION */
	size_t n_params;
	bool variadic;                          /* FUNCTION: ends in "..." */
};

struct kt_declaration {
	enum kt_declaration_kind kind;
	char *name;            /* as asked: "task_struct", "kvm_amd:vcpu_svm", "jiffies" */
	char *object_file;     /* whose types describe it: "vmlinux", or a module's name */
	enum kt_types_source types_source;
	struct kt_type_description *type;  /* the type, or the variable's or the function's */
	/* Variables and functions: */
	uint64_t address;      /* PERCPU_VARIABLE: the offset into the per-CPU area */
	char *declaration;     /* "unsigned long jiffies", "void schedule(void)"; NULL for types */
	enum kt_type_origin type_origin;  /* what typed it (a function: BTF or DWARF) */
};

/*
 * name: a type as C spells it ("task_struct" (a struct, union, typedef or enum of that name),
 * "union kvm_mmu_page_role", "unsigned long", "kvm_amd:vcpu_svm" for a module's), else a global
 * variable or a function of the kernel or a module. opts->expand describes named struct and
 * union members too (as gdb's ptype /o). NOT_FOUND names where it looked. Release *ret with
 * kt_declaration_destroy().
 */
KT_PUBLIC struct kt_error *kt_declaration_read(struct kt_program *prog, const char *name,
					       const struct kt_value_options *opts,
					       struct kt_declaration **ret);
KT_PUBLIC void kt_declaration_destroy(struct kt_declaration *decl);
/* The stable names of the codes above ("percpu_variable", "dwarf", "ktriage", "typedef"). */
KT_PUBLIC const char *kt_declaration_kind_name(enum kt_declaration_kind kind);
KT_PUBLIC const char *kt_types_source_name(enum kt_types_source source);
KT_PUBLIC const char *kt_type_origin_name(enum kt_type_origin origin);
KT_PUBLIC const char *kt_type_description_kind_name(enum kt_type_description_kind kind);

/* A member that covers a byte offset of a type. */
struct kt_member_at {
	char *path;          /* "arch.root_mmu.pml4_root", "val[2].value"; "" for the type itself */
	char *type;          /* its C type: "u64 *" */
	uint64_t offset;     /* where it starts, from the start of the outer type */
	uint64_t size;       /* bytes (for a bitfield, the bytes its bits touch) */
	uint32_t bit_offset; /* bitfields: first bit within the byte at offset */
	uint32_t bit_size;   /* 0 unless a bitfield */
	bool padding;        /* no member covers the offset: offset and size are the hole's, path
			      * the member it follows, type the struct it is in */
};

/* Every member covering offset, down to scalars, pointers and array elements: each alternative
 * of a union, each bitfield of a shared byte. Free with kt_members_at_destroy(). */
KT_PUBLIC struct kt_error *kt_members_at(struct kt_program *prog, const char *type,
					 uint64_t offset, struct kt_member_at **ret,
					 size_t *count_ret);
KT_PUBLIC void kt_members_at_destroy(struct kt_member_at *members, size_t count);

/*
 * Typed objects: a kernel or module type and where its value is, as drgn's drgn_object
 *
 * An object is in dump memory at an address (a reference), or already read (a value: a scalar
 * read with kt_object_read(), a pointer made by kt_object_address_of()). Its type is one of the
 * kernel's or a module's (BTF, or converted from DWARF). Objects are small caller-owned values:
 * no init, no deinit, no heap; copy them freely, keep them on the stack. Functions that make an
 * object write it to *ret only on success, and ret may be the object passed in. An object is
 * valid while its program is and, like the program, is used on one thread at a time. Read the
 * fields; make objects only with the functions below.
 *
 * Every read goes through the program's fault-tolerant reader: an unreadable address is a
 * KT_ERROR_FAULT naming it (kt_error_address()); a missing member or type is KT_ERROR_NOT_FOUND
 * naming it; asking a struct for an integer is KT_ERROR_INVALID_ARGUMENT.
 */

struct btf;        /* libbpf's: the BTF that holds an object's type */
struct kt_reader;  /* libktriage's own reader (another thread's, for walkers inside it) */

struct kt_object {
	struct kt_program *prog;
	struct kt_reader *reader;  /* NULL: the program's */
	const struct btf *btf;     /* the type: type_id in this BTF (the kernel's or a module's) */
	int32_t type_id;           /* 0 is void */
	bool is_value;             /* value holds it; else it is at address */
	bool percpu;               /* address is an offset into the per-CPU area (a per-CPU
				    * variable): pick a CPU with kt_object_per_cpu() to read it */
	uint8_t bit_offset;        /* a bitfield: its first bit past address */
	uint32_t bit_size;         /* a bitfield's width; 0 otherwise */
	uint64_t address;
	uint64_t value;            /* a value's bits, as the type converts to uint64_t */
};

enum kt_type_kind {
	KT_TYPE_VOID,
	KT_TYPE_INT,       /* char included */
	KT_TYPE_BOOL,
	KT_TYPE_ENUM,
	KT_TYPE_FLOAT,
	KT_TYPE_POINTER,
	KT_TYPE_ARRAY,
	KT_TYPE_STRUCT,
	KT_TYPE_UNION,
	KT_TYPE_FUNCTION,
};

/* Walks give up after this many entries unless told otherwise: more tasks than PID_MAX_LIMIT. */
enum { KT_OBJECT_LIST_MAX = 4 << 20 };

/* The object of type ("struct task_struct", "kvm_intel:struct vcpu_vmx", "unsigned long") at
 * address. */
KT_PUBLIC struct kt_error *kt_object_from_address(struct kt_program *prog, const char *type,
						  uint64_t address, struct kt_object *ret);
/* The global or per-CPU variable name, typed by the kernel's BTF, by ktriage's list of
 * well-known globals, or by the DWARF of the vmlinux or module that defines it. A per-CPU
 * variable comes out with percpu set. NOT_FOUND if no symbol, or nothing types it. */
KT_PUBLIC struct kt_error *kt_object_from_symbol(struct kt_program *prog, const char *name,
						 struct kt_object *ret);
/* The same object seen as another type (a cast: the same address, or the same value). */
KT_PUBLIC struct kt_error *kt_object_cast(const struct kt_object *obj, const char *type,
					  struct kt_object *ret);

/* A member path: "comm", "arch.mmu.set_cr3", "val[2].value", "se.on_rq", "mm->pgd". Members of
 * anonymous structs and unions are found as the C compiler finds them; a step into a member of
 * a pointer reads the pointer (with "." or "->"), a subscript indexes an array or a pointer. */
KT_PUBLIC struct kt_error *kt_object_member(const struct kt_object *obj, const char *path,
					    struct kt_object *ret);
/* Element index of an array, or of what a pointer points at (reading the pointer). */
KT_PUBLIC struct kt_error *kt_object_subscript(const struct kt_object *obj, uint64_t index,
					       struct kt_object *ret);
/* What a pointer points at (reading the pointer unless it is a value). */
KT_PUBLIC struct kt_error *kt_object_deref(const struct kt_object *obj, struct kt_object *ret);
/* A pointer value to an object in memory (its type from the same BTF). */
KT_PUBLIC struct kt_error *kt_object_address_of(const struct kt_object *obj,
						struct kt_object *ret);
/* The object of type that contains obj as member path (container_of): obj is a pointer to the
 * member (read if in memory) or the member itself. */
KT_PUBLIC struct kt_error *kt_object_container_of(const struct kt_object *obj, const char *type,
						  const char *member, struct kt_object *ret);
/* CPU cpu's copy: of a per-CPU variable (obj->percpu), or of what a __percpu pointer points at
 * (per_cpu_ptr). NOT_FOUND for a CPU that is not possible. */
KT_PUBLIC struct kt_error *kt_object_per_cpu(const struct kt_object *obj, unsigned int cpu,
					     struct kt_object *ret);

/* Reads a scalar (integer, bool, enum, pointer; bitfields too) into a value object. */
KT_PUBLIC struct kt_error *kt_object_read(const struct kt_object *obj, struct kt_object *ret);
/* A scalar's value with the size and sign of its type, converted as C converts it. */
KT_PUBLIC struct kt_error *kt_object_read_signed(const struct kt_object *obj, int64_t *ret);
KT_PUBLIC struct kt_error *kt_object_read_unsigned(const struct kt_object *obj, uint64_t *ret);
KT_PUBLIC struct kt_error *kt_object_read_bool(const struct kt_object *obj, bool *ret);
/* The name of an enum's value, cut to fit buf; NOT_FOUND if no enumerator has it. */
KT_PUBLIC struct kt_error *kt_object_enumerator(const struct kt_object *obj, char *buf,
						size_t size);
/* A char array or what a char pointer points at, up to its NUL and at most size - 1 bytes
 * (always NUL-terminated). */
KT_PUBLIC struct kt_error *kt_object_read_string(const struct kt_object *obj, char *buf,
						 size_t size);
/* The object's bytes (kt_object_size() of them; size must hold them). */
KT_PUBLIC struct kt_error *kt_object_read_bytes(const struct kt_object *obj, void *buf,
						size_t size);

KT_PUBLIC enum kt_type_kind kt_object_kind(const struct kt_object *obj);
/* Whether a scalar's type is signed (a signed integer, char where it is signed, an enum with
 * negative values), so that kt_object_read_signed() is the reader that keeps its value; false
 * for anything else. */
KT_PUBLIC bool kt_object_is_signed(const struct kt_object *obj);
KT_PUBLIC struct kt_error *kt_object_size(const struct kt_object *obj, uint64_t *ret);
/* The type as C spells it ("struct task_struct *"), cut to fit buf. */
KT_PUBLIC const char *kt_object_type_name(const struct kt_object *obj, char *buf, size_t size);

/* Each entry of a kernel list (struct list_head) or hash list (struct hlist_head), as the
 * object of type that links it through member: head is the list's head (or a pointer to it).
 * At most budget entries (0: KT_OBJECT_LIST_MAX); more, or a loop that misses the head, is
 * KT_ERROR_LIMIT naming where the walk stopped. fn returns false to stop. */
typedef bool kt_object_fn(const struct kt_object *entry, void *arg);
KT_PUBLIC struct kt_error *kt_object_list_for_each(const struct kt_object *head, const char *type,
						   const char *member, uint64_t budget,
						   kt_object_fn *fn, void *arg);
KT_PUBLIC struct kt_error *kt_object_hlist_for_each(const struct kt_object *head,
						    const char *type, const char *member,
						    uint64_t budget, kt_object_fn *fn, void *arg);

/* Source lines and inlined functions, from DWARF: the debug vmlinux's, and each module's debug
 * file (found by build-id or name, checked against the loaded module's build-id) */

struct kt_source_line {
	const char *file;        /* as the DWARF line table names it; valid while the program is */
	unsigned int line;
	unsigned int column;     /* 0 if unknown */
};

/* The source line of the instruction at addr (for a return address, pass the address of the
 * call: ret - 1). Errors say why there is none: NOT_FOUND without a debug file for that code
 * (no debug vmlinux, no module debug file), BAD_DATA for a module debug file of another build. */
KT_PUBLIC struct kt_error *kt_source_line(struct kt_program *prog, uint64_t addr,
					  struct kt_source_line *ret);

struct kt_inline_frame {
	const char *function;    /* the inlined function */
	const char *call_file;   /* where it was inlined, in the function that contains it */
	unsigned int call_line;
};

/* The functions inlined at addr, innermost first (none: *n_ret = 0); release *ret with
 * kt_inline_frames_destroy(). The strings live as long as the program. */
KT_PUBLIC struct kt_error *kt_inline_chain(struct kt_program *prog, uint64_t addr,
					   struct kt_inline_frame **ret, size_t *n_ret);
KT_PUBLIC void kt_inline_frames_destroy(struct kt_inline_frame *frames, size_t n);

/* For people: which debug file describes the code at addr and how it was checked, or why none
 * does. Loads that module's debug file; valid while the program is. */
KT_PUBLIC const char *kt_source_status(struct kt_program *prog, uint64_t addr);

/* Backtraces, as crash's `bt`, with the evidence for every frame */

enum kt_frame_status {
	KT_FRAME_VERIFIED, /* reached from trusted registers; the call before it fits the frame above */
	KT_FRAME_INFERRED, /* found by reconstruction or scanning, consistent, but not proven */
	KT_FRAME_STALE,    /* a code address on the stack that the chain contradicts */
};

enum { KT_PT_REGS_COUNT = 21 }; /* r15 ... ss, struct pt_regs order */

/*
 * Stable codes beside the English text (docs/json.md, "Codes", lists them with their meaning):
 * programs and tests match on these, never on the prose, which may be reworded. The codes of
 * an enum never change meaning; new ones may be added.
 */

/* Why a frame is where it is: the evidence behind kt_frame.reason. */
enum kt_frame_reason_code {
	KT_FRAME_REASON_CPU_REGISTERS,   /* "pc.cpu_registers": pc from the CPU's saved registers */
	KT_FRAME_REASON_SWITCH_FRAME,    /* "pc.switch_frame": from a sleeping task's switch frame */
	KT_FRAME_REASON_PT_REGS,         /* "pc.pt_regs": from a pt_regs the unwind data marks */
	KT_FRAME_REASON_PROVEN_PT_REGS,  /* "pc.proven_pt_regs": a pt_regs found on a stack, proven */
	KT_FRAME_REASON_CALL_FITS,       /* "ret.call_fits": after a call that fits the frame above */
	KT_FRAME_REASON_FP_UNPROVEN,     /* "ret.fp_unproven": placed by an unproven frame pointer */
	KT_FRAME_REASON_TAIL_CALL,       /* "ret.tail_call": after a call to another function that
					  * reached the frame above by a tail call */
	KT_FRAME_REASON_FP_SKIPPED,      /* "ret.fp_skipped": the rbp chain skipped frames */
	KT_FRAME_REASON_RUNNING_CALLEE,  /* "rebuilt.running_callee": the callee of the deepest call
					  * (no longer given: KT_FRAME_REASON_CANDIDATE_CALLEE) */
	KT_FRAME_REASON_INDIRECT_CALLEE, /* "rebuilt.indirect_callee": callee of an indirect call */
	KT_FRAME_REASON_LINKED,          /* "rebuilt.linked": linked by frame size to the one below */
	KT_FRAME_REASON_OUTERMOST,       /* "rebuilt.outermost": the outermost frame of a stack */
	KT_FRAME_REASON_CALL_TARGET,     /* "rebuilt.call_target": named by resolving the call below */
	KT_FRAME_REASON_CALL_CONTRADICTS,/* "inferred.call_contradicts": its call site reaches another
					  * function than the frame above */
	KT_FRAME_REASON_STALE_IN_FRAME,  /* "stale.in_frame": inside a live frame */
	KT_FRAME_REASON_STALE_DEAD_STACK,/* "stale.dead_stack": below the interrupted stack pointer */
	KT_FRAME_REASON_STALE_BELOW_LIVE,/* "stale.below_live": below the deepest live frame of a stack */
	KT_FRAME_REASON_STACK_START,     /* "ret.stack_start": the address the code that began the
					  * stack left for unwinders (not after a call) */
	KT_FRAME_REASON_CALL_UNCHECKED,  /* "ret.call_unchecked": placed by the unwinder; the code
					  * before it is not in the dump (inferred) */
	KT_FRAME_REASON_CANDIDATE_CALLEE,/* "rebuilt.candidate_callee": the callee of the deepest call
					  * found, which may have returned already */
	KT_FRAME_REASON_VMENTRY_HOST_RSP,/* "rebuilt.vmentry_host_rsp": unwound from the host stack
					  * pointer a hypervisor saved at VM entry (kt_stack_anchor) */
};

/* Why the walk ended, or why it could not start: kt_backtrace.note. */
enum kt_stop_code {
	KT_STOP_NONE,                /* "stop.none": no note */
	KT_STOP_END_OF_STACK,        /* "stop.end_of_stack": the unwind data marks the outermost frame */
	KT_STOP_USER_MODE,           /* "stop.user_mode": entered from user space */
	KT_STOP_OFF_STACK,           /* "stop.off_stack": the caller's sp is on no known stack */
	KT_STOP_LOOP,                /* "stop.loop": the stack pointer or frame pointers loop */
	KT_STOP_NO_UNWIND_INFO,      /* "stop.no_unwind_info": no unwinder covers the pc */
	KT_STOP_BAD_UNWIND_INFO,     /* "stop.bad_unwind_info": unwind data that cannot be used */
	KT_STOP_REGISTER_UNKNOWN,    /* "stop.register_unknown": the step needs a register not known */
	KT_STOP_BAD_FRAME_POINTER,   /* "stop.bad_frame_pointer": rbp is no frame record */
	KT_STOP_NOT_RETURN_ADDRESS,  /* "stop.not_return_address": no call before the value found */
	KT_STOP_READ_ERROR,          /* "stop.read_error": memory the step needs cannot be read */
	KT_STOP_FRAME_LIMIT,         /* "stop.frame_limit": KT_MAX_FRAMES frames */
	KT_STOP_REBUILT,             /* "stop.rebuilt": no registers; rebuilt from the task stack */
	KT_STOP_NO_ENTRY_FRAME,      /* "stop.no_entry_frame": no registers, nothing to rebuild from */
	KT_STOP_STACK_UNREADABLE,    /* "stop.stack_unreadable": no registers, task stack unreadable */
	KT_STOP_STACK_START,         /* "stop.stack_start": reached the code that began the stack */
};

/* Where the registers a backtrace starts from came from: kt_backtrace.registers_source. */
enum kt_registers_code {
	KT_REGISTERS_NONE,           /* "regs.none" */
	KT_REGISTERS_CRASH_NOTES,    /* "regs.crash_notes": NT_PRSTATUS saved by the crashing kernel */
	KT_REGISTERS_QEMU_NOTE,      /* "regs.qemu_note": QEMU's dump-guest-memory CPU state */
	KT_REGISTERS_SWITCH_FRAME,   /* "regs.switch_frame": a sleeping task's inactive_task_frame */
	KT_REGISTERS_NMI_UNANSWERED, /* "regs.none.nmi_unanswered": the CPU ignored the crash NMI */
	KT_REGISTERS_CPU_OFFLINE,    /* "regs.none.cpu_offline" */
	KT_REGISTERS_NO_CRASH_NOTES, /* "regs.none.no_crash_notes": no kdump kernel was loaded */
	KT_REGISTERS_NO_QEMU_NOTE,   /* "regs.none.no_qemu_note": QEMU wrote no note for the CPU */
	KT_REGISTERS_DAMAGED,        /* "regs.none.damaged": the saved registers cannot be where a
				      * CPU in the kernel was; the chain is rebuilt from the stack */
};

KT_PUBLIC const char *kt_frame_reason_code_name(enum kt_frame_reason_code code);
KT_PUBLIC const char *kt_stop_code_name(enum kt_stop_code code);
KT_PUBLIC const char *kt_registers_code_name(enum kt_registers_code code);

/*
 * Strings in a backtrace (reason, note, registers_source) are owned by it: valid until
 * kt_backtrace_destroy(). function, module and stack live as long as the program.
 */
struct kt_frame {
	uint64_t pc;             /* where the function is: a return address, or an exact pc */
	uint64_t sp;             /* stack pointer at pc; 0 if unknown */
	uint64_t slot;           /* where pc was read from the stack; 0 if it came from registers */
	const char *function;    /* NULL if no symbol covers pc */
	uint64_t offset;
	const char *module;      /* NULL for the kernel itself */
	enum kt_frame_status status;
	enum kt_frame_reason_code reason_code;
	const char *reason;      /* the evidence, for people */
	const char *stack;       /* "task stack", "IRQ stack", "NMI exception stack", ... */
	bool exact;              /* pc is where the CPU was, not a return address */
	bool has_pt_regs;        /* the frame starts at a pt_regs (exception, interrupt, syscall) */
	uint64_t pt_regs_address;
	uint64_t pt_regs[KT_PT_REGS_COUNT];
};

struct kt_backtrace {
	int cpu;                 /* -1 for a task that is not running */
	uint64_t task;
	int32_t pid;
	char comm[17];
	enum kt_registers_code registers_code;
	const char *registers_source;
	enum kt_stop_code note_code;
	const char *note;        /* why the walk ended, or why there were no registers; never NULL */
	struct kt_frame *frames;
	size_t n_frames;
	struct kt_frame *stale;  /* code addresses on the stack that are not frames */
	size_t n_stale;
};

KT_PUBLIC const char *kt_frame_status_name(enum kt_frame_status status);
KT_PUBLIC const char *kt_pt_regs_name(unsigned int index);
/* The active task of a CPU. */
KT_PUBLIC struct kt_error *kt_backtrace_cpu(struct kt_program *prog, unsigned int cpu,
					    struct kt_backtrace **ret);
/* Any task: running ones from their CPU's registers, sleeping ones from their switch frame. */
KT_PUBLIC struct kt_error *kt_backtrace_task(struct kt_program *prog, uint64_t task,
					     struct kt_backtrace **ret);
/* The CPU that panicked (or the first CPU with registers). */
KT_PUBLIC struct kt_error *kt_backtrace_panic(struct kt_program *prog, struct kt_backtrace **ret);
KT_PUBLIC void kt_backtrace_destroy(struct kt_backtrace *bt);

/* Which unwinder follows the chain. AUTO: ORC, then DWARF CFI where ORC has no entry, then the
 * frame pointer (at most inferred unless the function's unwind data or prologue proves it), then
 * the callee's own code. The others use only that one, so that their traces can be compared. */
enum kt_unwinder_kind {
	KT_UNWINDER_AUTO,
	KT_UNWINDER_ORC,
	KT_UNWINDER_CFI,   /* the debug vmlinux's DWARF CFI: kernel code only, not modules */
	KT_UNWINDER_FP,    /* the rbp chain */
};

struct kt_backtrace_options {
	enum kt_unwinder_kind unwinder;
};

/*
 * A stack pointer that something other than the stack vouches for: KVM's host stack pointer,
 * saved at the last VM entry of the vCPU loaded on a CPU. A CPU that left no registers is
 * unwound from it as well; its frames carry KT_FRAME_REASON_VMENTRY_HOST_RSP and win over a
 * reconstruction that disagrees (the backtrace's note says so). The KVM layer gives them to
 * the unwinder by itself (kt_stack_anchors).
 */
struct kt_stack_anchor {
	uint64_t sp;
	char source[192];        /* "vcpu_vmx.host_rsp of vCPU 0 (struct kvm_vcpu 0x..., IN_GUEST_MODE,
				  * vmcs01 loaded on CPU 1)" */
};

/* The anchors for cpu's stacks, at most max: the host stack pointer of each VMX vCPU whose
 * launched VMCS is loaded on cpu and that is not OUTSIDE_GUEST_MODE (none: *n_ret = 0, also
 * without KVM in the dump). */
KT_PUBLIC struct kt_error *kt_stack_anchors(struct kt_program *prog, unsigned int cpu,
					    struct kt_stack_anchor *ret, size_t max, size_t *n_ret);

/* kt_backtrace_cpu, _task and _panic with options (NULL: the defaults). */
KT_PUBLIC struct kt_error *kt_backtrace_cpu_with(struct kt_program *prog, unsigned int cpu,
						 const struct kt_backtrace_options *opts,
						 struct kt_backtrace **ret);
KT_PUBLIC struct kt_error *kt_backtrace_task_with(struct kt_program *prog, uint64_t task,
						  const struct kt_backtrace_options *opts,
						  struct kt_backtrace **ret);
/* The same for a task as kt_task_for_each gives it: nothing about the task is read again. */
KT_PUBLIC struct kt_error *kt_backtrace_of_task(struct kt_program *prog, const struct kt_task *task,
						const struct kt_backtrace_options *opts,
						struct kt_backtrace **ret);
KT_PUBLIC struct kt_error *kt_backtrace_panic_with(struct kt_program *prog,
						   const struct kt_backtrace_options *opts,
						   struct kt_backtrace **ret);
/* "auto", "orc", "cfi", "fp"; false for another name. */
KT_PUBLIC bool kt_unwinder_parse(const char *name, enum kt_unwinder_kind *ret);

/* Exception frames on every stack of every CPU, as crash's `bt -E` */

struct kt_exception_frame {
	uint64_t address;        /* the struct pt_regs */
	uint64_t regs[KT_PT_REGS_COUNT];
	const char *function;    /* the interrupted ip's symbol, NULL if none (user space) */
	uint64_t offset;
	const char *module;
	bool user_mode;          /* interrupted in user space (cs has RPL 3) */
	char *proof;             /* the entry code's return address that proves the frame */
};

struct kt_stack_search {
	int cpu;
	uint64_t task;           /* for the task stack: the CPU's current task; else 0 */
	const char *stack;       /* "task stack", "IRQ stack", "NMI exception stack", ... */
	uint64_t start, end;     /* [start, end) */
	char *error;             /* why the stack could not be read; NULL if it was searched */
	enum kt_error_code error_code;
	struct kt_exception_frame *frames;
	size_t n_frames;
};

/*
 * Searches the current task's stack, the IRQ stack, the IST stacks and the entry stack of every
 * CPU for struct pt_regs: the shape of a hardware iret frame, proven by a return address below
 * it whose ORC entry says "pt_regs here" (entry code). Free with kt_stack_search_destroy(), which
 * frees the strings (proof, error) too.
 */
KT_PUBLIC struct kt_error *kt_exception_frames_search(struct kt_program *prog,
						      struct kt_stack_search **ret, size_t *n_ret);
KT_PUBLIC void kt_stack_search_destroy(struct kt_stack_search *stacks, size_t n);
/*
 * The callee-saved registers frame i of bt saved on the stack (from the vmlinux's DWARF CFI, else
 * from the pushes of the function's prologue):
 * their names and stack addresses, up to max; returns how many (0 if it saved none there).
 */
KT_PUBLIC size_t kt_backtrace_saved_registers(struct kt_program *prog, const struct kt_backtrace *bt,
					      size_t i, const char **names, uint64_t *addrs, size_t max);
/*
 * The arguments of frame i that sit in stack slots by DWARF's locations at the frame's pc: at
 * the frame base + an offset, or in a callee-saved register that frame i - 1 saved (then in its
 * save slot): names and slot addresses, up to max; 0 without DWARF for that code.
 */
KT_PUBLIC size_t kt_backtrace_frame_arguments(struct kt_program *prog, const struct kt_backtrace *bt,
					      size_t i, char (*names)[64], uint64_t *addrs, size_t max);
/* The number of CPU ids (nr_cpu_ids); 0 when it cannot be read: kt_program_cpu_count says why. */
KT_PUBLIC unsigned int kt_program_nr_cpus(struct kt_program *prog);
/* The number of CPU ids (nr_cpu_ids) in *ret, or why it cannot be read (no symbols, the per-CPU
 * areas unreadable in a damaged dump). */
KT_PUBLIC struct kt_error *kt_program_cpu_count(struct kt_program *prog, unsigned int *ret);

/* Every stack slot of every frame, as bt -f shows them (lib/unwind/slots.c) */

enum kt_slot_mark_kind {
	KT_SLOT_STALE_RETURN,    /* a stale return address: one of the backtrace's stale frames */
	KT_SLOT_SAVED_REGISTER,  /* a callee-saved register the frame's function saved: name */
	KT_SLOT_ARGUMENT,        /* argument name of function (this frame's or its caller's) */
};

struct kt_stack_slot_mark {
	enum kt_slot_mark_kind kind;
	const char *name;        /* the register ("rbx") or the argument; NULL for a stale one */
	const char *function;    /* an argument's function */
};

struct kt_stack_slot {
	uint64_t address;
	uint64_t value;
	const struct kt_stack_slot_mark *marks;
	size_t n_marks;
	const char *symbol;      /* the kernel or module symbol value points into, or NULL */
	uint64_t symbol_offset;
	const char *module;
	/* kt_stack_slots_name_slab_objects(): the slab cache of the object value points into, and
	 * the object's first byte (NULL, 0: none, or not looked up) */
	const char *slab_cache;
	uint64_t slab_object;
};

/* The slots from a frame's sp up to the next frame's return address slot (64 bytes for the
 * outermost frame); none when the frame's sp is unknown or the span is over 4 KiB. */
struct kt_frame_slots {
	size_t frame;            /* index in the backtrace's frames */
	struct kt_stack_slot *slots;
	size_t n_slots;
	const char *error;       /* why the slot at error_address could not be read, or NULL */
	enum kt_error_code error_code;
	uint64_t error_address;
};

/* One entry per frame of the backtrace. Strings are owned by the result or live as long as the
 * program; free with kt_stack_slots_destroy(). */
struct kt_stack_slots {
	struct kt_frame_slots *frames;
	size_t n_frames;
};

/* bt -F, -FF: each slot whose value points into a slab object (and into no symbol) gets the
 * object's cache and address, as crash names them ("[kmalloc-64]"). */
KT_PUBLIC struct kt_error *kt_stack_slots_name_slab_objects(struct kt_program *prog,
							    struct kt_stack_slots *slots);
KT_PUBLIC struct kt_error *kt_backtrace_stack_slots(struct kt_program *prog,
						    const struct kt_backtrace *bt,
						    struct kt_stack_slots **ret);
KT_PUBLIC void kt_stack_slots_destroy(struct kt_stack_slots *slots);

/* bt -t, -T, -e: a task's kernel stack searched word by word (lib/unwind/stack_scan.c) */

enum kt_stack_scan_kind {
	KT_STACK_SCAN_TEXT_FROM_SP,      /* bt -t: code addresses from the stack pointer up */
	KT_STACK_SCAN_TEXT_ALL,          /* bt -T: code addresses from the stack's start up */
	KT_STACK_SCAN_EXCEPTION_FRAMES,  /* bt -e: struct pt_regs anywhere on the stack */
};

struct kt_stack_text_slot {
	uint64_t slot, value;    /* where, and the code address found there */
	const char *function;    /* NULL if no symbol covers value */
	uint64_t offset;
	const char *module;
	int frame;               /* the backtrace's frame read from this slot, -1 if none */
	enum kt_frame_status status;  /* that frame's status; KT_FRAME_STALE for one of the
				       * backtrace's stale values */
	bool in_backtrace;       /* a frame or a stale value of the backtrace */
};

/* The search of one task's stack; free with kt_stack_scan_destroy(). */
struct kt_stack_scan {
	enum kt_stack_scan_kind kind;
	uint64_t task;
	int32_t pid;
	int cpu;                 /* -1 for a task that is not running */
	char comm[17];
	uint64_t start, end;     /* the task stack [start, end) */
	uint64_t from;           /* text: where the search began */
	bool from_sp;            /* from is a frame's stack pointer (bt -t), not the stack's start */
	struct kt_stack_text_slot *text;        /* text kinds */
	size_t n_text;
	struct kt_exception_frame *frames;      /* bt -e; proof: the checks each passed */
	size_t n_frames;
	char *missing;           /* pages of the stack that could not be read, or NULL */
};

/* Searches the task stack of bt's task; bt -t starts at the lowest stack pointer of bt's frames
 * on that stack (the stack's start when none is). Text needs the kernel's ORC tables. */
KT_PUBLIC struct kt_error *kt_stack_scan(struct kt_program *prog, const struct kt_backtrace *bt,
					 enum kt_stack_scan_kind kind, struct kt_stack_scan **ret);
KT_PUBLIC void kt_stack_scan_destroy(struct kt_stack_scan *scan);

/* bt -g: backtraces grouped by their frames (lib/unwind/backtrace_groups.c) */

struct kt_backtrace_group_task {
	int32_t pid;
	uint64_t task;
	int cpu;
	char comm[17];
	size_t order;            /* the task's place among all that were added */
};

struct kt_backtrace_group {
	struct kt_backtrace *backtrace;   /* the first task's, shown for all of them */
	struct kt_backtrace_group_task *tasks;
	size_t n_tasks;
};

/* Zero-initialised before the first kt_backtrace_groups_add(). */
struct kt_backtrace_groups {
	struct kt_backtrace_group *groups;
	size_t n;
	size_t n_added;
};

/* Adds bt (the groups own it from then on, also on failure) to the group of the backtraces with
 * the same frames: function, module and status of each, and the same end (note_code). */
KT_PUBLIC struct kt_error *kt_backtrace_groups_add(struct kt_backtrace_groups *groups,
						   struct kt_backtrace *bt);
/* Largest group first; groups of the same size in the order their first task was added. */
KT_PUBLIC void kt_backtrace_groups_sort(struct kt_backtrace_groups *groups);
KT_PUBLIC void kt_backtrace_groups_clear(struct kt_backtrace_groups *groups);

/* list: a linked list's entries, as crash's `list` (lib/kernel/list_walk.c) */

enum kt_list_start {
	KT_LIST_START_ENTRY,     /* START is the first entry; each holds the next one's address at
				  * offset (NULL or START ends the list) */
	KT_LIST_START_HEAD,      /* -H: START is a struct list_head heading the list, not an entry;
				  * each entry's list_head is at offset */
	KT_LIST_START_EMBEDDED,  /* -h: START is an entry, its list_head at offset */
};

struct kt_list_request {
	uint64_t start;
	uint64_t offset;
	enum kt_list_start kind;
	uint64_t budget;         /* entries at most; 0: 1,000,000 */
	const char *type;        /* -s: each entry as this type ("struct module"), or NULL */
	const char *members;     /* -s TYPE.a,b: these member paths, or NULL for all */
	bool hex;                /* -x: integers of the values in hexadecimal */
};

struct kt_list_entries {
	uint64_t *entries;       /* entry addresses, in list order */
	size_t n;
	struct kt_value **values;  /* with a type: one per entry (UNREADABLE says why), else NULL */
	char *stop;              /* why the walk ended early (a loop, an unreadable or NULL link, the
				  * budget), or NULL when the list ended as lists do */
	enum kt_error_code stop_code;
};

KT_PUBLIC struct kt_error *kt_list_entries_read(struct kt_program *prog,
						const struct kt_list_request *req,
						struct kt_list_entries **ret);
KT_PUBLIC void kt_list_entries_destroy(struct kt_list_entries *list);

/* tree: a red-black tree's, an XArray's or a maple tree's entries, as crash's `tree` (lib/kernel/tree_walk.c) */

enum kt_tree_kind {
	KT_TREE_RBTREE,          /* struct rb_root: its nodes in order */
	KT_TREE_XARRAY,          /* struct xarray (a radix_tree_root from v4.20): present entries */
	KT_TREE_MAPLE,           /* struct maple_tree (v6.1+): its pointer entries in index order */
};

struct kt_tree_request {
	enum kt_tree_kind kind;
	uint64_t root;           /* the rb_root or xarray */
	uint64_t offset;         /* rbtree: of the rb_node in each entry */
	const char *type;        /* -s, as in struct kt_list_request */
	const char *members;
	bool hex;
};

/* The entries in a kt_list_entries (free with kt_list_entries_destroy(); render with
 * kt_list_entries_render()). */
KT_PUBLIC struct kt_error *kt_tree_entries_read(struct kt_program *prog,
						const struct kt_tree_request *req,
						struct kt_list_entries **ret);

/* Call sites: which call made a return address, through what, to where */

enum kt_call_kind {
	KT_CALL_NONE,        /* no call instruction ends at the return address */
	KT_CALL_DIRECT,      /* call rel32 to a function */
	KT_CALL_STATIC,      /* a static call: to a __SCT__ trampoline, or patched to its target */
	KT_CALL_RETPOLINE,   /* call __x86_indirect_thunk_REG: indirect through REG */
	KT_CALL_REGISTER,    /* call *%REG (also after lfence) */
	KT_CALL_MEMORY,      /* call *disp(%base,%index,scale), call *sym(%rip) */
	KT_CALL_PV_OPS,      /* a paravirt call site (call *pv_ops+OFF) patched into a direct call */
};

enum kt_call_verdict {
	KT_CALL_UNDETERMINED, /* the target could not be computed: reason says which value was missing */
	KT_CALL_MATCHES,      /* the call reaches the function of the frame above */
	KT_CALL_TAIL_CALL,    /* it reaches a function that jumped to the frame above */
	KT_CALL_DIFFERS,      /* it reaches another function: the frame above is not its callee */
};

/* The evidence for a verdict, or what was missing: kt_call_site.reason as a stable code. */
enum kt_call_reason_code {
	KT_CALL_REASON_TARGET_UNKNOWN,  /* "undetermined.target_unknown": a value it needs is missing */
	KT_CALL_REASON_NO_CALL,         /* "undetermined.no_call": no call ends at the return address */
	KT_CALL_REASON_NO_CALLEE,       /* "undetermined.no_callee": no frame above to compare with */
	KT_CALL_REASON_INNERMOST,       /* "undetermined.innermost": the innermost frame: not called */
	KT_CALL_REASON_INTERRUPTED,     /* "undetermined.interrupted": the frame was interrupted */
	KT_CALL_REASON_ERROR,           /* "undetermined.error": the resolution failed (reason says) */
	KT_CALL_REASON_REACHES_CALLEE,  /* "matches.callee": the target is the frame above's function */
	KT_CALL_REASON_REACHES_COLD_PART,/* "matches.cold_part": ... whose .cold part is the frame above */
	KT_CALL_REASON_TAIL_CALL,       /* "tail_call.one": the target jumped to the frame above */
	KT_CALL_REASON_TWO_TAIL_CALLS,  /* "tail_call.two": through two jumps */
	KT_CALL_REASON_OTHER_FUNCTION,  /* "differs.other_function": it reaches another function */
};

KT_PUBLIC const char *kt_call_reason_code_name(enum kt_call_reason_code code);

/* A value the resolution needed: "vcpu" (from %rbx, saved by vmx_vcpu_run at 0x...). */
struct kt_call_value {
	const char *name;
	uint64_t value;
	const char *source;
};

struct kt_call_site_text;

enum { KT_CALL_MAX_VALUES = 12 };

/*
 * A resolved call site. Its strings (instruction, expression, the values' names and sources,
 * reason) are owned by the site: kt_call_site_deinit() frees them (kt_call_sites_destroy() for
 * the arrays the backtrace functions return); caller and the target's names live as long as
 * the program. A copy of the struct shares the strings: deinit only one.
 */
struct kt_call_site {
	uint64_t return_address;
	uint64_t address;                 /* the call instruction */
	const char *caller;               /* function holding it, NULL if no symbol */
	const char *instruction;          /* as dis prints it */
	enum kt_call_kind kind;
	/* What the target was read through, in C: "vcpu->ops->run", "kvm_x86_ops.run",
	 * "((struct kvm_vcpu *)%rbx)->arch.mmu.set_cr3"; "" for a direct call. */
	const char *expression;
	struct kt_call_value values[KT_CALL_MAX_VALUES];
	size_t n_values;
	bool has_target;
	uint64_t target;
	const char *target_function;      /* NULL if no symbol covers target */
	uint64_t target_offset;
	const char *target_module;        /* NULL for the kernel */
	enum kt_call_verdict verdict;
	uint64_t tail_jump;               /* KT_CALL_TAIL_CALL: the jmp that reached the frame above */
	unsigned int tail_calls;          /* ... and how many functions jumped on the way (1 or 2) */
	const char *reason;               /* the evidence for the verdict, or what was missing */
	enum kt_call_reason_code reason_code;
	struct kt_call_site_text *text;   /* private: the block the strings above are in */
};

KT_PUBLIC void kt_call_site_deinit(struct kt_call_site *site);
KT_PUBLIC void kt_call_sites_destroy(struct kt_call_site *sites, size_t n);

/* Where a register's value at a call was found. */
enum kt_register_origin {
	KT_REGISTER_ORIGIN_UNKNOWN,
	KT_REGISTER_ORIGIN_CPU_NOTE,       /* the CPU's saved registers: note names which, of CPU cpu */
	KT_REGISTER_ORIGIN_PT_REGS,        /* the pt_regs at address */
	KT_REGISTER_ORIGIN_SWITCH_FRAME,   /* the switch frame's slot at address */
	KT_REGISTER_ORIGIN_RETURN_SLOT,    /* %rsp: the return address slot at address, + 8 */
	KT_REGISTER_ORIGIN_SAVED_CFI,      /* saved by function at address, as DWARF CFI says */
	KT_REGISTER_ORIGIN_SAVED_PROLOGUE, /* saved by function at address, by its prologue's pushes */
	KT_REGISTER_ORIGIN_BELOW_RETURN,   /* %rsp at a function's entry: below the return address */
};

struct kt_register_source {
	enum kt_register_origin origin;
	uint64_t address;
	const char *function;    /* SAVED_*: the function that saved it (NULL if unknown) */
	const char *note;        /* CPU_NOTE: "crash_notes (...)", "QEMU CPU note (...)" */
	int cpu;                 /* CPU_NOTE */
};

/* The source for people: "saved by vmx_vcpu_run at 0xffffc90000abfe40 (DWARF CFI)". */
KT_PUBLIC void kt_register_source_text(const struct kt_register_source *source, char *buf,
				       size_t size);

/*
 * Registers known at a call instruction: value and where it was found. Indexed by DWARF
 * register number (rax 0, rdx 1, rcx 2, rbx 3, rsi 4, rdi 5, rbp 6, rsp 7, r8-r15 8-15). The
 * strings it points to live as long as the program.
 */
struct kt_call_registers {
	uint64_t value[16];
	uint32_t known;                   /* bit per register */
	struct kt_register_source source[16];
	int cpu;                          /* the CPU that ran the code (for %gs:), -1 if unknown */
};

KT_PUBLIC const char *kt_call_kind_name(enum kt_call_kind kind);
KT_PUBLIC const char *kt_call_verdict_name(enum kt_call_verdict verdict);
/*
 * Resolves the call that return_address returns from. regs (may be NULL) are the registers
 * known at the call; callee (0 if unknown) is the start of the function the stack says was
 * called, for the verdict.
 */
KT_PUBLIC struct kt_error *kt_call_site_resolve(struct kt_program *prog, uint64_t return_address,
						const struct kt_call_registers *regs, uint64_t callee,
						struct kt_call_site *ret);
/*
 * The call site of frame i of bt (i >= 1, a frame entered by a call): registers recovered from
 * the frames above it (crash notes, pt_regs, the switch frame, and the registers each callee's
 * prologue saved), the callee being frame i - 1. NOT_FOUND for a frame that was not called
 * (the innermost one, or one interrupted at a pt_regs).
 */
KT_PUBLIC struct kt_error *kt_backtrace_call_site(struct kt_program *prog, const struct kt_backtrace *bt,
						  size_t i, struct kt_call_site *ret);
/* The call site of every frame (kind KT_CALL_NONE for frames not entered by a call), resolved
 * outermost first so each caller's arguments are known from the call that entered it. *ret has
 * bt->n_frames entries: release it with kt_call_sites_destroy(*ret, bt->n_frames). */
KT_PUBLIC struct kt_error *kt_backtrace_call_sites(struct kt_program *prog, const struct kt_backtrace *bt,
						   struct kt_call_site **ret);
/*
 * kt_backtrace_call_sites(), and the call sites taken as evidence in bt's frames: an indirect
 * call that reaches another function than the frame above makes that frame inferred, a resolved
 * one adds its expression to the reason, and the innermost frame of a CPU without registers is
 * named after the target of the call below it when that is resolved (reason and reason_code
 * change with it). Free *ret with kt_call_sites_destroy(*ret, bt->n_frames).
 */
KT_PUBLIC struct kt_error *kt_backtrace_explain(struct kt_program *prog, struct kt_backtrace *bt,
						struct kt_call_site **ret);
/* The registers known at frame i's call (for kt_call_site_resolve, and to name stack slots). */
KT_PUBLIC struct kt_error *kt_backtrace_call_registers(struct kt_program *prog,
						       const struct kt_backtrace *bt, size_t i,
						       struct kt_call_registers *ret);

/* Addresses, per-CPU variables, one task and log times (crash's rd, percpu, task, log -T) */

/* An address: "0xADDR", "ADDR" (hexadecimal), "SYMBOL", "SYMBOL+OFF", "SYMBOL-OFF" (OFF decimal,
 * or hexadecimal with 0x; kernel and module symbols). A name that is also hexadecimal ("fee")
 * is the symbol if there is one. */
KT_PUBLIC struct kt_error *kt_program_parse_address(struct kt_program *prog, const char *expr,
						    uint64_t *ret);

struct kt_percpu_slot {
	unsigned int cpu;
	bool online;
	uint64_t address;        /* this CPU's copy of the variable */
};

/* A per-CPU variable on every possible CPU, in CPU order. offset is a per-CPU symbol's value or
 * a __percpu pointer: an offset into the per-CPU area, never a kernel address (x86_64).
 * Release *ret with kt_percpu_slots_destroy(). */
KT_PUBLIC struct kt_error *kt_percpu_addresses(struct kt_program *prog, uint64_t offset,
					       struct kt_percpu_slot **ret, size_t *n_ret);
KT_PUBLIC void kt_percpu_slots_destroy(struct kt_percpu_slot *slots, size_t n);

enum kt_task_key {
	KT_TASK_BY_PID,          /* pid 0 is CPU 0's idle task, init_task */
	KT_TASK_BY_ADDRESS,      /* a struct task_struct * the task walk finds */
	KT_TASK_ACTIVE_ON_CPU,   /* the task current on CPU value */
	KT_TASK_PANICKING,       /* the task current on panic_cpu; value is unused */
};

struct kt_task_info {
	struct kt_task task;     /* as kt_task_for_each gives it */
	uint64_t parent;         /* real_parent */
	char parent_comm[17];    /* init_task is its own parent */
	uint32_t flags;          /* PF_* */
	bool kthread;            /* PF_KTHREAD */
	uint64_t stack;          /* task->stack: the lowest address of its kernel stack */
	uint64_t sp;             /* thread.sp, saved when it was last switched out: stale if active */
	uint64_t mm, active_mm;  /* mm is 0 for kernel threads */
};

/* ps -l / ps -m: when a task last ran (sched_info.last_arrival) and its CPU's runqueue clock at
 * the time of the dump, both in nanoseconds of the runqueue clock. */
struct kt_task_run {
	struct kt_task task;
	uint64_t last_arrival;
	uint64_t clock;          /* rq->clock of the task's CPU */
	bool has_clock;          /* false: that clock could not be read */
};

/* Every task, most recently run first; free *ret. */
KT_PUBLIC struct kt_error *kt_task_runs_read(struct kt_program *prog, struct kt_task_run **ret,
					     size_t *n_ret);

/* runq: each online CPU's runqueue (struct rq), as crash's runq shows it: the task running there,
 * how long it has run, and the tasks queued in each scheduling class. */
enum kt_runq_class {
	KT_RUNQ_STOP,            /* rq->stop, the CPU's stopper thread, when queued and not running */
	KT_RUNQ_DEADLINE,        /* rq->dl: the rbtree of sched_dl_entity by deadline */
	KT_RUNQ_RT,              /* rq->rt: one list of sched_rt_entity per priority */
	KT_RUNQ_FAIR,            /* rq->cfs: the rbtree of sched_entity by vruntime */
};

/* A cgroup's queue on one CPU: a group entity's my_q, in the tree of the queue above it. */
struct kt_runq_group {
	enum kt_runq_class sched_class;
	uint64_t queue;          /* its struct cfs_rq (or rt_rq) */
	uint64_t task_group;     /* queue->tg; 0 if the kernel has no group scheduling */
	char name[64];           /* the cgroup's directory (tg->css.cgroup->kn->name); "" for the
				  * root or when it cannot be read */
	size_t parent;           /* index in the CPU's groups; the root groups are their own */
	unsigned int depth;      /* 0 for the root queues */
};

/* A queued entity and its task. */
struct kt_runq_entry {
	enum kt_runq_class sched_class;
	uint64_t entity;         /* struct sched_entity / sched_rt_entity / sched_dl_entity */
	bool has_task;           /* false: a deadline server (rq->fair_server, 6.8+), not a task */
	struct kt_task task;
	int prio;                /* task->prio (-1 for a deadline server) */
	size_t group;            /* index in the CPU's groups: the queue it is in */
};

struct kt_runq_cpu {
	unsigned int cpu;
	uint64_t rq;             /* struct rq */
	uint64_t clock;          /* rq->clock (ns): the runqueue's time at the dump */
	bool has_clock;
	bool has_current;
	struct kt_task current;  /* rq->curr */
	int current_prio;        /* curr->prio */
	uint64_t current_queue;  /* the struct cfs_rq whose curr is the current task's entity (0:
				  * none, as for the idle task or an RT task) */
	uint64_t last_arrival;   /* curr->sched_info.last_arrival: when it went on the CPU */
	bool has_last_arrival;
	uint64_t exec_start;     /* curr->se.exec_start: when its run time was last accounted */
	bool has_exec_start;
	uint32_t nr_running;     /* rq->nr_running: the current task included */
	uint64_t dl_root, rt_array, cfs_root;  /* &rq->dl.root, &rq->rt.active, &rq->cfs.tasks_timeline */
	struct kt_runq_group *groups;  /* [0]: the root CFS queue, [1]: the root RT queue */
	size_t n_groups;
	struct kt_runq_entry *entries;  /* stop, deadline, then RT by priority, then CFS by vruntime */
	size_t n_entries;
	char *error;             /* why a walk stopped (the entries before it are kept), or NULL */
	enum kt_error_code error_code;
};

struct kt_runq {
	struct kt_runq_cpu *cpus;  /* the online CPUs, in order */
	size_t n_cpus;
};

/* Every online CPU's runqueue. A damaged queue ends its CPU's walk with the reason in error;
 * only a kernel without runqueues (no symbol or type) fails the call. */
KT_PUBLIC struct kt_error *kt_runq_read(struct kt_program *prog, struct kt_runq **ret);
KT_PUBLIC void kt_runq_destroy(struct kt_runq *runq);

/* timer: each CPU's timer wheel bases (per-CPU timer_bases, kernel/time/timer.c) with the
 * struct timer_list queued in their vectors[] buckets, and (timer -r) each CPU's hrtimer clock
 * bases (per-CPU hrtimer_bases) with the struct hrtimer queued in their timerqueue rbtrees, as
 * crash's timer shows them. */
struct kt_timer {
	uint64_t address;        /* struct timer_list (or struct hrtimer) */
	uint64_t expires;        /* timer_list.expires (jiffies); hrtimer: node.expires (ns) */
	uint64_t softexpires;    /* hrtimer._softexpires (ns); 0 for a timer_list */
	int64_t tte;             /* time to expiry: expires - jiffies, or expires - the clock's now */
	uint64_t function;
	const char *symbol;      /* the function's symbol, or NULL; valid while the program is */
	uint64_t symbol_offset;
};

/* One timer wheel base (timer_bases[cpu][index]) or one hrtimer clock base
 * (hrtimer_bases[cpu].clock_base[index]). */
struct kt_timer_base {
	unsigned int cpu;
	unsigned int index;
	const char *name;        /* the wheel base's: "BASE_STD", "BASE_DEF", "BASE_LOCAL",
				  * "BASE_GLOBAL"; an hrtimer base's get_time symbol or NULL */
	uint64_t address;        /* struct timer_base / struct hrtimer_clock_base */
	uint64_t cpu_base;       /* hrtimer: the CPU's struct hrtimer_cpu_base; 0 for a wheel */
	int64_t now;             /* hrtimer: the clock at the dump (ns), as crash computes it:
				  * uptime in jiffies * NSEC_PER_SEC / HZ + the base's offset */
	struct kt_timer *timers; /* by expiry (a stable sort: equal ones in bucket order) */
	size_t n_timers;
	char *error;             /* why a bucket or the tree could not be walked whole, or NULL;
				  * the timers read are kept */
	enum kt_error_code error_code;
};

struct kt_timers {
	uint64_t jiffies;
	unsigned int hz;         /* from tick_nsec; 0 if unknown (then no hrtimer now) */
	struct kt_timer_base *wheels;  /* the online CPUs' wheel bases, CPU by CPU */
	size_t n_wheels;
	struct kt_timer_base *clocks;  /* timer -r: the hrtimer clock bases, CPU by CPU */
	size_t n_clocks;
};

/* The timers of the online CPUs in cpus (NULL: all; else n_cpus flags by CPU id); with
 * hrtimers the hrtimer bases too (else none). A damaged bucket or tree ends in its base's error;
 * only a kernel without timer_bases (or hrtimer_bases when asked) fails the call. */
KT_PUBLIC struct kt_error *kt_timers_read(struct kt_program *prog, const bool *cpus,
					  unsigned int n_cpus, bool hrtimers, struct kt_timers **ret);
KT_PUBLIC void kt_timers_destroy(struct kt_timers *timers);

/* dev: the character device majors (chrdevs, fs/char_dev.c) and block device majors
 * (major_names, block/genhd.c) registered, as crash's dev lists them. */
struct kt_chrdev {
	uint64_t char_device_struct;
	unsigned int major, baseminor, minorct;
	char name[64];
	uint64_t cdev;           /* its struct cdev: char_device_struct.cdev, else the one cdev_map
				  * maps to (major, baseminor); 0 if neither */
	bool cdev_from_map;      /* the cdev was found in cdev_map's probes */
	uint64_t ops;            /* cdev->ops (struct file_operations); 0 without a cdev */
	const char *ops_symbol;  /* its symbol, or NULL; valid while the program is */
};

struct kt_blkdev {
	uint64_t blk_major_name;
	unsigned int major;
	char name[16];
};

struct kt_devices {
	struct kt_chrdev *chrdevs;   /* by hash slot (major % 255), each chain in its order */
	size_t n_chrdevs;
	struct kt_blkdev *blkdevs;   /* by hash slot, each chain in its order */
	size_t n_blkdevs;
	char *error;                 /* why a chain could not be walked whole, or NULL */
	enum kt_error_code error_code;
};

/* Both tables. A damaged chain ends in error with the devices before it kept; only a kernel
 * without chrdevs or major_names fails the call. */
KT_PUBLIC struct kt_error *kt_devices_read(struct kt_program *prog, struct kt_devices **ret);
KT_PUBLIC void kt_devices_destroy(struct kt_devices *devices);

/* swap: the swap areas (swap_info[] up to nr_swapfiles, mm/swapfile.c), as crash's swap shows
 * them: only those in use (SWP_USED). */
struct kt_swap_area {
	uint64_t swap_info_struct;
	int type;                /* its index in swap_info[] */
	bool partition;          /* a block device (S_ISBLK of the swap file's inode), else a file */
	uint64_t pages;          /* usable pages */
	uint64_t inuse_pages;
	int prio;
	char *path;              /* the swap file's path (d_path), or NULL if it cannot be built */
	char *error;             /* why part of it could not be read, or NULL */
};

struct kt_swap {
	unsigned int nr_swapfiles;   /* swap_info[] entries ever made; 0: no swap was configured */
	unsigned int page_size;
	struct kt_swap_area *areas;
	size_t n_areas;
};

KT_PUBLIC struct kt_error *kt_swap_read(struct kt_program *prog, struct kt_swap **ret);
KT_PUBLIC void kt_swap_destroy(struct kt_swap *swap);

/* ps -t: a task's times, as crash's ps -t shows them, in nanoseconds: start_time (CLOCK_MONOTONIC
 * when it was forked), utime and stime (CPU time in user and kernel mode). */
struct kt_task_time {
	struct kt_task task;
	uint64_t start_time;
	uint64_t utime, stime;
};

struct kt_task_times {
	uint64_t now;            /* CLOCK_MONOTONIC at the timekeeper's last tick before the crash */
	bool has_now;            /* false: the timekeeper cannot be read (no run times then) */
	char *now_error;         /* why not, or NULL */
	struct kt_task_time *tasks;
	size_t n;
};

/* Every task's times, in the task walk's order. Free with kt_task_times_destroy(). */
KT_PUBLIC struct kt_error *kt_task_times_read(struct kt_program *prog, struct kt_task_times **ret);
KT_PUBLIC void kt_task_times_destroy(struct kt_task_times *times);

/* ps -p: the task and its ancestors by real_parent, up to CPU 0's idle task; ps -c (children):
 * the task and the thread-group leaders whose real_parent it is. Free *ret. */
KT_PUBLIC struct kt_error *kt_task_family_read(struct kt_program *prog, uint64_t task, bool children,
					       struct kt_task **ret, size_t *n_ret);

/* The rest of a task the walk gave (flags, stack, mm, parent). */
KT_PUBLIC struct kt_error *kt_task_info_read(struct kt_program *prog, const struct kt_task *task,
					     struct kt_task_info *ret);

/* One task in detail, found through kt_task_for_each (so only tasks the kernel lists). */
KT_PUBLIC struct kt_error *kt_task_info_find(struct kt_program *prog, enum kt_task_key key,
					     uint64_t value, struct kt_task_info *ret);

/* ps -a: a task's command line and environment, read from its user memory where execve() put
 * them (mm->arg_start..arg_end, env_start..env_end). */
struct kt_task_args {
	struct kt_task task;
	uint64_t mm, arg_start, env_start;
	char **args;             /* the NUL-separated strings, in order */
	size_t n_args;
	char **env;
	size_t n_env;
	char *error;             /* no user address space (a kernel thread): nothing else is set */
	char *args_error;        /* why the arguments could not be read (user pages left out of the
				  * dump, most often), or NULL */
	char *env_error;         /* the same for the environment */
};

KT_PUBLIC struct kt_error *kt_task_args_read(struct kt_program *prog, const struct kt_task *task,
					     struct kt_task_args **ret);
KT_PUBLIC void kt_task_args_destroy(struct kt_task_args *args);

/* The kernel log's clock against the wall clock: a record's time is boot_wall_nsec + ts_nsec,
 * in nanoseconds since the epoch (UTC). Method and error bound: lib/kernel/log_time.c. */
struct kt_log_clock {
	int64_t boot_wall_nsec;
	bool from_timekeeper;    /* the kernel's own offs_real; false: estimated from CRASHTIME */
	const char *method;      /* for people: how, and how far off it can be */
};

KT_PUBLIC struct kt_error *kt_log_clock_get(struct kt_program *prog, struct kt_log_clock *ret);

/* Results of the other commands, as data for the renderers below */

/* sym: the symbol containing an address, or a name's address. */
struct kt_symbol_lookup {
	uint64_t address;
	const char *name;        /* valid while the program is */
	uint64_t offset;         /* address - the symbol's address */
	const char *module;      /* NULL for the kernel */
};

/* what: a hexadecimal address (0x optional), else a kernel or module symbol name. */
KT_PUBLIC struct kt_error *kt_symbol_lookup(struct kt_program *prog, const char *what,
					    struct kt_symbol_lookup *ret);

/* How memory is shown: rd's flags, and gdb's x/FMT letters. */
enum kt_memory_format {
	KT_MEMORY_HEX,        /* rd (with ASCII unless no_ascii: -x), x/x */
	KT_MEMORY_SIGNED,     /* rd -d, x/d */
	KT_MEMORY_UNSIGNED,   /* rd -D, x/u */
	KT_MEMORY_STRING,     /* rd -a (printable ASCII), x/s (a C string): len bytes of it */
};

/* What kt_memory_request_read() reads, and how it is to be shown. */
struct kt_memory_request {
	uint64_t address;
	enum kt_address_space space;
	unsigned int size;       /* bytes per value: 1, 2, 4 or 8 (STRING: 1) */
	uint64_t count;          /* values; STRING: bytes at most (0: up to 4096, to its end) */
	bool symbols;            /* rd -s, -S: name 64-bit values that point into symbols */
	enum kt_memory_format format;
	bool no_ascii;           /* rd -x */
	bool gdb;                /* x/FMT: gdb's lines, each labelled with the symbol it is in */
	uint64_t task;           /* KT_UVADDR: whose user memory (a task_struct address) */
};

/* sym -l, sym -m MODULE, sym PATTERN: symbols in address order. */
struct kt_symbol_entry {
	uint64_t address;
	char type;               /* nm's letter: 't', 'T', 'd', ...; '?' if unknown */
	const char *name;        /* valid while the program is */
	const char *module;      /* NULL for the kernel */
};

struct kt_symbol_list {
	struct kt_symbol_entry *symbols;
	size_t n;
	const char *module;      /* sym -m: the module, with where its memory starts and ends (the
				  * lowest and highest address of its core regions); else NULL */
	uint64_t module_start, module_end;
};

/*
 * The symbols of module (NULL: the kernel's, then every module's), those whose name matches the
 * shell wildcard pattern when one is given (fnmatch: *, ?, [...]). NOT_FOUND for a module that is
 * not loaded. Free with kt_symbol_list_destroy().
 */
KT_PUBLIC struct kt_error *kt_symbol_list_read(struct kt_program *prog, const char *module,
					       const char *pattern, struct kt_symbol_list **ret);
KT_PUBLIC void kt_symbol_list_destroy(struct kt_symbol_list *list);

/* rd: memory as values of 1, 2, 4 or 8 bytes. */
struct kt_memory_rows {
	uint64_t address;
	enum kt_address_space space;
	uint64_t task;           /* KT_UVADDR: whose user memory */
	unsigned int size;       /* bytes per value */
	const uint8_t *bytes;    /* the bytes read, len of them: up to the end or the first fault */
	size_t len;
	/* with symbols: per 8-byte value, the symbol it points into (name NULL if none) */
	struct kt_symbol_lookup *symbols;
	const char *error;       /* why the value at address + len could not be read, or NULL */
	enum kt_error_code error_code;
	enum kt_memory_format format;
	bool no_ascii, gdb;      /* as requested */
	/* gdb: per value, the symbol its address is in (name NULL if none); set at line starts */
	struct kt_symbol_lookup *labels;
};

/* Reads count values (page by page, and value by value in a page that fails, so that all that
 * can be read is). Only errors other than a fault fail the call. */
KT_PUBLIC struct kt_error *kt_memory_rows_read(struct kt_program *prog, uint64_t address,
					       enum kt_address_space space, unsigned int size,
					       uint64_t count, bool symbols,
					       struct kt_memory_rows **ret);
/* The same, as requested: rd's -d/-D/-x/-a and gdb's x/FMT. A string ends at its NUL (x/s) or
 * first unprintable byte (rd -a); the error is then only one met before its end. */
KT_PUBLIC struct kt_error *kt_memory_request_read(struct kt_program *prog,
						  const struct kt_memory_request *req,
						  struct kt_memory_rows **ret);
KT_PUBLIC void kt_memory_rows_destroy(struct kt_memory_rows *rows);

/* bt -r: a task's kernel stack, every word with the symbol it points into. */
struct kt_raw_stack {
	struct kt_task task;
	uint64_t base, size;     /* task->stack, THREAD_SIZE */
	struct kt_memory_rows *rows;  /* 8-byte values with symbols; error says where reading stopped */
};

KT_PUBLIC struct kt_error *kt_raw_stack_read(struct kt_program *prog, const struct kt_task *task,
					     struct kt_raw_stack **ret);
KT_PUBLIC void kt_raw_stack_destroy(struct kt_raw_stack *stack);

/* percpu: a per-CPU variable on each CPU, and optionally the word there. */
struct kt_percpu_value {
	struct kt_percpu_slot slot;
	bool has_value;          /* values were asked for and this one was read */
	uint64_t value;
	const char *error;       /* values asked for but unreadable: why */
	enum kt_error_code error_code;
};

struct kt_percpu_values {
	const char *expression;
	uint64_t offset;
	bool values;             /* values were asked for */
	struct kt_percpu_value *cpus;
	size_t n_cpus;
};

/* expr: as kt_program_parse_address(); cpu: one CPU, or -1 for all (NOT_FOUND if it is not a
 * possible CPU). */
KT_PUBLIC struct kt_error *kt_percpu_values_read(struct kt_program *prog, const char *expr, int cpu,
						 bool values, struct kt_percpu_values **ret);
KT_PUBLIC void kt_percpu_values_destroy(struct kt_percpu_values *values);

/* dis: an instruction with what dis adds to it */
struct kt_dis_item {
	const struct kt_dis_line *line;
	bool lines;                        /* source lines were asked for */
	const struct kt_source_line *source; /* its source line, or NULL */
	bool new_line;                     /* source starts a line other than the previous one's */
	const char *source_unavailable;    /* no source line: why */
	bool new_unavailable;              /* ... said differently than for the one before */
	const struct kt_call_site *call_site; /* an indirect call resolved without a stack, or NULL */
};

typedef bool kt_dis_item_fn(const struct kt_dis_item *item, void *arg);
/* kt_disassemble() with every indirect call resolved as far as code and globals allow and,
 * with lines, each instruction's source line. */
KT_PUBLIC struct kt_error *kt_disassemble_items(struct kt_program *prog, uint64_t start,
						uint64_t end, size_t count, bool lines,
						kt_dis_item_fn *fn, void *arg);


/*
 * KVM: every VM and vCPU in the dump, the VMX and SVM state of each vCPU, checked against the
 * Intel SDM and AMD APM (lib/kvm; tables with their sources in lib/arch/x86_64). Layouts come
 * from the types of the modules that define them (kvm, kvm_intel, kvm_amd: BTF or DWARF), told
 * apart by member names. Every string is owned by the result it is in (fixed arrays, or freed by
 * the result's destroy function); names from tables live forever.
 */

/* A rule evaluated on the dump: what it says, where it comes from, and the outcome. */
enum kt_check_result {
	KT_CHECK_PASS,      /* "pass" */
	KT_CHECK_FAIL,      /* "fail" */
	KT_CHECK_UNKNOWN,   /* "unknown": the dump cannot tell (detail says why) */
};

struct kt_check {
	const char *code;        /* stable: "msr.fs_gs_base", "list.count_capacity", ... */
	const char *rule;        /* what must hold */
	const char *source;      /* SDM section by edition, or the kernel file */
	enum kt_check_result result;
	char detail[224];        /* the values the outcome rests on */
};

KT_PUBLIC const char *kt_check_result_name(enum kt_check_result result);

/* The thread behind a vCPU (vcpu->pid) or a VM's owner. */
struct kt_kvm_thread {
	bool found;
	uint64_t task;
	int32_t pid, tgid;
	char comm[17];
	const char *state_name;  /* as kt_task */
	int cpu;
};

enum kt_kvm_vendor {
	KT_KVM_VENDOR_UNKNOWN,
	KT_KVM_VENDOR_VMX,       /* kvm_intel: struct vcpu_vmx */
	KT_KVM_VENDOR_SVM,       /* kvm_amd: struct vcpu_svm */
};

struct kt_kvm_vcpu {
	uint64_t address;        /* struct kvm_vcpu * */
	uint64_t kvm;            /* vcpu->kvm */
	int vcpu_id;
	int vcpu_idx;            /* -1 where struct kvm_vcpu has none */
	int cpu;                 /* vcpu->cpu: the CPU it was last loaded on, -1 none */
	int mode;
	const char *mode_name;   /* OUTSIDE_GUEST_MODE, ... (include/linux/kvm_host.h) or NULL */
	uint64_t requests;       /* vcpu->requests, undecoded: KVM_REQ_* are macros, absent from types */
	struct kt_kvm_thread thread;  /* from vcpu->pid */
	bool running;            /* loaded on its CPU now */
	char running_evidence[96];/* "kvm_running_vcpu of CPU 1", "current task of CPU 1" */
	enum kt_kvm_vendor vendor;
	const char *vendor_module; /* the module whose types describe vcpu_vmx / vcpu_svm */
	bool has_exit_reason;
	uint64_t exit_reason;    /* VMX: the exit-reason field; SVM: EXITCODE */
	const char *exit_reason_name; /* NULL if the table has none */
	bool exit_failed_entry;  /* VMX bit 31: VM-entry failure */
	char exit_reason_note[96];/* why there is none */
	char error[192];         /* what could not be read ("" if nothing) */
};

struct kt_kvm_vm {
	uint64_t address;        /* struct kvm * */
	bool on_vm_list;         /* else found through a CPU's loaded VMCS list */
	struct kt_kvm_thread owner;
	char owner_evidence[96]; /* "kvm->userspace_pid", "tgid of vCPU thread", "kvm->mm" */
	uint64_t mm;
	int online_vcpus;        /* -1 if unreadable */
	bool has_memslots;
	unsigned int n_memslots; /* address space 0 */
	uint64_t memslot_pages;
	char memslots_note[128];
	struct kt_kvm_vcpu *vcpus;
	size_t n_vcpus;
	char error[192];
};

struct kt_kvm_state {
	struct kt_kvm_vm *vms;
	size_t n_vms;
	char vm_list_note[192];  /* why vm_list could not be walked ("" if it was) */
	char percpu_note[192];   /* why the VMX per-CPU lists could not be ("" if they were) */
};

/* Every VM on vm_list, and every VM whose vCPU is loaded on a CPU (VMX per-CPU lists). NOT_FOUND
 * only when no KVM is in the dump at all. Free with kt_kvm_state_destroy(). */
KT_PUBLIC struct kt_error *kt_kvm_state_read(struct kt_program *prog, struct kt_kvm_state **ret);
KT_PUBLIC void kt_kvm_state_destroy(struct kt_kvm_state *state);

/* The CPU model from boot_cpu_data (and a CPU's cpu_data for its microcode). */
struct kt_cpu_model {
	bool known;
	char vendor_id[16];      /* "GenuineIntel" */
	bool intel;
	unsigned int family, model, stepping;
	uint32_t microcode;      /* boot_cpu_data.microcode, 0 if absent */
	const char *linux_name;  /* INTEL_FAM6_ name, or NULL */
	const char *name;        /* or NULL */
	const char *pebs_layout; /* IA32_PEBS_ENABLE layout row, or NULL */
	char model_id[64];       /* x86_model_id: "Intel(R) Core(TM) i5-6500 CPU @ 3.20GHz" */
};

enum kt_msr_list_kind {
	KT_MSR_LIST_ENTRY_LOAD,  /* VM-entry MSR-load: the guest values */
	KT_MSR_LIST_EXIT_LOAD,   /* VM-exit MSR-load: the host values */
	KT_MSR_LIST_EXIT_STORE,  /* VM-exit MSR-store */
};

enum { KT_MSR_ENTRY_CHECKS_MAX = 6, KT_MSR_LIST_CHECKS_MAX = 4 };

struct kt_vmx_msr_entry {
	unsigned int slot;       /* index in the array */
	bool beyond_count;       /* past nr: not processed by the CPU */
	uint64_t address;
	uint32_t index;
	uint32_t reserved;
	uint64_t value;
	const char *name;        /* the MSR's name, NULL if the table has none */
	char decoded[224];       /* the value's bits by name, for MSRs with a known layout */
	struct kt_check checks[KT_MSR_ENTRY_CHECKS_MAX];
	size_t n_checks;
};

struct kt_vmx_msr_list {
	enum kt_msr_list_kind kind;
	const char *member;      /* "msr_autoload.host", ... */
	uint64_t address;        /* the entries */
	uint32_t count;          /* nr */
	uint32_t capacity;       /* entries of the array */
	struct kt_vmx_msr_entry *entries;  /* count of them, then live ones beyond it */
	size_t n_entries;
	struct kt_check checks[KT_MSR_LIST_CHECKS_MAX];
	size_t n_checks;
	size_t failed;           /* checks of the list and its entries that failed */
};

struct kt_vmcs_region {
	uint64_t address;        /* struct vmcs * */
	bool readable;
	uint32_t revision_id;    /* bits 30:0 */
	bool shadow;             /* bit 31: shadow-VMCS indicator */
	uint32_t abort;          /* the VMX-abort indicator */
	const char *abort_name;  /* LOAD_HOST_MSR_FAIL, ... or NULL */
	const char *abort_meaning;
	const char *abort_source;
	struct kt_check revision_check;   /* against vmcs_config */
	char error[160];
};

struct kt_loaded_vmcs_info {
	uint64_t address;        /* struct loaded_vmcs * */
	const char *role;        /* "vmcs01", "vmcs02 (nested)", "loaded_vmcs" */
	bool current;            /* vmx->loaded_vmcs points at it */
	int cpu;
	bool launched;
	struct kt_vmcs_region vmcs;
	bool has_host_rsp;
	uint64_t host_rsp;       /* host_state.rsp */
};

struct kt_pebs_event {
	unsigned int counter;    /* idx in cpuc->events[] */
	uint64_t event;          /* struct perf_event * */
	uint64_t config;
	unsigned int precise_ip;
	struct kt_kvm_thread owner;  /* event->owner (NULL: a kernel event) */
};

/* The host perf state behind IA32_PEBS_ENABLE on a CPU. */
struct kt_pebs_context {
	int cpu;
	bool has_pebs_enabled;
	uint64_t pebs_enabled;   /* cpu_hw_events.pebs_enabled */
	struct kt_pebs_event events[16];
	size_t n_events;         /* events in counters, PEBS or not */
	bool has_no_isolation;
	bool pebs_no_isolation;  /* x86_pmu.pebs_no_isolation */
	bool has_microcode;
	uint32_t microcode;      /* cpu_data(cpu).microcode */
	char note[256];          /* what could not be read, and what the values say */
};

struct kt_vmx_vcpu {
	struct kt_kvm_vcpu vcpu;
	uint64_t vcpu_vmx;
	const char *module;
	struct kt_loaded_vmcs_info loaded[2];  /* vmcs01, then the current one if it differs */
	size_t n_loaded;
	bool has_host_rsp;
	uint64_t host_rsp;
	char host_rsp_member[48];/* "loaded_vmcs->host_state.rsp" or "vcpu_vmx.host_rsp" */
	const char *list_layout; /* "one nr, guest[] and host[]" or "struct vmx_msrs guest, host" */
	struct kt_vmx_msr_list lists[3];
	size_t n_lists;
	char lists_error[160];
	struct kt_pebs_context pebs;   /* for the vCPU's CPU, when 0x3F1 is in a list */
	bool has_pebs;
	char error[192];
};

struct kt_vmx_cpu {
	unsigned int cpu;
	uint64_t current_vmcs;   /* per-CPU current_vmcs */
	uint64_t current_vcpu;   /* the vCPU whose VMCS that is, 0 if none matched */
	uint64_t *loaded;        /* loaded_vmcss_on_cpu: each struct loaded_vmcs */
	uint64_t *loaded_vcpu;   /* ... and its vCPU (0 if none matched) */
	size_t n_loaded;
	char error[160];
};

struct kt_vmx_state {
	const char *module;      /* the module that defines struct vcpu_vmx */
	struct kt_cpu_model cpu_model;
	bool has_vmcs_config;
	uint32_t vmcs_config_revision;
	bool has_vmx_misc;
	uint64_t vmx_misc;
	char vmcs_config_note[160];
	struct kt_vmx_vcpu *vcpus;
	size_t n_vcpus;
	struct kt_vmx_cpu *cpus;
	size_t n_cpus;
	const char *vmcs_format_note;  /* the rest of a VMCS region is processor-specific */
};

/* VMX state of every vCPU (vcpu: 0) or of one (a struct kvm_vcpu * or vcpu_vmx *). NOT_FOUND
 * without a module that defines struct vcpu_vmx. Free with kt_vmx_state_destroy(). */
KT_PUBLIC struct kt_error *kt_vmx_state_read(struct kt_program *prog, uint64_t vcpu,
					     struct kt_vmx_state **ret);
KT_PUBLIC void kt_vmx_state_destroy(struct kt_vmx_state *state);

struct kt_svm_vcpu {
	struct kt_kvm_vcpu vcpu;
	uint64_t vcpu_svm;
	const char *module;
	uint64_t vmcb;           /* the VMCB in use (svm->vmcb) */
	uint64_t vmcb_pa;
	bool has_vmcb01;
	uint64_t vmcb01, vmcb01_pa;
	bool vmcb01_current;     /* current_vmcb == &vmcb01 */
	bool readable;
	uint64_t exit_code;      /* control.exit_code (| exit_code_hi << 32 where split) */
	const char *exit_name;
	uint64_t exit_info_1, exit_info_2;
	uint32_t exit_int_info, exit_int_info_err;
	uint64_t cr0, cr3, cr4, efer, rip, rsp;
	char error[192];
};

struct kt_svm_state {
	const char *module;
	struct kt_svm_vcpu *vcpus;
	size_t n_vcpus;
};

KT_PUBLIC struct kt_error *kt_svm_state_read(struct kt_program *prog, uint64_t vcpu,
					     struct kt_svm_state **ret);
KT_PUBLIC void kt_svm_state_destroy(struct kt_svm_state *state);

/* Table look-ups (lib/arch/x86_64): NULL when the table has no entry. */
KT_PUBLIC const char *kt_msr_name(uint32_t index);
KT_PUBLIC const char *kt_vmx_exit_reason_name(uint32_t basic_reason);
KT_PUBLIC const char *kt_svm_exit_code_name(uint64_t code);

/*
 * Findings: conclusions drawn across layers, each with its evidence and the commands that show
 * it (lib/findings, one check per file, registered in one table). The triage report renders
 * them.
 */
struct kt_finding_fact {
	char key[48];            /* "cpu", "vm.owner", "abort", "msr.host.0", ... */
	char value[640];
};

/* How much a finding matters: the report ranks by it, highest first. */
enum kt_severity {
	KT_SEVERITY_INFO,        /* context: how the dump was taken (a sysrq crash) */
	KT_SEVERITY_WARNING,     /* abnormal, not by itself why the machine died */
	KT_SEVERITY_ERROR,       /* a fault or a stuck task that explains a hang */
	KT_SEVERITY_CRITICAL,    /* what brought the machine down or made it unresponsive */
};

struct kt_finding {
	const char *code;        /* stable: "vmx.abort_on_silent_cpu" */
	const char *title;
	enum kt_severity severity;
	int cpu;                 /* the CPU it is about, -1 none */
	uint64_t vcpu;           /* struct kvm_vcpu *, 0 none */
	uint64_t task;
	uint32_t abort;
	char summary[512];
	struct kt_finding_fact *facts;
	size_t n_facts;
	char (*commands)[160];   /* `ktriage DUMP -c '...'` lines that show each piece */
	size_t n_commands;
	/* The bucket this finding files the dump under (lib/findings/signature_rules.def): class,
	 * key frame and module ("soft lockup in native_queued_spin_lock_slowpath"); empty when the
	 * finding does not classify a dump. signature_frames are the normalized verified frames
	 * the hash is taken over, from the key frame outwards. */
	char signature[192];
	bool signature_corrupted;        /* the evidence for a signature is not there */
	char (*signature_frames)[96];
	size_t n_signature_frames;
};

/* Runs every registered check. dump_path names the dump in the commands (NULL: "DUMP"). The
 * findings come ranked: severity first, then the order of the checks' table. Free with
 * kt_findings_destroy(). */
KT_PUBLIC struct kt_error *kt_findings_collect(struct kt_program *prog, const char *dump_path,
					       struct kt_finding **ret, size_t *n_ret);
KT_PUBLIC void kt_findings_destroy(struct kt_finding *findings, size_t n);
KT_PUBLIC const char *kt_severity_name(enum kt_severity severity);

/*
 * The triage report (the default command): what the machine was, what each CPU was doing, the
 * findings ranked, and the dump's signature. Built from the layers below; rendered by
 * kt_report_render().
 */
struct kt_report_cpu {
	unsigned int cpu;
	struct kt_backtrace *backtrace;  /* NULL: error says why */
	char *error;
	bool answered_nmi;               /* its registers are in the dump's own crash notes */
};

struct kt_report_signature {
	char text[192];                  /* the finding's signature, or "corrupted: why" */
	char hash[17];                   /* 64-bit FNV-1a of the normalized frames, hex; "" if none */
	const char *finding_code;        /* the finding it comes from; NULL if none */
	bool corrupted;
};

/*
 * Known issues (docs/known-issues.md): a file of blocks, each a signature pattern (a glob or a
 * regular expression on the signature's text, or its hash) with a bug link and a note. The
 * first block that matches a dump's signature names the bug it is a case of.
 */
enum kt_known_kind {
	KT_KNOWN_GLOB,    /* fnmatch(3) on the signature text */
	KT_KNOWN_REGEX,   /* POSIX extended regular expression, anywhere in the text */
	KT_KNOWN_HASH,    /* the signature hash, exactly */
};

struct kt_known_issue {
	enum kt_known_kind kind;
	char *pattern;
	char *bug;                       /* a link or bug id; NULL if the block has none */
	char *note;                      /* NULL if none */
	unsigned int line;               /* where the block starts in its file */
};

struct kt_known_issues;

/* Reads and checks a known-issues file: a bad line or pattern fails with its line number. */
KT_PUBLIC struct kt_error *kt_known_issues_load(const char *path, struct kt_known_issues **ret);
KT_PUBLIC void kt_known_issues_destroy(struct kt_known_issues *known);
KT_PUBLIC size_t kt_known_issues_count(const struct kt_known_issues *known);
/* The first issue whose pattern matches the signature (text, hash: either may be NULL), or NULL.
 * The issue belongs to known. */
KT_PUBLIC const struct kt_known_issue *kt_known_issues_match(const struct kt_known_issues *known,
							     const char *signature, const char *hash);
/* A copy of issue (NULL without memory); kt_known_issue_destroy() frees it. */
KT_PUBLIC struct kt_known_issue *kt_known_issue_copy(const struct kt_known_issue *issue);
KT_PUBLIC void kt_known_issue_destroy(struct kt_known_issue *issue);
KT_PUBLIC const char *kt_known_kind_name(enum kt_known_kind kind);

struct kt_report {
	struct kt_sys_info sys;
	struct kt_cpu_model cpu_model;
	uint64_t taint;                  /* tainted_mask; has_taint false if unreadable */
	bool has_taint;
	char taint_flags[64];            /* the kernel's letters: "POE" */
	char taint_names[512];           /* "PROPRIETARY_MODULE, OOT_MODULE, ..." */
	double uptime_seconds;           /* at the crash, from the log's last timestamp; < 0 unknown */
	uint64_t panic_task;             /* the panicking CPU's task; 0 unknown */
	int32_t panic_pid;
	char panic_comm[17];
	struct kt_report_cpu *cpus;
	size_t n_cpus;
	struct kt_finding *findings;
	size_t n_findings;
	struct kt_report_signature signature;
	char **gaps;                     /* parts of the report that could not be made, and why */
	size_t n_gaps;
	struct kt_known_issue *known;    /* the known issue the signature matches
					    (kt_report_match_known()), or NULL */
};

KT_PUBLIC struct kt_error *kt_report_build(struct kt_program *prog, const char *dump_path,
					   struct kt_report **ret);
KT_PUBLIC void kt_report_destroy(struct kt_report *report);
/* Sets report->known to a copy of the first known issue its signature matches (NULL if none or
 * the signature is corrupted). Fails only without memory. */
KT_PUBLIC struct kt_error *kt_report_match_known(struct kt_report *report,
						 const struct kt_known_issues *known);

/*
 * Rendering (lib/report): each result as text for people or as a JSON document (docs/json.md;
 * every document is an object whose "schema" member is KT_JSON_SCHEMA). One convention: a
 * renderer writes to a FILE* (to get a string, pass open_memstream(3)'s) and takes the format;
 * errors are the stream's (ferror()). Results made one at a time (the backtraces of every task,
 * tasks, log records, modules, instructions, exception stacks) are written as items of a list
 * between kt_list_begin() and kt_list_end(): in JSON {"schema": ..., "<list>": [item, ...]}, in
 * text the list's header (ps, mod) and each item. Text and JSON are written from the same data.
 */
#define KT_JSON_SCHEMA "ktriage/1"

enum kt_format {
	KT_FORMAT_TEXT,
	KT_FORMAT_JSON,
};

enum kt_list_kind {
	KT_LIST_BACKTRACES,        /* "backtraces": kt_backtrace_render() */
	KT_LIST_EXCEPTION_STACKS,  /* "stacks": kt_stack_search_render() */
	KT_LIST_TASKS,             /* "tasks": kt_task_render() */
	KT_LIST_LOG,               /* "records": kt_log_record_render() */
	KT_LIST_MODULES,           /* "modules": kt_module_render() */
	KT_LIST_INSTRUCTIONS,      /* "instructions": kt_dis_item_render() */
	KT_LIST_RAW_STACKS,        /* "raw_stacks": kt_raw_stack_render() */
	KT_LIST_FAMILIES,          /* "families": kt_task_family_render() */
	KT_LIST_TASK_DETAILS,      /* "task_details": kt_task_info_item_render() (foreach task) */
	KT_LIST_STACK_SCANS,       /* "stack_scans": kt_stack_scan_render() (bt -t, -T, -e) */
	KT_LIST_BACKTRACE_GROUPS,  /* "groups": kt_backtrace_group_render() (bt -g) */
	KT_LIST_TASK_ARGS,         /* "task_args": kt_task_args_render() (ps -a) */
};

struct kt_list_writer {
	FILE *out;
	enum kt_format format;
	enum kt_list_kind kind;
	size_t n;                  /* items written */
};

KT_PUBLIC void kt_list_begin(struct kt_list_writer *w, FILE *out, enum kt_format format,
			     enum kt_list_kind kind);
KT_PUBLIC void kt_list_end(struct kt_list_writer *w);
/* eval: crash's lines (hexadecimal, decimal, octal, binary; with bits, the bits set) or JSON. */
KT_PUBLIC void kt_eval_render(FILE *out, enum kt_format format, const struct kt_eval_result *result,
			      bool bits);
/* ps -a: crash's PID line, then ARG: and ENV: lines (or why they could not be read). */
KT_PUBLIC void kt_task_args_render(struct kt_list_writer *w, const struct kt_task_args *args);
/* Ends a list whose walk stopped early (err: why): in JSON the document then carries
 * "incomplete": {"error": "..."}, so that a partial list cannot pass for a whole one; in text
 * it is kt_list_end() (the caller reports err). */
KT_PUBLIC void kt_list_end_incomplete(struct kt_list_writer *w, const struct kt_error *err);

struct kt_backtrace_render_options {
	bool reasons;            /* text: the reason of every frame, not only of unverified ones */
	bool stale;              /* text: the stale values (JSON always lists them) */
	bool lines;              /* source lines and inlined functions of each frame (DWARF) */
	const struct kt_call_site *call_sites;   /* bt->n_frames of them (bt --explain), or NULL */
	const struct kt_stack_slots *slots;      /* bt -f, or NULL */
	bool decimal_offsets;    /* text: function+123 (bt -s), not function+0x7b (bt -x, default) */
	bool slot_symbols;       /* text: slots that point into a symbol show it instead of the
				  * value (bt -F), and slots into a slab object its cache:
				  * [kmalloc-64] (kt_stack_slots_name_slab_objects()) */
	bool slot_slab_values;   /* text: such a slot as [VALUE:cache] (bt -FF) */
};

/* prog is needed for source lines only (may be NULL without lines). */
KT_PUBLIC void kt_backtrace_render(struct kt_list_writer *w, struct kt_program *prog,
				   const struct kt_backtrace *bt,
				   const struct kt_backtrace_render_options *opts);
KT_PUBLIC void kt_stack_search_render(struct kt_list_writer *w, const struct kt_stack_search *s);
KT_PUBLIC void kt_task_render(struct kt_list_writer *w, const struct kt_task *task);
/* runq: QUEUES as crash's runq (each CPU's current task, then the queued tasks per class),
 * TIMESTAMPS as runq -t (the runqueue clock and the current task's last_arrival), TIME_RUN as
 * runq -m (how long each current task has run), GROUPS as runq -g (the queues of each task
 * group, nested). JSON is one document for every view. */
enum kt_runq_view { KT_RUNQ_QUEUES, KT_RUNQ_TIMESTAMPS, KT_RUNQ_TIME_RUN, KT_RUNQ_GROUPS };
KT_PUBLIC void kt_runq_render(FILE *out, enum kt_format format, const struct kt_runq *runq,
			      enum kt_runq_view view);
/* timer (hrtimers false) or timer -r as crash prints them; JSON {"jiffies", "hz", "bases" or
 * "hrtimer_bases": [...]}. */
KT_PUBLIC void kt_timers_render(FILE *out, enum kt_format format, const struct kt_timers *timers,
				bool hrtimers);
/* dev as crash prints it (CHRDEV, then BLKDEV); JSON {"chrdevs": [...], "blkdevs": [...]}. */
KT_PUBLIC void kt_devices_render(FILE *out, enum kt_format format, const struct kt_devices *devices);
/* swap as crash prints it, or (none in use) says so; JSON {"nr_swapfiles", "areas": [...]}. */
KT_PUBLIC void kt_swap_render(FILE *out, enum kt_format format, const struct kt_swap *swap);

/* ps -l (ns of the runqueue clock) or ps -m (ago: days hh:mm:ss.ms before its CPU's clock), as
 * crash's: "[LAST] [ST]  PID: ..." lines; JSON {"tasks": [...]} with the ps members and
 * last_arrival, clock. */
KT_PUBLIC void kt_task_runs_render(FILE *out, enum kt_format format, const struct kt_task_run *runs,
				   size_t n, bool ago);
/* ps -t as crash's: each task's header, RUN TIME (now - start_time, [N days, ]hh:mm:ss),
 * START TIME, UTIME, STIME (ns); JSON {"now": ns|null, "tasks": [ps members, start_time, utime,
 * stime, run_time]}. Only the tasks whose keep[i] is true (keep NULL: all). */
KT_PUBLIC void kt_task_times_render(FILE *out, enum kt_format format, const struct kt_task_times *times,
				    const bool *keep);
/* ps -p (depth: each ancestor one space further in) or ps -c (the children two spaces in), as
 * crash's; JSON {"family": {"relation": "parents"|"children", "tasks": [...]}} per task. */
KT_PUBLIC void kt_task_family_render(struct kt_list_writer *w, const struct kt_task *tasks, size_t n,
				     bool children);
/* ps -S: "  RU: 3" lines as crash's, or {"states": [{"state": "RU", "count": 3}, ...]}. */
KT_PUBLIC void kt_task_state_counts_render(FILE *out, enum kt_format format,
					   const struct kt_task_state_count *counts, size_t n);
struct kt_log_render_options {
	const struct kt_log_clock *clock;  /* wall-clock times (log -T), or NULL */
	bool level;                        /* text: <N> before each message */
	bool no_time;                      /* text: no timestamp (log -t) */
	bool caller;                       /* text: [T<pid>] or [C<cpu>] after the time (log -c) */
	bool dev_info;                     /* text: SUBSYSTEM= and DEVICE= lines under a message
					    * that has them (log -d) */
};
/* log -a: "type=N TEXT" lines, or crash's "kernel audit log is empty"; JSON {"audit": [{"queue",
 * "skb", "type", "text"}]}. */
KT_PUBLIC void kt_audit_log_render(FILE *out, enum kt_format format, const struct kt_audit_log *log);
KT_PUBLIC void kt_log_record_render(struct kt_list_writer *w, const struct kt_log_record *rec,
				    const struct kt_log_render_options *opts);
/* debug: the module's debug file (kt_module_debug_status()), or NULL to leave it out. */
KT_PUBLIC void kt_module_render(struct kt_list_writer *w, const struct kt_module_info *module,
				const struct kt_module_debug *debug);
KT_PUBLIC void kt_dis_item_render(struct kt_list_writer *w, const struct kt_dis_item *item);
KT_PUBLIC void kt_raw_stack_render(struct kt_list_writer *w, const struct kt_raw_stack *stack);
KT_PUBLIC void kt_stack_scan_render(struct kt_list_writer *w, const struct kt_stack_scan *scan);
/* list: each entry's address (and value, with a type); the stop, if the walk ended early. */
KT_PUBLIC void kt_list_entries_render(FILE *out, enum kt_format format,
				     const struct kt_list_entries *list);
/* One group: its size, its tasks, and the frames they share (function, module, status). */
KT_PUBLIC void kt_backtrace_group_render(struct kt_list_writer *w,
					 const struct kt_backtrace_group *group,
					 const struct kt_backtrace_render_options *opts);

KT_PUBLIC void kt_sys_info_render(FILE *out, enum kt_format format, const struct kt_sys_info *info);
/* sym -l/-m/PATTERN: "ADDRESS (t) NAME [MODULE]" lines, crash's MODULE START/END lines around a
 * module's; JSON {"module": ..., "module_start", "module_end", "symbols": [...]}. */
/* mod -t: crash's NAME / TAINTS table of the tainted modules ("no tainted modules" if none);
 * JSON {"modules": [{"name", "module", "taints", "letters", "flags"}]}, every module. */
KT_PUBLIC void kt_module_taints_render(FILE *out, enum kt_format format,
				       const struct kt_module_taint *taints, size_t n);
KT_PUBLIC void kt_symbol_list_render(FILE *out, enum kt_format format, const struct kt_symbol_list *list);
KT_PUBLIC void kt_symbol_render(FILE *out, enum kt_format format,
				 const struct kt_symbol_lookup *sym);
/* whatis: as gdb's `ptype /o` for a type; docs/json.md "Types and values". */
KT_PUBLIC void kt_declaration_render(FILE *out, enum kt_format format,
				     const struct kt_declaration *decl);
/* struct -o: a struct's or union's members after their offsets (or, address non-NULL, their
 * addresses in the object there), as crash prints them; member non-NULL: that member alone.
 * JSON: kt_declaration_render()'s document. */
KT_PUBLIC void kt_offsets_render(FILE *out, enum kt_format format,
				 const struct kt_declaration *decl, const char *member,
				 const uint64_t *address);
/* member-at: the members kt_members_at() found covering offset of type. */
KT_PUBLIC void kt_members_at_render(FILE *out, enum kt_format format, const char *type,
				    uint64_t offset, const struct kt_member_at *members, size_t n);
KT_PUBLIC void kt_call_site_render(FILE *out, enum kt_format format,
				    const struct kt_call_site *cs);
KT_PUBLIC void kt_task_info_render(FILE *out, enum kt_format format,
				    const struct kt_task_info *info);
/* One task's details in a list (foreach ... task): the text of task, a blank line between tasks;
 * in JSON the members of task's document. */
KT_PUBLIC void kt_task_info_item_render(struct kt_list_writer *w, const struct kt_task_info *info);
KT_PUBLIC void kt_memory_rows_render(FILE *out, enum kt_format format,
				      const struct kt_memory_rows *rows);
KT_PUBLIC void kt_percpu_values_render(FILE *out, enum kt_format format,
				       const struct kt_percpu_values *values);

/* struct, union and p: docs/json.md "Values". */
KT_PUBLIC void kt_value_render(FILE *out, enum kt_format format, const struct kt_value *value);
KT_PUBLIC void kt_expr_result_render(FILE *out, enum kt_format format,
				     const struct kt_expr_result *result);

/* kvm, vmx, svm and findings: docs/json.md "KVM". */
KT_PUBLIC void kt_kvm_state_render(FILE *out, enum kt_format format, const struct kt_kvm_state *state);
KT_PUBLIC void kt_vmx_state_render(FILE *out, enum kt_format format, const struct kt_vmx_state *state);
KT_PUBLIC void kt_svm_state_render(FILE *out, enum kt_format format, const struct kt_svm_state *state);
KT_PUBLIC void kt_findings_render(FILE *out, enum kt_format format, const struct kt_finding *findings,
				  size_t n);
struct kt_report_render_options {
	bool color;                      /* ANSI colours (text only; the CLI sets it on a tty) */
	bool all_frames;                 /* every CPU's whole backtrace, not only its top frames */
};
KT_PUBLIC void kt_report_render(FILE *out, enum kt_format format, const struct kt_report *report,
				const struct kt_report_render_options *opts);

/* sys as strings (kt_sys_info_render() to a string); NULL when out of memory. */
KT_PUBLIC char *kt_sys_info_to_text(const struct kt_sys_info *info);
KT_PUBLIC char *kt_sys_info_to_json(const struct kt_sys_info *info);

/*
 * The results store (docs/store.md): every analysed dump once, keyed by the SHA-256 of its
 * file, with its report's JSON, its findings and the signatures it falls under. One schema on
 * two backends: an SQLite file, or a PostgreSQL database (a "postgresql://" or "postgres://"
 * URL, through libpq) that many triage machines write into at once.
 */
struct kt_store;

/* location: a file path (SQLite, created with its directories) or a PostgreSQL URL. The schema
 * is created if it is not there. */
KT_PUBLIC struct kt_error *kt_store_open(const char *location, struct kt_store **ret);
KT_PUBLIC void kt_store_close(struct kt_store *store);
/* "sqlite" or "postgresql". */
KT_PUBLIC const char *kt_store_backend(const struct kt_store *store);
/* The default store: $XDG_DATA_HOME/ktriage/store.db, else ~/.local/share/ktriage/store.db;
 * a malloc'd string, NULL without a home or memory. */
KT_PUBLIC char *kt_store_default_location(void);

/* A signature with the dumps filed under it. Times are Unix seconds: a dump is "seen" at its
 * crash time, or when it was analysed if the dump has no crash time. */
struct kt_store_signature {
	char *text;
	char *hash;                      /* NULL for a signature without frames */
	uint64_t count;
	int64_t first_seen, last_seen;
	char *known_bug;                 /* the known issue of its latest dump, or NULL */
};

struct kt_store_dump {
	char *sha256;
	char *path;                      /* where it was first analysed */
	uint64_t size;
	char *format;
	char *status;                    /* "ok", "failed", "crashed", "timeout" (docs/store.md) */
	char *error;                     /* why it was not analysed; NULL for ok */
	char *release;
	bool has_crash_time;
	int64_t crash_time;
	char *panic_message;
	char *signature;
	char *signature_hash;
	char *known_bug;
	int64_t analysed_at;
	char *ktriage_version;
};

/* Every signature, the most frequent first. */
KT_PUBLIC struct kt_error *kt_store_signatures(struct kt_store *store,
					       struct kt_store_signature **ret, size_t *n_ret);
KT_PUBLIC void kt_store_signatures_destroy(struct kt_store_signature *rows, size_t n);
/* The dumps of one signature (its text or its hash) or of one kernel release (either may be
 * NULL: both NULL gives every dump), oldest first. */
KT_PUBLIC struct kt_error *kt_store_dumps(struct kt_store *store, const char *signature,
					  const char *release, struct kt_store_dump **ret,
					  size_t *n_ret);
KT_PUBLIC void kt_store_dumps_destroy(struct kt_store_dump *rows, size_t n);

/*
 * Batch triage (docs/fleet.md): every dump found in the paths given (files, and directories
 * walked for files whose first bytes are a kdump, ELF core or flattened dump), each hashed and,
 * unless the store holds its content already, analysed in a worker process of its own, so that
 * a crash, a hang or a time limit in one dump never stops the rest. Results go to the store.
 */
enum kt_batch_status {
	KT_BATCH_ANALYSED,       /* analysed now, stored */
	KT_BATCH_STORED,         /* its content was in the store: not analysed again */
	KT_BATCH_DUPLICATE,      /* the same content as another file of this run */
	KT_BATCH_FAILED,         /* the analysis failed (cannot open, not readable): error says why */
	KT_BATCH_CRASHED,        /* its worker died of a signal */
	KT_BATCH_TIMEOUT,        /* its worker ran past the time limit and was killed */
	KT_BATCH_NOT_A_DUMP,     /* a file given by name that is no dump, or unreadable */
};

struct kt_batch_dump {
	char *path;
	char sha256[65];                 /* "" when not hashed */
	uint64_t size;
	const char *format;              /* "kdump", "ELF", "flattened", or NULL */
	enum kt_batch_status status;
	char *error;                     /* FAILED, CRASHED, TIMEOUT, NOT_A_DUMP: why */
	char *same_as;                   /* DUPLICATE: the file of this run with the same content */
	char *release;
	bool has_crash_time;
	int64_t crash_time;
	char *panic_message;
	char *signature;                 /* NULL when not analysed */
	char *signature_hash;
	bool new_signature;              /* the first dump of its signature in the store */
	uint64_t signature_count;        /* dumps of its signature in the store, after this one */
	struct kt_known_issue *known;    /* the known issue it matches, or NULL */
	double seconds;                  /* the analysis' wall time, 0 if not analysed */
	long max_rss_kb;                 /* the analysing worker's peak resident memory */
};

struct kt_batch_group {
	char *signature;
	char *hash;
	size_t count;                    /* dumps of this run */
	uint64_t stored;                 /* dumps in the store */
	int64_t first_seen, last_seen;   /* in the store (see struct kt_store_signature) */
	char *known_bug;
};

struct kt_batch_summary {
	struct kt_batch_dump *dumps;     /* in the order they finished */
	size_t n_dumps;
	struct kt_batch_group *groups;   /* the most frequent first */
	size_t n_groups;
	size_t n_skipped;                /* files in the directories that are not dumps */
	size_t n_other_shards;           /* dumps left to the other shards */
	size_t n_analysed;               /* dumps analysed now (the rest came from the store) */
	unsigned int jobs;
	double seconds;                  /* the whole run */
	double hash_seconds;             /* CPU time spent hashing files, over every worker */
};

struct kt_batch_options {
	const struct kt_open_options *open;     /* how each worker opens its dump (NULL: defaults) */
	const struct kt_known_issues *known;    /* NULL: none */
	struct kt_store *store;                 /* required */
	unsigned int jobs;                      /* workers at once; 0: the CPU count */
	double timeout;                         /* seconds per analysis; 0: none */
	unsigned int shard, n_shards;           /* this machine takes shard (0..n_shards-1); 0
						   shards: all */
	bool reanalyse;                         /* analyse dumps the store holds already */
	/* Called as each dump finishes (done of total), and to redraw progress. */
	void (*on_dump)(void *arg, const struct kt_batch_dump *dump, size_t done, size_t total);
	void *arg;
};

/* Which shard a dump belongs to: FNV-1a of its path relative to the directory it was found in
 * (or its path as given) modulo n_shards, so that every machine splits the same list alike. */
KT_PUBLIC unsigned int kt_batch_shard_of(const char *relative_path, unsigned int n_shards);
/* The dump format of a file from its first bytes: "kdump", "ELF", "flattened", or NULL (and
 * why in *why, a static string). */
KT_PUBLIC const char *kt_dump_file_format(const char *path, const char **why);

KT_PUBLIC struct kt_error *kt_batch_run(const char *const *paths, size_t n_paths,
					const struct kt_batch_options *opts,
					struct kt_batch_summary **ret);
KT_PUBLIC void kt_batch_summary_destroy(struct kt_batch_summary *summary);
KT_PUBLIC const char *kt_batch_status_name(enum kt_batch_status status);

/* Rendering of batch and store results (lib/report, docs/json.md "batch", "store"). */
/* One line for a dump as it finishes (text only). */
KT_PUBLIC void kt_batch_dump_render(FILE *out, const struct kt_batch_dump *dump);
/* Text: the table of signatures and the totals; JSON: the whole run as one document. */
KT_PUBLIC void kt_batch_summary_render(FILE *out, enum kt_format format,
				       const struct kt_batch_summary *summary);
KT_PUBLIC void kt_store_signatures_render(FILE *out, enum kt_format format,
					  const struct kt_store_signature *rows, size_t n);
KT_PUBLIC void kt_store_dumps_render(FILE *out, enum kt_format format,
				     const struct kt_store_dump *rows, size_t n);

/* kmem -i: the memory summary as crash's, in pages of page_size bytes (mm/show_mem.c,
 * fs/proc/meminfo.c: the kernel's own counters). */
struct kt_kmem_info {
	uint64_t page_size;
	uint64_t total;          /* _totalram_pages (totalram_pages before 5.0) */
	uint64_t free;           /* vm_zone_stat[NR_FREE_PAGES] (vm_stat before 4.8) */
	uint64_t used;           /* total - free */
	uint64_t shared;         /* pages of every node's mem_map not PG_reserved whose _refcount
				  * is above 1 (crash's count, not the kernel's NR_SHMEM) */
	uint64_t pages_walked;   /* struct pages read for shared */
	uint64_t pages_unreadable; /* struct pages that could not be read (left out of shared) */
	uint64_t buffers;        /* nr_blockdev_pages(): the page cache of blockdev_superblock's
				  * inodes */
	uint64_t cached;         /* NR_FILE_PAGES - swap cache - buffers */
	uint64_t slab;           /* NR_SLAB_RECLAIMABLE(_B) + NR_SLAB_UNRECLAIMABLE(_B) */
	bool has_huge;           /* hstates[] exists (CONFIG_HUGETLBFS) */
	uint64_t huge_total, huge_free;  /* hstates' nr_huge_pages, free_huge_pages << order */
	bool has_swap;
	uint64_t swap_total;     /* total_swap_pages */
	uint64_t swap_used;      /* total_swap_pages - nr_swap_pages */
	bool has_commit;         /* sysctl_overcommit_memory exists */
	uint64_t commit_limit;   /* (total - huge_total) * sysctl_overcommit_ratio / 100 (or
				  * sysctl_overcommit_kbytes) + swap_total */
	int64_t committed;       /* vm_committed_as.count (not summed over the CPUs, as crash) */
	int64_t committed_sum;   /* the same with every CPU's pending delta added */
};
KT_PUBLIC struct kt_error *kt_kmem_info_read(struct kt_program *prog, struct kt_kmem_info *ret);
KT_PUBLIC void kt_kmem_info_render(FILE *out, enum kt_format format, const struct kt_kmem_info *info);

/* kmem -s: the slab caches (slab_caches) as crash's kmem -s shows them, SLUB's counters. */
struct kt_slab_cache {
	uint64_t address;        /* struct kmem_cache * */
	char name[64];
	uint64_t object_size;    /* OBJSIZE: object_size */
	uint64_t stride;         /* size: object and metadata */
	uint32_t objects_per_slab; /* oo's objects */
	uint64_t slab_size;      /* SSIZE: PAGE_SIZE << oo's order */
	bool has_counts;         /* the nodes' nr_slabs and total_objects (CONFIG_SLUB_DEBUG) */
	uint64_t total;          /* TOTAL: the nodes' total_objects */
	uint64_t slabs;          /* SLABS: the nodes' nr_slabs */
	uint64_t free;           /* free objects: partial slabs, each CPU's slab, freelist and
				  * partial slabs */
	uint64_t allocated;      /* ALLOCATED: total - free */
	char *error;             /* why the counts are missing or partial, or NULL */
};
/* A slab object's state, from its slab's freelists (SLUB). */
enum kt_slab_object_state {
	KT_SLAB_OBJECT_ALLOCATED,
	KT_SLAB_OBJECT_FREE,     /* on the slab's freelist */
	KT_SLAB_OBJECT_CPU_FREE, /* on a CPU's lockless freelist (kmem_cache_cpu.freelist) */
};
/* kmem ADDR: what a kernel address is, as crash's kmem ADDR says it. */
struct kt_kmem_address {
	uint64_t address;
	const char *symbol;      /* the kernel or module symbol containing it, or NULL */
	uint64_t symbol_offset;
	const char *module;      /* NULL for the kernel */
	bool percpu;             /* inside a CPU's per-CPU area */
	unsigned int percpu_cpu;
	uint64_t percpu_offset;  /* from that CPU's __per_cpu_offset */
	bool vmalloc;            /* inside a vmap_area (vmalloc, module, stack, ioremap) */
	uint64_t vmap_area, vm_struct, vm_start, vm_end;  /* va_start..va_end */
	uint64_t vm_caller;      /* vm_struct->caller: who allocated it */
	const char *vm_caller_symbol;
	uint64_t vm_caller_offset;
	bool slab;               /* inside a slab object */
	uint64_t slab_cache;     /* struct kmem_cache * */
	char cache_name[64];
	uint64_t slab_page;      /* the struct slab (6.x) or head struct page of its slab */
	uint64_t slab_memory;    /* the slab's first byte */
	uint64_t object;         /* the object's first byte */
	uint64_t object_size;    /* kmem_cache.object_size */
	uint64_t object_stride;  /* kmem_cache.size */
	bool object_state_known; /* the slab's freelists were walked (slab_* below are set) */
	int object_state;        /* enum kt_slab_object_state */
	int object_cpu;          /* the CPU whose slab holds it, or -1 */
	int slab_node;
	uint32_t slab_objects, slab_free;
	bool has_cache_counts;   /* cache_counts is the cache's kmem -s line */
	struct kt_slab_cache cache_counts;
	bool has_task;           /* a task's task_struct (a slab object) or kernel stack */
	bool task_stack;         /* the task's stack (else its task_struct) */
	struct kt_task task;
	bool page;               /* the struct page of the memory (direct map, kernel image,
				  * vmalloc pages) */
	uint64_t page_address;   /* struct page * */
	uint64_t phys;           /* the page's physical address */
	uint64_t page_mapping, page_index, page_flags;
	int32_t page_count;      /* _refcount */
	char page_flag_names[256]; /* flags below __NR_PAGEFLAGS by enum pageflags, no PG_ */
	char *notes;             /* what could not be read, or NULL */
};
KT_PUBLIC struct kt_error *kt_kmem_address_read(struct kt_program *prog, uint64_t address,
						struct kt_kmem_address *ret);
KT_PUBLIC void kt_kmem_address_deinit(struct kt_kmem_address *a);
KT_PUBLIC void kt_kmem_addresses_render(FILE *out, enum kt_format format,
				       const struct kt_kmem_address *a, size_t n);

struct kt_slab_caches {
	struct kt_slab_cache *caches;  /* slab_caches' order */
	size_t n;
};
/* name: only that cache (NOT_FOUND if none), or NULL for all. */
KT_PUBLIC struct kt_error *kt_slab_caches_read(struct kt_program *prog, const char *name,
					       struct kt_slab_caches **ret);
KT_PUBLIC void kt_slab_caches_destroy(struct kt_slab_caches *c);
KT_PUBLIC void kt_slab_caches_render(FILE *out, enum kt_format format, const struct kt_slab_caches *c);

/* kmem -S: a cache's slabs that SLUB keeps on lists, each object allocated or free, as crash's
 * kmem -S: each CPU's slab and partial slabs, each node's partial slabs and, where the kernel
 * tracks them (kmem_cache_node.full: CONFIG_SLUB_DEBUG and SLAB_STORE_USER), its full slabs. */
enum kt_slab_where { KT_SLAB_CPU, KT_SLAB_CPU_PARTIAL, KT_SLAB_NODE_PARTIAL, KT_SLAB_NODE_FULL };
struct kt_slab_listed {
	enum kt_slab_where where;
	int owner;               /* the CPU (KT_SLAB_CPU*) or node (KT_SLAB_NODE_*) listing it */
	uint64_t slab;           /* struct slab (5.17+) or struct page */
	uint64_t memory, first_object, stride;
	int node;
	uint32_t total, free;
	uint8_t *states;         /* total entries: enum kt_slab_object_state (NULL if unread) */
	char *error;             /* why it or its freelist could not be read whole */
};
struct kt_slab_cpu_listed {
	unsigned int cpu;
	uint64_t kmem_cache_cpu;
};
struct kt_slab_node_listed {
	int node;
	uint64_t kmem_cache_node;
	bool has_counts;         /* nr_slabs (CONFIG_SLUB_DEBUG) */
	uint64_t slabs, partial; /* nr_slabs, nr_partial */
	uint64_t per_cpu;        /* CPU slabs (not their partial slabs) of this node */
	bool full_tracked;       /* the full list is kept */
	uint64_t unlisted;       /* slabs on no list read here (full, untracked) */
};
struct kt_slab_cache_listing {
	struct kt_slab_cache cache;  /* its kmem -s line */
	struct kt_slab_cpu_listed *cpus;
	size_t n_cpus;
	struct kt_slab_node_listed *nodes;
	size_t n_nodes;
	struct kt_slab_listed *slabs;  /* CPUs in order (slab, then partials), then nodes */
	size_t n_slabs;
	char *limits;            /* what was not listed, or NULL */
};
struct kt_slab_listing {
	struct kt_slab_cache_listing *caches;
	size_t n;
};
/* name: only that cache (NOT_FOUND if none), or NULL for all. */
KT_PUBLIC struct kt_error *kt_slab_listing_read(struct kt_program *prog, const char *name,
						struct kt_slab_listing **ret);
KT_PUBLIC void kt_slab_listing_destroy(struct kt_slab_listing *l);
KT_PUBLIC void kt_slab_listing_render(FILE *out, enum kt_format format,
				      const struct kt_slab_listing *l);

/* kmem -v: the kernel's busy vmalloc areas (vmalloc, modules, stacks, ioremap), as crash's. */
struct kt_vmap_area_row {
	uint64_t vmap_area;      /* struct vmap_area * */
	uint64_t vm_struct;      /* its vm (NULL for vm_map_ram areas) */
	uint64_t start, end;     /* va_start, va_end */
	uint64_t caller;         /* vm->caller, or 0 */
	const char *caller_symbol;
	uint64_t caller_offset;
	const char *caller_module;
	uint64_t nr_pages;       /* vm->nr_pages */
};
struct kt_vmap_areas {
	struct kt_vmap_area_row *rows;  /* by address */
	size_t n;
	const char *source;      /* "vmap_area_list" or "vmap_nodes" (6.9+: each node's busy tree) */
	char *limits;            /* why the walk stopped short, or NULL */
};
KT_PUBLIC struct kt_error *kt_vmap_areas_read(struct kt_program *prog, struct kt_vmap_areas **ret);
KT_PUBLIC void kt_vmap_areas_destroy(struct kt_vmap_areas *v);
KT_PUBLIC void kt_vmap_areas_render(FILE *out, enum kt_format format, const struct kt_vmap_areas *v);

/* kmem -p: struct page entries of the memory map, as crash's kmem -p. */
struct kt_page_row {
	uint64_t page;           /* struct page * */
	uint64_t phys;
	uint64_t mapping, index, flags;
	int32_t count;           /* _refcount */
	bool unreadable;         /* the struct page is not in the dump */
	const char *flag_names;  /* flags below __NR_PAGEFLAGS by enum pageflags, no PG_ (shared) */
};
struct kt_page_list {
	struct kt_page_row *rows;
	size_t n;
	char **names;            /* the distinct flag_names strings */
	size_t n_names;
	char *limits;            /* pages left out (the row limit), or NULL */
};
/* Pages with physical addresses in [start, end); every node's span when start == end == 0. */
KT_PUBLIC struct kt_error *kt_page_list_read(struct kt_program *prog, uint64_t start, uint64_t end,
					     struct kt_page_list **ret);
/* The physical address a kmem -p argument names: a struct page of the memory map, or itself. */
KT_PUBLIC uint64_t kt_page_list_phys(struct kt_program *prog, uint64_t addr);
KT_PUBLIC void kt_page_list_destroy(struct kt_page_list *p);
KT_PUBLIC void kt_page_list_render(FILE *out, enum kt_format format, const struct kt_page_list *p);

/* search: 64-bit values in kernel memory, as crash's search. */
struct kt_search_options {
	uint64_t start, end;     /* [start, end) */
	uint64_t mask;           /* bits ignored in the compare (-m) */
	const uint64_t *values;
	size_t n_values;
	bool tasks;              /* -t: every task's kernel stack instead of start..end */
	enum kt_address_space space;  /* of start..end: kernel virtual, physical (-p), user (-u) */
	uint64_t task;           /* KT_UVADDR: whose user memory (a task_struct address); with start
				  * and end both 0, every VMA of its address space, as crash's -u */
	uint64_t max_bytes;      /* give up after reading this much (0: no limit) */
	volatile const int *interrupted; /* stop when it becomes non-zero (may be NULL) */
};
struct kt_search_hit {
	uint64_t address, value;
	bool has_task;           /* -t: the task whose stack holds it */
	struct kt_task task;
};
struct kt_search_result {
	struct kt_search_hit *hits;
	size_t n_hits;
	uint64_t bytes_read, bytes_unreadable;  /* unreadable: pages not in the dump */
	size_t n_tasks;          /* -t: stacks searched */
	size_t n_vmas;           /* -u without a range: the VMAs searched */
	bool stopped;            /* interrupted, max_bytes reached, or (-u) the VMA walk damaged */
	char *stop_reason;
};
KT_PUBLIC struct kt_error *kt_search_memory(struct kt_program *prog,
					    const struct kt_search_options *opts,
					    struct kt_search_result **ret);
KT_PUBLIC void kt_search_result_destroy(struct kt_search_result *r);
KT_PUBLIC void kt_search_result_render(FILE *out, enum kt_format format,
				       const struct kt_search_result *r);
/*
 * files, mount: a task's root, cwd and open files, and a mount namespace's mounts, as crash's
 * files and mount show them. Paths are built as the kernel's d_path() builds them: up the
 * dentry's d_parent chain to its mount's root, then on from the mountpoint in the parent mount.
 */
struct kt_open_file {
	unsigned int fd;
	uint64_t file;           /* struct file */
	uint64_t dentry;         /* file->f_path.dentry */
	uint64_t vfsmount;       /* file->f_path.mnt */
	uint64_t inode;          /* dentry->d_inode */
	uint32_t mode;           /* inode->i_mode; has_mode false if unreadable */
	bool has_mode;
	char *path;              /* from the global root, or NULL (path_error says why) */
	char *path_error;
};

struct kt_files {
	struct kt_task task;
	uint64_t fs;             /* task->fs (struct fs_struct), 0 for none */
	char *root, *cwd;        /* fs->root, fs->pwd as paths; NULL: none or unreadable */
	uint64_t files_struct;   /* task->files, 0 for none (an exiting task) */
	uint64_t fdt;            /* files->fdt (struct fdtable) */
	unsigned int max_fds;    /* fdt->max_fds: the slots looked at */
	struct kt_open_file *files;  /* the non-NULL fdt->fd[] slots, by fd */
	size_t n_files;
	char *error;             /* why the walk of the descriptors stopped, or NULL */
	enum kt_error_code error_code;
};

/* task: as kt_task_for_each gives it. A damaged descriptor table keeps the files before the
 * damage and names it in error; only a kernel without the types fails the call. */
KT_PUBLIC struct kt_error *kt_files_read(struct kt_program *prog, const struct kt_task *task,
					 struct kt_files **ret);
KT_PUBLIC void kt_files_destroy(struct kt_files *files);
/* crash's files: the task header, ROOT/CWD, then FD FILE DENTRY INODE TYPE PATH rows; JSON
 * {"files": {...}}. */
KT_PUBLIC void kt_files_render(FILE *out, enum kt_format format, const struct kt_files *files);
/* crash's TYPE column for an inode's i_mode: REG, DIR, CHR, BLK, LNK, FIFO, SOCK, UNKN. */
KT_PUBLIC const char *kt_inode_type_name(uint32_t mode);

/* mount: one mount of a namespace (struct mount; 6.8+ keep them in mnt_ns->mounts, an rbtree by
 * mnt_id_unique, before that on the mnt_ns->list list, in the order they were mounted). */
struct kt_mount {
	uint64_t mount;          /* struct mount */
	uint64_t super_block;    /* mnt.mnt_sb */
	char type[64];           /* mnt_sb->s_type->name ("" if unreadable) */
	char *devname;           /* mnt_devname, NULL if unreadable */
	char *dirname;           /* where it is mounted, as d_path(&mnt->mnt, mnt_root) */
	char *dirname_error;     /* why dirname is NULL */
};

struct kt_mounts {
	struct kt_task task;     /* whose namespace: task->nsproxy->mnt_ns */
	uint64_t mnt_ns;         /* struct mnt_namespace */
	bool rbtree;             /* mnt_ns->mounts (6.8+), else mnt_ns->list */
	struct kt_mount *mounts;
	size_t n_mounts;
	char *error;             /* why the walk stopped (the mounts before it are kept), or NULL */
	enum kt_error_code error_code;
};

/* The mounts of task's mount namespace (a task as kt_task_for_each gives it). Cursor entries
 * (no super block: what /proc/PID/mounts readers leave on the list in 5.8-6.7) are skipped. */
KT_PUBLIC struct kt_error *kt_mounts_read(struct kt_program *prog, const struct kt_task *task,
					  struct kt_mounts **ret);
KT_PUBLIC void kt_mounts_destroy(struct kt_mounts *mounts);
/* crash's mount: MOUNT SUPERBLK TYPE DEVNAME DIRNAME; JSON {"mounts": [...]}. */
KT_PUBLIC void kt_mounts_render(FILE *out, enum kt_format format, const struct kt_mounts *mounts);

/* sig: a task's signal state, as crash's sig shows it: the handlers of its thread group
 * (task->sighand->action[], signal N at [N - 1]), what is pending for the task and for the group
 * (struct sigpending: the signal bitmap and the queued struct sigqueue), and what it blocks. */
struct kt_sigaction {
	uint64_t address;        /* the struct k_sigaction */
	uint64_t handler;        /* sa.sa_handler: 0 SIG_DFL, 1 SIG_IGN, -1 SIG_ERR, else user code */
	uint64_t mask;           /* sa.sa_mask.sig[0] */
	uint64_t flags;          /* sa.sa_flags (SA_*) */
};

struct kt_sigqueued {
	int signo;               /* info.si_signo */
	uint64_t info;           /* &sigqueue->info */
};

struct kt_signals {
	struct kt_task task;
	uint64_t signal_struct;  /* task->signal */
	int nr_threads;          /* signal->nr_threads */
	uint64_t sighand;        /* task->sighand */
	struct kt_sigaction *actions;  /* signal i + 1 at [i] (_NSIG of them: the array's length) */
	size_t n_actions;
	bool sigpending;         /* TIF_SIGPENDING in thread_info.flags */
	uint64_t blocked;        /* task->blocked.sig[0] */
	uint64_t private_signal; /* task->pending.signal.sig[0] */
	struct kt_sigqueued *private_queue;  /* task->pending.list */
	size_t n_private;
	uint64_t shared_signal;  /* signal->shared_pending.signal.sig[0] */
	struct kt_sigqueued *shared_queue;   /* signal->shared_pending.list */
	size_t n_shared;
	char *error;             /* what could not be read (what was read before it is kept) */
	enum kt_error_code error_code;
};

KT_PUBLIC struct kt_error *kt_signals_read(struct kt_program *prog, const struct kt_task *task,
					   struct kt_signals **ret);
KT_PUBLIC void kt_signals_destroy(struct kt_signals *signals);
/* crash's sig: SIGNAL_STRUCT, the handler table, SIGPENDING, BLOCKED, PRIVATE_PENDING and
 * SHARED_PENDING; JSON one document. */
KT_PUBLIC void kt_signals_render(FILE *out, enum kt_format format, const struct kt_signals *signals);

/* net: the network devices of init_net (its dev_base_head list, linked by dev_list), as crash's
 * net lists them: the struct net_device, its name and IPv4 addresses (ip_ptr->ifa_list). */
struct kt_net_device {
	uint64_t address;        /* struct net_device */
	char name[32];           /* name (IFNAMSIZ is 16) */
	uint32_t *ipv4;          /* each in_ifaddr's ifa_address, in network byte order */
	size_t n_ipv4;
	char *error;             /* why its addresses could not be read, or NULL */
};

struct kt_net_devices {
	uint64_t net;            /* &init_net */
	struct kt_net_device *devices;
	size_t n_devices;
	char *error;             /* why the walk stopped (the devices before it are kept), or NULL */
	enum kt_error_code error_code;
};

KT_PUBLIC struct kt_error *kt_net_devices_read(struct kt_program *prog, struct kt_net_devices **ret);
KT_PUBLIC void kt_net_devices_destroy(struct kt_net_devices *devices);
/* crash's net: NET_DEVICE NAME IP ADDRESS(ES); JSON {"devices": [...]}. */
KT_PUBLIC void kt_net_devices_render(FILE *out, enum kt_format format,
				     const struct kt_net_devices *devices);

/* waitq: the entries of a wait queue (struct wait_queue_head: head, linked by struct
 * wait_queue_entry.entry, the task in private; or struct swait_queue_head, as in struct
 * completion since 4.19: task_list, linked by struct swait_queue.task_list, the task in task). */
struct kt_waitq_entry {
	uint64_t entry;          /* struct wait_queue_entry or struct swait_queue */
	uint64_t private;        /* the task pointer it holds */
	bool is_task;            /* private is a task the task walk lists */
	struct kt_task task;
};

struct kt_waitq {
	uint64_t head;           /* the queue head */
	bool simple;             /* a struct swait_queue_head */
	struct kt_waitq_entry *entries;
	size_t n_entries;
	char *error;             /* why the walk stopped (the entries before it are kept), or NULL */
	enum kt_error_code error_code;
};

/* head: the queue head as an object (its type says which kind), or an address taken as a
 * struct wait_queue_head when it is not a struct (a pointer or a number). */
KT_PUBLIC struct kt_error *kt_waitq_read(const struct kt_object *head, struct kt_waitq **ret);
KT_PUBLIC void kt_waitq_destroy(struct kt_waitq *waitq);
/* crash's waitq: a task header per waiting task ("is empty" when none); JSON {"entries": [...]}. */
KT_PUBLIC void kt_waitq_render(FILE *out, enum kt_format format, const char *name,
			       const struct kt_waitq *waitq);

/*
 * vm: a task's address space as crash's vm shows it (lib/kernel/vm.c): its mm_struct, page
 * table, resident and total size, then each VMA in address order: from mm->mm_mt (a maple tree,
 * v6.1+) or the mm->mmap list linked by vm_next (before v6.1), chosen by the kernel's types.
 */
struct kt_vma {
	uint64_t vma;            /* struct vm_area_struct */
	uint64_t start, end;     /* vm_start, vm_end */
	uint64_t flags;          /* vm_flags */
	uint64_t file;           /* vm_file (struct file), 0 for anonymous memory */
	char *path;              /* vm_file's path (d_path), NULL for none or unreadable */
	char *path_error;        /* why a file's path is NULL */
};

struct kt_vm {
	struct kt_task task;
	uint64_t mm;             /* task->mm; 0 for a kernel thread (no address space) */
	uint64_t pgd;            /* mm->pgd */
	uint64_t rss;            /* resident pages as crash counts them: MM_FILEPAGES + MM_ANONPAGES
				  * of mm->rss_stat, plus each thread's unsynced task->rss_stat */
	uint64_t total_vm;       /* mm->total_vm, pages */
	uint64_t page_size;
	const char *layout;      /* "maple" (mm->mm_mt) or "list" (mm->mmap); NULL without an mm */
	struct kt_vma *vmas;
	size_t n_vmas;
	char *error;             /* why the walk of the VMAs stopped (those before it kept), or NULL */
	enum kt_error_code error_code;
};

/* task: as kt_task_for_each gives it. A damaged VMA tree or list keeps the VMAs before the
 * damage and names it in error; only a kernel without the types fails the call. */
KT_PUBLIC struct kt_error *kt_vm_read(struct kt_program *prog, const struct kt_task *task,
				      struct kt_vm **ret);
KT_PUBLIC void kt_vm_destroy(struct kt_vm *vm);
/* crash's vm: the task header, MM PGD RSS TOTAL_VM, then VMA START END FLAGS FILE rows; JSON
 * {"mm": ..., "vmas": [...]}. */
KT_PUBLIC void kt_vm_render(FILE *out, enum kt_format format, const struct kt_vm *vm);

/*
 * irq: the interrupt descriptors as crash's irq shows them (lib/kernel/irq.c): each IRQ number's
 * struct irq_desc and the handlers on its desc->action list. The descriptors are found where the
 * kernel keeps them: the radix tree irq_desc_tree (CONFIG_SPARSE_IRQ before 6.5), the maple tree
 * sparse_irqs (6.5+), or the array irq_desc[] (without CONFIG_SPARSE_IRQ).
 */
struct kt_irq_action {
	uint64_t action;         /* struct irqaction */
	char *name;              /* action->name, NULL if unreadable */
	uint64_t handler;        /* action->handler */
	const char *handler_name;  /* its symbol (lives as long as the program), or NULL */
	uint64_t thread_fn;      /* action->thread_fn, 0 for none */
};

struct kt_irq {
	unsigned int irq;
	uint64_t desc;           /* struct irq_desc */
	struct kt_irq_action *actions;  /* desc->action, then each ->next */
	size_t n_actions;
	char *error;             /* why the action list could not be read whole, or NULL */
};

struct kt_irqs {
	unsigned int nr_irqs;    /* the kernel's nr_irqs: the numbers crash lists */
	const char *source;      /* "irq_desc_tree", "sparse_irqs" or "irq_desc" */
	struct kt_irq *irqs;     /* the numbers that have a descriptor, in order */
	size_t n_irqs;
	char *error;             /* why the walk of the descriptors stopped, or NULL */
	enum kt_error_code error_code;
};

/* irq: one number (its descriptor, or none), or all when irq is negative. */
KT_PUBLIC struct kt_error *kt_irqs_read(struct kt_program *prog, long irq, struct kt_irqs **ret);
KT_PUBLIC void kt_irqs_destroy(struct kt_irqs *irqs);
/* crash's irq: IRQ IRQ_DESC/_DATA IRQACTION NAME for every number below nr_irqs (only if one
 * is given: that one), "(unused)" where there is no descriptor or action; JSON {"irqs": [...]}. */
KT_PUBLIC void kt_irqs_render(FILE *out, enum kt_format format, const struct kt_irqs *irqs,
			      long irq);


/*
 * vtop: a virtual address translated to physical as the CPU would, through the kernel's
 * top-level table (init_top_pgt, or a CPU's CR3 for dumps without VMCOREINFO) or a task's
 * mm->pgd, with every level of the walk (lib/kernel/vtop.c).
 */
enum kt_vtop_space {
	KT_VTOP_AUTO,            /* user below the end of the user half, else kernel */
	KT_VTOP_KERNEL,
	KT_VTOP_USER,
};

/* One level: the entry at index of the table at physical address table. */
struct kt_vtop_step {
	const char *level;       /* "PML5E", "PML4E", "PDPTE", "PDE" or "PTE" (static) */
	uint64_t table;          /* physical address of the table */
	unsigned int index;      /* 0..511 */
	uint64_t entry_address;  /* physical: table + index * 8 */
	uint64_t entry;          /* its value; 0 when it could not be read */
	bool read;               /* false: the entry could not be read (error says why) */
};

struct kt_vtop {
	uint64_t address;        /* the virtual address */
	bool user;               /* walked through task's mm->pgd, else the kernel's table */
	uint64_t task;           /* for user: the task_struct */
	uint64_t root;           /* physical address of the top-level table */
	const char *root_source; /* "init_top_pgt", "init_level4_pgt", "cr3" or "mm->pgd" (static) */
	struct kt_vtop_step steps[5];
	size_t n_steps;          /* the levels read; the last is where the walk ended */
	bool mapped;
	uint64_t physical;       /* when mapped */
	uint64_t page_size;      /* 4096, 2 MiB or 1 GiB, when mapped */
	uint64_t flags;          /* the last entry's flag bits (bits 11:0 and 63), when mapped */
	uint64_t page;           /* struct page of the physical address's frame; 0 above max_pfn */
	char *error;             /* not mapped: the level and entry; or why the walk failed */
	enum kt_error_code error_code;  /* KT_ERROR_FAULT when not mapped */
};

/* Fills *ret for address (space: which table; task: for a user address, the task whose mm
 * is walked). A walk that ends at an entry not present, or cannot read one, is a result
 * (ret->error) and not an error; an error is returned only when there is no table to walk (a
 * task without an mm, a kernel without init_top_pgt). kt_vtop_deinit() frees ret->error. */
KT_PUBLIC struct kt_error *kt_vtop_init(struct kt_program *prog, uint64_t address,
					enum kt_vtop_space space, uint64_t task, struct kt_vtop *ret);
KT_PUBLIC void kt_vtop_deinit(struct kt_vtop *vtop);
/* Whether address is below the end of the user half (47 bits, 56 with 5-level paging): the
 * addresses KT_VTOP_AUTO walks through the task's tables. */
KT_PUBLIC bool kt_vtop_user_address(struct kt_program *prog, uint64_t address);
/* The names of flag bits set in entry ("present", "rw", "user", "pwt", "pcd", "accessed",
 * "dirty", "ps" or for a 4 KiB PTE "pat", "global", "nx"), separated by sep, into buf. */
KT_PUBLIC const char *kt_vtop_flags_text(uint64_t entry, bool pte, const char *sep, char *buf,
					 size_t size);
/* vtop for each of n results: VIRTUAL PHYSICAL, the walk (level, table, index, entry), the
 * page size and flags, the struct page; JSON {"translations": [...]}. */
KT_PUBLIC void kt_vtop_render(FILE *out, enum kt_format format, const struct kt_vtop *vtops,
			      size_t n);

#ifdef __cplusplus
}
#endif
#endif /* KTRIAGE_H */
