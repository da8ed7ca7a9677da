// SPDX-License-Identifier: MIT
/* runq as crash prints it (runq, -t, -m, -g), and as one JSON document (docs/json.md). */
#include <stdlib.h>

#include "ktriage.h"
#include "report/json.h"
#include "report/render.h"

static const char *class_name(enum kt_runq_class c)
{
	return c == KT_RUNQ_STOP ? "stop" : c == KT_RUNQ_DEADLINE ? "deadline" : c == KT_RUNQ_RT ? "rt"
		: "fair";
}

/* crash's runq task line: PID, TASK, COMMAND. */
static void task_line(FILE *out, const struct kt_task *t)
{
	char comm[KT_COMM_TEXT_SIZE];
	fprintf(out, "PID: %-6d TASK: %016llx  COMMAND: \"%s\"", t->pid, (unsigned long long)t->address,
		kt_comm_text(t->comm, comm));
}

static void entry_line(FILE *out, const struct kt_runq_entry *e, int indent)
{
	fprintf(out, "%*s", indent, "");
	if (!e->has_task) {
		fprintf(out, "[DL server] ENTITY: %016llx\n", (unsigned long long)e->entity);
		return;
	}
	fprintf(out, "[%3d] ", e->prio);
	task_line(out, &e->task);
	putc('\n', out);
}

static void error_line(FILE *out, const struct kt_runq_cpu *c)
{
	if (c->error)
		fprintf(out, "  [walk stopped: %s]\n", c->error);
}

/* The entries of one class, flattened through groups as crash's runq lists them. */
static void class_entries(FILE *out, const struct kt_runq_cpu *c, enum kt_runq_class cls)
{
	size_t n = 0;
	for (size_t i = 0; i < c->n_entries; i++)
		if (c->entries[i].sched_class == cls)
			entry_line(out, &c->entries[i], 5), n++;
	if (!n)
		fputs("     [no tasks queued]\n", out);
}

static void queues_text(FILE *out, const struct kt_runq_cpu *c)
{
	fprintf(out, "CPU %u RUNQUEUE: %016llx\n", c->cpu, (unsigned long long)c->rq);
	fputs("  CURRENT: ", out);
	if (c->has_current)
		task_line(out, &c->current);
	else
		fputs("(unreadable)", out);
	putc('\n', out);
	// The stopper thread only when it waits to run: crash does not show it.
	for (size_t i = 0; i < c->n_entries; i++)
		if (c->entries[i].sched_class == KT_RUNQ_STOP) {
			fputs("  STOP: ", out);
			task_line(out, &c->entries[i].task);
			putc('\n', out);
		}
	fprintf(out, "  RT PRIO_ARRAY: %016llx\n", (unsigned long long)c->rt_array);
	class_entries(out, c, KT_RUNQ_RT);
	fprintf(out, "  CFS RB_ROOT: %016llx\n", (unsigned long long)c->cfs_root);
	class_entries(out, c, KT_RUNQ_FAIR);
	fprintf(out, "  DL RB_ROOT: %016llx\n", (unsigned long long)c->dl_root);
	class_entries(out, c, KT_RUNQ_DEADLINE);
	error_line(out, c);
}

/* runq -t: the runqueue clock, and under it when the current task went on the CPU, padded with
 * zeros to the clock's width as crash pads it. */
static void timestamps_text(FILE *out, const struct kt_runq_cpu *c)
{
	int width = 1;
	if (c->has_clock) {
		width = fprintf(out, " CPU %u: %llu\n", c->cpu, (unsigned long long)c->clock);
		width -= snprintf(NULL, 0, " CPU %u: ", c->cpu) + 1;
	} else {
		fprintf(out, " CPU %u: (no clock)\n", c->cpu);
	}
	int indent = snprintf(NULL, 0, " CPU %u: ", c->cpu);
	if (!c->has_current)
		return;
	if (c->has_last_arrival)
		fprintf(out, "%*s%0*llu  ", indent, "", width, (unsigned long long)c->last_arrival);
	else
		fprintf(out, "%*s(no last_arrival)  ", indent, "");
	task_line(out, &c->current);
	putc('\n', out);
}

/* runq -m: how long the current task has run, crash's [days hh:mm:ss.ms]. */
static void time_run_text(FILE *out, const struct kt_runq_cpu *c)
{
	fprintf(out, " CPU %u: ", c->cpu);
	if (!c->has_clock || !c->has_last_arrival || c->clock < c->last_arrival) {
		fputs("[(no clock)]  ", out);
	} else {
		unsigned long long ms = (c->clock - c->last_arrival) / 1000000, s = ms / 1000;
		fprintf(out, "[%llu %02llu:%02llu:%02llu.%03llu]  ", s / 86400, s / 3600 % 24,
			s / 60 % 60, s % 60, ms % 1000);
	}
	if (c->has_current)
		task_line(out, &c->current);
	else
		fputs("(current task unreadable)", out);
	putc('\n', out);
}

/* A group's queue and what is in it, then the groups below it, each three columns further in. */
static void group_text(FILE *out, const struct kt_runq_cpu *c, size_t g)
{
	const struct kt_runq_group *grp = &c->groups[g];
	int indent = 2 + 3 * (int)grp->depth;
	fprintf(out, "%*s%s: %016llx  %s: %016llx", indent, "",
		grp->depth ? "TASK_GROUP" : "ROOT_TASK_GROUP", (unsigned long long)grp->task_group,
		grp->sched_class == KT_RUNQ_RT ? "RT_RQ" : "CFS_RQ", (unsigned long long)grp->queue);
	if (grp->name[0]) {
		char *name = kt_escaped_dup(grp->name);
		fprintf(out, "  <%s>", name ? name : "?");
		free(name);
	}
	putc('\n', out);
	// The running task in the queue it runs from, as crash's runq -g marks it.
	size_t shown = 0;
	if (grp->sched_class == KT_RUNQ_FAIR && c->has_current && c->current_queue == grp->queue) {
		shown++;
		fprintf(out, "%*s[%3d] ", indent + 3, "", c->current_prio);
		task_line(out, &c->current);
		fputs(" [CURRENT]\n", out);
	} else if (grp->sched_class == KT_RUNQ_RT && !grp->depth && c->has_current &&
		   c->current_prio < 100 && c->current_prio >= 0) {
		shown++;
		fprintf(out, "%*s[%3d] ", indent + 3, "", c->current_prio);
		task_line(out, &c->current);
		fputs(" [CURRENT]\n", out);
	}
	for (size_t i = 0; i < c->n_entries; i++)
		if (c->entries[i].group == g && c->entries[i].sched_class == grp->sched_class)
			entry_line(out, &c->entries[i], indent + 3), shown++;
	for (size_t i = 0; i < c->n_groups; i++)
		if (i != g && c->groups[i].parent == g && c->groups[i].depth)
			group_text(out, c, i), shown++;
	if (!shown)
		fprintf(out, "%*s[no tasks queued]\n", indent + 3, "");
}

static void groups_text(FILE *out, const struct kt_runq_cpu *c)
{
	fprintf(out, "CPU %u\n  CURRENT: ", c->cpu);
	if (c->has_current)
		task_line(out, &c->current);
	else
		fputs("(unreadable)", out);
	putc('\n', out);
	for (size_t i = 0; i < c->n_entries; i++)
		if (c->entries[i].sched_class == KT_RUNQ_STOP) {
			fputs("  STOP: ", out);
			task_line(out, &c->entries[i].task);
			putc('\n', out);
		}
	size_t dl = 0;
	for (size_t i = 0; i < c->n_entries; i++)
		dl += c->entries[i].sched_class == KT_RUNQ_DEADLINE;
	if (dl) {
		fprintf(out, "  DL_RQ: %016llx\n", (unsigned long long)c->dl_root);
		class_entries(out, c, KT_RUNQ_DEADLINE);
	}
	// The root RT queue only when it holds something, as crash prints it; then the fair tree.
	for (size_t i = 0; i < c->n_groups; i++) {
		const struct kt_runq_group *g = &c->groups[i];
		if (g->depth)
			continue;
		bool used = g->sched_class == KT_RUNQ_FAIR || (c->has_current && c->current_prio < 100 &&
							       c->current_prio >= 0);
		for (size_t j = 0; j < c->n_entries && !used; j++)
			used = c->entries[j].group == i && c->entries[j].sched_class == KT_RUNQ_RT;
		for (size_t j = 0; j < c->n_groups && !used; j++)
			used = c->groups[j].depth && c->groups[j].parent == i;
		if (used && g->sched_class == KT_RUNQ_RT)
			group_text(out, c, i);
	}
	for (size_t i = 0; i < c->n_groups; i++)
		if (!c->groups[i].depth && c->groups[i].sched_class == KT_RUNQ_FAIR)
			group_text(out, c, i);
	error_line(out, c);
}

static void task_json(FILE *out, const struct kt_task *t)
{
	fprintf(out, "{\"pid\": %d, \"tgid\": %d, \"ppid\": %d, \"cpu\": %d, \"task\": \"0x%016llx\", "
		"\"state\": \"%s\", \"comm\": ", t->pid, t->tgid, t->ppid, t->cpu,
		(unsigned long long)t->address, t->state_name);
	kt_json_string(out, t->comm);
	putc('}', out);
}

static void optional_u64(FILE *out, const char *key, bool has, uint64_t v)
{
	kt_json_key(out, key);
	if (has)
		fprintf(out, "%llu", (unsigned long long)v);
	else
		fputs("null", out);
}

static void cpu_json(FILE *out, const struct kt_runq_cpu *c)
{
	fprintf(out, "{\"cpu\": %u, \"rq\": ", c->cpu);
	kt_json_address(out, c->rq);
	optional_u64(out, "clock", c->has_clock, c->clock);
	fprintf(out, ", \"nr_running\": %u", c->nr_running);
	kt_json_key(out, "current");
	if (c->has_current) {
		task_json(out, &c->current);
		fprintf(out, ", \"current_prio\": %d", c->current_prio);
	} else {
		fputs("null, \"current_prio\": null", out);
	}
	kt_json_key(out, "current_queue");
	kt_json_address_or_null(out, c->current_queue);
	optional_u64(out, "last_arrival", c->has_last_arrival, c->last_arrival);
	optional_u64(out, "exec_start", c->has_exec_start, c->exec_start);
	bool has_run = c->has_clock && c->has_last_arrival && c->clock >= c->last_arrival;
	optional_u64(out, "run_time", has_run, has_run ? c->clock - c->last_arrival : 0);
	kt_json_key(out, "dl_root");
	kt_json_address_or_null(out, c->dl_root);
	kt_json_key(out, "rt_array");
	kt_json_address_or_null(out, c->rt_array);
	kt_json_key(out, "cfs_root");
	kt_json_address_or_null(out, c->cfs_root);
	kt_json_key(out, "groups");
	putc('[', out);
	for (size_t i = 0; i < c->n_groups; i++) {
		const struct kt_runq_group *g = &c->groups[i];
		fprintf(out, "%s{\"class\": \"%s\", \"queue\": ", i ? ", " : "", class_name(g->sched_class));
		kt_json_address(out, g->queue);
		kt_json_key(out, "task_group");
		kt_json_address_or_null(out, g->task_group);
		kt_json_key(out, "name");
		kt_json_string(out, g->name[0] ? g->name : NULL);
		fprintf(out, ", \"parent\": %zu, \"depth\": %u}", g->parent, g->depth);
	}
	fputs("]", out);
	kt_json_key(out, "queued");
	putc('[', out);
	for (size_t i = 0; i < c->n_entries; i++) {
		const struct kt_runq_entry *e = &c->entries[i];
		fprintf(out, "%s\n    {\"class\": \"%s\", \"entity\": ", i ? "," : "",
			class_name(e->sched_class));
		kt_json_address(out, e->entity);
		fprintf(out, ", \"group\": %zu", e->group);
		kt_json_key(out, "prio");
		if (e->has_task)
			fprintf(out, "%d", e->prio);
		else
			fputs("null", out);
		kt_json_key(out, "task");
		if (e->has_task)
			task_json(out, &e->task);
		else
			fputs("null", out);
		putc('}', out);
	}
	fputs("]", out);
	kt_json_error_text_members(out, c->error, c->error_code);
	fputs("}", out);
}

void kt_runq_render(FILE *out, enum kt_format format, const struct kt_runq *runq,
		    enum kt_runq_view view)
{
	if (format == KT_FORMAT_JSON) {
		kt_json_document_begin(out);
		kt_json_key(out, "cpus");
		putc('[', out);
		for (size_t i = 0; i < runq->n_cpus; i++) {
			fputs(i ? ",\n  " : "\n  ", out);
			cpu_json(out, &runq->cpus[i]);
		}
		fputs("\n]}\n", out);
		return;
	}
	for (size_t i = 0; i < runq->n_cpus; i++) {
		const struct kt_runq_cpu *c = &runq->cpus[i];
		if (view == KT_RUNQ_TIMESTAMPS) {
			timestamps_text(out, c);
			continue;
		}
		if (view == KT_RUNQ_TIME_RUN) {
			time_run_text(out, c);
			continue;
		}
		if (i)
			putc('\n', out);
		if (view == KT_RUNQ_GROUPS)
			groups_text(out, c);
		else
			queues_text(out, c);
	}
}
