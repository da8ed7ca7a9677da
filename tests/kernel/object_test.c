// SPDX-License-Identifier: MIT
/*
 * Typed objects (kt_object) on the lab's dumps, against drgn (tests/oracle/drgn_object.py) and
 * the task walk behind `ps`: init_task's members, every process on init_task.tasks by
 * container_of, every thread, bitfields of every task, per-CPU runqueue and timer_base fields
 * (a path through an array and an anonymous union), module states (an enum), a hash list, and
 * the failures: a read that faults names its address, a list that loops and one over budget
 * end with KT_ERROR_LIMIT.
 */
#include <json-c/json.h>

#include "core/error.h"
#include "core/util.h"
#include "kernel/object.h"
#include "program.h"
#include "tap.h"

static const char *ORACLE = SOURCE_DIR "/tests/oracle/drgn_object.py";

static json_object *run_oracle(const char *dump, const char *vmlinux)
{
	char *cmd;
	if (asprintf(&cmd, "/usr/bin/python3 %s %s %s", ORACLE, dump, vmlinux) < 0)
		abort();
	FILE *f = popen(cmd, "r");
	free(cmd);
	if (!f)
		return NULL;
	size_t cap = 1 << 20, len = 0, n;
	char *buf = malloc(cap);
	while (buf && (n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (len + 1 == cap && !(buf = realloc(buf, cap *= 2)))
			abort();
	}
	pclose(f);
	if (!buf)
		return NULL;
	buf[len] = '\0';
	json_object *o = json_tokener_parse(buf);
	free(buf);
	return o;
}

static json_object *get(json_object *o, const char *key)
{
	json_object *v = NULL;
	json_object_object_get_ex(o, key, &v);
	return v;
}

static uint64_t get_u64(json_object *o, const char *key)
{
	return json_object_get_uint64(get(o, key));
}

static void diag(struct kt_error *err)
{
	if (err)
		tap_diag("%s", kt_error_message(err));
}

/* Every thread of a process: its signal->thread_head list, entries linked by thread_node. */
struct tasks {
	uint64_t addr[16384];
	int32_t pid[16384];
	size_t n;
	struct kt_error *err;
};

static bool add_thread(const struct kt_object *task, void *arg)
{
	struct tasks *t = arg;
	struct kt_object pid;
	int64_t v = 0;
	if (t->n == KT_ARRAY_SIZE(t->addr) ||
	    (t->err = kt_object_member(task, "pid", &pid)) || (t->err = kt_object_read_signed(&pid, &v)))
		return false;
	t->addr[t->n] = task->address;
	t->pid[t->n++] = (int32_t)v;
	return true;
}

static bool add_process(const struct kt_object *leader, void *arg)
{
	struct tasks *t = arg;
	struct kt_object head;
	if ((t->err = kt_object_member(leader, "signal->thread_head", &head)))
		return false;
	struct kt_error *err = kt_object_list_for_each(&head, "struct task_struct", "thread_node", 0,
						       add_thread, t);
	if (err && !t->err)
		t->err = err;
	else
		kt_error_destroy(err);
	return !t->err;
}

static bool add_pid(const struct kt_object *task, void *arg)
{
	return add_thread(task, arg);
}

static bool ps_task(const struct kt_task *task, void *arg)
{
	struct tasks *t = arg;
	if (!task->idle && t->n < KT_ARRAY_SIZE(t->addr)) {
		t->addr[t->n] = task->address;
		t->pid[t->n++] = task->pid;
	}
	return true;
}

static int by_address(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

static void test_init_task(struct kt_program *prog, json_object *oracle)
{
	json_object *want = get(oracle, "init_task");
	struct kt_object task, comm, pid, ptr, back;
	char buf[32] = "";
	int64_t p = -1;
	struct kt_error *err = kt_object_from_symbol(prog, "init_task", &task);
	if (!err && !(err = kt_object_member(&task, "comm", &comm)))
		err = kt_object_read_string(&comm, buf, sizeof(buf));
	if (!err && !(err = kt_object_member(&task, "pid", &pid)))
		err = kt_object_read_signed(&pid, &p);
	tap_ok(!err && task.address == get_u64(want, "address") &&
		       !strcmp(buf, json_object_get_string(get(want, "comm"))) &&
		       p == json_object_get_int64(get(want, "pid")),
	       "init_task at 0x%llx: comm \"%s\", pid %lld, as drgn reads them",
	       (unsigned long long)task.address, buf, (long long)p);
	diag(err);
	kt_error_destroy(err);
	// init_task is its own real_parent: real_parent[0] is init_task again, and comm's bytes are
	// the string's.
	struct kt_object parent, again;
	char bytes[16] = "";
	err = kt_object_member(&task, "real_parent", &parent);
	if (!err && !(err = kt_object_subscript(&parent, 0, &parent)) &&
	    !(err = kt_object_member(&parent, "real_parent->comm", &again)))
		err = kt_object_read_bytes(&again, bytes, sizeof(bytes));
	tap_ok(!err && parent.address == task.address && again.address == comm.address &&
		       !strncmp(bytes, buf, sizeof(bytes)) && kt_object_kind(&again) == KT_TYPE_ARRAY,
	       "init_task.real_parent[0] is init_task, and real_parent->comm has the bytes of comm");
	diag(err);
	kt_error_destroy(err);

	// init_net is typed by neither BTF nor ktriage's list: by the vmlinux's DWARF.
	struct kt_object net;
	const char *source = "";
	uint64_t inum = 0;
	err = kt_object_symbol(prog, "init_net", NULL, &net, &source);
	if (!err && !(err = kt_object_member(&net, "ns.inum", &net)))
		err = kt_object_read_unsigned(&net, &inum);
	tap_ok(!err && !strcmp(source, "dwarf") && inum == get_u64(oracle, "init_net.ns.inum"),
	       "init_net, typed from %s: ns.inum %llu as drgn reads it", source,
	       (unsigned long long)inum);
	diag(err);
	kt_error_destroy(err);

	uint64_t value = 0;
	err = kt_object_address_of(&task, &ptr);
	if (!err && !(err = kt_object_read_unsigned(&ptr, &value)))
		err = kt_object_deref(&ptr, &back);
	char name[64];
	tap_ok(!err && value == task.address && back.address == task.address &&
		       kt_object_kind(&ptr) == KT_TYPE_POINTER && kt_object_kind(&back) == KT_TYPE_STRUCT &&
		       !strcmp(kt_object_type_name(&ptr, name, sizeof(name)), "struct task_struct *"),
	       "&init_task is a %s of value 0x%llx, and dereferenced gives init_task back", name,
	       (unsigned long long)value);
	diag(err);
	kt_error_destroy(err);
}

/* Processes by container_of on init_task.tasks, threads on each signal->thread_head: the same
 * tasks as the walk behind `ps` and as drgn's for_each_task. */
/* The kernel's own count of its threads (nr_threads, kernel/fork.c: every task but the idle
 * ones, as the task lists hold them): how many tasks a walk must find in this dump. 0 unread. */
static size_t kernel_threads(struct kt_program *prog)
{
	struct kt_object o;
	int64_t n = 0;
	struct kt_error *err = kt_object_from_symbol(prog, "nr_threads", &o);
	if (!err)
		err = kt_object_read_signed(&o, &n);
	diag(err);
	kt_error_destroy(err);
	return n > 0 ? (size_t)n : 0;
}

static void test_task_lists(struct kt_program *prog, json_object *oracle)
{
	static struct tasks procs, threads, ps;
	procs.n = threads.n = ps.n = 0;
	struct kt_object task, head, first;
	struct kt_error *err = kt_object_from_symbol(prog, "init_task", &task);
	if (!err && !(err = kt_object_member(&task, "tasks", &head)))
		err = kt_object_list_for_each(&head, "struct task_struct", "tasks", 0, add_pid, &procs);
	if (!err)
		err = procs.err;
	json_object *want = get(oracle, "processes");
	size_t n = json_object_array_length(want), same = 0;
	for (size_t i = 0; i < n && i < procs.n; i++)
		same += procs.pid[i] == json_object_get_int(json_object_array_get_idx(want, i));
	tap_ok(!err && n > 10 && procs.n == n && same == n,
	       "init_task.tasks: %zu processes by container_of, %zu with drgn's pid in drgn's order",
	       procs.n, same);
	diag(err);
	kt_error_destroy(err);

	struct kt_object next;
	uint64_t pid0 = 0;
	err = kt_object_member(&task, "tasks.next", &next);
	if (!err && !(err = kt_object_container_of(&next, "struct task_struct", "tasks", &first))) {
		struct kt_object pid;
		if (!(err = kt_object_member(&first, "pid", &pid)))
			err = kt_object_read_unsigned(&pid, &pid0);
	}
	tap_ok(!err && procs.n && first.address == procs.addr[0] && (int32_t)pid0 == procs.pid[0],
	       "container_of(init_task.tasks.next, struct task_struct, tasks) is pid %llu",
	       (unsigned long long)pid0);
	diag(err);
	kt_error_destroy(err);

	err = kt_object_list_for_each(&head, "struct task_struct", "tasks", 0, add_process, &threads);
	if (!err)
		err = threads.err;
	if (!err)
		err = kt_task_for_each(prog, ps_task, &ps);
	json_object *all = get(oracle, "tasks");
	size_t nd = json_object_array_length(all);
	uint64_t *drgn = calloc(nd + 1, sizeof(*drgn));
	for (size_t i = 0; i < nd; i++)
		drgn[i] = get_u64(json_object_array_get_idx(all, i), "address");
	qsort(drgn, nd, sizeof(*drgn), by_address);
	qsort(threads.addr, threads.n, sizeof(threads.addr[0]), by_address);
	qsort(ps.addr, ps.n, sizeof(ps.addr[0]), by_address);
	size_t nr_threads = kernel_threads(prog);
	tap_ok(!err && nr_threads > 1 && threads.n == nr_threads && threads.n == ps.n && threads.n == nd &&
		       !memcmp(threads.addr, ps.addr, ps.n * 8) && !memcmp(threads.addr, drgn, nd * 8),
	       "every thread of every process: %zu tasks, as many as nr_threads (%zu), the same as "
	       "ps (%zu) and drgn (%zu)", threads.n, nr_threads, ps.n, nd);
	diag(err);
	kt_error_destroy(err);
	free(drgn);
}

struct found {
	uint64_t addr;
	size_t n;
};

static bool found_entry(const struct kt_object *entry, void *arg)
{
	struct found *f = arg;
	f->addr = entry->address;
	f->n++;
	return true;
}

/* Bitfields of task_struct on every task, and the pid hash list each task is on. */
static void test_bitfields(struct kt_program *prog, json_object *oracle)
{
	json_object *names = get(oracle, "bitfields"), *tasks = get(oracle, "tasks");
	size_t nb = json_object_array_length(names), nt = json_object_array_length(tasks);
	size_t compared = 0, ones = 0, hashed = 0;
	struct kt_error *err = NULL;
	for (size_t i = 0; i < nt && !err; i++) {
		json_object *t = json_object_array_get_idx(tasks, i), *bits = get(t, "bits");
		struct kt_object task, field, head;
		if ((err = kt_object_from_address(prog, "struct task_struct", get_u64(t, "address"),
						  &task)))
			break;
		for (size_t b = 0; b < nb && !err; b++) {
			const char *name = json_object_get_string(json_object_array_get_idx(names, b));
			uint64_t v;
			if ((err = kt_object_member(&task, name, &field)) ||
			    (err = kt_object_read_unsigned(&field, &v)))
				break;
			if (!field.bit_size || v != (uint64_t)json_object_get_int64(json_object_array_get_idx(bits, b))) {
				err = kt_error_create(KT_ERROR_BAD_DATA, "task 0x%llx: %s is %llu (%u bits)",
						      (unsigned long long)task.address, name,
						      (unsigned long long)v, field.bit_size);
				break;
			}
			compared++;
			ones += v != 0;
		}
		// pid->tasks[PIDTYPE_PID] is the hash list of the tasks with that pid: this one.
		struct found f = {0};
		if (err || (err = kt_object_member(&task, "thread_pid->tasks[0]", &head)) ||
		    (err = kt_object_hlist_for_each(&head, "struct task_struct", "pid_links[0]", 8,
						    found_entry, &f)))
			break;
		hashed += f.n == 1 && f.addr == task.address;
	}
	size_t want = kernel_threads(prog);
	tap_ok(!err && want > 1 && nt == want && nb >= 5 && compared == nt * nb && ones > 0,
	       "%zu bitfields (%zu of them set) of %zu tasks (nr_threads: %zu) read as drgn reads them",
	       compared, ones, nt, want);
	diag(err);
	tap_ok(!err && hashed == nt, "%zu of %zu tasks are the one entry of their pid's hash list",
	       hashed, nt);
	kt_error_destroy(err);
}

static bool per_cpu_member(struct kt_program *prog, const char *var, unsigned int cpu,
			   const char *path, uint64_t *ret, struct kt_error **err)
{
	struct kt_object o;
	if ((*err = kt_object_from_symbol(prog, var, &o)) || (*err = kt_object_per_cpu(&o, cpu, &o)) ||
	    (*err = kt_object_member(&o, path, &o)) || (*err = kt_object_read_unsigned(&o, ret)))
		return false;
	return true;
}

static void test_per_cpu(struct kt_program *prog, json_object *oracle)
{
	static const struct { const char *var, *path, *key; } fields[] = {
		{"runqueues", "cpu", "rq.cpu"},
		{"runqueues", "nr_running", "rq.nr_running"},
		{"runqueues", "curr", "rq.curr"},
		{"runqueues", "clock", "rq.clock"},
		{"timer_bases", "[0].cpu", "timer_bases[0].cpu"},
		{"timer_bases", "[1].clk", "timer_bases[1].clk"},
		// qspinlock: locked is in an anonymous struct in an anonymous union
		{"timer_bases", "[1].lock.raw_lock.locked", "timer_bases[1].lock.raw_lock.locked"},
		{"timer_bases", "[1].lock.raw_lock.val.counter", "timer_bases[1].lock.raw_lock.val.counter"},
	};
	json_object *cpus = get(oracle, "cpus");
	size_t n = json_object_array_length(cpus), compared = 0;
	struct kt_error *err = NULL;
	for (size_t i = 0; i < n && !err; i++) {
		json_object *c = json_object_array_get_idx(cpus, i);
		unsigned int cpu = (unsigned int)get_u64(c, "cpu");
		for (size_t f = 0; f < KT_ARRAY_SIZE(fields) && !err; f++) {
			uint64_t v;
			if (!per_cpu_member(prog, fields[f].var, cpu, fields[f].path, &v, &err))
				break;
			if (v != get_u64(c, fields[f].key))
				err = kt_error_create(KT_ERROR_BAD_DATA, "CPU %u: %s is 0x%llx, drgn 0x%llx",
						      cpu, fields[f].key, (unsigned long long)v,
						      (unsigned long long)get_u64(c, fields[f].key));
			else
				compared++;
		}
	}
	tap_ok(!err && n >= 2 && compared == n * KT_ARRAY_SIZE(fields),
	       "%zu per-CPU values of runqueues and timer_bases on %zu CPUs as drgn reads them",
	       compared, n);
	diag(err);
	kt_error_destroy(err);

	struct kt_object o;
	err = kt_object_from_symbol(prog, "runqueues", &o);
	uint64_t v;
	if (!err) {
		err = kt_object_member(&o, "nr_running", &o);
		if (!err)
			err = kt_object_read_unsigned(&o, &v);
	}
	tap_ok(err && kt_error_code(err) == KT_ERROR_INVALID_ARGUMENT && o.percpu,
	       "a per-CPU variable is not read before a CPU is picked");
	diag(err);
	kt_error_destroy(err);
}

/* struct module.state is an enum module_state; system_state an enum system_states. */
static void test_enums(struct kt_program *prog, json_object *oracle)
{
	json_object *mods = get(oracle, "modules");
	size_t n = json_object_array_length(mods), same = 0;
	struct kt_error *err = NULL;
	for (size_t i = 0; i < n && !err; i++) {
		json_object *m = json_object_array_get_idx(mods, i);
		struct kt_object mod, state, name;
		char ename[64] = "", mname[64] = "";
		int64_t v = -1;
		if ((err = kt_object_from_address(prog, "struct module", get_u64(m, "address"), &mod)) ||
		    (err = kt_object_member(&mod, "state", &state)) ||
		    (err = kt_object_read_signed(&state, &v)) ||
		    (err = kt_object_enumerator(&state, ename, sizeof(ename))) ||
		    (err = kt_object_member(&mod, "name", &name)) ||
		    (err = kt_object_read_string(&name, mname, sizeof(mname))))
			break;
		same += kt_object_kind(&state) == KT_TYPE_ENUM &&
			v == json_object_get_int64(get(m, "state")) &&
			!strcmp(ename, json_object_get_string(get(m, "state_name"))) &&
			!strcmp(mname, json_object_get_string(get(m, "name")));
	}
	tap_ok(!err && n > 3 && same == n, "%zu of %zu modules: name and state (enum) as drgn reads them",
	       same, n);
	diag(err);
	kt_error_destroy(err);

	json_object *ss = get(oracle, "system_state");
	struct kt_object o;
	char ename[64] = "";
	uint64_t v = 0;
	err = kt_object_from_symbol(prog, "system_state", &o);
	if (!err && !(err = kt_object_read_unsigned(&o, &v)))
		err = kt_object_enumerator(&o, ename, sizeof(ename));
	tap_ok(!err && v == get_u64(ss, "value") && !strcmp(ename, json_object_get_string(get(ss, "name"))),
	       "system_state is %s (%llu)", ename, (unsigned long long)v);
	diag(err);
	kt_error_destroy(err);
}

static bool count_entry(const struct kt_object *entry, void *arg)
{
	(void)entry;
	(*(size_t *)arg)++;
	return true;
}

static void test_failures(struct kt_program *prog)
{
	// A kernel thread has no mm: mm->pgd reads at NULL + offsetof(struct mm_struct, pgd).
	struct kt_object task, kthread, pgd;
	struct kt_type_ref mm;
	uint64_t off = 0, addr = 0, v;
	struct kt_error *err = kt_object_from_symbol(prog, "init_task", &task);
	if (!err)
		err = kt_object_member(&task, "tasks.next", &kthread);
	if (!err)
		err = kt_object_container_of(&kthread, "struct task_struct", "tasks", &kthread);
	// init_task's first process is init (pid 1); its next is kthreadd (pid 2), with no mm
	if (!err && !(err = kt_object_member(&kthread, "tasks.next", &kthread)))
		err = kt_object_container_of(&kthread, "struct task_struct", "tasks", &kthread);
	if (!err && !(err = kt_object_lookup_type(prog, "struct mm_struct", &mm)))
		err = kt_object_member_offset(prog, mm, "pgd", &off, NULL);
	if (!err && !(err = kt_object_member(&kthread, "mm->pgd", &pgd)))
		err = kt_object_read_unsigned(&pgd, &v);
	else if (!err)
		tap_diag("mm->pgd did not fail");
	bool named = err && kt_error_code(err) == KT_ERROR_FAULT && kt_error_address(err, &addr);
	tap_ok(named && addr == off && off > 0,
	       "kthreadd's mm->pgd faults at 0x%llx (NULL + offsetof(struct mm_struct, pgd))",
	       (unsigned long long)addr);
	diag(err);
	kt_error_destroy(err);

	struct kt_object head;
	size_t n = 0;
	err = kt_object_member(&task, "tasks", &head);
	if (!err)
		err = kt_object_list_for_each(&head, "struct task_struct", "tasks", 5, count_entry, &n);
	tap_ok(err && kt_error_code(err) == KT_ERROR_LIMIT && n == 5 &&
		       strstr(kt_error_message(err), "more than 5"),
	       "a walk of init_task.tasks with a budget of 5 stops after 5 with KT_ERROR_LIMIT");
	diag(err);
	kt_error_destroy(err);

	// A head that is not on the list it points into: init_task.tasks.prev seen as a list_head
	// leads into the task list, which comes back to init_task.tasks and never to it.
	n = 0;
	err = kt_object_member(&task, "tasks.prev", &head);
	if (!err)
		err = kt_object_cast(&head, "struct list_head", &head);
	if (!err)
		err = kt_object_list_for_each(&head, "struct task_struct", "tasks", 0, count_entry, &n);
	tap_ok(err && kt_error_code(err) == KT_ERROR_LIMIT && strstr(kt_error_message(err), "loops") &&
		       n > 10 && n < 1000,
	       "a list that loops without reaching its head ends with KT_ERROR_LIMIT after %zu entries",
	       n);
	diag(err);
	kt_error_destroy(err);

	struct kt_object o;
	err = kt_object_member(&task, "no_such_member", &o);
	tap_ok(err && kt_error_code(err) == KT_ERROR_NOT_FOUND &&
		       strstr(kt_error_message(err), "no_such_member"),
	       "a missing member is NOT_FOUND and named");
	diag(err);
	kt_error_destroy(err);
	err = kt_object_member(&task, "comm[16]", &o);
	tap_ok(err && kt_error_code(err) == KT_ERROR_INVALID_ARGUMENT,
	       "comm[16] is out of range of char[16]");
	kt_error_destroy(err);
}

/* Every test on a dump; modules only where the lab loaded some. */
static void test_dump(const char *scenario, bool modules)
{
	char *dump = tap_lab_file(scenario, "vmcore.elf"), *vmlinux = tap_lab_file(scenario, "vmlinux");
	json_object *oracle = dump && vmlinux ? run_oracle(dump, vmlinux) : NULL;
	struct kt_program *prog = NULL;
	struct kt_error *err = NULL;
	// The library searches no default directories: the debug vmlinux is named.
	struct kt_open_options opts = {.vmlinux = vmlinux};
	if (dump && vmlinux && tap_ok(oracle != NULL, "%s: drgn read the dump", scenario) &&
	    !tap_ok(!(err = kt_program_open(dump, &opts, &prog)), "%s: open %s", scenario, dump))
		diag(err);
	kt_error_destroy(err);
	if (prog) {
		test_init_task(prog, oracle);
		test_task_lists(prog, oracle);
		test_bitfields(prog, oracle);
		test_per_cpu(prog, oracle);
		if (modules)
			test_enums(prog, oracle);
		test_failures(prog);
		kt_program_destroy(prog);
	}
	json_object_put(oracle);
	free(dump);
	free(vmlinux);
}

int main(void)
{
	test_dump("panic", false);
	test_dump("kvm-svm", true);
	return tap_done();
}
