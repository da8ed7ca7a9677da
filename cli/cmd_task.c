// SPDX-License-Identifier: MIT
/* task: one task_struct summarised, as crash's `task` header and `ps` fields. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"

static int usage(void)
{
	fprintf(stderr, "usage: task [PID | TASK-ADDRESS | -c CPU]\n"
			"  without an argument: the task current on the CPU that panicked\n");
	return 2;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

static void json_comm(const char *key, const char *comm)
{
	printf("\"%s\": \"", key);
	for (const char *c = comm; *c; c++) {
		unsigned char u = (unsigned char)*c;
		if (u == '"' || u == '\\')
			printf("\\%c", u);
		else if (u < 0x20)
			printf("\\u%04x", u);
		else
			putchar(u);
	}
	putchar('"');
}

static void print_json(const struct kt_task_info *info)
{
	const struct kt_task *t = &info->task;
	printf("{\"pid\": %d, \"tgid\": %d, \"ppid\": %d, \"task\": \"0x%016llx\", ", t->pid, t->tgid,
	       t->ppid, (unsigned long long)t->address);
	json_comm("comm", t->comm);
	printf(", \"state\": \"%s\", \"state_value\": %llu, \"cpu\": %d, \"active\": %s, "
	       "\"idle\": %s,\n \"flags\": \"0x%08x\", \"kthread\": %s, \"stack\": \"0x%016llx\", "
	       "\"sp\": \"0x%016llx\", \"mm\": \"0x%016llx\", \"active_mm\": \"0x%016llx\",\n "
	       "\"parent\": \"0x%016llx\", ",
	       t->state_name, (unsigned long long)t->state, t->cpu, t->active ? "true" : "false",
	       t->idle ? "true" : "false", info->flags, info->kthread ? "true" : "false",
	       (unsigned long long)info->stack, (unsigned long long)info->sp,
	       (unsigned long long)info->mm, (unsigned long long)info->active_mm,
	       (unsigned long long)info->parent);
	json_comm("parent_comm", info->parent_comm);
	printf("}\n");
}

static void print_text(const struct kt_task_info *info)
{
	const struct kt_task *t = &info->task;
	printf("PID: %-7d TASK: %016llx  CPU: %-3d COMMAND: \"%s\"\n", t->pid,
	       (unsigned long long)t->address, t->cpu, t->comm);
	printf("  TGID: %-7d PPID: %-7d PARENT: %016llx \"%s\"\n", t->tgid, t->ppid,
	       (unsigned long long)info->parent, info->parent_comm);
	printf("  STATE: %s (0x%llx)  %s\n", t->state_name, (unsigned long long)t->state,
	       t->active ? "current on its CPU at the time of the dump" : "not running");
	printf("  FLAGS: 0x%08x%s%s\n", info->flags, info->kthread ? "  kernel thread" : "",
	       t->idle ? ", idle task" : "");
	// A running task's thread.sp is from its last switch out, not where it is now.
	printf("  STACK: %016llx  SP: %016llx%s\n", (unsigned long long)info->stack,
	       (unsigned long long)info->sp, t->active ? " (saved at its last switch: stale)" : "");
	printf("  MM: %016llx  ACTIVE_MM: %016llx\n", (unsigned long long)info->mm,
	       (unsigned long long)info->active_mm);
}

int cmd_task(struct cli_context *ctx, int argc, char **argv)
{
	enum kt_task_key key = KT_TASK_PANICKING;
	uint64_t value = 0;
	struct kt_error *err;
	int c;
	optind = 0;  // 0: GNU getopt starts over, permutation state included
	while ((c = getopt(argc, argv, "c:")) != -1) {
		if (c != 'c' || !all_digits(optarg))
			return usage();
		key = KT_TASK_ACTIVE_ON_CPU;
		value = strtoull(optarg, NULL, 10);
	}
	if (argc - optind > 1 || (argc - optind == 1 && key == KT_TASK_ACTIVE_ON_CPU))
		return usage();
	if (argc - optind == 1) {
		const char *arg = argv[optind];
		errno = 0;
		// Digits alone are a pid, as in crash; anything else is a task address or symbol.
		if (all_digits(arg)) {
			key = KT_TASK_BY_PID;
			value = strtoull(arg, NULL, 10);
			if (errno || value > INT32_MAX) {
				fprintf(stderr, "task: pid '%s' is out of range\n", arg);
				return 2;
			}
		} else {
			key = KT_TASK_BY_ADDRESS;
			if ((err = kt_program_parse_address(ctx->prog, arg, &value)))
				return cli_report_error(err);
		}
	}
	struct kt_task_info info;
	if ((err = kt_task_info_find(ctx->prog, key, value, &info)))
		return cli_report_error(err);
	if (ctx->json)
		print_json(&info);
	else
		print_text(&info);
	return 0;
}
