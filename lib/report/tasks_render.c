// SPDX-License-Identifier: MIT
/* Tasks (ps) and one task in detail (task), as text like crash's and as JSON (docs/json.md). */
#include <inttypes.h>
#include <string.h>

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

/* The members of a task's JSON object, from "pid" on. */
static void task_info_json_members(FILE *out, const struct kt_task_info *info)
{
	const struct kt_task *t = &info->task;
	fprintf(out, "\"pid\": %d, \"tgid\": %d, \"ppid\": %d, \"task\": \"0x%016llx\", \"comm\": ",
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
}

static void task_info_json(FILE *out, const struct kt_task_info *info)
{
	kt_json_document_begin(out);
	fputs(", ", out);
	task_info_json_members(out, info);
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

void kt_task_info_item_render(struct kt_list_writer *w, const struct kt_task_info *info)
{
	if (kt_list_item(w)) {
		putc('{', w->out);
		task_info_json_members(w->out, info);
		putc('}', w->out);
		return;
	}
	if (w->n > 1)
		putc('\n', w->out);
	task_info_text(w->out, info);
}

void kt_task_info_render(FILE *out, enum kt_format format, const struct kt_task_info *info)
{
	if (format == KT_FORMAT_JSON)
		task_info_json(out, info);
	else
		task_info_text(out, info);
}

void kt_task_state_counts_render(FILE *out, enum kt_format format,
				 const struct kt_task_state_count *counts, size_t n)
{
	if (format != KT_FORMAT_JSON) {
		for (size_t i = 0; i < n; i++)
			fprintf(out, "  %s: %zu\n", counts[i].state, counts[i].count);
		return;
	}
	kt_json_document_begin(out);
	kt_json_key(out, "states");
	putc('[', out);
	for (size_t i = 0; i < n; i++) {
		fputs(i ? ",\n  {\"state\": " : "\n  {\"state\": ", out);
		kt_json_string(out, counts[i].state);
		fprintf(out, ", \"count\": %zu}", counts[i].count);
	}
	fputs("\n]}\n", out);
}

/* crash's one-line task header: PID, TASK, CPU, COMMAND. */
static void task_header(FILE *out, const struct kt_task *t)
{
	char comm[KT_COMM_TEXT_SIZE];
	fprintf(out, "PID: %-8d TASK: %016llx  CPU: %-4d COMMAND: \"%s\"\n", t->pid,
		(unsigned long long)t->address, t->cpu, kt_comm_text(t->comm, comm));
}

static void task_members_json(FILE *out, const struct kt_task *t)
{
	fprintf(out, "\"pid\": %d, \"tgid\": %d, \"ppid\": %d, \"cpu\": %d, \"task\": \"0x%016llx\", "
		"\"state\": \"%s\", \"state_value\": %llu, \"active\": %s, \"idle\": %s, \"comm\": ",
		t->pid, t->tgid, t->ppid, t->cpu, (unsigned long long)t->address, t->state_name,
		(unsigned long long)t->state, t->active ? "true" : "false", t->idle ? "true" : "false");
	kt_json_string(out, t->comm);
}

void kt_task_runs_render(FILE *out, enum kt_format format, const struct kt_task_run *runs, size_t n,
			 bool ago)
{
	if (format == KT_FORMAT_JSON) {
		kt_json_document_begin(out);
		kt_json_key(out, "tasks");
		putc('[', out);
		for (size_t i = 0; i < n; i++) {
			fputs(i ? ",\n  {" : "\n  {", out);
			task_members_json(out, &runs[i].task);
			fprintf(out, ", \"last_arrival\": %llu, \"clock\": ",
				(unsigned long long)runs[i].last_arrival);
			if (runs[i].has_clock)
				fprintf(out, "%llu}", (unsigned long long)runs[i].clock);
			else
				fputs("null}", out);
		}
		fputs("\n]}\n", out);
		return;
	}
	int width = 1;
	for (size_t i = 0; i < n; i++) {
		int w = snprintf(NULL, 0, "%llu", (unsigned long long)runs[i].last_arrival);
		width = w > width ? w : width;
	}
	for (size_t i = 0; i < n; i++) {
		const struct kt_task_run *r = &runs[i];
		if (!ago) {
			fprintf(out, "[%*llu] ", width, (unsigned long long)r->last_arrival);
		} else if (!r->has_clock || r->clock < r->last_arrival) {
			fputs("[(no clock)] ", out);  // the CPU's clock is unreadable, or behind the task's
		} else {
			unsigned long long ms = (r->clock - r->last_arrival) / 1000000, s = ms / 1000;
			fprintf(out, "[%llu %02llu:%02llu:%02llu.%03llu] ", s / 86400, s / 3600 % 24,
				s / 60 % 60, s % 60, ms % 1000);
		}
		fprintf(out, "[%s]  ", r->task.state_name);
		task_header(out, &r->task);
	}
}

/* crash's convert_time(): hh:mm:ss, with "N days, " before it past a day. */
static void run_time_text(FILE *out, uint64_t ns)
{
	uint64_t s = ns / 1000000000ull;
	if (s >= 86400)
		fprintf(out, "%" PRIu64 " days, ", s / 86400);
	fprintf(out, "%02" PRIu64 ":%02" PRIu64 ":%02" PRIu64, s / 3600 % 24, s / 60 % 60, s % 60);
}

void kt_task_times_render(FILE *out, enum kt_format format, const struct kt_task_times *times,
			  const bool *keep)
{
	bool json = format == KT_FORMAT_JSON;
	size_t shown = 0;
	if (json) {
		kt_json_document_begin(out);
		kt_json_key(out, "now");
		if (times->has_now)
			fprintf(out, "%" PRIu64, times->now);
		else
			fputs("null", out);
		kt_json_key(out, "now_error");
		kt_json_string(out, times->now_error);
		kt_json_key(out, "tasks");
		putc('[', out);
	} else if (!times->has_now) {
		fprintf(out, "(no run times: %s)\n", times->now_error ? times->now_error : "no clock");
	}
	for (size_t i = 0; i < times->n; i++) {
		const struct kt_task_time *t = &times->tasks[i];
		if (keep && !keep[i])
			continue;
		bool has_run = times->has_now && times->now >= t->start_time;
		if (json) {
			fputs(shown++ ? ",\n  {" : "\n  {", out);
			task_members_json(out, &t->task);
			fprintf(out, ", \"start_time\": %" PRIu64 ", \"utime\": %" PRIu64 ", \"stime\": %" PRIu64
				", \"run_time\": ", t->start_time, t->utime, t->stime);
			if (has_run)
				fprintf(out, "%" PRIu64 "}", times->now - t->start_time);
			else
				fputs("null}", out);
			continue;
		}
		if (shown++)
			putc('\n', out);
		task_header(out, &t->task);
		fputs("    RUN TIME: ", out);
		if (has_run)
			run_time_text(out, times->now - t->start_time);
		else
			fputs("(unknown)", out);
		fprintf(out, "\n  START TIME: %" PRIu64 "\n       UTIME: %" PRIu64 "\n       STIME: %" PRIu64 "\n",
			t->start_time, t->utime, t->stime);
	}
	if (json)
		fputs("\n]}\n", out);
}

void kt_task_family_render(struct kt_list_writer *w, const struct kt_task *tasks, size_t n,
			   bool children)
{
	FILE *out = w->out;
	if (kt_list_item(w)) {
		fprintf(out, "{\"relation\": \"%s\", \"tasks\": [", children ? "children" : "parents");
		// Parents from the oldest ancestor down, as the text shows them.
		for (size_t i = 0; i < n; i++) {
			fputs(i ? ", {" : "{", out);
			task_members_json(out, &tasks[children ? i : n - 1 - i]);
			putc('}', out);
		}
		fputs("]}", out);
		return;
	}
	if (w->n > 1)
		putc('\n', out);
	for (size_t i = 0; i < n; i++) {
		size_t indent = children ? (i ? 2 : 0) : i;
		fprintf(out, "%*s", (int)indent, "");
		task_header(out, &tasks[children ? i : n - 1 - i]);
	}
}

static void strings_json(FILE *out, char *const *s, size_t n)
{
	putc('[', out);
	for (size_t i = 0; i < n; i++) {
		if (i)
			fputs(", ", out);
		kt_json_string(out, s[i]);
	}
	putc(']', out);
}

static void json_string_or_null(FILE *out, const char *s)
{
	if (s)
		kt_json_string(out, s);
	else
		fputs("null", out);
}

/* Strings from user memory are the task's own bytes: control characters are escaped. */
static void strings_text(FILE *out, const char *label, char *const *s, size_t n, bool one_line)
{
	fputs(label, out);
	for (size_t i = 0; i < n; i++) {
		if (i && !one_line)
			fprintf(out, "\n%*s", (int)strlen(label), "");
		kt_write_escaped(out, s[i], strlen(s[i]));
		if (one_line)
			putc(' ', out);
	}
	putc('\n', out);
}

void kt_task_args_render(struct kt_list_writer *w, const struct kt_task_args *a)
{
	FILE *out = w->out;
	if (kt_list_item(w)) {
		putc('{', out);
		task_members_json(out, &a->task);
		fputs(", \"mm\": ", out);
		kt_json_address_or_null(out, a->mm);
		fputs(", \"arg_start\": ", out);
		kt_json_address_or_null(out, a->arg_start);
		fputs(", \"env_start\": ", out);
		kt_json_address_or_null(out, a->env_start);
		fputs(", \"error\": ", out);
		json_string_or_null(out, a->error);
		fputs(", \"args\": ", out);
		strings_json(out, a->args, a->n_args);
		fputs(", \"args_error\": ", out);
		json_string_or_null(out, a->args_error);
		fputs(", \"env\": ", out);
		strings_json(out, a->env, a->n_env);
		fputs(", \"env_error\": ", out);
		json_string_or_null(out, a->env_error);
		putc('}', out);
		return;
	}
	if (w->n > 1)
		putc('\n', out);
	task_header(out, &a->task);
	if (a->error) {
		fprintf(out, "(%s)\n", a->error);
		return;
	}
	if (a->args_error)
		fprintf(out, "ARG: (%s)\n", a->args_error);
	else
		strings_text(out, "ARG: ", a->args, a->n_args, true);
	if (a->env_error)
		fprintf(out, "ENV: (%s)\n", a->env_error);
	else
		strings_text(out, "ENV: ", a->env, a->n_env, false);
}
