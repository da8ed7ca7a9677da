// SPDX-License-Identifier: MIT
/*
 * runq: each online CPU's runqueue (struct rq, kernel/sched/sched.h), read as crash's runq reads
 * it. The running task is rq->curr; the queued ones are, per scheduling class, the deadline
 * entities in rq->dl's rbtree, the RT entities on rq->rt.active's per-priority lists and the fair
 * entities in rq->cfs's rbtree (the running task is in none of them: the scheduler takes it out
 * while it runs). With group scheduling a fair (or RT) entity may be a group's, whose own queue
 * (se->my_q) holds that group's entities: the walk goes down into it, as crash does, and records
 * the group. The stopper thread (rq->stop) is in no queue: it is queued when its on_rq says so.
 * Trees before v4.14 are bare struct rb_root (rb_root_cached came with commit
 * bfb068892d30, "sched/fair: replace cfs_rq->rb_leftmost"); both are read.
 */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/util.h"
#include "kernel/object.h"
#include "kernel/percpu.h"
#include "kernel/rbtree.h"
#include "kernel/tasks.h"
#include "ktriage.h"

/* Group queues nested deeper than this are not a task-group hierarchy but damage. */
enum { RUNQ_GROUP_DEPTH_MAX = 32 };
/* Entities per CPU before a walk gives up: more than PID_MAX_LIMIT tasks cannot be queued. */
enum { RUNQ_ENTRIES_MAX = 4 << 20 };

struct runq_layout {
	struct kt_rbtree_layout rb;
	uint64_t task_se, task_rt, task_dl, task_prio;  /* offsets in struct task_struct */
	uint64_t se_run_node, dl_rb_node, rt_run_list;  /* the links in each entity */
	bool se_my_q, rt_my_q, dl_server;               /* members this kernel has */
};

struct cpu_walk {
	struct kt_program *prog;
	const struct runq_layout *l;
	struct kt_runq_cpu *cpu;
	size_t cap_entries, cap_groups;
	enum kt_runq_class cls;
	size_t group;
	unsigned int depth;
	uint64_t fair_server;       /* &rq->fair_server (6.8+), or 0 */
	uint64_t first;             /* the first node an rbtree walk gave */
	struct kt_error *fatal;     /* out of memory: the whole read fails */
};

static struct kt_error *offset_of(struct kt_program *prog, const char *type, const char *path,
				  uint64_t *ret)
{
	struct kt_type_ref ref, member;
	struct kt_error *err = kt_object_lookup_type(prog, type, &ref);
	return err ? err : kt_object_member_offset(prog, ref, path, ret, &member);
}

static bool has_member(struct kt_program *prog, const char *type, const char *path)
{
	struct kt_type_ref ref;
	struct kt_error *err = kt_object_lookup_type(prog, type, &ref);
	if (err) {
		kt_error_destroy(err);
		return false;
	}
	return kt_object_type_has_member(prog, ref, path);
}

static struct kt_error *layout_read(struct kt_program *prog, struct runq_layout *l)
{
	struct kt_error *err;
	if ((err = kt_rbtree_layout_get(prog, &l->rb)) ||
	    (err = offset_of(prog, "struct task_struct", "se", &l->task_se)) ||
	    (err = offset_of(prog, "struct task_struct", "rt", &l->task_rt)) ||
	    (err = offset_of(prog, "struct task_struct", "dl", &l->task_dl)) ||
	    (err = offset_of(prog, "struct task_struct", "prio", &l->task_prio)) ||
	    (err = offset_of(prog, "struct sched_entity", "run_node", &l->se_run_node)) ||
	    (err = offset_of(prog, "struct sched_rt_entity", "run_list", &l->rt_run_list)) ||
	    (err = offset_of(prog, "struct sched_dl_entity", "rb_node", &l->dl_rb_node)))
		return kt_error_prefix(err, "the scheduler's types");
	// Group scheduling (CONFIG_FAIR_GROUP_SCHED, CONFIG_RT_GROUP_SCHED) and deadline servers.
	l->se_my_q = has_member(prog, "struct sched_entity", "my_q");
	l->rt_my_q = has_member(prog, "struct sched_rt_entity", "my_q");
	l->dl_server = has_member(prog, "struct sched_dl_entity", "dl_server");
	return NULL;
}

/* Keeps the first error of a CPU's walks; the others come after it in time and say less. */
static void cpu_error(struct cpu_walk *w, struct kt_error *err)
{
	if (!err)
		return;
	if (kt_error_code(err) == KT_ERROR_NOMEM) {
		if (!w->fatal)
			w->fatal = err;
		else
			kt_error_destroy(err);
		return;
	}
	if (!w->cpu->error) {
		w->cpu->error = strdup(kt_error_message(err));
		w->cpu->error_code = kt_error_code(err);
		if (!w->cpu->error)
			w->fatal = &kt_enomem;
	}
	kt_error_destroy(err);
}

/* The cgroup's directory name of a task group: tg->css.cgroup->kn->name. */
static void group_name(struct kt_program *prog, uint64_t tg, char *buf, size_t size)
{
	struct kt_object o;
	buf[0] = 0;
	struct kt_error *err = kt_object_from_address(prog, "struct task_group", tg, &o);
	if (!err)
		err = kt_object_member(&o, "css.cgroup->kn->name", &o);
	if (!err)
		err = kt_object_read_string(&o, buf, size);
	if (err)
		buf[0] = 0;
	kt_error_destroy(err);
}

static bool add_group(struct cpu_walk *w, enum kt_runq_class cls, uint64_t queue, size_t parent,
		      unsigned int depth, size_t *index_ret)
{
	struct kt_runq_cpu *c = w->cpu;
	if (!kt_grow((void **)&c->groups, &w->cap_groups, c->n_groups, sizeof(*c->groups), 8)) {
		w->fatal = &kt_enomem;
		return false;
	}
	struct kt_runq_group *g = &c->groups[c->n_groups];
	*g = (struct kt_runq_group){.sched_class = cls, .queue = queue, .depth = depth,
				    .parent = depth ? parent : c->n_groups};
	struct kt_object q;
	if (kt_error_none(kt_object_from_address(w->prog, cls == KT_RUNQ_FAIR ? "struct cfs_rq"
						 : "struct rt_rq", queue, &q)) &&
	    kt_object_member_u64(&q, "tg", &g->task_group) && g->task_group && depth)
		group_name(w->prog, g->task_group, g->name, sizeof(g->name));
	*index_ret = c->n_groups++;
	return true;
}

static bool add_entry(struct cpu_walk *w, uint64_t entity, uint64_t task)
{
	struct kt_runq_cpu *c = w->cpu;
	if (c->n_entries >= RUNQ_ENTRIES_MAX) {
		cpu_error(w, kt_error_create(KT_ERROR_LIMIT, "CPU %u: more than %d queued entities",
					     c->cpu, RUNQ_ENTRIES_MAX));
		return false;
	}
	struct kt_runq_entry e = {.sched_class = w->cls, .entity = entity, .group = w->group,
				  .prio = -1};
	if (task) {
		uint32_t prio;
		struct kt_error *err = kt_task_read_one(w->prog, task, &e.task);
		if (!err)
			err = kt_read_u32(&w->prog->reader, task + w->l->task_prio, &prio);
		if (err) {
			cpu_error(w, kt_error_prefix(err, "CPU %u: the task of queued entity 0x%llx",
						     c->cpu, (unsigned long long)entity));
			return false;
		}
		e.has_task = true;
		e.prio = (int)prio;
	}
	if (!kt_grow((void **)&c->entries, &w->cap_entries, c->n_entries, sizeof(*c->entries), 64)) {
		w->fatal = &kt_enomem;
		return false;
	}
	c->entries[c->n_entries++] = e;
	return true;
}

static void walk_fair(struct cpu_walk *w, uint64_t cfs_rq, size_t group, unsigned int depth);
static void walk_rt(struct cpu_walk *w, uint64_t rt_rq, size_t group, unsigned int depth);

/* A group entity's queue, walked as a group below the current one; false on a fatal error. */
static bool descend(struct cpu_walk *w, uint64_t my_q)
{
	if (w->depth + 1 > RUNQ_GROUP_DEPTH_MAX) {
		cpu_error(w, kt_error_create(KT_ERROR_LIMIT, "CPU %u: group queues nested deeper than "
					     "%d at 0x%llx", w->cpu->cpu, RUNQ_GROUP_DEPTH_MAX,
					     (unsigned long long)my_q));
		return false;
	}
	size_t index;
	if (!add_group(w, w->cls, my_q, w->group, w->depth + 1, &index))
		return false;
	struct cpu_walk saved = *w;
	if (w->cls == KT_RUNQ_FAIR)
		walk_fair(w, my_q, index, w->depth + 1);
	else
		walk_rt(w, my_q, index, w->depth + 1);
	w->group = saved.group;
	w->depth = saved.depth;
	w->first = saved.first;
	return !w->fatal;
}

/* A sched_entity's group queue (se->my_q), 0 for a task's entity. */
static uint64_t fair_my_q(struct cpu_walk *w, uint64_t se)
{
	struct kt_object o;
	uint64_t my_q = 0;
	if (w->l->se_my_q && kt_error_none(kt_object_from_address(w->prog, "struct sched_entity", se, &o)))
		kt_object_member_u64(&o, "my_q", &my_q);
	return my_q;
}

static bool visit_fair(uint64_t node, void *arg)
{
	struct cpu_walk *w = arg;
	if (!w->first)
		w->first = node;
	uint64_t se = node - w->l->se_run_node, my_q = fair_my_q(w, se);
	return my_q ? descend(w, my_q) : add_entry(w, se, se - w->l->task_se);
}

/* The root node and cached leftmost of a tree at member root_path of obj: rb_root_cached
 * (v4.14+) or a bare rb_root with the leftmost beside it (leftmost_path). */
static struct kt_error *tree_root(const struct kt_object *obj, const char *cached, const char *bare,
				  const char *leftmost_path, uint64_t *root_ret, uint64_t *leftmost_ret,
				  uint64_t *address_ret)
{
	struct kt_object t;
	char path[64];
	snprintf(path, sizeof(path), "%s.rb_root", cached);
	*leftmost_ret = 0;
	struct kt_error *err = kt_object_member(obj, path, &t);
	if (!err) {
		snprintf(path, sizeof(path), "%s.rb_leftmost", cached);
		kt_object_member_u64(obj, path, leftmost_ret);
	} else {
		kt_error_destroy(err);
		if ((err = kt_object_member(obj, bare, &t)))
			return err;
		kt_object_member_u64(obj, leftmost_path, leftmost_ret);
	}
	*address_ret = t.address;
	if ((err = kt_object_member(&t, "rb_node", &t)) || (err = kt_object_read_unsigned(&t, root_ret)))
		return err;
	return NULL;
}

/* Walks one rbtree of entities; checks the cached leftmost against the first node. */
static void walk_tree(struct cpu_walk *w, const struct kt_object *queue, const char *cached,
		      const char *bare, const char *leftmost_path, kt_list_fn *visit, uint64_t *root_address)
{
	uint64_t root, leftmost, address;
	struct kt_error *err = tree_root(queue, cached, bare, leftmost_path, &root, &leftmost, &address);
	if (err) {
		cpu_error(w, kt_error_prefix(err, "CPU %u: the queue at 0x%llx", w->cpu->cpu,
					     (unsigned long long)queue->address));
		return;
	}
	if (root_address)
		*root_address = address;
	w->first = 0;
	err = kt_rbtree_for_each(&w->prog->reader, &w->l->rb, root, RUNQ_ENTRIES_MAX, visit, w);
	if (!err && leftmost && w->first && leftmost != w->first)
		err = kt_error_create(KT_ERROR_BAD_DATA, "the tree at 0x%llx caches 0x%llx as its "
				      "leftmost node, but its first is 0x%llx",
				      (unsigned long long)address, (unsigned long long)leftmost,
				      (unsigned long long)w->first);
	if (err)
		cpu_error(w, kt_error_prefix(err, "CPU %u", w->cpu->cpu));
}

static void walk_fair(struct cpu_walk *w, uint64_t cfs_rq, size_t group, unsigned int depth)
{
	struct kt_object q;
	struct kt_error *err = kt_object_from_address(w->prog, "struct cfs_rq", cfs_rq, &q);
	if (err) {
		cpu_error(w, err);
		return;
	}
	w->cls = KT_RUNQ_FAIR;
	w->group = group;
	w->depth = depth;
	walk_tree(w, &q, "tasks_timeline", "tasks_timeline", "rb_leftmost", visit_fair,
		  depth ? NULL : &w->cpu->cfs_root);
	// A group whose entity runs now is out of the tree, but its queue still holds its waiting
	// tasks: crash lists them too.
	uint64_t curr = 0, my_q;
	if (!w->fatal && kt_object_member_u64(&q, "curr", &curr) && w->cpu->has_current &&
	    curr == w->cpu->current.address + w->l->task_se)
		w->cpu->current_queue = cfs_rq;
	if (!w->fatal && curr && (my_q = fair_my_q(w, curr))) {
		w->group = group;
		w->depth = depth;
		descend(w, my_q);
	}
}

struct rt_list {
	struct cpu_walk *w;
	bool stop;
};

static bool visit_rt(const struct kt_object *rt_se, void *arg)
{
	struct rt_list *r = arg;
	struct cpu_walk *w = r->w;
	uint64_t my_q = 0;
	if (w->l->rt_my_q)
		kt_object_member_u64(rt_se, "my_q", &my_q);
	bool go = my_q ? descend(w, my_q) : add_entry(w, rt_se->address, rt_se->address - w->l->task_rt);
	r->stop = !go;
	return go;
}

static void walk_rt(struct cpu_walk *w, uint64_t rt_rq, size_t group, unsigned int depth)
{
	struct kt_object q, queue;
	uint64_t size = 0, elem = 0;
	struct kt_error *err = kt_object_from_address(w->prog, "struct rt_rq", rt_rq, &q);
	if (!err)
		err = kt_object_member(&q, "active.queue", &queue);
	if (!err && !(err = kt_object_size(&queue, &size))) {
		struct kt_object first;
		if (!(err = kt_object_subscript(&queue, 0, &first)))
			err = kt_object_size(&first, &elem);
	}
	if (err || !elem) {
		cpu_error(w, kt_error_prefix(err ? err : kt_error_create(KT_ERROR_BAD_DATA, "empty"),
					     "CPU %u: the RT queue at 0x%llx", w->cpu->cpu,
					     (unsigned long long)rt_rq));
		return;
	}
	if (!depth) {
		struct kt_object active;
		if (kt_error_none(kt_object_member(&q, "active", &active)))
			w->cpu->rt_array = active.address;
	}
	for (uint64_t prio = 0; prio < size / elem && !w->fatal; prio++) {
		struct kt_object head;
		struct rt_list r = {w, false};
		w->cls = KT_RUNQ_RT;
		w->group = group;
		w->depth = depth;
		if (!(err = kt_object_subscript(&queue, prio, &head)))
			err = kt_object_list_for_each(&head, "struct sched_rt_entity", "run_list",
						      RUNQ_ENTRIES_MAX, visit_rt, &r);
		if (err) {
			cpu_error(w, kt_error_prefix(err, "CPU %u: RT priority %llu", w->cpu->cpu,
						     (unsigned long long)prio));
			return;
		}
		if (r.stop)
			return;
	}
}

static bool visit_dl(uint64_t node, void *arg)
{
	struct cpu_walk *w = arg;
	if (!w->first)
		w->first = node;
	uint64_t dl_se = node - w->l->dl_rb_node, server = 0;
	struct kt_object o;
	// A deadline server (6.8+: rq->fair_server) is an entity of no task.
	if (w->l->dl_server &&
	    kt_error_none(kt_object_from_address(w->prog, "struct sched_dl_entity", dl_se, &o)))
		kt_object_member_u64(&o, "dl_server", &server);
	bool is_server = server || dl_se == w->fair_server;
	return add_entry(w, dl_se, is_server ? 0 : dl_se - w->l->task_dl);
}

/* The running task: who, its priority, when it went on the CPU, its queue. */
static void read_current(struct cpu_walk *w, const struct kt_object *rq)
{
	struct kt_runq_cpu *c = w->cpu;
	uint64_t curr;
	struct kt_object task;
	struct kt_error *err = kt_object_member_u64(rq, "curr", &curr) ? NULL
		: kt_error_create(KT_ERROR_NOT_FOUND, "rq->curr cannot be read");
	if (!err)
		err = kt_task_read_one(w->prog, curr, &c->current);
	if (err) {
		cpu_error(w, kt_error_prefix(err, "CPU %u: the current task", c->cpu));
		return;
	}
	c->has_current = true;
	c->current.active = true;
	uint64_t prio = 0;
	if (kt_error_none(kt_object_from_address(w->prog, "struct task_struct", curr, &task))) {
		c->has_last_arrival = kt_object_member_u64(&task, "sched_info.last_arrival", &c->last_arrival);
		c->has_exec_start = kt_object_member_u64(&task, "se.exec_start", &c->exec_start);
		kt_object_member_u64(&task, "prio", &prio);
	}
	c->current_prio = (int)prio;
}

static void read_cpu(struct cpu_walk *w, const struct kt_object *rq)
{
	struct kt_runq_cpu *c = w->cpu;
	struct kt_object member;
	uint64_t nr = 0;
	c->rq = rq->address;
	c->has_clock = kt_object_member_u64(rq, "clock", &c->clock);
	kt_object_member_u64(rq, "nr_running", &nr);
	c->nr_running = (uint32_t)nr;
	read_current(w, rq);
	if (kt_error_none(kt_object_member(rq, "fair_server", &member)))
		w->fair_server = member.address;
	size_t root_cfs, root_rt;
	struct kt_object cfs, rt, dl;
	struct kt_error *err;
	if ((err = kt_object_member(rq, "cfs", &cfs)) || (err = kt_object_member(rq, "rt", &rt)) ||
	    (err = kt_object_member(rq, "dl", &dl))) {
		cpu_error(w, kt_error_prefix(err, "CPU %u: struct rq", c->cpu));
		return;
	}
	if (!add_group(w, KT_RUNQ_FAIR, cfs.address, 0, 0, &root_cfs) ||
	    !add_group(w, KT_RUNQ_RT, rt.address, 0, 0, &root_rt))
		return;
	// The stopper thread is in no queue: rq->stop with on_rq set (TASK_ON_RQ_QUEUED).
	uint64_t stop = 0, on_rq = 0;
	struct kt_object task;
	w->cls = KT_RUNQ_STOP;
	w->group = root_cfs;
	if (kt_object_member_u64(rq, "stop", &stop) && stop && !(c->has_current && stop == c->current.address) &&
	    kt_error_none(kt_object_from_address(w->prog, "struct task_struct", stop, &task)) &&
	    kt_object_member_u64(&task, "on_rq", &on_rq) && on_rq == 1 &&
	    !add_entry(w, stop, stop))
		return;
	w->cls = KT_RUNQ_DEADLINE;
	w->depth = 0;
	walk_tree(w, &dl, "root", "rb_root", "rb_leftmost", visit_dl, &c->dl_root);
	if (!w->fatal)
		walk_rt(w, rt.address, root_rt, 0);
	if (!w->fatal)
		walk_fair(w, cfs.address, root_cfs, 0);
}

void kt_runq_destroy(struct kt_runq *runq)
{
	if (!runq)
		return;
	for (size_t i = 0; i < runq->n_cpus; i++) {
		free(runq->cpus[i].groups);
		free(runq->cpus[i].entries);
		free(runq->cpus[i].error);
	}
	free(runq->cpus);
	free(runq);
}

struct kt_error *kt_runq_read(struct kt_program *prog, struct kt_runq **ret)
{
	struct runq_layout l;
	const struct kt_percpu *percpu;
	struct kt_object rqs;
	struct kt_error *err;
	if ((err = kt_object_symbol(prog, "runqueues", "struct rq", &rqs, NULL)))
		return kt_error_prefix(err, "the runqueues");
	if ((err = layout_read(prog, &l)) || (err = kt_percpu_get(prog, &percpu)))
		return err;
	struct kt_runq *runq = calloc(1, sizeof(*runq));
	if (!runq || !(runq->cpus = calloc(percpu->nr_cpu_ids ? percpu->nr_cpu_ids : 1,
					   sizeof(*runq->cpus)))) {
		free(runq);
		return &kt_enomem;
	}
	for (unsigned int cpu = 0; cpu < percpu->nr_cpu_ids; cpu++) {
		if (!kt_percpu_online(percpu, cpu))
			continue;
		struct kt_runq_cpu *c = &runq->cpus[runq->n_cpus++];
		struct cpu_walk w = {.prog = prog, .l = &l, .cpu = c};
		struct kt_object rq;
		c->cpu = cpu;
		if ((err = kt_object_per_cpu(&rqs, cpu, &rq)))
			cpu_error(&w, kt_error_prefix(err, "CPU %u: runqueues", cpu));
		else
			read_cpu(&w, &rq);
		if (w.fatal) {
			kt_runq_destroy(runq);
			return w.fatal;
		}
	}
	*ret = runq;
	return NULL;
}
