// SPDX-License-Identifier: MIT
/*
 * task_member: every task of a kernel crash dump, with one member of its struct task_struct read
 * through a typed object (kt_object_*).
 *
 *   task_member DUMP [MEMBER [VMLINUX]]
 *
 * MEMBER is a path in struct task_struct: "pid" (the default), "se.on_rq", "thread.sp", "comm".
 * VMLINUX is the dump's debug vmlinux; without it one is searched where distributions put it,
 * and failing that symbols and types come from the dump itself (kallsyms and the kernel's BTF).
 *
 * It prints one line per task: its pid and comm as the task walk found them, then the member read
 * as a typed object ("prio = 120", "comm = \"init\""). A task whose member cannot be read says
 * why and the walk goes on: memory in a dump can be missing anywhere.
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

/* The member as C would print it: an integer in decimal, an enum by name, a char array as a
 * string, a pointer in hexadecimal; anything else by its type and size. */
static struct kt_error *print_member(const struct kt_object *member)
{
	char buf[128];
	struct kt_error *err = NULL;
	switch (kt_object_kind(member)) {
	case KT_TYPE_INT:
	case KT_TYPE_BOOL: {
		int64_t v;
		if (!(err = kt_object_read_signed(member, &v)))
			printf("%lld", (long long)v);
		break;
	}
	case KT_TYPE_ENUM:
		if (!(err = kt_object_enumerator(member, buf, sizeof(buf))))
			printf("%s", buf);
		break;
	case KT_TYPE_POINTER: {
		uint64_t v;
		if (!(err = kt_object_read_unsigned(member, &v)))
			printf("0x%llx", (unsigned long long)v);
		break;
	}
	case KT_TYPE_ARRAY:  // char comm[16]; other arrays print their first bytes as text too
		if (!(err = kt_object_read_string(member, buf, sizeof(buf))))
			printf("\"%s\"", buf);
		break;
	default: {
		uint64_t size = 0;
		if (!(err = kt_object_size(member, &size)))
			printf("(%s, %llu bytes)", kt_object_type_name(member, buf, sizeof(buf)),
			       (unsigned long long)size);
		break;
	}
	}
	return err;
}

/* Called by kt_task_for_each() for each task; returning false would stop the walk. */
static bool print_task(const struct kt_task *task, void *arg)
{
	struct walk *w = arg;
	struct kt_object obj, member;

	w->n_tasks++;
	printf("%d\t%s\t", task->pid, task->comm);
	// A typed object: the task's address with the kernel's struct task_struct, then the member
	// path inside it. Objects are plain values on the stack: nothing to free.
	struct kt_error *err = kt_object_from_address(w->prog, "struct task_struct", task->address, &obj);
	if (!err)
		err = kt_object_member(&obj, w->member, &member);
	if (!err) {
		printf("%s = ", w->member);
		err = print_member(&member);
	}
	if (err) {
		// Errors are the caller's to destroy; a failed read names the address.
		printf("<%s>", kt_error_message(err));
		kt_error_destroy(err);
	}
	printf("\n");
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
