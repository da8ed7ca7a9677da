// SPDX-License-Identifier: MIT
/*
 * The task walk on hostile memory: a copy of a real ELF dump whose task list is corrupted in
 * place (a loop that does not pass through the head, a NULL link, a poisoned link). Every walk
 * must end with an error that names the problem, and never hang.
 */
#include <fcntl.h>
#include <sys/stat.h>

#include "core/error.h"
#include "kernel/list.h"
#include "program.h"
#include "dump_patch.h"
#include "tap.h"

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

/* Writes next into the list_head at node in the copy, then walks all tasks in the copy. */
static struct kt_error *walk_with_link(const char *copy, off_t at, uint64_t next,
				       unsigned long *tasks)
{
	int fd = open(copy, O_WRONLY);
	bool ok = fd >= 0 && pwrite(fd, &next, 8, at) == 8;
	close(fd);
	if (!ok)
		return kt_error_create(KT_ERROR_OS, "patching %s failed", copy);
	struct kt_program *prog;
	struct kt_error *err = kt_program_open(copy, NULL, &prog);
	if (err)
		return err;
	*tasks = 0;
	err = kt_task_for_each(prog, count_task, tasks);
	kt_program_destroy(prog);
	return err;
}

int main(void)
{
	char *path = tap_lab_file("panic", "vmcore.elf");
	if (!path)
		return tap_done();
	struct kt_program *prog;
	struct kt_error *err = kt_program_open(path, NULL, &prog);
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

	unsigned long n;
	err = walk_with_link(copy, at, c.nodes[3], &n);
	tap_ok(err && kt_error_code(err) == KT_ERROR_BAD_DATA && strstr(kt_error_message(err), "loops"),
	       "a task list looping back to the 4th process is reported as a loop");
	if (err)
		tap_diag("%s", kt_error_message(err));
	kt_error_destroy(err);

	err = walk_with_link(copy, at, 0, &n);
	tap_ok(err && strstr(kt_error_message(err), "NULL next pointer"),
	       "a NULL link in the task list is reported");
	if (err)
		tap_diag("%s", kt_error_message(err));
	kt_error_destroy(err);

	// LIST_POISON1 (include/linux/poison.h): what list_del() leaves behind.
	err = walk_with_link(copy, at, 0xdead000000000100ull, &n);
	uint64_t bad;
	tap_ok(err && kt_error_code(err) == KT_ERROR_FAULT && kt_error_address(err, &bad) &&
		       bad == 0xdead000000000100ull,
	       "a poisoned link faults at the poison address");
	if (err)
		tap_diag("%s", kt_error_message(err));
	kt_error_destroy(err);

	unlink(copy);
	free(path);
	return tap_done();
}
