// SPDX-License-Identifier: MIT
/*
 * The task list: init_task.tasks links one task per thread group (process); each group's
 * threads hang off signal->thread_head through task->thread_node (v3.14+), or off the leader's
 * thread_group list before that. Idle tasks are on no list: each CPU's runqueue names its own.
 * Layouts are found by member name in the kernel's types, never by version.
 */
#include <bpf/btf.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "dump/read_ahead.h"
#include "kernel/kernel_ctx.h"
#include "kernel/list.h"
#include "kernel/object.h"
#include "kernel/percpu.h"
#include "kernel/task_state.h"
#include "kernel/tasks.h"
#include "program.h"
#include "sym/types.h"

/* PID_MAX_LIMIT on 64-bit (include/linux/threads.h): no kernel has more tasks than this. */
static const uint64_t TASKS_MAX = 4u << 20;

struct kt_task_layout {
	struct kt_type_ref task;   /* struct task_struct */
	/* What every task of a walk reads, resolved once: taking a member is then arithmetic. */
	struct kt_object_field pid, tgid, comm, state, exit_state, real_parent, cpu, signal;
	/* Before CONFIG_THREAD_INFO_IN_TASK (x86 before v4.9) the CPU is thread_info->cpu, and
	 * thread_info sits at the bottom of the task's stack: task->stack points at it. */
	bool cpu_in_stack;
	struct kt_object_field stack;
	struct kt_type_ref thread_info;
	struct kt_object_field thread_info_cpu;
	uint64_t tasks;            /* list offsets, for the list walks */
	bool has_thread_head;      /* signal->thread_head / thread_node (v3.14+) */
	uint64_t thread_node, signal_thread_head, thread_group;
	uint64_t stack_size;       /* THREAD_SIZE, once kt_task_stack_size found it (0 before) */
	struct kt_task_states states; /* state names, from the kernel's task_state_array */
};

/*
 * Where a task's CPU number is, by member name:
 *   task_struct.cpu                with CONFIG_THREAD_INFO_IN_TASK, v4.9 to v5.15 (commit
 *                                  c65eacbe290b "sched/core: Allow putting thread_info into
 *                                  task_struct")
 *   task_struct.thread_info.cpu    the same, v5.16+ (commit bcf9033e5449 "sched: move CPU field
 *                                  back into thread_info if THREAD_INFO_IN_TASK")
 *   thread_info.cpu at task->stack before v4.9 on x86 (task_thread_info() is task->stack)
 */
static struct kt_error *task_cpu_layout(struct kt_program *prog, struct kt_task_layout *l)
{
	if (kt_object_type_has_member(prog, l->task, "cpu"))
		return kt_object_field_resolve(prog, l->task, "cpu", &l->cpu);
	if (kt_object_type_has_member(prog, l->task, "thread_info.cpu"))
		return kt_object_field_resolve(prog, l->task, "thread_info.cpu", &l->cpu);
	struct kt_error *err = kt_object_lookup_type(prog, "struct thread_info", &l->thread_info);
	if (err && !kt_error_catch(&err, KT_ERROR_NOT_FOUND))
		return err;
	if (err || kt_object_type_has_member(prog, l->task, "thread_info") ||
	    !kt_object_type_has_member(prog, l->thread_info, "cpu") ||
	    !kt_object_type_has_member(prog, l->task, "stack"))
		return kt_error_create(KT_ERROR_NOT_FOUND,
				       "a task's CPU: task_struct has neither cpu nor thread_info.cpu, "
				       "and no struct thread_info with cpu at task_struct.stack");
	l->cpu_in_stack = true;
	if ((err = kt_object_field_resolve(prog, l->task, "stack", &l->stack)) ||
	    (err = kt_object_field_resolve(prog, l->thread_info, "cpu", &l->thread_info_cpu)))
		return err;
	return NULL;
}

/* The task's CPU number, from wherever task_cpu_layout() found it. */
static struct kt_error *read_cpu(const struct kt_task_layout *l, const struct kt_object *task,
				 uint64_t *ret)
{
	struct kt_object o;
	uint64_t stack;
	struct kt_error *err;
	if (!l->cpu_in_stack) {
		kt_object_field(task, &l->cpu, &o);
		return kt_object_read_unsigned(&o, ret);
	}
	kt_object_field(task, &l->stack, &o);
	if ((err = kt_object_read_unsigned(&o, &stack)))
		return kt_error_prefix(err, "stack");
	struct kt_object ti;
	kt_object_init(&ti, task->prog, task->reader, l->thread_info, stack);
	kt_object_field(&ti, &l->thread_info_cpu, &o);
	return kt_error_prefix(kt_object_read_unsigned(&o, ret), "thread_info at 0x%llx: cpu",
			       (unsigned long long)stack);
}

static struct kt_error *task_layout_read(struct kt_program *prog, struct kt_task_layout *l)
{
	struct kt_type_ref signal;
	struct kt_error *err;
	if ((err = kt_object_lookup_type(prog, "struct task_struct", &l->task)))
		return kt_error_prefix(err, "task list layout");
	// __state replaced state in v5.14 (commit 2f064a59a11f "sched: Change task_struct::state").
	const char *state = kt_object_type_has_member(prog, l->task, "__state") ? "__state" : "state";
	if ((err = task_cpu_layout(prog, l)))
		return kt_error_prefix(err, "task list layout");
	if ((err = kt_object_member_offset(prog, l->task, "tasks", &l->tasks, NULL)) ||
	    (err = kt_object_field_resolve(prog, l->task, "pid", &l->pid)) ||
	    (err = kt_object_field_resolve(prog, l->task, "tgid", &l->tgid)) ||
	    (err = kt_object_field_resolve(prog, l->task, "comm", &l->comm)) ||
	    (err = kt_object_field_resolve(prog, l->task, state, &l->state)) ||
	    (err = kt_object_field_resolve(prog, l->task, "exit_state", &l->exit_state)) ||
	    (err = kt_object_field_resolve(prog, l->task, "real_parent", &l->real_parent)))
		return kt_error_prefix(err, "task list layout");
	if ((err = kt_task_states_read(prog, &l->states)))
		return err;
	l->has_thread_head = !kt_object_lookup_type(prog, "struct signal_struct", &signal) &&
			     kt_object_type_has_member(prog, signal, "thread_head");
	if (l->has_thread_head) {
		if ((err = kt_object_field_resolve(prog, l->task, "signal", &l->signal)) ||
		    (err = kt_object_member_offset(prog, l->task, "thread_node", &l->thread_node, NULL)) ||
		    (err = kt_object_member_offset(prog, signal, "thread_head", &l->signal_thread_head,
						   NULL)))
			return kt_error_prefix(err, "task list layout");
	} else if ((err = kt_object_member_offset(prog, l->task, "thread_group", &l->thread_group,
						  NULL))) {
		return kt_error_prefix(err, "task list layout");
	}
	return NULL;
}

/* Looked up once per program: every task of a walk and every backtrace needs the same offsets. */
static struct kt_error *task_layout_get(struct kt_program *prog, struct kt_task_layout *l)
{
	if (!prog->kernel->task_layout) {
		struct kt_task_layout *layout = calloc(1, sizeof(*layout));
		if (!layout)
			return &kt_enomem;
		struct kt_error *err = task_layout_read(prog, layout);
		if (err) {
			free(layout);
			return err;
		}
		prog->kernel->task_layout = layout;
	}
	*l = *prog->kernel->task_layout;
	return NULL;
}

struct task_walk {
	struct kt_program *prog;
	struct kt_reader *r;
	struct kt_task_layout l;
	uint64_t init_task;
	uint64_t *curr;          /* per CPU: rq->curr */
	uint64_t *idle;          /* per CPU: rq->idle */
	unsigned int ncpus;
	kt_task_fn *fn;
	void *arg;
	bool stopped;
	struct kt_error *err;    /* first fatal error */
	uint64_t group_node_off; /* offset of the member linking threads of one group */
	uint64_t n;              /* tasks emitted so far: their number in walk order */
	uint64_t processes;      /* entries of init_task.tasks visited */
	/* Reading ahead: the walker says where it is; the producer walks the same way on its own
	 * reader and only touches each task's pages (read_ahead.h). */
	struct kt_read_ahead *ra;
	bool producer;
	bool stacks;             /* the visitor unwinds each task: touch its stack too */
	uint64_t stack_off, sp_off, stack_size;
};

/* Member f of the task, as an integer of its type's size and sign. */
static struct kt_error *read_field(const struct kt_object *task, const struct kt_object_field *f,
				   uint64_t *ret)
{
	struct kt_object o;
	kt_object_field(task, f, &o);
	return kt_object_read_unsigned(&o, ret);
}

static struct kt_error *task_read(struct task_walk *w, uint64_t addr, struct kt_task *t)
{
	const struct kt_task_layout *l = &w->l;
	struct kt_object task, comm;
	uint64_t pid, tgid, state, exit_state, cpu, parent, ppid = 0;
	memset(t, 0, sizeof(*t));
	t->address = addr;
	kt_object_init(&task, w->prog, w->r, l->task, addr);
	kt_object_field(&task, &l->comm, &comm);
	struct kt_error *err;
	if ((err = read_field(&task, &l->pid, &pid)) || (err = read_field(&task, &l->tgid, &tgid)) ||
	    (err = kt_object_read_string(&comm, t->comm, sizeof(t->comm))) ||
	    (err = read_field(&task, &l->state, &state)) ||
	    (err = read_field(&task, &l->exit_state, &exit_state)) ||
	    (err = read_cpu(l, &task, &cpu)) ||
	    (err = read_field(&task, &l->real_parent, &parent)))
		return kt_error_prefix(err, "task 0x%llx", (unsigned long long)addr);
	if (parent && parent != addr) {
		struct kt_object p;
		kt_object_init(&p, w->prog, w->r, l->task, parent);
		if ((err = read_field(&p, &l->tgid, &ppid)))
			return kt_error_prefix(err, "parent of task 0x%llx", (unsigned long long)addr);
	}
	t->pid = (int32_t)pid;
	t->tgid = (int32_t)tgid;
	t->ppid = (int32_t)ppid;
	t->state = (uint32_t)state | (uint32_t)exit_state;
	t->state_name = kt_task_states_name(&l->states, (uint32_t)state, (uint32_t)exit_state);
	t->cpu = (int)cpu;
	for (unsigned int c = 0; c < w->ncpus; c++)
		if (w->curr[c] == addr && (int)c == t->cpu)
			t->active = true;
	return NULL;
}

/* The producer's share of a task: one read in each page that task_read and, for a visitor that
 * unwinds, the unwinder will read (the switch frame at thread.sp up to the top of the stack).
 * Failures are the walker's to report. */
static void task_touch(struct task_walk *w, uint64_t addr)
{
	struct kt_task t;
	kt_error_destroy(task_read(w, addr, &t));
	uint64_t stack, sp, word;
	struct kt_error *err = NULL;
	if (!w->stacks || (err = kt_read_u64(w->r, addr + w->stack_off, &stack)) ||
	    (err = kt_read_u64(w->r, addr + w->sp_off, &sp))) {
		kt_error_destroy(err);
		return;
	}
	if (sp < stack || sp >= stack + w->stack_size)
		return;
	for (uint64_t page = sp & ~4095ull; page < stack + w->stack_size; page += 4096) {
		if ((err = kt_read_u64(w->r, page < sp ? sp : page, &word))) {
			kt_error_destroy(err);
			return;
		}
	}
}

static bool emit(struct task_walk *w, uint64_t addr, bool idle)
{
	uint64_t n = w->n++;
	if (w->producer) {
		bool touch;
		if (!kt_read_ahead_wait(w->ra, n, &touch)) {
			w->stopped = true;
			return false;
		}
		if (touch)
			task_touch(w, addr);
		return true;
	}
	kt_read_ahead_reached(w->ra, n);
	struct kt_task t;
	struct kt_error *err = task_read(w, addr, &t);
	if (err) {
		w->err = err;
		return false;
	}
	t.idle = idle;
	if (!w->fn(&t, w->arg)) {
		w->stopped = true;
		return false;
	}
	return true;
}

static bool visit_thread(uint64_t node, void *arg)
{
	struct task_walk *w = arg;
	uint64_t task = node - w->group_node_off;
	return emit(w, task, false);
}

static bool visit_process(uint64_t node, void *arg)
{
	struct task_walk *w = arg;
	uint64_t leader = node - w->l.tasks;
	w->processes++;
	struct kt_error *err;
	if (w->l.has_thread_head) {
		uint64_t signal;
		struct kt_object task;
		kt_object_init(&task, w->prog, w->r, w->l.task, leader);
		if ((err = read_field(&task, &w->l.signal, &signal))) {
			w->err = kt_error_prefix(err, "signal of task 0x%llx", (unsigned long long)leader);
			return false;
		}
		w->group_node_off = w->l.thread_node;
		err = kt_list_for_each(w->r, signal + w->l.signal_thread_head, TASKS_MAX, visit_thread, w);
	} else {
		// The leader is on its own thread_group list only as the head.
		if (!emit(w, leader, false))
			return false;
		w->group_node_off = w->l.thread_group;
		err = kt_list_for_each(w->r, leader + w->l.thread_group, TASKS_MAX, visit_thread, w);
	}
	if (err && !w->err)
		w->err = err;
	else
		kt_error_destroy(err);
	return !w->err && !w->stopped;
}

/* The idle tasks, then every thread of every process; the same for walker and producer. */
static struct kt_error *walk(struct task_walk *w)
{
	// CPU 0's idle task is init_task itself (pid 0), the head of the task list.
	if (!emit(w, w->init_task, true))
		goto done;
	for (unsigned int c = 0; c < w->ncpus; c++)
		if (w->idle[c] && w->idle[c] != w->init_task && !emit(w, w->idle[c], true))
			goto done;
	struct kt_error *err = kt_list_for_each(w->r, w->init_task + w->l.tasks, TASKS_MAX,
						visit_process, w);
	// A kernel that ran has init (pid 1) at least: an empty list is a damaged one.
	if (!err && !w->err && !w->stopped && !w->processes)
		err = kt_error_create(KT_ERROR_BAD_DATA,
				      "the task list is damaged: init_task.tasks (0x%llx) is empty, so "
				      "only the idle tasks were found",
				      (unsigned long long)(w->init_task + w->l.tasks));
	if (!w->err)
		w->err = err;
	else
		kt_error_destroy(err);
done:
	return w->err;
}

static void produce(struct kt_read_ahead *ra, struct kt_reader *reader, void *arg)
{
	struct task_walk *w = arg;
	w->r = reader;
	w->ra = ra;
	kt_error_destroy(walk(w));
}

/* Tasks the producer may be ahead of the walker: at about four pages each (task_struct, switch
 * frame, stack) well inside the shared pages (shared_pages.c). */
static const unsigned int READ_AHEAD_TASKS = 24;

struct kt_error *kt_task_for_each_with(struct kt_program *prog,
				       const struct kt_task_walk_options *opts, kt_task_fn *fn,
				       void *arg)
{
	struct task_walk w = {.prog = prog, .r = &prog->reader, .fn = fn, .arg = arg};
	struct kt_error *err = task_layout_get(prog, &w.l);
	if (err)
		return err;
	if ((err = kt_program_symbol_address(prog, "init_task", &w.init_task)))
		return err;
	const struct kt_percpu *percpu;
	if ((err = kt_percpu_get(prog, &percpu)))
		return err;
	w.ncpus = percpu->nr_cpu_ids;
	w.curr = calloc(w.ncpus, sizeof(*w.curr));
	w.idle = calloc(w.ncpus, sizeof(*w.idle));
	if (!w.curr || !w.idle) {
		err = &kt_enomem;
		goto out;
	}
	for (unsigned int c = 0; c < w.ncpus; c++) {
		if (kt_percpu_possible(percpu, c) &&
		    ((err = kt_cpu_runqueue_task(prog, c, "curr", &w.curr[c])) ||
		     (err = kt_cpu_runqueue_task(prog, c, "idle", &w.idle[c]))))
			goto out;
	}
	if (opts && opts->stacks) {
		struct kt_error *serr;
		if ((serr = kt_program_member_offset(prog, "task_struct", "stack", &w.stack_off)) ||
		    (serr = kt_program_member_offset(prog, "task_struct", "thread.sp", &w.sp_off)) ||
		    (serr = kt_task_stack_size(prog, &w.stack_size)))
			kt_error_destroy(serr);  // the unwinder will say so; read ahead the rest
		else
			w.stacks = true;
	}
	// The producer's walk: a copy made before it starts, as the walker's changes as it goes.
	struct task_walk producer = w;
	producer.producer = true;
	enum kt_read_ahead_mode mode = prog->opts.read_ahead;
	if (mode != KT_READ_AHEAD_NEVER &&
	    (err = kt_read_ahead_start(&prog->reader, READ_AHEAD_TASKS, mode == KT_READ_AHEAD_ALWAYS,
				       produce, &producer, &w.ra)))
		goto out;
	err = walk(&w);
	kt_read_ahead_stop(w.ra);
out:
	free(w.idle);
	free(w.curr);
	return err;
}

struct kt_error *kt_task_for_each(struct kt_program *prog, kt_task_fn *fn, void *arg)
{
	return kt_task_for_each_with(prog, NULL, fn, arg);
}

struct kt_error *kt_task_read_one(struct kt_program *prog, uint64_t addr, struct kt_task *ret)
{
	struct task_walk w = {.prog = prog, .r = &prog->reader};
	struct kt_error *err = task_layout_get(prog, &w.l);
	return err ? err : task_read(&w, addr, ret);
}

struct kt_error *kt_cpu_runqueue_task(struct kt_program *prog, unsigned int cpu,
				      const char *member, uint64_t *ret)
{
	struct kt_object rq;
	struct kt_error *err;
	if ((err = kt_object_symbol(prog, "runqueues", "struct rq", &rq, NULL)) ||
	    (err = kt_object_per_cpu(&rq, cpu, &rq)) || (err = kt_object_member(&rq, member, &rq)) ||
	    (err = kt_object_read_unsigned(&rq, ret)))
		return kt_error_prefix(err, "runqueue of CPU %u: %s", cpu, member);
	return NULL;
}

struct kt_error *kt_cpu_current_task(struct kt_program *prog, unsigned int cpu, uint64_t *ret)
{
	return kt_cpu_runqueue_task(prog, cpu, "curr", ret);
}

static struct kt_error *program_symbol(void *arg, const char *name, uint64_t *ret)
{
	return kt_program_symbol_address(arg, name, ret);
}

struct kt_symbol_source kt_program_symbols(struct kt_program *prog)
{
	return (struct kt_symbol_source){program_symbol, prog};
}

/* A stack size the kernel can have: a power of two from 4 KiB (x86-64's smallest) to 1 MiB. */
static bool stack_size_sane(uint64_t size)
{
	return size >= 4096 && size <= (1u << 20) && !(size & (size - 1));
}

static bool variable_size(struct kt_types *types, const char *name, uint64_t *ret)
{
	struct kt_type_ref ref;
	struct kt_error *err = kt_types_variable(types, name, &ref);
	if (err) {
		kt_error_destroy(err);
		return false;
	}
	long long size = btf__resolve_size(ref.btf, (uint32_t)ref.id);
	*ret = size > 0 ? (uint64_t)size : 0;
	return size > 0;
}

struct kt_error *kt_task_stack_size_detect(struct kt_types *types, const struct kt_symbol_source *syms,
					   uint64_t *ret, const char **from_ret)
{
	uint64_t size = 0, start, end;
	const char *from = NULL;
	struct kt_error *err = types ? kt_types_size(types, "thread_union", &size) : NULL;
	// union thread_union { ...; unsigned long stack[THREAD_SIZE / sizeof(long)]; } (v2.6+).
	if (types && !err && stack_size_sane(size)) {
		from = "union thread_union";
	} else {
		kt_error_destroy(err);
		// INIT_TASK_DATA brackets the init task's stack: __start_init_task/__end_init_task,
		// renamed __start_init_stack/__end_init_stack in v6.x.
		static const char *const bounds[][3] = {
			{"__start_init_task", "__end_init_task", "__end_init_task - __start_init_task"},
			{"__start_init_stack", "__end_init_stack", "__end_init_stack - __start_init_stack"},
		};
		for (size_t i = 0; i < sizeof(bounds) / sizeof(bounds[0]) && !from; i++) {
			if (!(err = syms->address(syms->arg, bounds[i][0], &start)) &&
			    !(err = syms->address(syms->arg, bounds[i][1], &end)) && end > start &&
			    stack_size_sane(end - start)) {
				size = end - start;
				from = bounds[i][2];
			}
			if (err == &kt_enomem)
				return err;
			kt_error_destroy(err);
		}
		if (!from && types && variable_size(types, "init_thread_union", &size) &&
		    stack_size_sane(size))
			from = "the type of init_thread_union";
		else if (!from && types && variable_size(types, "init_stack", &size) && stack_size_sane(size))
			from = "the type of init_stack";
	}
	if (!from)
		return kt_error_create(KT_ERROR_UNSUPPORTED, "task stack size (THREAD_SIZE): no union "
				       "thread_union type, no __start_init_task/__end_init_task or "
				       "__start_init_stack/__end_init_stack symbols and no typed "
				       "init_thread_union or init_stack variable");
	*ret = size;
	if (from_ret)
		*from_ret = from;
	return NULL;
}

struct kt_error *kt_task_stack_size(struct kt_program *prog, uint64_t *ret)
{
	struct kt_task_layout l;
	struct kt_error *err = task_layout_get(prog, &l);
	if (err)
		return err;
	if (!l.stack_size) {
		struct kt_types *types = NULL;
		struct kt_error *terr = kt_program_types(prog, &types);
		if (terr) {
			kt_error_destroy(terr);  // the symbols may still tell
			types = NULL;
		}
		struct kt_symbol_source syms = kt_program_symbols(prog);
		if ((err = kt_task_stack_size_detect(types, &syms, &l.stack_size, NULL)))
			return err;
		prog->kernel->task_layout->stack_size = l.stack_size;
	}
	*ret = l.stack_size;
	return NULL;
}
