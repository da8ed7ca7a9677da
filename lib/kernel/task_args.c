// SPDX-License-Identifier: MIT
/*
 * ps -a: a task's command line and environment where execve() left them, at the top of its user
 * stack (mm->arg_start .. arg_end, env_start .. env_end: NUL-separated strings), read through the
 * task's page tables. The kernel reads them the same way for /proc/PID/cmdline and environ.
 */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/strbuf.h"
#include "kernel/object.h"
#include "program.h"

/* /proc/PID/cmdline reads any length; a region bigger than this is not an argument list. The
 * kernel's own bound on execve's strings is a quarter of the stack limit: 2 MiB by default. */
enum { REGION_MAX = 2 << 20, STRINGS_MAX = 1 << 16 };

/* The NUL-separated strings of [start, end) into *strings; *error says why they could not be read
 * (the task's pages are not in the dump, most often). */
static struct kt_error *read_strings(struct kt_program *prog, uint64_t task, uint64_t start,
				     uint64_t end, char ***strings, size_t *n, char **error)
{
	if (end <= start)
		return NULL;  // an empty list (a task before execve, or one that has none)
	if (end - start > REGION_MAX) {
		struct kt_strbuf sb = {0};
		kt_strbuf_printf(&sb, "0x%llx..0x%llx: %llu bytes is not an argument list",
				 (unsigned long long)start, (unsigned long long)end,
				 (unsigned long long)(end - start));
		*error = kt_strbuf_finish(&sb);
		return *error ? NULL : &kt_enomem;
	}
	size_t len = (size_t)(end - start);
	char *buf = malloc(len + 1);
	if (!buf)
		return &kt_enomem;
	struct kt_error *err = kt_task_read_user(prog, task, start, buf, len);
	if (err) {
		free(buf);
		if (kt_error_code(err) != KT_ERROR_FAULT)
			return err;
		*error = strdup(kt_error_message(err));
		kt_error_destroy(err);
		return *error ? NULL : &kt_enomem;
	}
	buf[len] = '\0';
	for (size_t at = 0; at < len && *n < STRINGS_MAX;) {
		size_t l = strlen(buf + at);
		char **grown = realloc(*strings, (*n + 1) * sizeof(**strings));
		if (!grown || !(grown[*n] = strndup(buf + at, l))) {
			if (grown)
				*strings = grown;
			free(buf);
			return &kt_enomem;
		}
		*strings = grown;
		(*n)++;
		at += l + 1;
	}
	free(buf);
	return NULL;
}

void kt_task_args_destroy(struct kt_task_args *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->n_args; i++)
		free(a->args[i]);
	for (size_t i = 0; i < a->n_env; i++)
		free(a->env[i]);
	free(a->args);
	free(a->env);
	free(a->error);
	free(a->args_error);
	free(a->env_error);
	free(a);
}

struct kt_error *kt_task_args_read(struct kt_program *prog, const struct kt_task *task,
				   struct kt_task_args **ret)
{
	struct kt_task_args *a = calloc(1, sizeof(*a));
	if (!a)
		return &kt_enomem;
	a->task = *task;
	struct kt_object t, mm;
	uint64_t mm_addr, arg_start, arg_end, env_start, env_end;
	struct kt_error *err;
	if ((err = kt_object_from_address(prog, "struct task_struct", task->address, &t)) ||
	    (err = kt_object_member(&t, "mm", &mm)) || (err = kt_object_read_unsigned(&mm, &mm_addr))) {
		kt_task_args_destroy(a);
		return kt_error_prefix(err, "task 0x%llx: mm", (unsigned long long)task->address);
	}
	if (!mm_addr) {
		// crash says "no user stack": a kernel thread, or a task that has exited.
		if (!(a->error = strdup("no user address space (task->mm is NULL): no arguments or "
					"environment"))) {
			kt_task_args_destroy(a);
			return &kt_enomem;
		}
		*ret = a;
		return NULL;
	}
	if ((err = kt_object_from_address(prog, "struct mm_struct", mm_addr, &mm)) ||
	    !kt_object_member_u64(&mm, "arg_start", &arg_start) ||
	    !kt_object_member_u64(&mm, "arg_end", &arg_end) ||
	    !kt_object_member_u64(&mm, "env_start", &env_start) ||
	    !kt_object_member_u64(&mm, "env_end", &env_end)) {
		kt_task_args_destroy(a);
		return err ? err : kt_error_create(KT_ERROR_FAULT, "task 0x%llx: mm_struct 0x%llx: "
						   "arg_start..env_end cannot be read",
						   (unsigned long long)task->address,
						   (unsigned long long)mm_addr);
	}
	a->mm = mm_addr;
	a->arg_start = arg_start;
	a->env_start = env_start;
	if ((err = read_strings(prog, task->address, arg_start, arg_end, &a->args, &a->n_args,
				&a->args_error)) ||
	    (err = read_strings(prog, task->address, env_start, env_end, &a->env, &a->n_env,
				&a->env_error))) {
		kt_task_args_destroy(a);
		return err;
	}
	*ret = a;
	return NULL;
}
