// SPDX-License-Identifier: MIT
/*
 * task_member: every task of a kernel crash dump, with one member of its struct task_struct read
 * through the kernel's types.
 *
 *   task_member DUMP [MEMBER [VMLINUX]]
 *
 * MEMBER is a path in struct task_struct: "pid" (the default), "se.on_rq", "thread.sp", "comm".
 * VMLINUX is the dump's debug vmlinux; without it one is searched where distributions put it,
 * and failing that symbols and types come from the dump itself (kallsyms and the kernel's BTF).
 *
 *
 * prints one line per task: its pid and comm as the task walk found them, then the member as
 * libktriage formats it ("prio = 120"). A task whose member cannot be read says why and the walk
 * goes on: memory in a dump can be missing anywhere.
 *
 * Build it against an installed libktriage:
 *
 *   cc -o task_member task_member.c $(pkg-config --cflags --libs ktriage)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ktriage.h>

struct walk {
	struct kt_program *prog;
	const char *member;
	size_t n_tasks;
};

/* Called by kt_task_for_each() for each task; returning false would stop the walk. */
static bool print_task(const struct kt_task *task, void *arg)
{
	struct walk *w = arg;
	struct kt_value_options opts = {0};
	char *text;

	w->n_tasks++;
	// The member, read from the dump at the task's address with the type of its struct.
	struct kt_error *err = kt_value_format(w->prog, "task_struct", w->member, task->address,
					       &opts, &text);
	if (err) {
		// Errors are the caller's to destroy; the message names the address that failed.
		printf("%d\t%s\t<%s>\n", task->pid, task->comm, kt_error_message(err));
		kt_error_destroy(err);
		return true;
	}
	// The text is "  pid = 1\n": one line per member, indented; we asked for one.
	size_t start = strspn(text, " "), len = strcspn(text + start, "\n");
	printf("%d\t%s\t%.*s\n", task->pid, task->comm, (int)len, text + start);
	free(text);
	return true;
}

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 4) {
		fprintf(stderr, "usage: %s DUMP [MEMBER [VMLINUX]]\n", argv[0]);
		return 2;
	}
	// Options left zero are the defaults; a vmlinux named here must be the dump's kernel (its
	// build-id and banner are checked) or the open fails.
	struct kt_open_options opts = {.vmlinux = argc > 3 ? argv[3] : NULL};
	struct kt_program *prog;
	struct kt_error *err = kt_program_open(argv[1], &opts, &prog);
	if (err) {
		fprintf(stderr, "%s: %s\n", argv[1], kt_error_message(err));
		kt_error_destroy(err);
		return 1;
	}

	struct walk w = {.prog = prog, .member = argc > 2 ? argv[2] : "pid"};
	err = kt_task_for_each(prog, print_task, &w);
	int status = 0;
	if (err) {
		// The walk stops at a task list it cannot follow; what it found is printed already.
		fprintf(stderr, "after %zu tasks: %s\n", w.n_tasks, kt_error_message(err));
		kt_error_destroy(err);
		status = 1;
	}
	kt_program_destroy(prog);
	return status;
}
