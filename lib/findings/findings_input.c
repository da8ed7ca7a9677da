// SPDX-License-Identifier: MIT
/*
 * The check input: what several checks read (the log, each CPU's backtrace, the task list, the
 * system facts), gathered once on first use, so that a report with ten checks walks the tasks
 * and unwinds each CPU once.
 */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/util.h"
#include "findings/findings.h"
#include "kernel/percpu.h"

void kt_findings_input_init(struct kt_findings_input *in, struct kt_program *prog, const char *dump_path)
{
	*in = (struct kt_findings_input){.prog = prog, .dump_path = dump_path};
}

void kt_findings_input_deinit(struct kt_findings_input *in)
{
	for (size_t i = 0; i < in->n_log; i++)
		free(in->log[i].text);
	free(in->log);
	kt_error_destroy(in->log_error);
	for (unsigned int i = 0; i < in->n_cpus; i++) {
		kt_backtrace_destroy(in->cpus[i].bt);
		kt_error_destroy(in->cpus[i].error);
	}
	free(in->cpus);
	kt_error_destroy(in->cpus_error);
	free(in->tasks);
	kt_error_destroy(in->tasks_error);
	if (in->sys_loaded && !in->sys_error)
		kt_sys_info_deinit(&in->sys);
	kt_error_destroy(in->sys_error);
}

static bool log_line(const struct kt_log_record *rec, void *arg)
{
	struct kt_findings_input *in = arg;
	if (!kt_grow((void **)&in->log, &in->cap_log, in->n_log, sizeof(*in->log), 256))
		goto nomem;
	char *text = malloc(rec->text_len + 1);
	if (!text)
		goto nomem;
	memcpy(text, rec->text, rec->text_len);
	text[rec->text_len] = '\0';
	in->log[in->n_log++] = (struct kt_log_line){
		.ts_nsec = rec->ts_nsec, .level = rec->level, .caller_id = rec->caller_id, .text = text};
	return true;
nomem:
	in->log_error = &kt_enomem;
	return false;
}

const struct kt_error *kt_input_log(struct kt_findings_input *in, const struct kt_log_line **ret,
				    size_t *n_ret)
{
	if (!in->log_loaded) {
		in->log_loaded = true;
		struct kt_error *err = kt_log_for_each(in->prog, log_line, in);
		if (err && !in->log_error)
			in->log_error = err;
		else
			kt_error_destroy(err);
	}
	*ret = in->log;
	*n_ret = in->n_log;
	return in->log_error;
}

static void cpus_count(struct kt_findings_input *in)
{
	if (in->cpus_counted)
		return;
	in->cpus_counted = true;
	const struct kt_percpu *percpu;
	struct kt_error *err = kt_percpu_get(in->prog, &percpu);
	if (err) {
		in->cpus_error = err;
		return;
	}
	if (!(in->cpus = calloc(percpu->nr_cpu_ids ? percpu->nr_cpu_ids : 1, sizeof(*in->cpus)))) {
		in->cpus_error = &kt_enomem;
		return;
	}
	in->n_cpus = percpu->nr_cpu_ids;
	for (unsigned int cpu = 0; cpu < in->n_cpus; cpu++)
		in->cpus[cpu].online = kt_percpu_online(percpu, cpu);
}

const struct kt_error *kt_input_nr_cpus(struct kt_findings_input *in, unsigned int *ret)
{
	cpus_count(in);
	*ret = in->n_cpus;
	return in->cpus_error;
}

bool kt_input_cpu_online(struct kt_findings_input *in, unsigned int cpu)
{
	cpus_count(in);
	return cpu < in->n_cpus && in->cpus[cpu].online;
}

const struct kt_backtrace *kt_input_cpu_backtrace(struct kt_findings_input *in, unsigned int cpu,
						  const struct kt_error **err_ret)
{
	static struct kt_error no_cpu = {.code = KT_ERROR_NOT_FOUND, .is_static = true,
					 .message = "no such CPU"};
	cpus_count(in);
	if (cpu >= in->n_cpus) {
		*err_ret = in->cpus_error ? in->cpus_error : &no_cpu;
		return NULL;
	}
	struct kt_input_cpu *c = &in->cpus[cpu];
	if (!c->loaded) {
		c->loaded = true;
		c->error = kt_backtrace_cpu(in->prog, cpu, &c->bt);
		if (c->error)
			c->bt = NULL;
	}
	*err_ret = c->error;
	return c->bt;
}

static bool task_add(const struct kt_task *task, void *arg)
{
	struct kt_findings_input *in = arg;
	if (!kt_grow((void **)&in->tasks, &in->cap_tasks, in->n_tasks, sizeof(*in->tasks), 256)) {
		in->tasks_error = &kt_enomem;
		return false;
	}
	in->tasks[in->n_tasks++] = *task;
	return true;
}

const struct kt_error *kt_input_tasks(struct kt_findings_input *in, const struct kt_task **ret,
				      size_t *n_ret)
{
	if (!in->tasks_loaded) {
		in->tasks_loaded = true;
		struct kt_error *err = kt_task_for_each(in->prog, task_add, in);
		if (err && !in->tasks_error)
			in->tasks_error = err;
		else
			kt_error_destroy(err);
	}
	*ret = in->tasks;
	*n_ret = in->n_tasks;
	return in->tasks_error;
}

const struct kt_error *kt_input_sys(struct kt_findings_input *in, const struct kt_sys_info **ret)
{
	if (!in->sys_loaded) {
		in->sys_loaded = true;
		in->sys_error = kt_sys_info_init(in->prog, &in->sys);
	}
	*ret = in->sys_error ? NULL : &in->sys;
	return in->sys_error;
}
