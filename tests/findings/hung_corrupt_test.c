// SPDX-License-Identifier: MIT
/*
 * The hung-task check on hostile memory: copies of the nmi-stuck dump (a task waiting on
 * ktest_vm_lock, by its ground truth) with the mutex corrupted in turn: its waiter's list_head
 * pointing at itself (a loop that misses the head), its wait list pointing at unmapped memory,
 * its owner word naming no task. Each time the findings must come back (no hang, no crash) with
 * the waiter's hung.mutex finding, and the facts must say what is wrong.
 */
#include <inttypes.h>
#include <stdio.h>

#include "core/error.h"
#include "core/util.h"
#include "program.h"
#include "dump_patch.h"
#include "tap.h"

static struct kt_open_options lab_opts;

struct truth {
	uint64_t lock, owner, waiter;
};

static bool gt_hex(const char *text, const char *after, const char *key, uint64_t *ret)
{
	const char *p = strstr(text, after);
	p = p ? strstr(p, key) : NULL;
	return p && sscanf(p + strlen(key), " : \"%" SCNx64 "\"", ret) == 1;
}

/* ground-truth.json's "mutex": {"addr", ..., "owner", "waiter": {..., "task"}}. */
static bool read_truth(const char *path, struct truth *t)
{
	FILE *f = fopen(path, "r");
	char text[1 << 16];
	size_t n = f ? fread(text, 1, sizeof(text) - 1, f) : 0;
	if (f)
		fclose(f);
	text[n] = '\0';
	return gt_hex(text, "\"mutex\"", "\"addr\"", &t->lock) && gt_hex(text, "\"mutex\"", "\"owner\"", &t->owner) &&
	       gt_hex(text, "\"waiter\"", "\"task\"", &t->waiter);
}

static const char *fact(const struct kt_finding *f, const char *key)
{
	for (size_t i = 0; i < f->n_facts; i++)
		if (!strcmp(f->facts[i].key, key))
			return f->facts[i].value;
	return "";
}

/* Patches 8 bytes at va in a fresh copy of dump, runs the checks, and hands the waiter's
 * hung.mutex finding to check. */
static void run_case(const char *dump, const char *name, uint64_t va, uint64_t value, const struct truth *t,
		     void (*check)(const char *name, const struct kt_finding *f, const struct truth *t))
{
	char copy[] = "/tmp/ktriage-hung-XXXXXX";
	int fd = mkstemp(copy);
	if (fd >= 0)
		close(fd);
	struct kt_program *prog = NULL;
	struct kt_error *err = kt_program_open(dump, &lab_opts, &prog);
	off_t at;
	bool ok = !err && va_to_file_offset(prog, dump, va, &at) && copy_file(dump, copy) && patch_u64(copy, at, value);
	kt_error_destroy(err);
	kt_program_destroy(prog);
	prog = NULL;
	if (!tap_ok(ok, "%s: a copy with 0x%016" PRIx64 " at 0x%" PRIx64, name, value, va)) {
		unlink(copy);
		return;
	}
	struct kt_finding *fs = NULL;
	size_t n = 0;
	err = kt_program_open(copy, &lab_opts, &prog);
	if (!err)
		err = kt_findings_collect(prog, copy, &fs, &n);
	if (tap_ok(!err, "%s: the findings come back", name)) {
		const struct kt_finding *f = NULL;
		for (size_t i = 0; i < n && !f; i++)
			if (!strcmp(fs[i].code, "hung.mutex") && fs[i].task == t->waiter)
				f = &fs[i];
		if (tap_ok(f != NULL, "%s: the waiter's hung.mutex finding is there", name))
			check(name, f, t);
	} else {
		tap_diag("%s", kt_error_message(err));
	}
	kt_error_destroy(err);
	kt_findings_destroy(fs, n);
	kt_program_destroy(prog);
	unlink(copy);
}

static void check_loop(const char *name, const struct kt_finding *f, const struct truth *t)
{
	(void)t;
	tap_ok(strstr(fact(f, "waiter.lock.waiters"), "the walk stopped") != NULL, "%s: the wait list walk says it "
	       "stopped: %s", name, fact(f, "waiter.lock.waiters"));
	tap_ok(strstr(fact(f, "waiter.lock.agree"), "only the frames") != NULL,
	       "%s: the stack no longer leads to the lock, the frames still do: %s", name, fact(f, "waiter.lock.agree"));
}

static void check_unmapped(const char *name, const struct kt_finding *f, const struct truth *t)
{
	tap_ok(strstr(fact(f, "waiter.lock.waiters"), "0 on wait_list") != NULL &&
	       strstr(fact(f, "waiter.lock.waiters"), "NOT on it") != NULL,
	       "%s: no waiter read, the task not on the list: %s", name, fact(f, "waiter.lock.waiters"));
	char want[32];
	kt_textf(want, sizeof(want), "0x%" PRIx64, t->lock);
	tap_ok(strstr(fact(f, "waiter.lock"), want) != NULL, "%s: the lock is still named from the frames: %s", name,
	       fact(f, "waiter.lock"));
}

static void check_owner(const char *name, const struct kt_finding *f, const struct truth *t)
{
	(void)t;
	tap_ok(strstr(fact(f, "waiter.holder"), "is in no task list") != NULL, "%s: the holder is named as no task: %s",
	       name, fact(f, "waiter.holder"));
}

int main(void)
{
	char *vmlinux = tap_lab_file("nmi-stuck", "vmlinux");
	char *dump = tap_lab_file("nmi-stuck", "vmcore.elf");
	char *gt = tap_lab_file("nmi-stuck", "ground-truth.json");
	lab_opts.vmlinux = vmlinux;
	struct truth t;
	struct kt_program *prog = NULL;
	uint64_t wait_list = 0, node = 0;
	if (dump && gt && tap_ok(read_truth(gt, &t), "the ground truth names the mutex, its owner and its waiter")) {
		struct kt_error *err = kt_program_open(dump, &lab_opts, &prog);
		if (!err)
			err = kt_program_member_offset(prog, "mutex", "wait_list", &wait_list);
		if (!err)
			err = kt_read_u64(&prog->reader, t.lock + wait_list, &node);
		if (tap_ok(!err, "the waiter's list node 0x%" PRIx64 " read from mutex.wait_list", node)) {
			run_case(dump, "a waiter linked to itself", node, node, &t, check_loop);
			run_case(dump, "a wait list into unmapped memory", t.lock + wait_list, 0xffffc90000001000ull, &t,
				 check_unmapped);
			run_case(dump, "an owner that is no task", t.lock, 0xffff888000001001ull, &t, check_owner);
		} else {
			tap_diag("%s", kt_error_message(err));
		}
		kt_error_destroy(err);
		kt_program_destroy(prog);
	}
	free(vmlinux);
	free(dump);
	free(gt);
	return tap_done();
}
