// SPDX-License-Identifier: MIT
/*
 * The task walk on hostile memory: a copy of a real ELF dump whose task list is corrupted in
 * place (a loop that does not pass through the head, a NULL link, a poisoned link). Every walk
 * must end with an error that names the problem, and never hang: on one thread, and with a
 * second thread reading ahead (which walks the same corrupted list).
 */
#include <fcntl.h>
#include <json-c/json.h>
#include <sys/stat.h>

#include "core/error.h"
#include "kernel/list.h"
#include "program.h"
#include "dump_patch.h"
#include "tap.h"
#include "tap_open.h"

enum { MAX_NODES = 64 };

struct collect {
	uint64_t nodes[MAX_NODES];
	size_t n;
};

static bool collect_node(uint64_t node, void *arg)
{
	struct collect *c = arg;
	c->nodes[c->n++] = node;
	return c->n < MAX_NODES;
}

static bool count_task(const struct kt_task *t, void *arg)
{
	(void)t;
	(*(unsigned long *)arg)++;
	return true;
}

/* Every task's address and pid in walk order, up to a limit (then the walk is stopped). */
struct task_seq {
	uint64_t addr[8192];
	int32_t pid[8192];
	size_t n, limit;
};

static bool record_task(const struct kt_task *t, void *arg)
{
	struct task_seq *seq = arg;
	// Slow on the first tasks, as a visitor that unwinds is: the second thread gets ahead.
	if (seq->n < 10)
		usleep(1000);
	seq->addr[seq->n] = t->address;
	seq->pid[seq->n] = t->pid;
	return ++seq->n < seq->limit;
}

/* Opens path and walks every task as bt --all-tasks does; *shared_hits (may be NULL): the pages
 * the walker found read by the other thread. */
static struct kt_error *walk_tasks(const char *path, enum kt_read_ahead_mode mode, kt_task_fn *fn,
				   void *arg, uint64_t *shared_hits)
{
	struct kt_open_options opts = {.read_ahead = mode};
	struct kt_program *prog;
	struct kt_error *err = tap_program_open(path, &opts, &prog);
	if (err)
		return err;
	struct kt_task_walk_options walk = {.stacks = true};
	err = kt_task_for_each_with(prog, &walk, fn, arg);
	if (shared_hits)
		*shared_hits = prog->reader.shared_hits;
	kt_program_destroy(prog);
	return err;
}

static struct kt_error *walk_sequence(const char *path, enum kt_read_ahead_mode mode, size_t limit,
				      struct task_seq *seq, uint64_t *shared_hits)
{
	seq->n = 0;
	seq->limit = limit < 8192 ? limit : 8192;
	return walk_tasks(path, mode, record_task, seq, shared_hits);
}

/* The pids the guest recorded in its ground truth ("pid", "panic_pid": processes and kernel
 * threads, not thread ids), at most max. */
static size_t recorded_pids(struct json_object *o, int32_t *pids, size_t n, size_t max)
{
	if (json_object_is_type(o, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(o); i++)
			n = recorded_pids(json_object_array_get_idx(o, i), pids, n, max);
	} else if (json_object_is_type(o, json_type_object)) {
		json_object_object_foreach(o, key, val) {
			if ((!strcmp(key, "pid") || !strcmp(key, "panic_pid")) &&
			    json_object_is_type(val, json_type_int) && n < max)
				pids[n++] = json_object_get_int(val);
			else
				n = recorded_pids(val, pids, n, max);
		}
	}
	return n;
}

/* The same tasks in the same order whether a second thread reads ahead or not, and a walk
 * stopped early stops the reading ahead too. */
static void test_read_ahead(const char *scenario, const char *file)
{
	char *path = tap_lab_file(scenario, file);
	if (!path)
		return;
	static struct task_seq one, two;
	uint64_t hits_one, hits_two;
	struct kt_error *e1 = walk_sequence(path, KT_READ_AHEAD_NEVER, SIZE_MAX, &one, &hits_one);
	struct kt_error *e2 = walk_sequence(path, KT_READ_AHEAD_ALWAYS, SIZE_MAX, &two, &hits_two);
	tap_ok(hits_one == 0 && hits_two > 0,
	       "%s %s: the walker found %llu pages read ahead by the second thread (none on one)",
	       scenario, file, (unsigned long long)hits_two);
	// Every task the guest recorded must be among them: a whole list, not a few.
	char *truth = tap_lab_file(scenario, "ground-truth.json");
	struct json_object *gt = truth ? json_object_from_file(truth) : NULL;
	int32_t want[256];
	size_t n_want = gt ? recorded_pids(gt, want, 0, 256) : 0, missing = 0;
	for (size_t i = 0; i < n_want; i++) {
		size_t j = 0;
		while (j < one.n && one.pid[j] != want[i])
			j++;
		missing += j == one.n;
	}
	json_object_put(gt);
	free(truth);
	tap_ok(!e1 && !e2 && n_want && !missing && one.n > n_want && one.n == two.n &&
		       !memcmp(one.addr, two.addr, one.n * sizeof(one.addr[0])) &&
		       !memcmp(one.pid, two.pid, one.n * sizeof(one.pid[0])),
	       "%s %s: %zu tasks (%zu of the %zu pids the guest recorded), the same in the same order "
	       "with and without reading ahead", scenario, file, one.n, n_want - missing, n_want);
	kt_error_destroy(e1);
	kt_error_destroy(e2);
	e2 = walk_sequence(path, KT_READ_AHEAD_ALWAYS, 5, &two, &hits_two);
	tap_ok(!e2 && two.n == 5 && !memcmp(one.addr, two.addr, 5 * sizeof(one.addr[0])),
	       "%s %s: a walk stopped after 5 tasks ends, reading ahead or not", scenario, file);
	kt_error_destroy(e2);
	free(path);
}

/* Writes next into the list_head at node in the copy, then walks all tasks in the copy. */
static struct kt_error *walk_with_link(const char *copy, off_t at, uint64_t next,
				       enum kt_read_ahead_mode mode, unsigned long *tasks)
{
	int fd = open(copy, O_WRONLY);
	bool ok = fd >= 0 && pwrite(fd, &next, 8, at) == 8;
	close(fd);
	if (!ok)
		return kt_error_create(KT_ERROR_OS, "patching %s failed", copy);
	*tasks = 0;
	return walk_tasks(copy, mode, count_task, tasks, NULL);
}

int main(void)
{
	char *path = tap_lab_file("panic", "vmcore.elf");
	if (!path)
		return tap_done();
	struct kt_program *prog;
	struct kt_error *err = tap_program_open(path, NULL, &prog);
	uint64_t init_task, tasks_off;
	struct collect c = {.n = 0};
	if (!err)
		err = kt_program_symbol_address(prog, "init_task", &init_task);
	if (!err)
		err = kt_program_member_offset(prog, "task_struct", "tasks", &tasks_off);
	if (!err)
		err = kt_list_for_each(&prog->reader, init_task + tasks_off, 100000, collect_node, &c);
	unsigned long intact = 0;
	if (!err)
		err = kt_task_for_each(prog, count_task, &intact);
	if (!tap_ok(!err && c.n > 8 && intact > c.n, "the intact dump walks (%zu processes, %lu tasks)",
		    c.n, intact)) {
		if (err)
			tap_diag("%s", kt_error_message(err));
		return tap_done();
	}
	off_t at = 0;
	bool mapped = va_to_file_offset(prog, path, c.nodes[6], &at);
	kt_program_destroy(prog);
	if (!tap_ok(mapped, "the 7th process's tasks.next is in the file"))
		return tap_done();
	char copy[] = "/tmp/ktriage-corrupt-XXXXXX";
	close(mkstemp(copy));
	if (!tap_ok(copy_file(path, copy), "copy the dump"))
		return tap_done();

	static const enum kt_read_ahead_mode modes[] = {KT_READ_AHEAD_NEVER, KT_READ_AHEAD_ALWAYS};
	for (size_t m = 0; m < 2; m++) {
		const char *how = modes[m] == KT_READ_AHEAD_NEVER ? "on one thread" : "reading ahead";
		unsigned long n;
		err = walk_with_link(copy, at, c.nodes[3], modes[m], &n);
		tap_ok(err && kt_error_code(err) == KT_ERROR_LIMIT && strstr(kt_error_message(err), "loops"),
		       "a task list looping back to the 4th process is reported as a loop (%s)", how);
		if (err)
			tap_diag("%s", kt_error_message(err));
		kt_error_destroy(err);

		err = walk_with_link(copy, at, 0, modes[m], &n);
		tap_ok(err && strstr(kt_error_message(err), "NULL next pointer"),
		       "a NULL link in the task list is reported (%s)", how);
		if (err)
			tap_diag("%s", kt_error_message(err));
		kt_error_destroy(err);

		// LIST_POISON1 (include/linux/poison.h): what list_del() leaves behind.
		err = walk_with_link(copy, at, 0xdead000000000100ull, modes[m], &n);
		uint64_t bad;
		tap_ok(err && kt_error_code(err) == KT_ERROR_FAULT && kt_error_address(err, &bad) &&
			       bad == 0xdead000000000100ull,
		       "a poisoned link faults at the poison address (%s)", how);
		if (err)
			tap_diag("%s", kt_error_message(err));
		kt_error_destroy(err);
	}

	unlink(copy);
	free(path);
	test_read_ahead("many-tasks", "vmcore.kdump");
	test_read_ahead("many-tasks", "vmcore.elf");
	test_read_ahead("nmi-stuck", "vmcore.kdump");
	return tap_done();
}
