// SPDX-License-Identifier: MIT
/*
 * workqueue.stall: a worker pool whose pending work items do not run (kernel/workqueue.c), a wait
 * that lock scans miss: a work item that never returns keeps its worker, and while that worker
 * counts as running the pool wakes no other, so everything queued behind it waits. The kernel's
 * own workqueue watchdog (CONFIG_WQ_WATCHDOG, 4.5+) calls a pool stuck when its worklist is not
 * empty and pool->watchdog_ts (set when a worker starts an item, or when an item is queued on an
 * empty list) is older than wq_watchdog_thresh seconds; this check applies the same rule to the
 * dump, and takes the watchdog's "BUG: workqueue lockup" line for the pool as evidence too.
 *
 * Pools walked: every possible CPU's cpu_worker_pools (NR_STD_WORKER_POOLS = 2: normal and
 * high priority), bh_worker_pools where the kernel has them (6.9+), and every unbound pool in
 * unbound_pool_hash (which holds them all); the same pools worker_pool_idr numbers. The
 * watchdog's touch stamps (wq_watchdog_touched, touched again by the crash path) are not used:
 * the pool's own watchdog_ts is what says when it last made progress. Kernels before 4.5 have no
 * watchdog_ts and are not judged.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/util.h"
#include "findings/findings.h"
#include "findings/spin_point.h"
#include "kernel/object.h"

static const char code[] = "workqueue.stall";
static const char title[] = "Workqueue pool stalled: pending work items are not run";

enum {
	NR_STD_WORKER_POOLS = 2,       /* include/linux/workqueue.h, 3.9..6.12 */
	UNBOUND_POOL_HASH_SIZE = 64,   /* 1 << UNBOUND_POOL_HASH_ORDER (6) */
	WQ_DEFAULT_THRESH = 30,        /* kernel/workqueue.c: wq_watchdog_thresh's default */
	POOLS_MAX = 4096,
	WORK_BUDGET = 1 << 20,         /* items walked on one worklist */
	BUSY_BUDGET = 4096,            /* workers walked in one busy_hash bucket */
	WORKS_LISTED = 8,
	BUSY_LISTED = 8,
};

struct pool_ref {
	struct kt_object obj;
	char where[64];                /* "cpu_worker_pools[0] of CPU 1" */
};

struct wq_ctx {
	struct kt_findings_input *in;
	struct kt_program *prog;
	struct pool_ref *pools;
	size_t n_pools, cap_pools;
	char walk_note[256];           /* pools that could not be walked */
	bool has_jiffies;
	uint64_t jiffies;
	unsigned int hz;               /* 0: unknown */
	char hz_source[128];
	uint64_t thresh;               /* seconds */
	char thresh_source[160];
};

struct work_item {
	uint64_t work, func;
	char name[128];
};

struct busy_worker {
	uint64_t worker, work, func, task;
	char func_name[128];
	char wq_name[32];
	int32_t pid;
	char comm[17];
	const char *state;
	bool on_cpu;
	int cpu;
	char frames[400];
	char above[400];               /* frames inside the work function (an interrupt), if any */
	char frames_note[160];
	const struct kt_backtrace *bt; /* for the signature; owned by owned_bt or the input */
	struct kt_backtrace *owned_bt;
	size_t bt_start;
};

struct pool_view {
	uint64_t address;
	int64_t cpu, id, nice;
	uint64_t flags;
	bool has_nice, has_watchdog_ts;
	uint64_t watchdog_ts;
	struct work_item works[WORKS_LISTED];
	size_t n_works, total_works;
	char works_note[200];
	struct busy_worker busy[BUSY_LISTED];
	size_t n_busy, total_busy;
	char busy_note[200];
};

/* Adds "WHAT ... ERROR" (fmt takes the two strings) to a note of what could not be read. */
static void note_append(char *buf, size_t size, const char *fmt, const char *what, const struct kt_error *err)
{
	size_t len = strlen(buf);
	if (len + 4 >= size)
		return;
	if (len)
		len += (size_t)snprintf(buf + len, size - len, "; ");
	if (len < size)
		snprintf(buf + len, size - len, fmt, what, kt_error_message(err));
}

static void symbol_name(struct kt_program *prog, uint64_t addr, char *buf, size_t size)
{
	const char *name = NULL, *module = NULL;
	uint64_t off = 0;
	struct kt_error *err = kt_program_symbolize(prog, addr, &name, &off, &module);
	if (err || !name)
		kt_textf(buf, size, "0x%" PRIx64, addr);
	else if (off)
		kt_textf(buf, size, "%s+0x%" PRIx64 "%s%s%s", name, off, module ? " [" : "", module ? module : "",
			 module ? "]" : "");
	else
		kt_textf(buf, size, "%s%s%s%s", name, module ? " [" : "", module ? module : "", module ? "]" : "");
	kt_error_destroy(err);
}

/* An unsigned long variable the kernel's types may not describe (a static without BTF). */
static struct kt_error *read_ulong(struct kt_program *prog, const char *name, uint64_t *ret)
{
	struct kt_object obj;
	struct kt_error *err = kt_object_symbol(prog, name, "unsigned long", &obj, NULL);
	if (!err)
		err = kt_object_read_unsigned(&obj, ret);
	return err;
}

/* HZ from TICK_NSEC (tick_nsec: NSEC_PER_SEC / HZ, nudged by NTP by far less than a tick), else
 * TICK_USEC (tick_usec); ticks are never shorter than 100 us or longer than 100 ms. */
static struct kt_error *hz_read(struct wq_ctx *c)
{
	static const struct {
		const char *name;
		uint64_t per_second;
	} sources[] = {{"tick_nsec", 1000000000ull}, {"tick_usec", 1000000ull}};
	for (size_t i = 0; i < KT_ARRAY_SIZE(sources); i++) {
		uint64_t tick = 0;
		struct kt_error *err = read_ulong(c->prog, sources[i].name, &tick);
		if (err == &kt_enomem)
			return err;
		if (!err && tick) {
			uint64_t hz = (sources[i].per_second + tick / 2) / tick;
			if (hz >= 10 && hz <= 10000) {
				c->hz = (unsigned int)hz;
				kt_textf(c->hz_source, sizeof(c->hz_source), "%u, from %s = %" PRIu64 " (%" PRIu64
					 " per second / HZ)", c->hz, sources[i].name, tick, sources[i].per_second);
				return NULL;
			}
			kt_textf(c->hz_source, sizeof(c->hz_source), "unknown: %s = %" PRIu64 " is no tick length",
				 sources[i].name, tick);
			continue;
		}
		kt_textf(c->hz_source, sizeof(c->hz_source), "unknown: %s: %s", sources[i].name,
			 err ? kt_error_message(err) : "0");
		kt_error_destroy(err);
	}
	return NULL;
}

static struct kt_error *limits_read(struct wq_ctx *c)
{
	struct kt_object j;
	struct kt_error *err = kt_object_from_symbol(c->prog, "jiffies", &j);
	if (!err)
		err = kt_object_read_unsigned(&j, &c->jiffies);
	if (err == &kt_enomem)
		return err;
	c->has_jiffies = !err;
	kt_error_destroy(err);
	if ((err = hz_read(c)))
		return err;
	err = read_ulong(c->prog, "wq_watchdog_thresh", &c->thresh);
	if (err == &kt_enomem)
		return err;
	if (!err && c->thresh)
		kt_textf(c->thresh_source, sizeof(c->thresh_source), "%" PRIu64 " s (wq_watchdog_thresh)", c->thresh);
	else if (!err)
		kt_textf(c->thresh_source, sizeof(c->thresh_source), "%d s (wq_watchdog_thresh is 0, the "
			 "watchdog is off: its default used)", WQ_DEFAULT_THRESH);
	else
		kt_textf(c->thresh_source, sizeof(c->thresh_source), "%d s (the watchdog's default: "
			 "wq_watchdog_thresh: %s, CONFIG_WQ_WATCHDOG off?)", WQ_DEFAULT_THRESH, kt_error_message(err));
	if (err || !c->thresh)
		c->thresh = WQ_DEFAULT_THRESH;
	kt_error_destroy(err);
	return NULL;
}

static bool pool_add(struct wq_ctx *c, const struct kt_object *pool, const char *where)
{
	for (size_t i = 0; i < c->n_pools; i++)
		if (c->pools[i].obj.address == pool->address)
			return true;
	if (c->n_pools >= POOLS_MAX)
		return true;
	if (!kt_grow((void **)&c->pools, &c->cap_pools, c->n_pools, sizeof(*c->pools), 16))
		return false;
	c->pools[c->n_pools].obj = *pool;
	kt_textf(c->pools[c->n_pools].where, sizeof(c->pools[c->n_pools].where), "%s", where);
	c->n_pools++;
	return true;
}

/* A per-CPU array of NR_STD_WORKER_POOLS pools (cpu_worker_pools, bh_worker_pools). */
static struct kt_error *percpu_pools(struct wq_ctx *c, const char *symbol, bool optional)
{
	unsigned int nr_cpus;
	const struct kt_error *cerr = kt_input_nr_cpus(c->in, &nr_cpus);
	if (cerr) {
		note_append(c->walk_note, sizeof(c->walk_note), "%s not walked: %s", symbol, cerr);
		return cerr == &kt_enomem ? &kt_enomem : NULL;
	}
	struct kt_object pools;
	uint64_t size = 0;
	struct kt_error *err = kt_object_symbol(c->prog, symbol, "struct worker_pool", &pools, NULL);
	if (!err)
		err = kt_object_size(&pools, &size);
	if (err) {
		if (err == &kt_enomem)
			return err;
		if (!optional || kt_error_code(err) != KT_ERROR_NOT_FOUND)
			note_append(c->walk_note, sizeof(c->walk_note), "%s not walked: %s", symbol, err);
		kt_error_destroy(err);
		return NULL;
	}
	for (unsigned int cpu = 0; cpu < nr_cpus; cpu++) {
		struct kt_object mine;
		if ((err = kt_object_per_cpu(&pools, cpu, &mine))) {
			if (err == &kt_enomem)
				return err;
			kt_error_destroy(err);  // not a possible CPU
			continue;
		}
		for (unsigned int i = 0; i < NR_STD_WORKER_POOLS; i++) {
			struct kt_object pool = mine;
			pool.address += i * size;
			char where[64];
			kt_textf(where, sizeof(where), "%s[%u] of CPU %u", symbol, i, cpu);
			if (!pool_add(c, &pool, where))
				return &kt_enomem;
		}
	}
	return NULL;
}

struct unbound_walk {
	struct wq_ctx *c;
	bool nomem;
};

static bool unbound_one(const struct kt_object *pool, void *arg)
{
	struct unbound_walk *w = arg;
	char where[64];
	kt_textf(where, sizeof(where), "unbound_pool_hash");
	if (!pool_add(w->c, pool, where)) {
		w->nomem = true;
		return false;
	}
	return true;
}

static struct kt_error *unbound_pools(struct wq_ctx *c)
{
	uint64_t hash;
	struct kt_error *err = kt_program_symbol_address(c->prog, "unbound_pool_hash", &hash);
	if (err) {
		if (err == &kt_enomem)
			return err;
		note_append(c->walk_note, sizeof(c->walk_note), "%s not walked: %s", "unbound_pool_hash", err);
		kt_error_destroy(err);
		return NULL;
	}
	struct unbound_walk w = {.c = c};
	for (unsigned int i = 0; i < UNBOUND_POOL_HASH_SIZE; i++) {
		struct kt_object head;
		// DECLARE_HASHTABLE: an array of struct hlist_head, one pointer each on 64-bit.
		if (!(err = kt_object_from_address(c->prog, "struct hlist_head", hash + 8 * i, &head)))
			err = kt_object_hlist_for_each(&head, "struct worker_pool", "hash_node", POOLS_MAX,
						       unbound_one, &w);
		if (w.nomem || err == &kt_enomem) {
			kt_error_destroy(err);
			return &kt_enomem;
		}
		if (err) {
			char what[48];
			kt_textf(what, sizeof(what), "unbound_pool_hash[%u]", i);
			note_append(c->walk_note, sizeof(c->walk_note), "%s: %s", what, err);
			bool no_type = kt_error_code(err) == KT_ERROR_NOT_FOUND;
			kt_error_destroy(err);
			if (no_type)
				break;  // no hlist_head or worker_pool type: no bucket can be walked
		}
	}
	return NULL;
}

/* The watchdog's last report for this pool: "BUG: workqueue lockup - pool cpus=1 node=0 flags=0x0
 * nice=0 stuck for 31s!" (pr_cont_pool_info, 4.5..6.12). Unbound pools print a CPU list, matched
 * on flags and nice only when the pool is unbound. */
static const char *log_report(struct wq_ctx *c, const struct pool_view *p)
{
	const struct kt_log_line *log;
	size_t n;
	if (kt_input_log(c->in, &log, &n))
		return NULL;
	const char *found = NULL;
	for (size_t i = 0; i < n; i++) {
		const char *at = strstr(log[i].text, "workqueue lockup - pool ");
		if (!at)
			continue;
		const char *cpus = strstr(at, "cpus="), *flags = strstr(at, "flags="), *nice = strstr(at, "nice=");
		if (!cpus || !flags || !nice)
			continue;
		char *end;
		long cpu = strtol(cpus + 5, &end, 10);
		bool single = end != cpus + 5 && (*end == ' ' || !*end);
		unsigned long fl = strtoul(flags + 6, NULL, 16);
		long ni = strtol(nice + 5, NULL, 10);
		if (fl != p->flags || (p->has_nice && ni != p->nice))
			continue;
		if (p->cpu >= 0 ? single && cpu == p->cpu : !single)
			found = log[i].text;
	}
	return found;
}

struct works_walk {
	struct wq_ctx *c;
	struct pool_view *p;
	struct kt_error *err;
};

static bool work_one(const struct kt_object *work, void *arg)
{
	struct works_walk *w = arg;
	struct pool_view *p = w->p;
	if (p->n_works < WORKS_LISTED) {
		struct work_item *it = &p->works[p->n_works++];
		*it = (struct work_item){.work = work->address};
		struct kt_object func;
		struct kt_error *err = kt_object_member(work, "func", &func);
		if (!err)
			err = kt_object_read_unsigned(&func, &it->func);
		if (err) {
			kt_textf(it->name, sizeof(it->name), "func unreadable: %s", kt_error_message(err));
			kt_error_destroy(err);
		} else {
			symbol_name(w->c->prog, it->func, it->name, sizeof(it->name));
		}
	}
	p->total_works++;
	return true;
}

static void task_describe(struct wq_ctx *c, struct busy_worker *b)
{
	const struct kt_task *tasks;
	size_t n = 0;
	kt_input_tasks(c->in, &tasks, &n);
	for (size_t i = 0; i < n; i++) {
		if (tasks[i].address != b->task)
			continue;
		b->pid = tasks[i].pid;
		memcpy(b->comm, tasks[i].comm, sizeof(b->comm));
		b->state = tasks[i].state_name;
		b->on_cpu = tasks[i].active;
		b->cpu = tasks[i].cpu;
		return;
	}
	// Not in the task list (a list cut short): the worker's own task_struct.
	struct kt_object task, comm;
	uint64_t pid = 0;
	struct kt_error *err = kt_object_from_address(c->prog, "struct task_struct", b->task, &task);
	if (!err && kt_object_member_u64(&task, "pid", &pid))
		b->pid = (int32_t)pid;
	if (!err)
		err = kt_object_member(&task, "comm", &comm);
	if (!err)
		err = kt_object_read_string(&comm, b->comm, sizeof(b->comm));
	kt_error_destroy(err);
}

/* The worker's verified frames: its CPU's backtrace when it is running, else its saved stack. */
static struct kt_error *worker_frames(struct wq_ctx *c, struct busy_worker *b)
{
	const struct kt_backtrace *bt = NULL;
	if (b->on_cpu && b->cpu >= 0) {
		const struct kt_error *berr;
		bt = kt_input_cpu_backtrace(c->in, (unsigned int)b->cpu, &berr);
		if (!bt && berr == &kt_enomem)
			return &kt_enomem;
		if (!bt)
			kt_textf(b->frames_note, sizeof(b->frames_note), "CPU %d: %s", b->cpu, kt_error_message(berr));
	} else {
		struct kt_error *err = kt_backtrace_task_with(c->prog, b->task, NULL, &b->owned_bt);
		if (err == &kt_enomem)
			return err;
		if (err)
			kt_textf(b->frames_note, sizeof(b->frames_note), "%s", kt_error_message(err));
		kt_error_destroy(err);
		bt = b->owned_bt;
	}
	if (!bt)
		return NULL;
	b->bt = bt;
	// From the first verified frame outside the crash machinery (a running worker was stopped by
	// the crash NMI).
	size_t start = 0;
	while (start < bt->n_frames && (bt->frames[start].status != KT_FRAME_VERIFIED || !bt->frames[start].function ||
					kt_signature_skips(bt->frames[start].function)))
		start++;
	// The work function's own frame, when the stack shows it: what ran above it (an interrupt
	// that the crash NMI happened to find) is kept apart.
	const char *func = NULL, *module = NULL;
	uint64_t off = 0;
	struct kt_error *err = b->func ? kt_program_symbolize(c->prog, b->func, &func, &off, &module) : NULL;
	kt_error_destroy(err);
	for (size_t i = start; !err && func && !off && i < bt->n_frames; i++) {
		if (bt->frames[i].status == KT_FRAME_VERIFIED && bt->frames[i].function &&
		    !strcmp(bt->frames[i].function, func)) {
			size_t inner = 0;
			for (size_t k = start; k < i; k++)
				inner += bt->frames[k].status == KT_FRAME_VERIFIED;
			if (inner)
				kt_frames_text(bt, start, inner, b->above, sizeof(b->above));
			start = i;
			break;
		}
	}
	b->bt_start = start;
	kt_frames_text(bt, start, 6, b->frames, sizeof(b->frames));
	if (!b->frames[0])
		kt_textf(b->frames_note, sizeof(b->frames_note), "no verified frame (%s)", bt->note);
	return NULL;
}

struct busy_walk {
	struct wq_ctx *c;
	struct pool_view *p;
};

static bool busy_one(const struct kt_object *worker, void *arg)
{
	struct busy_walk *w = arg;
	struct pool_view *p = w->p;
	p->total_busy++;
	if (p->n_busy >= BUSY_LISTED)
		return true;
	struct busy_worker *b = &p->busy[p->n_busy++];
	*b = (struct busy_worker){.worker = worker->address, .cpu = -1, .pid = -1};
	kt_object_member_u64(worker, "current_work", &b->work);
	kt_object_member_u64(worker, "task", &b->task);
	if (kt_object_member_u64(worker, "current_func", &b->func))
		symbol_name(w->c->prog, b->func, b->func_name, sizeof(b->func_name));
	else
		kt_textf(b->func_name, sizeof(b->func_name), "unknown");
	struct kt_object o;
	struct kt_error *err = kt_object_member(worker, "current_pwq->wq->name", &o);
	if (!err)
		err = kt_object_read_string(&o, b->wq_name, sizeof(b->wq_name));
	kt_error_destroy(err);
	return true;
}

static struct kt_error *busy_read(struct wq_ctx *c, const struct kt_object *pool, struct pool_view *p)
{
	struct kt_object hash, bucket;
	uint64_t size = 0, bucket_size = 0;
	struct kt_error *err = kt_object_member(pool, "busy_hash", &hash);
	if (!err)
		err = kt_object_size(&hash, &size);
	if (!err)
		err = kt_object_subscript(&hash, 0, &bucket);
	if (!err)
		err = kt_object_size(&bucket, &bucket_size);
	if (!err && !bucket_size)
		err = kt_error_create(KT_ERROR_BAD_DATA, "busy_hash has empty buckets");
	struct busy_walk w = {c, p};
	for (uint64_t i = 0; !err && i < size / bucket_size; i++) {
		if (!(err = kt_object_subscript(&hash, i, &bucket)))
			err = kt_object_hlist_for_each(&bucket, "struct worker", "hentry", BUSY_BUDGET, busy_one, &w);
	}
	if (err) {
		if (err == &kt_enomem)
			return err;
		kt_textf(p->busy_note, sizeof(p->busy_note), "busy_hash: %s", kt_error_message(err));
		kt_error_destroy(err);
	}
	for (size_t i = 0; i < p->n_busy; i++) {
		if (!p->busy[i].task)
			continue;
		task_describe(c, &p->busy[i]);
		if ((err = worker_frames(c, &p->busy[i])))
			return err;
	}
	return NULL;
}

/* The worker that keeps the pool: one on a CPU, else one that is runnable, else the first. */
static const struct busy_worker *blocker(const struct pool_view *p)
{
	for (size_t i = 0; i < p->n_busy; i++)
		if (p->busy[i].on_cpu)
			return &p->busy[i];
	for (size_t i = 0; i < p->n_busy; i++)
		if (p->busy[i].state && !strcmp(p->busy[i].state, "RU"))
			return &p->busy[i];
	return p->n_busy ? &p->busy[0] : NULL;
}

static bool panic_about_workqueue(struct kt_findings_input *in)
{
	const struct kt_sys_info *sys;
	return !kt_input_sys(in, &sys) && sys->panic_message && strcasestr(sys->panic_message, "workqueue");
}

static struct kt_error *finding_add(struct wq_ctx *c, struct kt_findings_list *list, const struct pool_ref *ref,
				    const struct pool_view *p, const char *report, bool aged)
{
	struct kt_finding *f = kt_finding_add(list, code, title,
					      panic_about_workqueue(c->in) ? KT_SEVERITY_CRITICAL : KT_SEVERITY_ERROR);
	if (!f)
		return &kt_enomem;
	const struct busy_worker *b = blocker(p);
	f->cpu = p->cpu >= 0 ? (int)p->cpu : -1;
	f->task = b ? b->task : 0;
	char pool_text[160], stalled[200] = "";
	if (p->cpu >= 0)
		kt_textf(pool_text, sizeof(pool_text), "cpus=%" PRId64, p->cpu);
	else
		kt_textf(pool_text, sizeof(pool_text), "unbound");
	size_t len = strlen(pool_text);
	snprintf(pool_text + len, sizeof(pool_text) - len, " flags=0x%" PRIx64, p->flags);
	len = strlen(pool_text);
	if (p->has_nice)
		snprintf(pool_text + len, sizeof(pool_text) - len, " nice=%" PRId64, p->nice);
	uint64_t age = c->jiffies - p->watchdog_ts;
	if (aged)
		kt_textf(stalled, sizeof(stalled), "%" PRIu64 " s: watchdog_ts %" PRIu64 ", jiffies %" PRIu64 " (%" PRIu64
			 " jiffies, HZ %u)", age / c->hz, p->watchdog_ts, c->jiffies, age, c->hz);
	else if (p->has_watchdog_ts && c->has_jiffies)
		kt_textf(stalled, sizeof(stalled), "%" PRIu64 " jiffies: watchdog_ts %" PRIu64 ", jiffies %" PRIu64, age,
			 p->watchdog_ts, c->jiffies);
	bool ok = kt_finding_fact(f, "pool", "0x%" PRIx64 " (%s), id %" PRId64 ": %s", p->address, ref->where, p->id,
				  pool_text) &&
		  (!stalled[0] || kt_finding_fact(f, "stalled", "%s", stalled)) &&
		  kt_finding_fact(f, "threshold", "%s; HZ %s", c->thresh_source, c->hz_source) &&
		  (!report || kt_finding_fact(f, "watchdog", "%s", report)) &&
		  kt_finding_fact(f, "pending", "%zu work item%s on pool->worklist%s%s", p->total_works,
				  p->total_works == 1 ? "" : "s", p->works_note[0] ? "; " : "", p->works_note);
	for (size_t i = 0; ok && i < p->n_works; i++) {
		char key[32];
		kt_textf(key, sizeof(key), "pending.%zu", i);
		ok = kt_finding_fact(f, key, "work 0x%" PRIx64 ": %s", p->works[i].work, p->works[i].name);
	}
	ok = ok && kt_finding_fact(f, "busy", "%zu busy worker%s in pool->busy_hash%s%s", p->total_busy,
				   p->total_busy == 1 ? "" : "s", p->busy_note[0] ? "; " : "", p->busy_note);
	for (size_t i = 0; ok && i < p->n_busy; i++) {
		const struct busy_worker *w = &p->busy[i];
		char key[32];
		kt_textf(key, sizeof(key), "busy.%zu", i);
		char where[48];
		if (w->on_cpu)
			kt_textf(where, sizeof(where), "running on CPU %d", w->cpu);
		else
			kt_textf(where, sizeof(where), "state %s", w->state ? w->state : "?");
		ok = kt_finding_fact(f, key, "worker 0x%" PRIx64 ": current_work 0x%" PRIx64 " %s%s%s%s, pid %d \"%s\", "
				     "task 0x%" PRIx64 ", %s", w->worker, w->work, w->func_name,
				     w->wq_name[0] ? " (workqueue " : "", w->wq_name, w->wq_name[0] ? ")" : "",
				     w->pid, w->comm, w->task, where);
		kt_textf(key, sizeof(key), "busy.%zu.frames", i);
		if (ok)
			ok = kt_finding_fact(f, key, "%s", w->frames[0] ? w->frames : w->frames_note);
		kt_textf(key, sizeof(key), "busy.%zu.inside", i);
		if (ok && w->above[0])
			ok = kt_finding_fact(f, key, "%s (what the work function was running when the dump was taken)",
					     w->above);
	}
	if (!ok)
		return &kt_enomem;
	char func[128] = "an unknown function", fname[128];
	if (b && b->func)
		kt_textf(func, sizeof(func), "%s", b->func_name);
	char first[160] = "";
	if (p->n_works)
		kt_textf(first, sizeof(first), " (first: %s)", p->works[0].name);
	char how_long[64] = "";
	if (aged)
		kt_textf(how_long, sizeof(how_long), " for %" PRIu64 " s", age / c->hz);
	if (b)
		kt_textf(f->summary, sizeof(f->summary),
			 "Worker pool %s has made no progress%s: %zu pending work item%s%s wait behind %s, which "
			 "worker pid %d \"%s\" is still running%s.", pool_text, how_long, p->total_works,
			 p->total_works == 1 ? "" : "s", first, func, b->pid, b->comm,
			 b->on_cpu ? " on its CPU" : "");
	else
		kt_textf(f->summary, sizeof(f->summary),
			 "Worker pool %s has made no progress%s: %zu pending work item%s%s, and no busy worker "
			 "holds the pool (no worker could be started?).", pool_text, how_long, p->total_works,
			 p->total_works == 1 ? "" : "s", first);
	// The function alone: no offset, no address, no CPU.
	const char *name = NULL, *module = NULL;
	uint64_t off = 0;
	struct kt_error *err = b && b->func ? kt_program_symbolize(c->prog, b->func, &name, &off, &module) : NULL;
	kt_error_destroy(err);
	char sig[192];
	if (b && !err && name) {
		kt_signature_function(fname, sizeof(fname), name);
		kt_textf(sig, sizeof(sig), "workqueue stall: %s%s%s%s blocks the pool", fname, module ? " [" : "",
			 module ? module : "", module ? "]" : "");
	} else {
		kt_textf(sig, sizeof(sig), "workqueue stall: %s", b ? "an unknown function blocks the pool"
								  : "no busy worker");
	}
	ok = kt_finding_sign_text(f, sig) &&
	     kt_finding_command(f, list, "struct worker_pool 0x%" PRIx64, p->address) &&
	     (!p->n_works || kt_finding_command(f, list, "struct work_struct 0x%" PRIx64, p->works[0].work)) &&
	     (!b || kt_finding_command(f, list, "struct worker 0x%" PRIx64, b->worker)) &&
	     (!b || b->pid < 0 || kt_finding_command(f, list, "bt %d", b->pid)) &&
	     (!report || kt_finding_command(f, list, "log"));
	return ok ? NULL : &kt_enomem;
}

static void view_free(struct pool_view *p)
{
	for (size_t i = 0; i < p->n_busy; i++)
		kt_backtrace_destroy(p->busy[i].owned_bt);
}

static struct kt_error *pool_check(struct wq_ctx *c, struct kt_findings_list *list, const struct pool_ref *ref)
{
	const struct kt_object *pool = &ref->obj;
	struct kt_object worklist;
	uint64_t next = 0;
	struct kt_error *err = kt_object_member(pool, "worklist", &worklist);
	if (!err)
		err = kt_object_member_u64(&worklist, "next", &next) ? NULL
			: kt_error_create(KT_ERROR_FAULT, "pool 0x%" PRIx64 ": worklist.next unreadable", pool->address);
	if (err) {
		if (err == &kt_enomem)
			return err;
		char what[96];
		kt_textf(what, sizeof(what), "%s", ref->where);
		note_append(c->walk_note, sizeof(c->walk_note), "%s: %s", what, err);
		kt_error_destroy(err);
		return NULL;
	}
	if (next == worklist.address || !next)
		return NULL;  // nothing pending
	struct pool_view *p = calloc(1, sizeof(*p));
	if (!p)
		return &kt_enomem;
	p->address = pool->address;
	p->cpu = -1;
	uint64_t v;
	if (kt_object_member_u64(pool, "cpu", &v))
		p->cpu = (int32_t)v;
	if (kt_object_member_u64(pool, "id", &v))
		p->id = (int32_t)v;
	kt_object_member_u64(pool, "flags", &p->flags);
	if ((p->has_nice = kt_object_member_u64(pool, "attrs->nice", &v)))
		p->nice = (int32_t)v;
	p->has_watchdog_ts = kt_object_member_u64(pool, "watchdog_ts", &p->watchdog_ts);
	bool aged = p->has_watchdog_ts && c->has_jiffies && c->hz &&
		    c->jiffies - p->watchdog_ts > c->thresh * c->hz && c->jiffies - p->watchdog_ts < (1ull << 62);
	const char *report = log_report(c, p);
	if (!aged && !report) {
		free(p);
		return NULL;
	}
	struct works_walk ww = {c, p, NULL};
	err = kt_object_list_for_each(&worklist, "struct work_struct", "entry", WORK_BUDGET, work_one, &ww);
	if (err == &kt_enomem)
		goto out;
	if (err) {
		kt_textf(p->works_note, sizeof(p->works_note), "the walk stopped: %s", kt_error_message(err));
		kt_error_destroy(err);
	}
	if ((err = busy_read(c, pool, p)))
		goto out;
	err = finding_add(c, list, ref, p, report, aged);
out:
	view_free(p);
	free(p);
	return err;
}

struct kt_error *kt_finding_workqueue_stall(struct kt_findings_input *in, struct kt_findings_list *list)
{
	struct wq_ctx c = {.in = in, .prog = in->prog};
	struct kt_type_ref t;
	struct kt_error *err = kt_object_lookup_type(in->prog, "struct worker_pool", &t);
	if (err) {
		// No workqueue types: nothing can be judged (the kernel's BTF/DWARF lacks them).
		kt_error_destroy(err);
		return err == &kt_enomem ? err : NULL;
	}
	size_t before = list->n;
	if ((err = limits_read(&c)) || (err = percpu_pools(&c, "cpu_worker_pools", false)) ||
	    (err = percpu_pools(&c, "bh_worker_pools", true)) || (err = unbound_pools(&c)))
		goto out;
	for (size_t i = 0; i < c.n_pools && !err; i++)
		err = pool_check(&c, list, &c.pools[i]);
	// What could not be walked is evidence for each finding (a stall elsewhere may be missed).
	for (size_t i = before; !err && c.walk_note[0] && i < list->n; i++)
		if (!kt_finding_fact(&list->items[i], "not walked", "%s", c.walk_note))
			err = &kt_enomem;
out:
	free(c.pools);
	return err;
}
