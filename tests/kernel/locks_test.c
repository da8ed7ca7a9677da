// SPDX-License-Identifier: MIT
/*
 * Sleeping locks as data (lib/kernel/locks.c) on the nmi-stuck dump, whose ground truth names a
 * mutex (ktest_vm_lock), its owner and the one task waiting on it. The real 6.1 layout must read
 * the owner with its flag bits masked and the waiter; then the same memory is read through the
 * types of other eras (BTF built here with the members at the offsets the real memory has them,
 * as tests/kernel/layouts_test.c does): a mutex before v4.10 (a task pointer owner, a count), an
 * rw_semaphore with an atomic owner (v5.3+) and with a pointer owner (v4.9-v5.2), a semaphore,
 * and a completion on each of its three wait queues (swait v5.7+, wait_queue_head with `head`
 * v4.13-v5.6, with `task_list` before v4.13). Each must choose its layout by member names and
 * find the same waiter. Last, a copy of the dump whose waiter links to itself: the walk must end
 * with the loop named, not hang.
 */
#include <bpf/btf.h>
#include <inttypes.h>
#include <stdio.h>

#include "core/error.h"
#include "core/util.h"
#include "kernel/locks.h"
#include "program.h"
#include "dump_patch.h"
#include "tap.h"

static struct kt_open_options lab_opts;

/* The ground truth's "mutex" values, read from ground-truth.json by hand (no JSON library). */
struct truth {
	uint64_t lock, owner, waiter;
};

static bool gt_hex(const char *text, const char *after, const char *key, uint64_t *ret)
{
	const char *p = strstr(text, after);
	p = p ? strstr(p, key) : NULL;
	return p && sscanf(p + strlen(key), " : \"%" SCNx64 "\"", ret) == 1;
}

static bool read_truth(const char *path, struct truth *t)
{
	FILE *f = fopen(path, "r");
	char text[1 << 16];
	size_t n = f ? fread(text, 1, sizeof(text) - 1, f) : 0;
	if (f)
		fclose(f);
	text[n] = '\0';
	// "mutex": {"addr": ..., "holder": {...}, "owner": ..., "waiter": {... "task": ...}}
	return gt_hex(text, "\"mutex\"", "\"addr\"", &t->lock) && gt_hex(text, "\"mutex\"", "\"owner\"", &t->owner) &&
	       gt_hex(text, "\"waiter\"", "\"task\"", &t->waiter);
}

/* ---- era types over the real memory ---- */

struct era {
	struct btf *btf;
	int t_int, t_uint, t_long, t_list, t_task_ptr, t_void_ptr, t_atomic, t_atomic_long;
};

static void era_init(struct era *e)
{
	e->btf = btf__new_empty();
	e->t_int = btf__add_int(e->btf, "int", 4, BTF_INT_SIGNED);
	e->t_uint = btf__add_int(e->btf, "unsigned int", 4, 0);
	e->t_long = btf__add_int(e->btf, "long int", 8, BTF_INT_SIGNED);
	int fwd = btf__add_fwd(e->btf, "list_head", BTF_FWD_STRUCT);
	int ptr = btf__add_ptr(e->btf, fwd);
	e->t_list = btf__add_struct(e->btf, "list_head", 16);
	btf__add_field(e->btf, "next", ptr, 0, 0);
	btf__add_field(e->btf, "prev", ptr, 64, 0);
	e->t_task_ptr = btf__add_ptr(e->btf, btf__add_fwd(e->btf, "task_struct", BTF_FWD_STRUCT));
	e->t_void_ptr = btf__add_ptr(e->btf, 0);
	int a = btf__add_struct(e->btf, "", 4);
	btf__add_field(e->btf, "counter", e->t_int, 0, 0);
	e->t_atomic = btf__add_typedef(e->btf, "atomic_t", a);
	int al = btf__add_struct(e->btf, "", 8);
	btf__add_field(e->btf, "counter", e->t_long, 0, 0);
	e->t_atomic_long = btf__add_typedef(e->btf, "atomic_long_t", al);
}

struct field {
	const char *name;
	int type;
	uint64_t offset;
};

static int add_struct(struct era *e, const char *name, uint32_t size, const struct field *f, size_t n)
{
	int id = btf__add_struct(e->btf, name, size);
	for (size_t i = 0; i < n; i++)
		btf__add_field(e->btf, f[i].name, f[i].type, (uint32_t)(f[i].offset * 8), 0);
	return id;
}

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
	kt_error_destroy(kt_types_from_btf(e->btf, &prog->types));
	return prog;
}

/* Where the real 6.1 layout has the members the eras reuse. */
struct real {
	uint64_t owner, wait_list, waiter_list, waiter_task, size;
};

static void era_waiter(struct era *e, const struct real *r, const char *type, const char *link,
		       const char *task, int task_type)
{
	struct field f[] = {{link, e->t_list, r->waiter_list}, {task, task_type, r->waiter_task}};
	add_struct(e, type, 32, f, 2);
}

static bool single_waiter(const struct kt_lock_state *s, const struct truth *t)
{
	return s->n_waiters == 1 && s->waiters[0] == t->waiter && !s->waiters_error[0];
}

static void test_real(const char *path, const struct truth *t, struct real *r)
{
	struct kt_program *prog;
	struct kt_error *err = kt_program_open(path, &lab_opts, &prog);
	if (!tap_ok(!err, "open %s", path)) {
		tap_diag("%s", kt_error_message(err));
		kt_error_destroy(err);
		return;
	}
	struct kt_lock_state s;
	err = kt_lock_read(prog, KT_LOCK_MUTEX, t->lock, &s);
	if (tap_ok(!err, "6.1 mutex at 0x%" PRIx64 " read", t->lock)) {
		tap_ok(!strcmp(s.owner_member, "owner.counter"), "6.1: the owner is an atomic_long_t (%s)", s.owner_member);
		tap_ok(s.owner_task == t->owner, "6.1: owner 0x%" PRIx64 " masked to the ground truth's 0x%" PRIx64,
		       s.owner_raw, t->owner);
		tap_ok(s.owner_flags & 1, "6.1: MUTEX_FLAG_WAITERS is set with a waiter queued (%s)", s.owner_flags_text);
		tap_ok(single_waiter(&s, t), "6.1: the one waiter is the ground truth's (%zu waiters)", s.n_waiters);
		tap_ok(!s.has_count, "6.1: no count member (v4.10+)");
		kt_lock_state_deinit(&s);
	} else {
		tap_diag("%s", kt_error_message(err));
		kt_error_destroy(err);
	}
	struct kt_lock_layout l;
	err = kt_lock_layout_get(prog, KT_LOCK_COMPLETION, &l);
	tap_ok(!err && !strcmp(l.waiter_type, "struct swait_queue") && !strcmp(l.head_path, "wait.task_list"),
	       "6.1: a completion waits on a swait queue");
	kt_error_destroy(err);
	err = kt_lock_layout_get(prog, KT_LOCK_RWSEM, &l);
	tap_ok(!err && !strcmp(l.waiter_type, "struct rwsem_waiter") && l.task_offset == 16,
	       "6.1: rw_semaphore waiters are struct rwsem_waiter");
	kt_error_destroy(err);
	struct kt_type_ref m, mutex, waiter;
	bool ok = !kt_object_lookup_type(prog, "struct mutex", &mutex) &&
		  !kt_object_lookup_type(prog, "struct mutex_waiter", &waiter) &&
		  !kt_object_member_offset(prog, mutex, "owner", &r->owner, &m) &&
		  !kt_object_member_offset(prog, mutex, "wait_list", &r->wait_list, &m) &&
		  !kt_object_member_offset(prog, waiter, "list", &r->waiter_list, &m) &&
		  !kt_object_member_offset(prog, waiter, "task", &r->waiter_task, &m);
	tap_ok(ok, "6.1: the members the era layouts reuse (owner %" PRIu64 ", wait_list %" PRIu64 ", task %" PRIu64 ")",
	       r->owner, r->wait_list, r->waiter_task);
	kt_program_destroy(prog);
}

/* A struct at the real offsets with the era's member names; the count, where an era has one,
 * over the 4 bytes of the real wait_lock (0 when unlocked). */
static void test_eras(const char *path, const struct truth *t, const struct real *r)
{
	uint64_t spare = r->owner + 8;  // wait_lock: unused by the real lock in every era view here
	struct {
		const char *name;
		enum kt_lock_kind kind;
	} cases[] = {
		{"mutex before v4.10 (task pointer owner, atomic_t count)", KT_LOCK_MUTEX},
		{"rw_semaphore v5.3+ (atomic_long_t owner and count)", KT_LOCK_RWSEM},
		{"rw_semaphore v4.9-v5.2 (task pointer owner)", KT_LOCK_RWSEM},
		{"semaphore", KT_LOCK_SEMAPHORE},
		{"completion v5.7+ (swait_queue_head)", KT_LOCK_COMPLETION},
		{"completion v4.13-v5.6 (wait_queue_head.head)", KT_LOCK_COMPLETION},
		{"completion before v4.13 (__wait_queue_head.task_list)", KT_LOCK_COMPLETION},
	};
	for (size_t c = 0; c < KT_ARRAY_SIZE(cases); c++) {
		struct era e;
		era_init(&e);
		int head_type;
		switch (c) {
		case 0: {
			struct field f[] = {{"owner", e.t_task_ptr, r->owner}, {"count", e.t_atomic, spare},
					    {"wait_list", e.t_list, r->wait_list}};
			add_struct(&e, "mutex", 32, f, 3);
			era_waiter(&e, r, "mutex_waiter", "list", "task", e.t_task_ptr);
			break;
		}
		case 1:
		case 2: {
			struct field f[] = {{"owner", c == 1 ? e.t_atomic_long : e.t_task_ptr, r->owner},
					    {"count", e.t_atomic_long, spare}, {"wait_list", e.t_list, r->wait_list}};
			add_struct(&e, "rw_semaphore", 32, f, 3);
			era_waiter(&e, r, "rwsem_waiter", "list", "task", e.t_task_ptr);
			break;
		}
		case 3: {
			struct field f[] = {{"count", e.t_uint, spare}, {"wait_list", e.t_list, r->wait_list}};
			add_struct(&e, "semaphore", 32, f, 2);
			era_waiter(&e, r, "semaphore_waiter", "list", "task", e.t_task_ptr);
			break;
		}
		default: {
			// completion { unsigned int done; wait } with wait's list at the real wait_list.
			static const char *const heads[] = {"swait_queue_head", "wait_queue_head", "__wait_queue_head"};
			static const char *const lists[] = {"task_list", "head", "task_list"};
			static const char *const waiters[] = {"swait_queue", "wait_queue_entry", "__wait_queue"};
			static const char *const links[] = {"task_list", "entry", "task_list"};
			static const char *const tasks[] = {"task", "private", "private"};
			size_t k = c - 4;
			struct field w[] = {{lists[k], e.t_list, 8}};
			head_type = add_struct(&e, heads[k], 24, w, 1);
			if (k == 2)  // wait_queue_head_t before v4.13 is a typedef of struct __wait_queue_head
				head_type = btf__add_typedef(e.btf, "wait_queue_head_t", head_type);
			struct field f[] = {{"done", e.t_uint, spare}, {"wait", head_type, r->wait_list - 8}};
			add_struct(&e, "completion", 32, f, 2);
			era_waiter(&e, r, waiters[k], links[k], tasks[k], k ? e.t_void_ptr : e.t_task_ptr);
			break;
		}
		}
		struct kt_program *prog = era_program(path, &e);
		if (!prog) {
			tap_ok(false, "%s: open", cases[c].name);
			continue;
		}
		struct kt_lock_state s;
		struct kt_error *err = kt_lock_read(prog, cases[c].kind, t->lock, &s);
		if (!tap_ok(!err, "%s: read", cases[c].name)) {
			tap_diag("%s", kt_error_message(err));
			kt_error_destroy(err);
			kt_program_destroy(prog);
			continue;
		}
		tap_ok(single_waiter(&s, t), "%s: the waiter through %s.%s (%zu waiters%s%s)", cases[c].name,
		       s.layout.waiter_type, s.layout.task_member, s.n_waiters, s.waiters_error[0] ? ": " : "",
		       s.waiters_error);
		switch (c) {
		case 0:
			tap_ok(!strcmp(s.owner_member, "owner") && s.owner_task == s.owner_raw && s.has_count &&
			       !strcmp(s.count_member, "count.counter"),
			       "%s: the owner is the pointer itself, no flags masked (%s 0x%" PRIx64 "), count read",
			       cases[c].name, s.owner_member, s.owner_task);
			break;
		case 1:
		case 2:
			tap_ok(!strcmp(s.owner_member, c == 1 ? "owner.counter" : "owner") && s.owner_task == t->owner &&
			       s.reader_owned && strstr(s.owner_flags_text, "RWSEM_READER_OWNED"),
			       "%s: bit 0 of the owner read as RWSEM_READER_OWNED, task 0x%" PRIx64 " (%s; count: %s)",
			       cases[c].name, s.owner_task, s.owner_flags_text, s.count_text);
			break;
		case 3:
			tap_ok(s.has_count && !strcmp(s.count_member, "count") && !s.has_owner,
			       "%s: a count and no owner", cases[c].name);
			break;
		default: {
			static const char *const paths[] = {"wait.task_list", "wait.head", "wait.task_list"};
			tap_ok(!strcmp(s.layout.head_path, paths[c - 4]) && s.has_count && !strcmp(s.count_member, "done"),
			       "%s: its wait list is %s, done read", cases[c].name, s.layout.head_path);
			break;
		}
		}
		kt_lock_state_deinit(&s);
		kt_program_destroy(prog);
	}
}

/* A copy of the dump whose only waiter's next points at itself: a loop that misses the head. */
static void test_loop(const char *path, const struct truth *t, const struct real *r)
{
	char copy[] = "/tmp/ktriage-locks-XXXXXX";
	int fd = mkstemp(copy);
	if (fd >= 0)
		close(fd);
	struct kt_program *prog = NULL;
	struct kt_error *err = kt_program_open(path, &lab_opts, &prog);
	uint64_t node = 0;
	off_t at;
	bool ok = !err && !kt_read_u64(&prog->reader, t->lock + r->wait_list, &node) &&
		  va_to_file_offset(prog, path, node, &at) && copy_file(path, copy) && patch_u64(copy, at, node);
	kt_error_destroy(err);
	kt_program_destroy(prog);
	if (!tap_ok(ok, "a copy of the dump with the waiter's list_head at 0x%" PRIx64 " pointing at itself", node)) {
		unlink(copy);
		return;
	}
	err = kt_program_open(copy, &lab_opts, &prog);
	struct kt_lock_state s;
	if (!err)
		err = kt_lock_read(prog, KT_LOCK_MUTEX, t->lock, &s);
	if (tap_ok(!err, "the looping lock is still read")) {
		tap_ok(s.waiters_error[0] != '\0' && s.n_waiters <= KT_LOCK_WAITERS_MAX,
		       "the walk ends and says why: %s (%zu waiters kept)", s.waiters_error, s.n_waiters);
		tap_ok(s.owner_task == t->owner, "the owner is read all the same");
		kt_lock_state_deinit(&s);
	} else {
		tap_diag("%s", kt_error_message(err));
	}
	kt_error_destroy(err);
	kt_program_destroy(prog);
	unlink(copy);
}

int main(void)
{
	char *vmlinux = tap_lab_file("nmi-stuck", "vmlinux");
	char *dump = tap_lab_file("nmi-stuck", "vmcore.elf");
	char *gt = tap_lab_file("nmi-stuck", "ground-truth.json");
	lab_opts.vmlinux = vmlinux;
	struct truth t = {0};
	if (dump && gt && tap_ok(read_truth(gt, &t), "the ground truth names the mutex, its owner and its waiter")) {
		struct real r = {0};
		test_real(dump, &t, &r);
		test_eras(dump, &t, &r);
		test_loop(dump, &t, &r);
	}
	free(vmlinux);
	free(dump);
	free(gt);
	return tap_done();
}
