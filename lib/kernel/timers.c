// SPDX-License-Identifier: MIT
/*
 * timer: the timers each CPU has queued, read as crash's timer reads them.
 *
 * Timer wheel (kernel/time/timer.c, v4.8+): per-CPU timer_bases[NR_BASES], each struct
 * timer_base with vectors[WHEEL_SIZE], hash lists of struct timer_list linked by entry. There
 * are NR_BASES of them: BASE_STD and, with NO_HZ_COMMON, BASE_DEF for deferrable timers; since
 * v6.9 ("timers: Keep the pinned timers separate from the others") three: BASE_LOCAL,
 * BASE_GLOBAL, BASE_DEF. The array's length says which.
 *
 * hrtimers (kernel/time/hrtimer.c): per-CPU hrtimer_bases, struct hrtimer_cpu_base with
 * clock_base[HRTIMER_MAX_CLOCK_BASES]; each struct hrtimer_clock_base keeps its queued hrtimers
 * in active, a struct timerqueue_head: an rbtree of timerqueue_node by expiry (an rb_root_cached
 * since v5.4, "lib/timerqueue: Rely on rbtree semantics for next timer"; before it a bare
 * rb_root "head" with a "next" pointer). Each node is the node member of its struct hrtimer.
 */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/util.h"
#include "kernel/list.h"
#include "kernel/object.h"
#include "kernel/percpu.h"
#include "kernel/rbtree.h"
#include "ktriage.h"

/* Timers per base before a walk gives up: far more than any kernel queues on one CPU. */
enum { TIMERS_PER_BASE_MAX = 1 << 20 };

struct timer_layout {
	uint64_t entry, expires, function;      /* struct timer_list */
	uint64_t hr_node, hr_expires, hr_soft, hr_function;  /* struct hrtimer */
	bool hr_has_soft;
	struct kt_rbtree_layout rb;
};

struct base_walk {
	struct kt_program *prog;
	const struct timer_layout *l;
	struct kt_timer_base *base;
	size_t cap;
	uint64_t now;                 /* jiffies, or the hrtimer clock */
	bool hrtimer;
	struct kt_error *fatal;
};

static struct kt_error *field_offset(struct kt_program *prog, const char *type, const char *path,
				     uint64_t *ret)
{
	struct kt_type_ref ref, member;
	struct kt_error *err = kt_object_lookup_type(prog, type, &ref);
	if (!err)
		err = kt_object_member_offset(prog, ref, path, ret, &member);
	return err ? kt_error_prefix(err, "%s", type) : NULL;
}

static void base_error(struct base_walk *w, struct kt_error *err)
{
	if (!err)
		return;
	if (kt_error_code(err) == KT_ERROR_NOMEM) {
		w->fatal = err;
		return;
	}
	if (!w->base->error) {
		w->base->error = strdup(kt_error_message(err));
		w->base->error_code = kt_error_code(err);
		if (!w->base->error)
			w->fatal = &kt_enomem;
	}
	kt_error_destroy(err);
}

static bool add_timer(struct base_walk *w, const struct kt_timer *t)
{
	struct kt_timer_base *b = w->base;
	if (b->n_timers >= TIMERS_PER_BASE_MAX) {
		base_error(w, kt_error_create(KT_ERROR_LIMIT, "more than %d timers", TIMERS_PER_BASE_MAX));
		return false;
	}
	if (!kt_grow((void **)&b->timers, &w->cap, b->n_timers, sizeof(*b->timers), 32)) {
		w->fatal = &kt_enomem;
		return false;
	}
	struct kt_timer *n = &b->timers[b->n_timers++];
	*n = *t;
	n->tte = (int64_t)(n->expires - w->now);
	const char *module;
	if (n->function && !kt_error_none(kt_program_symbolize(w->prog, n->function, &n->symbol,
								  &n->symbol_offset, &module)))
		n->symbol = NULL;
	return true;
}

/* One timer_list of a wheel bucket: node is its entry. */
static bool wheel_timer(uint64_t node, void *arg)
{
	struct base_walk *w = arg;
	struct kt_reader *r = &w->prog->reader;
	struct kt_timer t = {.address = node - w->l->entry};
	struct kt_error *err = kt_read_u64(r, t.address + w->l->expires, &t.expires);
	if (!err)
		err = kt_read_u64(r, t.address + w->l->function, &t.function);
	if (err) {
		base_error(w, kt_error_prefix(err, "timer_list 0x%llx", (unsigned long long)t.address));
		return false;
	}
	return add_timer(w, &t);
}

/* One hrtimer of a clock base's tree: node is its node.node. */
static bool hrtimer_node(uint64_t node, void *arg)
{
	struct base_walk *w = arg;
	struct kt_reader *r = &w->prog->reader;
	struct kt_timer t = {.address = node - w->l->hr_node};
	struct kt_error *err = kt_read_u64(r, t.address + w->l->hr_expires, &t.expires);
	if (!err && w->l->hr_has_soft)
		err = kt_read_u64(r, t.address + w->l->hr_soft, &t.softexpires);
	if (!err)
		err = kt_read_u64(r, t.address + w->l->hr_function, &t.function);
	if (err) {
		base_error(w, kt_error_prefix(err, "hrtimer 0x%llx", (unsigned long long)t.address));
		return false;
	}
	return add_timer(w, &t);
}

static int by_expiry(const void *a, const void *b)
{
	const struct kt_timer *x = a, *y = b;
	if (x->expires != y->expires)
		return x->expires < y->expires ? -1 : 1;
	return x->address < y->address ? -1 : x->address > y->address;
}

static const char *wheel_name(size_t n_bases, size_t i)
{
	static const char *const two[] = {"BASE_STD", "BASE_DEF"};
	static const char *const three[] = {"BASE_LOCAL", "BASE_GLOBAL", "BASE_DEF"};
	return n_bases == 3 ? three[i] : i < 2 ? two[i] : "BASE_?";
}

/* The length of array object arr. */
static struct kt_error *array_length(const struct kt_object *arr, size_t *ret)
{
	struct kt_object first;
	uint64_t size, elem;
	struct kt_error *err;
	if ((err = kt_object_size(arr, &size)) || (err = kt_object_subscript(arr, 0, &first)) ||
	    (err = kt_object_size(&first, &elem)))
		return err;
	*ret = elem ? size / elem : 0;
	return NULL;
}

static bool grow_bases(struct kt_timer_base **bases, size_t *cap, size_t n)
{
	if (!kt_grow((void **)bases, cap, n, sizeof(**bases), 8))
		return false;
	memset(&(*bases)[n], 0, sizeof(**bases));
	return true;
}

/* One wheel base: every bucket of vectors[]; a bucket that cannot be walked whole keeps the
 * timers read before the damage and the others are still walked, as crash does. */
static void read_wheel(struct base_walk *w, const struct kt_object *base)
{
	struct kt_object vectors;
	uint64_t size;
	struct kt_error *err = kt_object_member(base, "vectors", &vectors);
	if (!err)
		err = kt_object_size(&vectors, &size);
	if (err) {
		base_error(w, kt_error_prefix(err, "timer_base.vectors"));
		return;
	}
	size_t n = size / 8;
	uint64_t *heads = calloc(n ? n : 1, sizeof(*heads));
	if (!heads) {
		w->fatal = &kt_enomem;
		return;
	}
	if ((err = kt_object_read_bytes(&vectors, heads, n * sizeof(*heads)))) {
		base_error(w, kt_error_prefix(err, "timer_base.vectors"));
		free(heads);
		return;
	}
	for (size_t i = 0; i < n && !w->fatal; i++) {
		if (!heads[i])
			continue;
		err = kt_hlist_for_each(&w->prog->reader, vectors.address + i * 8,
					TIMERS_PER_BASE_MAX, wheel_timer, w);
		if (err)
			base_error(w, kt_error_prefix(err, "vectors[%zu]", i));
	}
	free(heads);
	if (w->base->n_timers)  // qsort(NULL, 0, ...) is undefined
		qsort(w->base->timers, w->base->n_timers, sizeof(*w->base->timers), by_expiry);
}

/* HZ from tick_nsec (NSEC_PER_SEC / HZ, nudged by NTP by far less than a tick); 0 if unknown. */
static unsigned int hz_read(struct kt_program *prog)
{
	uint64_t addr, tick;
	if (!kt_error_none(kt_program_symbol_address(prog, "tick_nsec", &addr)) ||
	    !kt_error_none(kt_read_u64(&prog->reader, addr, &tick)) || !tick)
		return 0;
	uint64_t hz = (1000000000ull + tick / 2) / tick;
	return hz >= 10 && hz <= 10000 ? (unsigned int)hz : 0;
}

/* crash's "now" of the hrtimer clocks: uptime in jiffies (jiffies_64 - INITIAL_JIFFIES, which is
 * (unsigned int)(-300 * HZ)) in ns, plus a base's offset. */
static int64_t uptime_ns(uint64_t jiffies64, unsigned int hz)
{
	uint64_t initial = (uint32_t)(-300 * (int64_t)hz);
	return (int64_t)((jiffies64 - initial) * (1000000000ull / hz));
}

static struct kt_error *layout_read(struct kt_program *prog, bool hrtimers, struct timer_layout *l)
{
	struct kt_error *err;
	if ((err = field_offset(prog, "struct timer_list", "entry", &l->entry)) ||
	    (err = field_offset(prog, "struct timer_list", "expires", &l->expires)) ||
	    (err = field_offset(prog, "struct timer_list", "function", &l->function)))
		return err;
	if (!hrtimers)
		return NULL;
	if ((err = kt_rbtree_layout_get(prog, &l->rb)) ||
	    (err = field_offset(prog, "struct hrtimer", "node.node", &l->hr_node)) ||
	    (err = field_offset(prog, "struct hrtimer", "node.expires", &l->hr_expires)) ||
	    (err = field_offset(prog, "struct hrtimer", "function", &l->hr_function)))
		return err;
	struct kt_error *soft = field_offset(prog, "struct hrtimer", "_softexpires", &l->hr_soft);
	l->hr_has_soft = soft == NULL;  // v2.6.28+
	kt_error_destroy(soft);
	return NULL;
}

/* One hrtimer clock base: its timerqueue's rbtree in order. */
static void read_clock(struct base_walk *w, const struct kt_object *clock, uint64_t jiffies64,
		       unsigned int hz)
{
	struct kt_timer_base *b = w->base;
	uint64_t get_time = 0, root = 0;
	const char *module;
	uint64_t off;
	if (kt_object_member_u64(clock, "get_time", &get_time) && get_time &&
	    !kt_error_none(kt_program_symbolize(w->prog, get_time, &b->name, &off, &module)))
		b->name = NULL;
	int64_t offset = 0;
	struct kt_object o;
	if (kt_error_none(kt_object_member(clock, "offset", &o)))
		kt_error_none(kt_object_read_signed(&o, &offset));
	b->now = hz ? uptime_ns(jiffies64, hz) + offset : 0;
	w->now = (uint64_t)b->now;
	struct kt_error *err = kt_object_member(clock, "active.rb_root.rb_root.rb_node", &o);
	if (err && kt_error_code(err) == KT_ERROR_NOT_FOUND) {
		kt_error_destroy(err);
		err = kt_object_member(clock, "active.head.rb_node", &o);
	}
	if (!err)
		err = kt_object_read_unsigned(&o, &root);
	if (!err)
		err = kt_rbtree_for_each(&w->prog->reader, &w->l->rb, root, TIMERS_PER_BASE_MAX,
					 hrtimer_node, w);
	base_error(w, err ? kt_error_prefix(err, "hrtimer_clock_base.active") : NULL);
}

static struct kt_error *read_hrtimers(struct kt_program *prog, const struct timer_layout *l,
				      const struct kt_percpu *percpu, const bool *cpus,
				      unsigned int n_cpus, struct kt_timers *t)
{
	struct kt_object all;
	uint64_t jiffies64 = t->jiffies;
	struct kt_error *err = kt_object_from_symbol(prog, "hrtimer_bases", &all);
	if (err)
		return kt_error_prefix(err, "hrtimer_bases");
	struct kt_object j64;
	if (kt_error_none(kt_object_from_symbol(prog, "jiffies_64", &j64)))
		kt_error_none(kt_object_read_unsigned(&j64, &jiffies64));
	size_t cap = 0;
	for (unsigned int cpu = 0; cpu < percpu->nr_cpu_ids; cpu++) {
		if (!kt_percpu_online(percpu, cpu) || (cpus && (cpu >= n_cpus || !cpus[cpu])))
			continue;
		struct kt_object cb = {0}, bases;
		size_t n = 0;
		if (!grow_bases(&t->clocks, &cap, t->n_clocks))
			return &kt_enomem;
		struct kt_timer_base *first = &t->clocks[t->n_clocks];
		first->cpu = cpu;
		if ((err = kt_object_per_cpu(&all, cpu, &cb)) ||
		    (err = kt_object_member(&cb, "clock_base", &bases)) ||
		    (err = array_length(&bases, &n))) {
			struct base_walk w = {.prog = prog, .l = l, .base = first};
			first->cpu_base = cb.address;
			t->n_clocks++;
			base_error(&w, kt_error_prefix(err, "CPU %u: hrtimer_bases", cpu));
			if (w.fatal)
				return w.fatal;
			continue;
		}
		for (size_t i = 0; i < n; i++) {
			if (!grow_bases(&t->clocks, &cap, t->n_clocks))
				return &kt_enomem;
			struct kt_timer_base *b = &t->clocks[t->n_clocks++];
			struct base_walk w = {.prog = prog, .l = l, .base = b, .hrtimer = true};
			struct kt_object clock;
			*b = (struct kt_timer_base){.cpu = cpu, .index = (unsigned int)i,
						    .cpu_base = cb.address};
			if ((err = kt_object_subscript(&bases, i, &clock)))
				base_error(&w, err);
			else {
				b->address = clock.address;
				read_clock(&w, &clock, jiffies64, t->hz);
			}
			if (w.fatal)
				return w.fatal;
		}
	}
	return NULL;
}

struct kt_error *kt_timers_read(struct kt_program *prog, const bool *cpus, unsigned int n_cpus,
				bool hrtimers, struct kt_timers **ret)
{
	struct timer_layout l = {0};
	const struct kt_percpu *percpu;
	struct kt_object all, jiffies;
	struct kt_error *err;
	if ((err = kt_object_from_symbol(prog, "timer_bases", &all)))
		return kt_error_prefix(err, "timer_bases (the timer wheel of v4.8 and later)");
	if ((err = layout_read(prog, hrtimers, &l)) || (err = kt_percpu_get(prog, &percpu)))
		return err;
	struct kt_timers *t = calloc(1, sizeof(*t));
	if (!t)
		return &kt_enomem;
	if ((err = kt_object_from_symbol(prog, "jiffies", &jiffies)) ||
	    (err = kt_object_read_unsigned(&jiffies, &t->jiffies))) {
		kt_timers_destroy(t);
		return kt_error_prefix(err, "jiffies");
	}
	t->hz = hz_read(prog);
	size_t cap = 0;
	for (unsigned int cpu = 0; cpu < percpu->nr_cpu_ids && !err; cpu++) {
		if (!kt_percpu_online(percpu, cpu) || (cpus && (cpu >= n_cpus || !cpus[cpu])))
			continue;
		struct kt_object bases;
		size_t n = 0;
		struct kt_error *cpu_err = kt_object_per_cpu(&all, cpu, &bases);
		if (!cpu_err)
			cpu_err = array_length(&bases, &n);
		if (cpu_err) {
			if (!grow_bases(&t->wheels, &cap, t->n_wheels)) {
				err = &kt_enomem;
				break;
			}
			struct kt_timer_base *b = &t->wheels[t->n_wheels++];
			struct base_walk w = {.prog = prog, .l = &l, .base = b};
			b->cpu = cpu;
			b->name = wheel_name(2, 0);
			base_error(&w, kt_error_prefix(cpu_err, "CPU %u: timer_bases", cpu));
			err = w.fatal;
			continue;
		}
		for (size_t i = 0; i < n && !err; i++) {
			if (!grow_bases(&t->wheels, &cap, t->n_wheels)) {
				err = &kt_enomem;
				break;
			}
			struct kt_timer_base *b = &t->wheels[t->n_wheels++];
			struct base_walk w = {.prog = prog, .l = &l, .base = b, .now = t->jiffies};
			struct kt_object base;
			b->cpu = cpu;
			b->index = (unsigned int)i;
			b->name = wheel_name(n, i);
			if ((err = kt_object_subscript(&bases, i, &base))) {
				base_error(&w, err);
				err = NULL;
			} else {
				b->address = base.address;
				read_wheel(&w, &base);
			}
			err = w.fatal;
		}
	}
	if (!err && hrtimers)
		err = read_hrtimers(prog, &l, percpu, cpus, n_cpus, t);
	if (err) {
		kt_timers_destroy(t);
		return err;
	}
	*ret = t;
	return NULL;
}

static void bases_free(struct kt_timer_base *bases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(bases[i].timers);
		free(bases[i].error);
	}
	free(bases);
}

void kt_timers_destroy(struct kt_timers *timers)
{
	if (!timers)
		return;
	bases_free(timers->wheels, timers->n_wheels);
	bases_free(timers->clocks, timers->n_clocks);
	free(timers);
}
