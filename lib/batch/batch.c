// SPDX-License-Identifier: MIT
/*
 * ktriage batch: every dump hashed in a worker, looked up in the store by its content, and
 * analysed in a worker of its own unless the store has it; each result stored and handed to
 * the caller as it finishes, then grouped by signature. Analyses go before hashes waiting in
 * the queue, so results come while the rest are still being hashed.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "batch/batch.h"
#include "batch/report_fields.h"
#include "core/error.h"
#include "core/util.h"
#include "store/store.h"

struct item {
	struct kt_batch_file *file;
	char sha256[65];
	bool finished;
	size_t result;                   /* index in the summary's dumps, once finished */
	bool is_dup;                     /* the same content as an item before it */
	size_t *dups;                    /* items of the same content waiting for this one */
	size_t n_dups, cap_dups;
};

struct job_arg {
	struct run *run;
	size_t item;
};

struct run {
	const struct kt_batch_options *o;
	struct kt_batch_files files;
	struct item *items;
	struct job_arg *args;            /* one per item, for its jobs */
	struct kt_batch_summary *sum;
	size_t cap_dumps;
	struct kt_pool *pool;
	struct kt_error *err;            /* the first error that stops the run */
	size_t done;
};

enum job_kind { JOB_HASH, JOB_ANALYSE };


static int write_all(int fd, const char *s)
{
	size_t len = strlen(s);
	while (len) {
		ssize_t n = write(fd, s, len);
		if (n <= 0)
			return 1;
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

static int hash_job(void *arg, int fd)
{
	struct run *r = ((struct job_arg *)arg)->run;
	struct item *it = &r->items[((struct job_arg *)arg)->item];
	char hex[65];
	struct kt_error *err = kt_sha256_file(it->file->path, hex);
	if (err)
		return write_all(fd, kt_error_message(err)), 1;
	return write_all(fd, hex);
}

static int analyse_job(void *arg, int fd)
{
	struct run *r = ((struct job_arg *)arg)->run;
	struct item *it = &r->items[((struct job_arg *)arg)->item];
	static const struct kt_open_options defaults;
	struct kt_program *prog;
	struct kt_report *report = NULL;
	struct kt_error *err = kt_program_open(it->file->path, r->o->open ? r->o->open : &defaults, &prog);
	if (err)
		return write_all(fd, kt_error_message(err)), 1;
	err = kt_report_build(prog, it->file->path, &report);
	if (!err && r->o->known)
		err = kt_report_match_known(report, r->o->known);
	if (err)
		return write_all(fd, kt_error_message(err)), 1;
	FILE *out = fdopen(fd, "w");
	if (!out)
		return 1;
	kt_report_render(out, KT_FORMAT_JSON, report, NULL);
	// The process ends here: the program and the report go with it, unfreed.
	return fclose(out) ? 1 : 0;
}

static struct job_arg *job_arg(struct run *r, size_t item)
{
	r->args[item] = (struct job_arg){r, item};
	return &r->args[item];
}

static struct kt_batch_dump *result_new(struct run *r, struct item *it, enum kt_batch_status status)
{
	struct kt_batch_summary *s = r->sum;
	if (!kt_grow((void **)&s->dumps, &r->cap_dumps, s->n_dumps, sizeof(*s->dumps), 64))
		return NULL;
	struct kt_batch_dump *d = &s->dumps[s->n_dumps];
	memset(d, 0, sizeof(*d));
	if (!(d->path = strdup(it->file->path)))
		return NULL;
	s->n_dumps++;
	d->status = status;
	d->size = it->file->size;
	d->format = it->file->format;
	memcpy(d->sha256, it->sha256, sizeof(d->sha256));
	return d;
}

static bool dup_or_null(char **out, const char *s)
{
	*out = s ? strdup(s) : NULL;
	return !s || *out;
}

static void result_known(struct run *r, struct kt_batch_dump *d)
{
	const struct kt_known_issue *k =
		d->signature ? kt_known_issues_match(r->o->known, d->signature, d->signature_hash) : NULL;
	if (k && !(d->known = kt_known_issue_copy(k)) && !r->err)
		r->err = &kt_enomem;
}

static void signature_count(struct run *r, struct kt_batch_dump *d)
{
	struct kt_store_signature row;
	bool found;
	if (!d->signature)
		return;
	struct kt_error *err = kt_store_signature(r->o->store, d->signature, &row, &found);
	if (err) {
		if (!r->err)
			r->err = err;
		else
			kt_error_destroy(err);
		return;
	}
	if (found) {
		d->signature_count = row.count;
		kt_store_signature_deinit(&row);
	}
}

static void finish(struct run *r, size_t index, struct kt_batch_dump *d);

/* The result of a file with the same content as item, which has its own. */
static void duplicate(struct run *r, struct item *it, size_t index)
{
	struct item *dup = &r->items[index];
	struct kt_batch_dump *d = result_new(r, dup, KT_BATCH_DUPLICATE);
	const struct kt_batch_dump *orig = &r->sum->dumps[it->result];
	if (!d || !dup_or_null(&d->same_as, orig->path) || !dup_or_null(&d->release, orig->release) ||
	    !dup_or_null(&d->panic_message, orig->panic_message) ||
	    !dup_or_null(&d->signature, orig->signature) ||
	    !dup_or_null(&d->signature_hash, orig->signature_hash) ||
	    (orig->known && !(d->known = kt_known_issue_copy(orig->known)))) {
		r->err = &kt_enomem;
		return;
	}
	d->has_crash_time = orig->has_crash_time;
	d->crash_time = orig->crash_time;
	signature_count(r, d);
	// Only content the store holds has paths there.
	struct kt_error *err = orig->status == KT_BATCH_ANALYSED || orig->status == KT_BATCH_STORED
		? kt_store_add_path(r->o->store, dup->sha256, dup->file->path, time(NULL)) : NULL;
	if (err && !r->err)
		r->err = err;
	finish(r, index, d);
}

static void finish(struct run *r, size_t index, struct kt_batch_dump *d)
{
	struct item *it = &r->items[index];
	it->finished = true;
	it->result = (size_t)(d - r->sum->dumps);
	r->done++;
	if (r->o->on_dump)
		r->o->on_dump(r->o->arg, d, r->done, r->files.n);
	for (size_t i = 0; i < it->n_dups && !r->err; i++)
		duplicate(r, it, it->dups[i]);
}

static const char *status_stored(enum kt_batch_status s)
{
	return s == KT_BATCH_ANALYSED ? "ok" : s == KT_BATCH_FAILED ? "failed"
	     : s == KT_BATCH_CRASHED ? "crashed" : "timeout";
}

static void analysed(struct run *r, size_t index, struct kt_job_result *res)
{
	struct item *it = &r->items[index];
	struct kt_report_fields f = {0};
	enum kt_batch_status status = KT_BATCH_ANALYSED;
	char why[160] = "";
	struct kt_error *err = NULL;
	if (res->timed_out) {
		status = KT_BATCH_TIMEOUT;
		kt_textf(why, sizeof(why), "timed out after %g s", r->o->timeout);
	} else if (!res->exited) {
		status = KT_BATCH_CRASHED;
		const char *name = res->status > 0 ? sigabbrev_np(res->status) : NULL;
		kt_textf(why, sizeof(why), "killed by SIG%s", name ? name : "?");
		if (!name)
			kt_textf(why, sizeof(why), "killed by signal %d", res->status);
	} else if (res->status) {
		status = KT_BATCH_FAILED;
		kt_textf(why, sizeof(why), "%s", res->len ? res->output : "the worker failed without a reason");
	} else if ((err = kt_report_fields_parse(res->output, &f))) {
		if (err == &kt_enomem) {
			r->err = err;
			return;
		}
		status = KT_BATCH_FAILED;
		kt_textf(why, sizeof(why), "%s", kt_error_message(err));
		kt_error_destroy(err);
	}
	struct kt_batch_dump *d = result_new(r, it, status);
	if (!d || (why[0] && !(d->error = strdup(why))) || !dup_or_null(&d->release, f.release) ||
	    !dup_or_null(&d->panic_message, f.panic_message) || !dup_or_null(&d->signature, f.signature) ||
	    !dup_or_null(&d->signature_hash, f.signature_hash)) {
		kt_report_fields_deinit(&f);
		r->err = &kt_enomem;
		return;
	}
	d->has_crash_time = f.has_crash_time;
	d->crash_time = f.crash_time;
	d->seconds = res->seconds;
	d->max_rss_kb = res->max_rss_kb;
	r->sum->n_analysed++;
	result_known(r, d);
	struct kt_store_signature before;
	bool seen = false;
	if (d->signature && !(err = kt_store_signature(r->o->store, d->signature, &before, &seen)) && seen)
		kt_store_signature_deinit(&before);
	// Seen before only through this very content (a --reanalyse) is not seen elsewhere.
	struct kt_store_dump *old = NULL;
	if (!err && seen && r->o->reanalyse && !(err = kt_store_find(r->o->store, it->sha256, &old)) && old)
		seen = !old->signature || strcmp(old->signature, d->signature) || before.count > 1;
	kt_store_dumps_destroy(old, old ? 1 : 0);
	d->new_signature = d->signature && !seen;
	struct kt_store_entry e = {
		.sha256 = it->sha256, .path = it->file->path, .format = it->file->format,
		.status = status_stored(status), .error = d->error, .size = it->file->size,
		.release = d->release, .panic_message = d->panic_message, .signature = d->signature,
		.signature_hash = d->signature_hash, .has_crash_time = d->has_crash_time,
		.crash_time = d->crash_time, .analysed_at = time(NULL), .seconds = d->seconds,
		.known = d->known, .report_json = status == KT_BATCH_ANALYSED ? res->output : NULL,
		.findings = f.findings, .n_findings = f.n_findings,
	};
	if (!err)
		err = kt_store_put(r->o->store, &e);
	kt_report_fields_deinit(&f);
	if (err) {
		r->err = err;
		return;
	}
	signature_count(r, d);
	finish(r, index, d);
}

static struct kt_error *from_store(struct run *r, size_t index, struct kt_store_dump *row)
{
	struct item *it = &r->items[index];
	struct kt_batch_dump *d = result_new(r, it, KT_BATCH_STORED);
	if (!d || !dup_or_null(&d->release, row->release) ||
	    !dup_or_null(&d->panic_message, row->panic_message) ||
	    !dup_or_null(&d->signature, row->signature) ||
	    !dup_or_null(&d->signature_hash, row->signature_hash) || !dup_or_null(&d->error, row->error))
		return &kt_enomem;
	d->has_crash_time = row->has_crash_time;
	d->crash_time = row->crash_time;
	result_known(r, d);
	struct kt_error *err = kt_store_add_path(r->o->store, it->sha256, it->file->path, time(NULL));
	// A known-issues file given now (or changed) updates what the store says.
	const char *bug = d->known ? d->known->bug : NULL;
	if (!err && r->o->known && (!bug != !row->known_bug || (bug && strcmp(bug, row->known_bug))))
		err = kt_store_set_known(r->o->store, it->sha256, d->known);
	if (err)
		return err;
	signature_count(r, d);
	finish(r, index, d);
	return NULL;
}

static void hashed(struct run *r, size_t index, struct kt_job_result *res)
{
	struct item *it = &r->items[index];
	r->sum->hash_seconds += res->seconds;
	if (!res->exited || res->status || res->len != 64) {
		struct kt_batch_dump *d = result_new(r, it, KT_BATCH_FAILED);
		char why[256];
		kt_textf(why, sizeof(why), "cannot hash the file: %s",
			 res->exited && res->len ? res->output : "its worker died");
		if (!d || !(d->error = strdup(why)))
			r->err = &kt_enomem;
		else
			finish(r, index, d);
		return;
	}
	memcpy(it->sha256, res->output, 65);
	// The same content as a file hashed before it in this run: one analysis for both.
	for (size_t i = 0; i < r->files.n; i++) {
		struct item *o = &r->items[i];
		if (i == index || o->is_dup || !o->sha256[0] || strcmp(o->sha256, it->sha256))
			continue;
		it->is_dup = true;
		if (o->finished) {
			duplicate(r, o, index);
		} else if (kt_grow((void **)&o->dups, &o->cap_dups, o->n_dups, sizeof(*o->dups), 4)) {
			o->dups[o->n_dups++] = index;
		} else {
			r->err = &kt_enomem;
		}
		return;
	}
	struct kt_store_dump *row = NULL;
	struct kt_error *err = kt_store_find(r->o->store, it->sha256, &row);
	if (!err && row && !r->o->reanalyse && strcmp(row->status, "timeout")) {
		err = from_store(r, index, row);
		kt_store_dumps_destroy(row, 1);
		if (err)
			r->err = err;
		return;
	}
	kt_store_dumps_destroy(row, row ? 1 : 0);
	if (!err)
		err = kt_pool_add(r->pool, index * 2 + JOB_ANALYSE, analyse_job, job_arg(r, index),
				  r->o->timeout, true, "kt-analyse");
	if (err)
		r->err = err;
}

static void job_done(void *arg, size_t id, struct kt_job_result *res)
{
	struct run *r = arg;
	if (!r->err) {
		if (id % 2 == JOB_HASH)
			hashed(r, id / 2, res);
		else
			analysed(r, id / 2, res);
	}
	// An error stops the run: nothing more is started.
	if (r->err)
		kt_pool_stop(r->pool);
}

static int by_count(const void *a, const void *b)
{
	const struct kt_batch_group *x = a, *y = b;
	return x->count != y->count ? (x->count < y->count ? 1 : -1) : strcmp(x->signature, y->signature);
}

static struct kt_error *groups(struct run *r)
{
	struct kt_batch_summary *s = r->sum;
	size_t cap = 0;
	for (size_t i = 0; i < s->n_dumps; i++) {
		const struct kt_batch_dump *d = &s->dumps[i];
		if (!d->signature)
			continue;
		size_t g = 0;
		while (g < s->n_groups && strcmp(s->groups[g].signature, d->signature))
			g++;
		if (g == s->n_groups) {
			if (!kt_grow((void **)&s->groups, &cap, s->n_groups, sizeof(*s->groups), 16))
				return &kt_enomem;
			struct kt_batch_group *n = &s->groups[s->n_groups++];
			memset(n, 0, sizeof(*n));
			if (!(n->signature = strdup(d->signature)) || !dup_or_null(&n->hash, d->signature_hash))
				return &kt_enomem;
			struct kt_store_signature row;
			bool found;
			struct kt_error *err = kt_store_signature(r->o->store, d->signature, &row, &found);
			if (err)
				return err;
			if (found) {
				n->stored = row.count;
				n->first_seen = row.first_seen;
				n->last_seen = row.last_seen;
				n->known_bug = kt_steal_ptr(row.known_bug);
				kt_store_signature_deinit(&row);
			}
		}
		s->groups[g].count++;
	}
	if (s->n_groups)
		qsort(s->groups, s->n_groups, sizeof(*s->groups), by_count);
	return NULL;
}

static struct kt_error *start_files(struct run *r)
{
	for (size_t i = 0; i < r->files.n; i++) {
		struct item *it = &r->items[i];
		if (!it->file->format) {
			struct kt_batch_dump *d = result_new(r, it, KT_BATCH_NOT_A_DUMP);
			if (!d || asprintf(&d->error, "%s: %s", it->file->unreadable ? "cannot be read" : "not a dump",
					   it->file->why) < 0)
				return d ? (d->error = NULL, &kt_enomem) : &kt_enomem;
			finish(r, i, d);
			continue;
		}
		struct kt_error *err = kt_pool_add(r->pool, i * 2 + JOB_HASH, hash_job, job_arg(r, i), 0,
						   false, "kt-hash");
		if (err)
			return err;
	}
	return NULL;
}

static double monotonic(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct kt_error *kt_batch_run(const char *const *paths, size_t n_paths, const struct kt_batch_options *o,
			      struct kt_batch_summary **ret)
{
	if (!o->store)
		return kt_error_create(KT_ERROR_INVALID_ARGUMENT, "batch: no store");
	if (o->n_shards > 1 && o->shard >= o->n_shards)
		return kt_error_create(KT_ERROR_INVALID_ARGUMENT, "shard %u of %u: shards count from 0",
				       o->shard, o->n_shards);
	double t0 = monotonic();
	struct run r = {.o = o};
	if (!(r.sum = calloc(1, sizeof(*r.sum))))
		return &kt_enomem;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	r.sum->jobs = o->jobs ? o->jobs : cpus > 0 ? (unsigned int)cpus : 1;
	struct kt_error *err = kt_batch_files_find(paths, n_paths, o->shard, o->n_shards, &r.files);
	if (!err && (!(r.items = calloc(r.files.n ? r.files.n : 1, sizeof(*r.items))) ||
		     !(r.args = calloc(r.files.n ? r.files.n : 1, sizeof(*r.args)))))
		err = &kt_enomem;
	for (size_t i = 0; !err && i < r.files.n; i++)
		r.items[i].file = &r.files.items[i];
	if (!err)
		err = kt_pool_create(r.sum->jobs, job_done, &r, &r.pool);
	if (!err)
		err = start_files(&r);
	// Job arguments live until the pool is gone: the children read them after fork.
	if (!err)
		err = kt_pool_run(r.pool);
	if (!err)
		err = r.err;
	else
		kt_error_destroy(r.err);
	if (!err)
		err = groups(&r);
	kt_pool_destroy(r.pool);
	r.sum->n_skipped = r.files.n_skipped;
	r.sum->n_other_shards = r.files.n_other_shards;
	for (size_t i = 0; i < r.files.n; i++)
		free(r.items[i].dups);
	free(r.items);
	free(r.args);
	kt_batch_files_deinit(&r.files);
	r.sum->seconds = monotonic() - t0;
	if (err) {
		kt_batch_summary_destroy(r.sum);
		return err;
	}
	*ret = r.sum;
	return NULL;
}

void kt_batch_summary_destroy(struct kt_batch_summary *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n_dumps; i++) {
		struct kt_batch_dump *d = &s->dumps[i];
		free(d->path);
		free(d->error);
		free(d->same_as);
		free(d->release);
		free(d->panic_message);
		free(d->signature);
		free(d->signature_hash);
		kt_known_issue_destroy(d->known);
	}
	free(s->dumps);
	for (size_t i = 0; i < s->n_groups; i++) {
		free(s->groups[i].signature);
		free(s->groups[i].hash);
		free(s->groups[i].known_bug);
	}
	free(s->groups);
	free(s);
}
