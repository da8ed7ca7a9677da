// SPDX-License-Identifier: MIT
/*
 * Kernel object layouts of other eras, found by member and symbol name. No dump of Linux 3.10 or
 * 4.x can be made here, so each era's types are built as BTF (libbpf) with the members at the
 * offsets the real 6.1 dump has them, and put in place of the dump's own types: the walkers then
 * read the real 6.1 memory through the old layout. Where an era's symbols differ, the program's
 * symbol table is a copy of the dump's with those symbols renamed or added, and the memory they
 * name is written into a copy of the dump. Each walker must pick the era's layout, read the same
 * tasks, masks, modules and log records the real layout reads, and name what it looked for when
 * nothing matches.
 *
 * Eras covered: task CPU in thread_info at task->stack and thread_group lists (before v4.9 and
 * v3.14); cpu_possible_mask/cpu_online_mask pointers (before v4.5); module_core/core_size (before
 * v4.5) and mem[] (v6.4+) modules; struct log records (v3.5-v3.10) and struct printk_log
 * (v3.11-v5.9) in log_buf; task_state_array of v3.10 and v4.14+; per-CPU symbols in the kernel
 * image (v6.15+); a dump without kallsyms in VMCOREINFO (before v6.0) and no debug vmlinux.
 */
#include <bpf/btf.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "core/error.h"
#include "core/util.h"
#include "dump/vmcoreinfo.h"
#include "kernel/kernel_ctx.h"
#include "kernel/modules.h"
#include "kernel/percpu.h"
#include "kernel/task_state.h"
#include "kernel/tasks.h"
#include "program.h"
#include "dump_patch.h"
#include "tap.h"

/* The scenario's debug vmlinux: before Linux 6.0 a dump alone has no symbols. */
static struct kt_open_options lab_opts;

/* ---- era types ---- */

struct era {
	struct btf *btf;
	int t_int, t_uint, t_ulong, t_u16, t_u64, t_char, t_comm, t_name, t_list;
};

static void era_init(struct era *e)
{
	e->btf = btf__new_empty();
	e->t_int = btf__add_int(e->btf, "int", 4, BTF_INT_SIGNED);
	e->t_uint = btf__add_int(e->btf, "unsigned int", 4, 0);
	e->t_ulong = btf__add_int(e->btf, "long unsigned int", 8, 0);
	e->t_u16 = btf__add_int(e->btf, "short unsigned int", 2, 0);
	e->t_u64 = btf__add_int(e->btf, "long long unsigned int", 8, 0);
	e->t_char = btf__add_int(e->btf, "char", 1, BTF_INT_SIGNED | BTF_INT_CHAR);
	e->t_comm = btf__add_array(e->btf, e->t_int, e->t_char, 16);
	e->t_name = btf__add_array(e->btf, e->t_int, e->t_char, 56);
	// struct list_head { struct list_head *next, *prev; }
	int fwd = btf__add_fwd(e->btf, "list_head", BTF_FWD_STRUCT);
	int ptr = btf__add_ptr(e->btf, fwd);
	e->t_list = btf__add_struct(e->btf, "list_head", 16);
	btf__add_field(e->btf, "next", ptr, 0, 0);
	btf__add_field(e->btf, "prev", ptr, 64, 0);
}

struct field {
	const char *name;
	int type;
	uint64_t offset;  /* bytes */
};

static int add_struct(struct era *e, const char *name, uint32_t size, const struct field *f,
		      size_t n)
{
	int id = btf__add_struct(e->btf, name, size);
	for (size_t i = 0; i < n; i++)
		btf__add_field(e->btf, f[i].name, f[i].type, (uint32_t)(f[i].offset * 8), 0);
	return id;
}

/* A program on the dump whose types are the era's (taken over). */
static struct kt_program *era_program(const char *path, struct era *e)
{
	struct kt_program *prog;
	struct kt_error *err = kt_program_open(path, &lab_opts, &prog);
	if (err) {
		tap_diag("%s: %s", path, kt_error_message(err));
		kt_error_destroy(err);
		btf__free(e->btf);
		return NULL;
	}
	err = kt_types_from_btf(e->btf, &prog->types);
	kt_error_destroy(err);
	return prog;
}

static uint64_t offset_of(struct kt_program *real, const char *type, const char *member)
{
	uint64_t off = 0;
	struct kt_error *err = kt_program_member_offset(real, type, member, &off);
	if (err)
		tap_diag("%s.%s: %s", type, member, kt_error_message(err));
	kt_error_destroy(err);
	return off;
}

/* ---- symbols of another era: the dump's table with some names changed or added ---- */

struct renamed {
	const char *from, *to;   /* from NULL: add `to` at address */
	uint64_t address;
};

/* Replaces prog's symbol table by a copy with the renames; *keep owns the names (freed after
 * the program). */
static bool era_symbols(struct kt_program *prog, const struct renamed *r, size_t n,
			struct kt_kallsyms **keep)
{
	struct kt_kallsyms *real;
	struct kt_error *err = kt_program_kallsyms(prog, &real);
	if (err) {
		tap_diag("%s", kt_error_message(err));
		kt_error_destroy(err);
		return false;
	}
	struct kt_kallsyms *ks = calloc(1, sizeof(*ks));
	ks->syms = calloc(real->n + n, sizeof(*ks->syms));
	for (size_t i = 0; i < real->n; i++) {
		struct kt_symbol s = real->syms[i];
		bool drop = false;
		for (size_t j = 0; j < n; j++)
			if (r[j].from && !strcmp(s.name, r[j].from))
				s.name = r[j].to, drop = !r[j].to;
		if (!drop)
			ks->syms[ks->n++] = s;
	}
	for (size_t j = 0; j < n; j++)
		if (!r[j].from)
			ks->syms[ks->n++] = (struct kt_symbol){.name = r[j].to, .address = r[j].address,
							       .type = 'D'};
	if ((err = kt_kallsyms_finish(ks))) {
		kt_error_destroy(err);
		return false;
	}
	*keep = real;
	prog->kallsyms = ks;  // the program frees it; the real one (the names) after the program
	return true;
}

/* ---- tasks: thread_info at task->stack, thread_group lists ---- */

struct task_row {
	int32_t pid, ppid;
	char comm[16];
	uint64_t address;
	int cpu;
};
struct task_rows {
	struct task_row rows[512];
	size_t n;
};

static bool collect_task(const struct kt_task *t, void *arg)
{
	struct task_rows *rows = arg;
	if (rows->n < 512) {
		struct task_row *r = &rows->rows[rows->n++];
		r->pid = t->pid;
		r->ppid = t->ppid;
		r->address = t->address;
		r->cpu = t->cpu;
		memcpy(r->comm, t->comm, sizeof(r->comm));
	}
	return true;
}

/* The types a task walk reads, at the offsets of the real dump; era says where the CPU is. */
enum task_era { TASK_PRE_4_9, TASK_NO_CPU };

static bool task_types(struct era *e, struct kt_program *real, enum task_era era)
{
	struct kt_types *types = NULL;
	const char *state = "state";
	kt_error_destroy(kt_program_types(real, &types));
	if (types && kt_types_has_member(types, "task_struct", "__state"))
		state = "__state";
	int t_ti = add_struct(e, "thread_info", 32,
			      (struct field[]){{"flags", e->t_ulong, 0}, {"cpu", e->t_uint, 16}},
			      era == TASK_NO_CPU ? 1 : 2);
	(void)t_ti;
	// signal_struct without thread_head: before v3.14, threads are on the leader's thread_group.
	// A dump whose kernel has dropped thread_group (v6.7+) keeps its own thread lists instead.
	bool group = kt_types_has_member(types, "task_struct", "thread_group");
	if (group)
		add_struct(e, "signal_struct", 64, (struct field[]){{"nr_threads", e->t_int, 4}}, 1);
	else
		add_struct(e, "signal_struct", 64,
			   (struct field[]){{"thread_head", e->t_list,
					     offset_of(real, "signal_struct", "thread_head")}},
			   1);
	const struct field task[] = {
		{"state", e->t_ulong, offset_of(real, "task_struct", state)},
		{"stack", e->t_ulong, offset_of(real, "task_struct", "stack")},
		{"tasks", e->t_list, offset_of(real, "task_struct", "tasks")},
		{"exit_state", e->t_int, offset_of(real, "task_struct", "exit_state")},
		{"pid", e->t_int, offset_of(real, "task_struct", "pid")},
		{"tgid", e->t_int, offset_of(real, "task_struct", "tgid")},
		{"real_parent", e->t_ulong, offset_of(real, "task_struct", "real_parent")},
		{group ? "thread_group" : "thread_node", e->t_list,
		 offset_of(real, "task_struct", group ? "thread_group" : "thread_node")},
		{"comm", e->t_comm, offset_of(real, "task_struct", "comm")},
		{"signal", e->t_ulong, offset_of(real, "task_struct", "signal")},
	};
	uint64_t size = 0;
	kt_error_destroy(kt_program_type_size(real, "task_struct", &size));
	add_struct(e, "task_struct", (uint32_t)size, task, KT_ARRAY_SIZE(task));
	add_struct(e, "rq", 4096,
		   (struct field[]){{"curr", e->t_ulong, offset_of(real, "rq", "curr")},
				    {"idle", e->t_ulong, offset_of(real, "rq", "idle")}},
		   2);
	return group;
}

static void test_tasks(const char *path)
{
	struct kt_program *real;
	struct kt_error *err = kt_program_open(path, &lab_opts, &real);
	if (!tap_ok(!err, "open %s", path))
		return;
	static struct task_rows want, got;
	want.n = got.n = 0;
	err = kt_task_for_each(real, collect_task, &want);
	tap_ok(!err && want.n > 20, "the real layout walks %zu tasks", want.n);
	kt_error_destroy(err);

	// A copy in which one task on CPU 1 has thread_info->cpu = 1 at the bottom of its stack
	// (where the v4.9+ kernel keeps STACK_END_MAGIC and zeros).
	const struct task_row *on1 = NULL;
	for (size_t i = 0; i < want.n && !on1; i++)
		if (want.rows[i].cpu == 1 && want.rows[i].pid > 0)
			on1 = &want.rows[i];
	uint64_t stack = 0;
	off_t at = -1;
	char copy[] = "/tmp/ktriage-era-XXXXXX";
	close(mkstemp(copy));
	bool patched = on1 && !kt_read_u64(&real->reader, on1->address +
					       offset_of(real, "task_struct", "stack"), &stack) &&
		       va_to_file_offset(real, path, stack + 16, &at) && copy_file(path, copy) &&
		       patch_u64(copy, at, 1);
	tap_ok(patched, "copy the dump with thread_info->cpu = 1 under task %d's stack",
	       on1 ? on1->pid : -1);

	struct era e;
	era_init(&e);
	bool group = task_types(&e, real, TASK_PRE_4_9);
	const char *lists = group ? "thread_group lists" : "the dump's own signal->thread_head lists";
	struct kt_program *old = patched ? era_program(copy, &e) : NULL;
	if (old) {
		err = kt_task_for_each(old, collect_task, &got);
		size_t same = 0;
		for (size_t i = 0; i < want.n && i < got.n; i++)
			same += want.rows[i].pid == got.rows[i].pid &&
				want.rows[i].ppid == got.rows[i].ppid &&
				want.rows[i].address == got.rows[i].address &&
				!strcmp(want.rows[i].comm, got.rows[i].comm);
		if (!tap_ok(!err && got.n == want.n && same == want.n,
			    "pre-4.9 layout (%s, no task cpu): the same %zu of %zu tasks in the same "
			    "order", lists, same, want.n) && err)
			tap_diag("%s", kt_error_message(err));
		kt_error_destroy(err);
		struct kt_task t;
		err = kt_task_read_one(old, on1->address, &t);
		tap_ok(!err && t.cpu == 1 && t.pid == on1->pid,
		       "pre-4.9 layout: task %d's CPU (%d) read from thread_info at task->stack",
		       on1->pid, err ? -1 : t.cpu);
		kt_error_destroy(err);
		kt_program_destroy(old);
	}

	era_init(&e);
	task_types(&e, real, TASK_NO_CPU);
	old = era_program(path, &e);
	if (old) {
		struct kt_task t;
		err = kt_task_read_one(old, want.rows[0].address, &t);
		tap_ok(err && strstr(kt_error_message(err), "neither cpu nor thread_info.cpu") &&
			       strstr(kt_error_message(err), "thread_info with cpu at task_struct.stack"),
		       "no member holds a task's CPU: the error names what was looked for");
		if (err)
			tap_diag("%s", kt_error_message(err));
		kt_error_destroy(err);
		kt_program_destroy(old);
	}
	unlink(copy);
	kt_program_destroy(real);
}

/* ---- CPU masks: cpu_possible_mask pointing at cpu_possible_bits (before v4.5) ---- */

static void test_cpu_masks(const char *path)
{
	struct kt_program *real, *old;
	struct kt_error *err = kt_program_open(path, &lab_opts, &real);
	const struct kt_percpu *want = NULL, *got = NULL;
	uint64_t possible = 0, online = 0;
	if (!err && !(err = kt_percpu_get(real, &want)) &&
	    !(err = kt_program_kernel_symbol(real, "__cpu_possible_mask", &possible)))
		err = kt_program_kernel_symbol(real, "__cpu_online_mask", &online);
	if (!tap_ok(!err, "the real masks (%u possible CPUs)", want ? kt_percpu_count(want, false) : 0)) {
		tap_diag("%s", kt_error_message(err));
		kt_error_destroy(err);
		return;
	}
	// The pointers live in the unused tail of each bitmap (nr_cpu_ids is far below NR_CPUS).
	char copy[] = "/tmp/ktriage-era-XXXXXX";
	close(mkstemp(copy));
	off_t at_p, at_o;
	bool patched = va_to_file_offset(real, path, possible + 512, &at_p) &&
		       va_to_file_offset(real, path, online + 512, &at_o) && copy_file(path, copy) &&
		       patch_u64(copy, at_p, possible) && patch_u64(copy, at_o, online);
	tap_ok(patched, "copy the dump with cpu_possible_mask/cpu_online_mask pointers");
	const struct renamed before_4_5[] = {
		{"__cpu_possible_mask", "cpu_possible_bits", 0},
		{"__cpu_online_mask", "cpu_online_bits", 0},
		{NULL, "cpu_possible_mask", possible + 512},
		{NULL, "cpu_online_mask", online + 512},
	};
	struct kt_kallsyms *keep = NULL;
	if (patched && !kt_program_open(copy, &lab_opts, &old)) {
		if (era_symbols(old, before_4_5, KT_ARRAY_SIZE(before_4_5), &keep)) {
			err = kt_percpu_get(old, &got);
			size_t words = (want->nr_cpu_ids + 63) / 64;
			tap_ok(!err && got->nr_cpu_ids == want->nr_cpu_ids &&
				       !memcmp(got->possible, want->possible, words * 8) &&
				       !memcmp(got->online, want->online, words * 8),
			       "before 4.5: the masks through the cpu_*_mask pointers equal the real "
			       "ones (%u online)", got ? kt_percpu_count(got, true) : 0);
			kt_error_destroy(err);
		}
		kt_program_destroy(old);
		kt_kallsyms_destroy(keep);
	}
	const struct renamed neither[] = {{"__cpu_possible_mask", "cpu_possible_bits", 0}};
	if (!kt_program_open(path, &lab_opts, &old)) {
		if (era_symbols(old, neither, 1, &keep)) {
			err = kt_percpu_get(old, &got);
			tap_ok(err && strstr(kt_error_message(err), "__cpu_possible_mask") &&
				       strstr(kt_error_message(err), "pointer cpu_possible_mask"),
			       "no mask symbol: the error names both it looked for");
			if (err)
				tap_diag("%s", kt_error_message(err));
			kt_error_destroy(err);
		}
		kt_program_destroy(old);
		kt_kallsyms_destroy(keep);
	}
	unlink(copy);
	kt_program_destroy(real);
}

/* ---- modules: module_core/core_size (before v4.5) and mem[] (v6.4+) ---- */

enum module_era { MODULE_CORE, MODULE_MEM, MODULE_UNKNOWN };

/* Where the real dump keeps a module's code and init code, and mem[]'s stride and kinds. */
struct module_real {
	uint64_t text, init;          /* offsets of {base, size} of the code and the init code */
	uint64_t stride;              /* sizeof(struct module_memory), or init - text */
	int64_t text_kind, init_kind; /* their indices in mem[] */
};

static void module_real(struct kt_program *real, struct module_real *m)
{
	struct kt_types *types = NULL;
	kt_error_destroy(kt_program_types(real, &types));
	if (types && kt_types_has_member(types, "module", "mem")) {
		const struct btf *btf = kt_types_btf(types);
		int id = btf__find_by_name_kind(btf, "mod_mem_type", BTF_KIND_ENUM);
		const struct btf_type *t = id > 0 ? btf__type_by_id(btf, (uint32_t)id) : NULL;
		for (uint16_t i = 0; t && i < btf_vlen(t); i++) {
			const char *name = btf__name_by_offset(btf, btf_enum(t)[i].name_off);
			if (!strcmp(name, "MOD_TEXT"))
				m->text_kind = btf_enum(t)[i].val;
			if (!strcmp(name, "MOD_INIT_TEXT"))
				m->init_kind = btf_enum(t)[i].val;
		}
		uint64_t mem = offset_of(real, "module", "mem");
		kt_error_destroy(kt_program_type_size(real, "module_memory", &m->stride));
		m->text = mem + (uint64_t)m->text_kind * m->stride;
		m->init = mem + (uint64_t)m->init_kind * m->stride;
		return;
	}
	m->text = offset_of(real, "module", "core_layout");
	m->init = offset_of(real, "module", "init_layout");
	m->stride = m->init - m->text;
	m->text_kind = 0;
	m->init_kind = 1;
}

static void module_types(struct era *e, struct kt_program *real, enum module_era era)
{
	struct module_real r = {0};
	module_real(real, &r);
	uint64_t core = r.text, init = r.init;
	int t_kallsyms = add_struct(e, "mod_kallsyms", 24,
				    (struct field[]){
					    {"symtab", e->t_ulong, offset_of(real, "mod_kallsyms", "symtab")},
					    {"num_symtab", e->t_uint, offset_of(real, "mod_kallsyms", "num_symtab")},
					    {"strtab", e->t_ulong, offset_of(real, "mod_kallsyms", "strtab")},
				    },
				    3);
	int t_kallsyms_ptr = btf__add_ptr(e->btf, t_kallsyms);
	add_struct(e, "elf64_sym", 24, NULL, 0);
	struct field f[12] = {
		{"state", e->t_int, offset_of(real, "module", "state")},
		{"list", e->t_list, offset_of(real, "module", "list")},
		{"name", e->t_name, offset_of(real, "module", "name")},
		{"kallsyms", t_kallsyms_ptr, offset_of(real, "module", "kallsyms")},
		{"percpu", e->t_ulong, offset_of(real, "module", "percpu")},
		{"percpu_size", e->t_uint, offset_of(real, "module", "percpu_size")},
	};
	size_t n = 6;
	// The symbols stay behind the kallsyms pointer (v4.6+) in every era here: only where the
	// module's memory is changes.
	if (era == MODULE_CORE) {
		f[n++] = (struct field){"module_core", e->t_ulong, core};
		f[n++] = (struct field){"core_size", e->t_uint, core + 8};
		f[n++] = (struct field){"module_init", e->t_ulong, init};
		f[n++] = (struct field){"init_size", e->t_uint, init + 8};
	} else if (era == MODULE_MEM) {
		// struct module_memory { void *base; unsigned int size; ... } with the real stride:
		// mem[] lies on the real dump's code and init code (core_layout and init_layout
		// before v6.4), and enum mod_mem_type names their indices.
		int64_t first = r.text_kind < r.init_kind ? r.text_kind : r.init_kind;
		int64_t last = r.text_kind < r.init_kind ? r.init_kind : r.text_kind;
		int t_mem = add_struct(e, "module_memory", (uint32_t)r.stride,
				       (struct field[]){{"base", e->t_ulong, 0}, {"size", e->t_uint, 8}}, 2);
		int t_arr = btf__add_array(e->btf, e->t_int, t_mem, (uint32_t)(last - first + 1));
		f[n++] = (struct field){"mem", t_arr, (r.text_kind < r.init_kind ? core : init)};
		btf__add_enum(e->btf, "mod_mem_type", 4);
		btf__add_enum_value(e->btf, "MOD_TEXT", r.text_kind - first);
		btf__add_enum_value(e->btf, "MOD_INIT_TEXT", r.init_kind - first);
	}
	add_struct(e, "module", 1024, f, n);
}

static void test_modules(const char *path)
{
	struct kt_program *real, *old;
	const struct kt_module_info *want, *got;
	size_t n_want = 0, n_got = 0;
	struct kt_error *err = kt_program_open(path, &lab_opts, &real);
	if (!err)
		err = kt_module_list(real, &want, &n_want);
	if (!tap_ok(!err && n_want > 0, "the real layout lists %zu modules", n_want)) {
		tap_diag("%s", err ? kt_error_message(err) : "no modules");
		kt_error_destroy(err);
		return;
	}
	static const char *const names[] = {"module_core/core_size (before v4.5)",
					    "mem[] (v6.4+)"};
	for (enum module_era era = MODULE_CORE; era <= MODULE_MEM; era++) {
		struct era e;
		era_init(&e);
		module_types(&e, real, era);
		if (!(old = era_program(path, &e)))
			continue;
		err = kt_module_list(old, &got, &n_got);
		size_t same = 0;
		for (size_t i = 0; !err && i < n_want && i < n_got; i++)
			same += !strcmp(want[i].name, got[i].name) && want[i].base == got[i].base &&
				want[i].size == got[i].size && want[i].n_symbols == got[i].n_symbols;
		if (!tap_ok(!err && n_got == n_want && same == n_want,
			    "%s: the same %zu of %zu modules (name, base, size, symbols)", names[era], same,
			    n_want) && err)
			tap_diag("%s", kt_error_message(err));
		kt_error_destroy(err);
		// An address in the first module's code names that module.
		const char *sym, *mod;
		uint64_t off;
		err = kt_program_symbolize(old, want[0].base + 16, &sym, &off, &mod);
		tap_ok(!err && mod && !strcmp(mod, want[0].name), "%s: 0x%llx is in %s (%s)", names[era],
		       (unsigned long long)want[0].base + 16, want[0].name, err ? "-" : sym);
		kt_error_destroy(err);
		kt_program_destroy(old);
	}
	struct era e;
	era_init(&e);
	module_types(&e, real, MODULE_UNKNOWN);
	if ((old = era_program(path, &e))) {
		err = kt_module_list(old, &got, &n_got);
		tap_ok(err && strstr(kt_error_message(err), "none of mem") &&
			       strstr(kt_error_message(err), "core_layout") &&
			       strstr(kt_error_message(err), "module_core"),
		       "a struct module with no known layout: the error names what was looked for");
		if (err)
			tap_diag("%s", kt_error_message(err));
		kt_error_destroy(err);
		kt_program_destroy(old);
	}
	kt_program_destroy(real);
}

/* Two regions of one module apart (6.4+: text and rodata are separate allocations): an address
 * between them is no module's, and one in the second is named by that region's symbol. */
static void test_module_regions(void)
{
	struct kt_kallsyms *ks = calloc(1, sizeof(*ks));
	static struct kt_symbol syms[] = {
		{.name = "text_fn", .address = 0xffffffffc0001000ull, .type = 't'},
		{.name = "text_end_fn", .address = 0xffffffffc0001800ull, .type = 't'},
		{.name = "rodata_table", .address = 0xffffffffc0200000ull, .type = 'r'},
	};
	ks->syms = malloc(sizeof(syms));
	memcpy(ks->syms, syms, sizeof(syms));
	ks->n = KT_ARRAY_SIZE(syms);
	struct kt_error *err = kt_kallsyms_finish(ks);
	kt_error_destroy(err);
	struct kt_module m = {.symbols = ks, .n_regions = 2};
	snprintf(m.name, sizeof(m.name), "apart");
	m.regions[0] = (struct kt_module_region){"MOD_TEXT", 0xffffffffc0001000ull, 0x1000};
	m.regions[1] = (struct kt_module_region){"MOD_RODATA", 0xffffffffc0200000ull, 0x1000};
	struct kt_modules mods = {.mods = &m, .n = 1};
	const struct kt_module *mod;
	const struct kt_symbol *sym;
	bool gap = kt_modules_symbolize(&mods, 0xffffffffc0100000ull, &mod, &sym);
	bool ro = kt_modules_symbolize(&mods, 0xffffffffc0200010ull, &mod, &sym) &&
		  !strcmp(sym->name, "rodata_table");
	bool text = kt_modules_symbolize(&mods, 0xffffffffc0001810ull, &mod, &sym) &&
		    !strcmp(sym->name, "text_end_fn");
	tap_ok(!gap && ro && text, "module regions apart: the gap between text and rodata is no "
	       "module's; each region's addresses are named by its own symbols");
	kt_kallsyms_destroy(ks);
}

/* ---- the log: log_buf of struct log (v3.5-v3.10) and struct printk_log (v3.11-v5.9) ---- */

/* The dump's VMCOREINFO note, in an ELF file: its offset and size. */
static bool vmcoreinfo_in_file(const char *path, off_t *at, size_t *len)
{
	int fd = open(path, O_RDONLY);
	static char buf[1 << 20];
	ssize_t n = fd >= 0 ? pread(fd, buf, sizeof(buf), 0) : -1;
	close(fd);
	if (n <= 0)
		return false;
	char *start = memmem(buf, (size_t)n, "OSRELEASE=", 10);
	if (!start)
		return false;
	char *end = start;
	while (end < buf + n && *end)
		end++;
	*at = start - buf;
	*len = (size_t)(end - start);
	return true;
}

struct log_texts {
	char text[4][64];
	size_t n;
};

static bool collect_record(const struct kt_log_record *rec, void *arg)
{
	struct log_texts *t = arg;
	if (t->n < 4)
		snprintf(t->text[t->n++], 64, "%.*s", (int)rec->text_len, rec->text);
	return true;
}

/*
 * A copy of the dump whose VMCOREINFO describes a log_buf of records of type rec_type instead
 * of the printk ring buffer (the same length of text: the printk lines give way to these), and
 * whose memory holds that log_buf, written over the 6.1 kernel's own __log_buf.
 */
static bool make_log_buf_dump(struct kt_program *real, const char *path, const char *copy,
			      const char *rec_type)
{
	off_t at;
	size_t len;
	uint64_t buf;
	struct kt_error *err = kt_program_kernel_symbol(real, "__log_buf", &buf);
	if (err || !vmcoreinfo_in_file(path, &at, &len) || !copy_file(path, copy)) {
		kt_error_destroy(err);
		return false;
	}
	char *info = calloc(1, len + 1);
	int fd = open(copy, O_RDWR);
	bool ok = fd >= 0 && pread(fd, info, len, at) == (ssize_t)len;
	// Drop every line about the ring buffer, keep the rest, add ours, pad with a filler line.
	char out[1 << 14] = "";
	size_t o = 0;
	for (char *line = strtok(info, "\n"); line; line = strtok(NULL, "\n"))
		if (!strstr(line, "prb") && !strstr(line, "printk") && !strstr(line, "log_"))
			o += (size_t)snprintf(out + o, sizeof(out) - o, "%s\n", line);
	o += (size_t)snprintf(out + o, sizeof(out) - o,
			      "SYMBOL(log_buf)=%llx\nSYMBOL(log_buf_len)=%llx\n"
			      "SYMBOL(log_first_idx)=%llx\nSYMBOL(log_next_idx)=%llx\n"
			      "SIZE(%s)=16\nOFFSET(%s.ts_nsec)=0\nOFFSET(%s.len)=8\n"
			      "OFFSET(%s.text_len)=10\n",
			      (unsigned long long)buf, (unsigned long long)buf + 8,
			      (unsigned long long)buf + 16, (unsigned long long)buf + 24, rec_type,
			      rec_type, rec_type, rec_type);
	if (o + 4 > len) {
		close(fd);
		free(info);
		return false;
	}
	memset(out + o, 'x', len - o);  // a filler line no one asks for
	memcpy(out + o, "FILL=", 5);
	out[len - 1] = '\n';
	ok = ok && pwrite(fd, out, len, at) == (ssize_t)len;
	close(fd);
	free(info);
	// log_buf = buf + 64, 4096 bytes; records { u64 ts_nsec; u16 len, text_len, dict_len;
	// u8 facility, flags:5 level:3 } + text, 8-byte aligned.
	static const char *const texts[] = {"Linux version 3.10.0 (era fixture)",
					    "second record", "the last one"};
	uint8_t log[4096] = {0};
	uint32_t idx = 0;
	for (size_t i = 0; i < 3; i++) {
		uint16_t tl = (uint16_t)strlen(texts[i]);
		uint16_t rl = (uint16_t)((16 + tl + 7) & ~7u);
		uint64_t ts = (i + 1) * 1000000000ull;
		memcpy(log + idx, &ts, 8);
		memcpy(log + idx + 8, &rl, 2);
		memcpy(log + idx + 10, &tl, 2);
		log[idx + 15] = 6 << 5;
		memcpy(log + idx + 16, texts[i], tl);
		idx += rl;
	}
	uint64_t words[8] = {buf + 64, 4096, 0, idx};
	off_t mem;
	ok = ok && va_to_file_offset(real, path, buf, &mem);
	fd = open(copy, O_WRONLY);
	ok = ok && fd >= 0 && pwrite(fd, words, sizeof(words), mem) == sizeof(words) &&
	     pwrite(fd, log, sizeof(log), mem + 64) == sizeof(log);
	close(fd);
	return ok;
}

static void test_log(const char *path)
{
	struct kt_program *real, *old;
	struct kt_error *err = kt_program_open(path, &lab_opts, &real);
	if (!tap_ok(!err, "open %s", path))
		return;
	static const char *const types[] = {"log", "printk_log", "record"};
	for (size_t i = 0; i < 3; i++) {
		char copy[] = "/tmp/ktriage-era-XXXXXX";
		close(mkstemp(copy));
		bool made = make_log_buf_dump(real, path, copy, types[i]);
		tap_ok(made, "copy the dump with a log_buf of struct %s", types[i]);
		if (made && !(err = kt_program_open(copy, &lab_opts, &old))) {
			struct log_texts t = {.n = 0};
			err = kt_log_for_each(old, collect_record, &t);
			if (i < 2)
				tap_ok(!err && t.n == 3 && !strcmp(t.text[0], "Linux version 3.10.0 (era fixture)") &&
					       !strcmp(t.text[2], "the last one"),
				       "log_buf of struct %s: %zu records read", types[i], t.n);
			else
				tap_ok(err && strstr(kt_error_message(err), "printk_log") &&
					       strstr(kt_error_message(err), "struct log"),
				       "log_buf of an unknown record type: the error names both it looked for");
			if (err)
				tap_diag("%s", kt_error_message(err));
			kt_error_destroy(err);
			kt_program_destroy(old);
		}
		unlink(copy);
	}
	kt_program_destroy(real);
}

/* ---- task state names from task_state_array ---- */

static void test_task_states(const char *path)
{
	static const char *const v3_10[] = {
		"R (running)", "S (sleeping)", "D (disk sleep)", "T (stopped)", "t (tracing stop)",
		"Z (zombie)", "X (dead)", "x (dead)", "K (wakekill)", "W (waking)", "P (parked)",
	};
	static const char *const v6_1[] = {
		"R (running)", "S (sleeping)", "D (disk sleep)", "T (stopped)", "t (tracing stop)",
		"X (dead)", "Z (zombie)", "P (parked)", "I (idle)",
	};
	struct kt_task_states s;
	bool ok = kt_task_states_parse(&s, v3_10, KT_ARRAY_SIZE(v3_10));
	// v3.10: TASK_KILLABLE = TASK_WAKEKILL (0x80) | TASK_UNINTERRUPTIBLE; TASK_DEAD 0x40 with
	// exit_state EXIT_DEAD 0x20; EXIT_ZOMBIE 0x10; __TASK_STOPPED 4.
	tap_ok(ok && !strcmp(kt_task_states_name(&s, 0x82, 0), "UN") &&
		       !strcmp(kt_task_states_name(&s, 0x40, 0x20), "DE") &&
		       !strcmp(kt_task_states_name(&s, 0, 0x10), "ZO") &&
		       !strcmp(kt_task_states_name(&s, 0x84, 0), "ST") &&
		       !strcmp(kt_task_states_name(&s, 1, 0), "IN") &&
		       !strcmp(kt_task_states_name(&s, 0, 0), "RU"),
	       "v3.10's task_state_array: killable is UN, a dead task DE, zombie ZO, stopped ST");
	ok = kt_task_states_parse(&s, v6_1, KT_ARRAY_SIZE(v6_1));
	// v6.1: TASK_KILLABLE 0x102, TASK_IDLE 0x402, TASK_DEAD 0x80 + EXIT_DEAD 0x10, TASK_PARKED
	// 0x40, TASK_FROZEN 0x8000 (not reported by /proc: running, as fs/proc/array.c says).
	tap_ok(ok && !strcmp(kt_task_states_name(&s, 0x102, 0), "UN") &&
		       !strcmp(kt_task_states_name(&s, 0x402, 0), "ID") &&
		       !strcmp(kt_task_states_name(&s, 0x80, 0x10), "DE") &&
		       !strcmp(kt_task_states_name(&s, 0x40, 0), "PA") &&
		       !strcmp(kt_task_states_name(&s, 0x8000, 0), "RU") &&
		       !strcmp(kt_task_states_name(&s, 0x8, 0), "TR"),
	       "v4.14+ task_state_array: killable UN, idle ID, dead DE, parked PA, frozen as /proc "
	       "shows it");
	static const char *const junk[] = {"hello", "R (running)"};
	tap_ok(!kt_task_states_parse(&s, junk, 2), "strings that are not task_state_array are refused");
	struct kt_program *prog;
	struct kt_error *err = kt_program_open(path, &lab_opts, &prog);
	if (!err)
		err = kt_task_states_read(prog, &s);
	tap_ok(!err && s.from_kernel && s.n == 9 && !memcmp(s.letter, "RSDTtXZPI", 9),
	       "the dump's own task_state_array is read (%u entries)", err ? 0 : s.n);
	kt_error_destroy(err);
	kt_program_destroy(prog);
}

/* ---- per-CPU symbols by __per_cpu_start..__per_cpu_end ---- */

static void test_percpu_range(const char *path)
{
	struct kt_program *prog;
	struct kt_open_options dump_only = {.no_debuginfo = true};
	uint64_t unused;
	struct kt_error *err = kt_program_open(path, &dump_only, &prog);
	struct kt_error *probe = err ? NULL : kt_vmcoreinfo_symbol(prog->dump, "kallsyms_names", &unused);
	bool from_dump = !err && !probe;
	kt_error_destroy(probe);
	if (!err && !from_dump) {  // before 6.0: the symbols of the debug vmlinux
		kt_program_destroy(prog);
		err = kt_program_open(path, &lab_opts, &prog);
	}
	uint64_t rq = 0, jiffies = 0;
	bool p_rq = false, p_jiffies = true;
	if (!err && !(err = kt_program_kernel_symbol(prog, "runqueues", &rq)) &&
	    !(err = kt_program_kernel_symbol(prog, "jiffies", &jiffies)) &&
	    !(err = kt_percpu_symbol(prog, rq, &p_rq)))
		err = kt_percpu_symbol(prog, jiffies, &p_jiffies);
	tap_ok(!err && p_rq && !p_jiffies, "%s: runqueues is per-CPU, jiffies is not",
	       from_dump ? "kallsyms from VMCOREINFO" : "the vmlinux's symbols");
	kt_error_destroy(err);
	kt_program_destroy(prog);
	// v6.15+: the per-CPU section is in the kernel image, no longer at 0.
	struct kt_kallsyms *ks = calloc(1, sizeof(*ks));
	static struct kt_symbol syms[] = {
		{.name = "_text", .address = 0xffffffff81000000ull, .type = 'T'},
		{.name = "__per_cpu_start", .address = 0xffffffff83000000ull, .type = 'D'},
		{.name = "runqueues", .address = 0xffffffff83031c40ull, .type = 'd'},
		{.name = "__per_cpu_end", .address = 0xffffffff83035000ull, .type = 'D'},
		{.name = "jiffies", .address = 0xffffffff83100000ull, .type = 'D'},
	};
	ks->syms = malloc(sizeof(syms));
	memcpy(ks->syms, syms, sizeof(syms));
	ks->n = KT_ARRAY_SIZE(syms);
	kt_error_destroy(kt_kallsyms_finish(ks));
	tap_ok(kt_kallsyms_is_percpu(ks, 0xffffffff83031c40ull) &&
		       !kt_kallsyms_is_percpu(ks, 0xffffffff83100000ull) &&
		       !kt_kallsyms_is_percpu(ks, 0x31c40),
	       "per-CPU section in the kernel image (v6.15+): runqueues is per-CPU, jiffies and a "
	       "small offset are not");
	kt_kallsyms_destroy(ks);
}

/* ---- no kallsyms in VMCOREINFO (before v6.0), no debug vmlinux ---- */

static void test_no_kallsyms(const char *path)
{
	char copy[] = "/tmp/ktriage-era-XXXXXX";
	close(mkstemp(copy));
	off_t at;
	size_t len;
	bool made = vmcoreinfo_in_file(path, &at, &len) && copy_file(path, copy);
	char *info = made ? calloc(1, len + 1) : NULL;
	int fd = made ? open(copy, O_RDWR) : -1;
	size_t hidden = 0;
	if (fd >= 0 && pread(fd, info, len, at) == (ssize_t)len) {
		for (char *p = info; (p = strstr(p, "SYMBOL(kallsyms_")); p++, hidden++)
			p[7] = 'X';  // SYMBOL(Xallsyms_...): a name no reader asks for
		made = pwrite(fd, info, len, at) == (ssize_t)len;
	}
	if (fd >= 0)
		close(fd);
	free(info);
	// A dump of a kernel before 6.0 has none to hide.
	if (!tap_ok(made, "copy the dump without its %zu VMCOREINFO kallsyms lines", hidden))
		return;
	struct kt_open_options opts = {.no_debuginfo = true};
	struct kt_program *prog = NULL;
	struct kt_error *err = kt_program_open(copy, &opts, &prog);
	static struct task_rows rows;
	if (!err)
		err = kt_task_for_each(prog, collect_task, &rows);
	tap_ok(err && strstr(kt_error_message(err), "no kernel symbols") &&
		       strstr(kt_error_message(err), "kallsyms") &&
		       strstr(kt_error_message(err), "debug vmlinux"),
	       "without kallsyms in VMCOREINFO nor a debug vmlinux: the error says what is missing "
	       "and what to give");
	if (err)
		tap_diag("%s", kt_error_message(err));
	kt_error_destroy(err);
	kt_program_destroy(prog);
	unlink(copy);
}

int main(void)
{
	char *vmlinux = tap_lab_file("panic", "vmlinux");
	lab_opts.vmlinux = vmlinux;
	char *panic = tap_lab_file("panic", "vmcore.elf");
	char *kvm = tap_lab_file("kvm-svm", "vmcore.elf");
	if (panic) {
		test_tasks(panic);
		test_cpu_masks(panic);
		test_log(panic);
		test_task_states(panic);
		test_percpu_range(panic);
		test_no_kallsyms(panic);
	}
	if (kvm)
		test_modules(kvm);
	test_module_regions();
	free(panic);
	free(kvm);
	free(vmlinux);
	return tap_done();
}
