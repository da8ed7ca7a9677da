// SPDX-License-Identifier: MIT
/* Tasks (ps) and one task in detail (task), as text like crash's and as JSON (docs/json.md). */
#include "ktriage.h"
#include "report/json.h"
#include "report/render.h"

void kt_task_render(struct kt_list_writer *w, const struct kt_task *t)
{
	FILE *out = w->out;
	if (!kt_list_item(w)) {
		char comm[KT_COMM_TEXT_SIZE];
		fprintf(out, "%c%7d %7d %3d  %016llx  %s  %s\n", t->active ? '>' : ' ', t->pid, t->ppid,
			t->cpu, (unsigned long long)t->address, t->state_name, kt_comm_text(t->comm, comm));
		return;
	}
	fprintf(out, "{\"pid\": %d, \"tgid\": %d, \"ppid\": %d, \"cpu\": %d, \"task\": \"0x%016llx\", "
		"\"state\": \"%s\", \"state_value\": %llu, \"active\": %s, \"idle\": %s, \"comm\": ",
		t->pid, t->tgid, t->ppid, t->cpu, (unsigned long long)t->address, t->state_name,
		(unsigned long long)t->state, t->active ? "true" : "false", t->idle ? "true" : "false");
	kt_json_string(out, t->comm);
	putc('}', out);
}

static void task_info_json(FILE *out, const struct kt_task_info *info)
{
	const struct kt_task *t = &info->task;
	kt_json_document_begin(out);
	fprintf(out, ", \"pid\": %d, \"tgid\": %d, \"ppid\": %d, \"task\": \"0x%016llx\", \"comm\": ",
		t->pid, t->tgid, t->ppid, (unsigned long long)t->address);
	kt_json_string(out, t->comm);
	fprintf(out, ", \"state\": \"%s\", \"state_value\": %llu, \"cpu\": %d, \"active\": %s, "
		"\"idle\": %s,\n \"flags\": \"0x%08x\", \"kthread\": %s, \"stack\": \"0x%016llx\", "
		"\"sp\": \"0x%016llx\", \"mm\": \"0x%016llx\", \"active_mm\": \"0x%016llx\",\n "
		"\"parent\": \"0x%016llx\", \"parent_comm\": ",
		t->state_name, (unsigned long long)t->state, t->cpu, t->active ? "true" : "false",
		t->idle ? "true" : "false", info->flags, info->kthread ? "true" : "false",
		(unsigned long long)info->stack, (unsigned long long)info->sp,
		(unsigned long long)info->mm, (unsigned long long)info->active_mm,
		(unsigned long long)info->parent);
	kt_json_string(out, info->parent_comm);
	fputs("}\n", out);
}

static void task_info_text(FILE *out, const struct kt_task_info *info)
{
	const struct kt_task *t = &info->task;
	char comm[KT_COMM_TEXT_SIZE], parent_comm[KT_COMM_TEXT_SIZE];
	fprintf(out, "PID: %-7d TASK: %016llx  CPU: %-3d COMMAND: \"%s\"\n", t->pid,
		(unsigned long long)t->address, t->cpu, kt_comm_text(t->comm, comm));
	fprintf(out, "  TGID: %-7d PPID: %-7d PARENT: %016llx \"%s\"\n", t->tgid, t->ppid,
		(unsigned long long)info->parent, kt_comm_text(info->parent_comm, parent_comm));
	fprintf(out, "  STATE: %s (0x%llx)  %s\n", t->state_name, (unsigned long long)t->state,
		t->active ? "current on its CPU at the time of the dump" : "not running");
	fprintf(out, "  FLAGS: 0x%08x%s%s\n", info->flags, info->kthread ? "  kernel thread" : "",
		t->idle ? ", idle task" : "");
	// A running task's thread.sp is from its last switch out, not where it is now.
	fprintf(out, "  STACK: %016llx  SP: %016llx%s\n", (unsigned long long)info->stack,
		(unsigned long long)info->sp, t->active ? " (saved at its last switch: stale)" : "");
	fprintf(out, "  MM: %016llx  ACTIVE_MM: %016llx\n", (unsigned long long)info->mm,
		(unsigned long long)info->active_mm);
}

void kt_task_info_render(FILE *out, enum kt_format format, const struct kt_task_info *info)
{
	if (format == KT_FORMAT_JSON)
		task_info_json(out, info);
	else
		task_info_text(out, info);
}
