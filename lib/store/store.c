// SPDX-License-Identifier: MIT
/*
 * The results store's schema and statements, the same on every backend (docs/store.md). A
 * dump is keyed by the SHA-256 of its file, so a copy or a second upload of the same file is
 * one dump; a signature's row is recomputed from its dumps whenever one of them is written,
 * after taking that row's lock, so that machines writing one PostgreSQL database at once
 * count every dump.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/error.h"
#include "core/util.h"
#include "store/store.h"

#ifndef KTRIAGE_VERSION
#define KTRIAGE_VERSION "unknown"
#endif

/* Bumped when a table changes; a store of another version is refused, not misread. */
#define SCHEMA_VERSION "1"

static const char *const schema[] = {
	"CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
	"CREATE TABLE IF NOT EXISTS dumps ("
	" sha256 TEXT PRIMARY KEY, path TEXT NOT NULL, size BIGINT NOT NULL, format TEXT,"
	" status TEXT NOT NULL, error TEXT, release TEXT, crash_time BIGINT, panic_message TEXT,"
	" signature TEXT, signature_hash TEXT, known_kind TEXT, known_pattern TEXT, known_bug TEXT,"
	" known_note TEXT, analysed_at BIGINT NOT NULL, seconds DOUBLE PRECISION,"
	" ktriage_version TEXT NOT NULL)",
	"CREATE INDEX IF NOT EXISTS dumps_signature ON dumps (signature)",
	"CREATE INDEX IF NOT EXISTS dumps_release ON dumps (release)",
	"CREATE TABLE IF NOT EXISTS dump_paths ("
	" sha256 TEXT NOT NULL REFERENCES dumps (sha256) ON DELETE CASCADE, path TEXT NOT NULL,"
	" seen_at BIGINT NOT NULL, PRIMARY KEY (sha256, path))",
	"CREATE TABLE IF NOT EXISTS reports ("
	" sha256 TEXT PRIMARY KEY REFERENCES dumps (sha256) ON DELETE CASCADE, json TEXT NOT NULL)",
	"CREATE TABLE IF NOT EXISTS findings ("
	" sha256 TEXT NOT NULL REFERENCES dumps (sha256) ON DELETE CASCADE, idx INTEGER NOT NULL,"
	" code TEXT NOT NULL, severity TEXT NOT NULL, cpu INTEGER, task TEXT, title TEXT NOT NULL,"
	" PRIMARY KEY (sha256, idx))",
	"CREATE INDEX IF NOT EXISTS findings_code ON findings (code)",
	"CREATE TABLE IF NOT EXISTS signatures ("
	" text TEXT PRIMARY KEY, hash TEXT, first_seen BIGINT, last_seen BIGINT,"
	" count BIGINT NOT NULL)",
	"INSERT INTO meta (key, value) VALUES ('schema', '" SCHEMA_VERSION "') ON CONFLICT (key) DO NOTHING",
};

static struct kt_error *run(struct kt_store *s, const char *sql, const char *const *params, size_t n,
			    kt_store_row_fn *fn, void *arg)
{
	return s->backend->run(s, sql, params, n, fn, arg);
}

static struct kt_error *first_column(void *arg, const char *const *cols, size_t n)
{
	char **out = arg;
	if (*out || !n || !cols[0])
		return NULL;
	return (*out = strdup(cols[0])) ? NULL : &kt_enomem;
}

static struct kt_error *schema_create(struct kt_store *s)
{
	for (size_t i = 0; i < KT_ARRAY_SIZE(schema); i++) {
		struct kt_error *err = run(s, schema[i], NULL, 0, NULL, NULL);
		if (err)
			return kt_error_prefix(err, "creating the store's schema");
	}
	char *version = NULL;
	struct kt_error *err = run(s, "SELECT value FROM meta WHERE key = 'schema'", NULL, 0,
				   first_column, &version);
	if (!err && (!version || strcmp(version, SCHEMA_VERSION)))
		err = kt_error_create(KT_ERROR_UNSUPPORTED,
				      "the store's schema is version %s, this ktriage writes version %s",
				      version ? version : "(none)", SCHEMA_VERSION);
	free(version);
	return err;
}

static bool is_url(const char *location)
{
	return !strncmp(location, "postgresql://", 13) || !strncmp(location, "postgres://", 11);
}

struct kt_error *kt_store_open(const char *location, struct kt_store **ret)
{
	struct kt_store *s = calloc(1, sizeof(*s));
	if (!s)
		return &kt_enomem;
	struct kt_error *err = is_url(location) ? kt_store_pg_open(location, s)
					       : kt_store_sqlite_open(location, s);
	if (!err)
		err = schema_create(s);
	if (err) {
		kt_store_close(s);
		return err;
	}
	*ret = s;
	return NULL;
}

void kt_store_close(struct kt_store *s)
{
	if (!s)
		return;
	if (s->backend)
		s->backend->close(s);
	free(s);
}

const char *kt_store_backend(const struct kt_store *s)
{
	return s->backend->name;
}

char *kt_store_default_location(void)
{
	const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
	char *path = NULL;
	int n = xdg && *xdg ? asprintf(&path, "%s/ktriage/store.db", xdg)
	      : home ? asprintf(&path, "%s/.local/share/ktriage/store.db", home) : -1;
	return n < 0 ? NULL : path;
}

/* Integers as the text parameters the backends take. */
struct num {
	char text[24];
};

static const char *num_i64(struct num *n, int64_t v)
{
	snprintf(n->text, sizeof(n->text), "%" PRId64, v);
	return n->text;
}

static struct kt_error *signature_lock(struct kt_store *s, const char *text)
{
	const char *p[] = {text};
	return run(s, "INSERT INTO signatures (text, count) VALUES ($1, 0)"
		      " ON CONFLICT (text) DO UPDATE SET count = signatures.count", p, 1, NULL, NULL);
}

static struct kt_error *signature_refresh(struct kt_store *s, const char *text)
{
	const char *p[] = {text};
	struct kt_error *err = run(s,
		"INSERT INTO signatures (text, hash, first_seen, last_seen, count)"
		" SELECT signature, MAX(signature_hash), MIN(COALESCE(crash_time, analysed_at)),"
		" MAX(COALESCE(crash_time, analysed_at)), COUNT(*) FROM dumps WHERE signature = $1"
		" GROUP BY signature"
		" ON CONFLICT (text) DO UPDATE SET hash = excluded.hash, first_seen = excluded.first_seen,"
		" last_seen = excluded.last_seen, count = excluded.count", p, 1, NULL, NULL);
	if (!err)
		err = run(s, "DELETE FROM signatures WHERE text = $1"
			     " AND NOT EXISTS (SELECT 1 FROM dumps WHERE signature = $1)", p, 1, NULL, NULL);
	return err;
}

static struct kt_error *put(struct kt_store *s, const struct kt_store_entry *e, const char *old_signature)
{
	struct kt_error *err = NULL;
	// Locks first, in one order, so that two writers of the same signatures wait, not deadlock.
	const char *locks[2] = {e->signature, old_signature};
	if (locks[0] && locks[1] && strcmp(locks[0], locks[1]) > 0) {
		locks[0] = old_signature;
		locks[1] = e->signature;
	}
	for (size_t i = 0; i < 2 && !err; i++)
		if (locks[i] && (!i || !locks[0] || strcmp(locks[0], locks[i])))
			err = signature_lock(s, locks[i]);
	if (err)
		return err;
	struct num size, crash, at, secs;
	snprintf(size.text, sizeof(size.text), "%" PRIu64, e->size);
	snprintf(secs.text, sizeof(secs.text), "%.3f", e->seconds);
	const struct kt_known_issue *k = e->known;
	const char *p[] = {e->sha256, e->path, size.text, e->format, e->status, e->error, e->release,
			   e->has_crash_time ? num_i64(&crash, e->crash_time) : NULL, e->panic_message,
			   e->signature, e->signature_hash, k ? kt_known_kind_name(k->kind) : NULL,
			   k ? k->pattern : NULL, k ? k->bug : NULL, k ? k->note : NULL,
			   num_i64(&at, e->analysed_at), secs.text, KTRIAGE_VERSION};
	err = run(s,
		"INSERT INTO dumps (sha256, path, size, format, status, error, release, crash_time,"
		" panic_message, signature, signature_hash, known_kind, known_pattern, known_bug, known_note,"
		" analysed_at, seconds, ktriage_version)"
		" VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)"
		" ON CONFLICT (sha256) DO UPDATE SET path = excluded.path, size = excluded.size,"
		" format = excluded.format, status = excluded.status, error = excluded.error,"
		" release = excluded.release, crash_time = excluded.crash_time,"
		" panic_message = excluded.panic_message, signature = excluded.signature,"
		" signature_hash = excluded.signature_hash, known_kind = excluded.known_kind,"
		" known_pattern = excluded.known_pattern, known_bug = excluded.known_bug,"
		" known_note = excluded.known_note, analysed_at = excluded.analysed_at,"
		" seconds = excluded.seconds, ktriage_version = excluded.ktriage_version",
		p, KT_ARRAY_SIZE(p), NULL, NULL);
	const char *key[] = {e->sha256};
	if (!err)
		err = run(s, "DELETE FROM findings WHERE sha256 = $1", key, 1, NULL, NULL);
	if (!err)
		err = run(s, "DELETE FROM reports WHERE sha256 = $1", key, 1, NULL, NULL);
	for (size_t i = 0; !err && i < e->n_findings; i++) {
		const struct kt_store_finding *f = &e->findings[i];
		struct num idx, cpu;
		const char *fp[] = {e->sha256, num_i64(&idx, (int64_t)i), f->code, f->severity,
				    f->cpu >= 0 ? num_i64(&cpu, f->cpu) : NULL, f->task, f->title};
		err = run(s, "INSERT INTO findings (sha256, idx, code, severity, cpu, task, title)"
			     " VALUES ($1, $2, $3, $4, $5, $6, $7)", fp, KT_ARRAY_SIZE(fp), NULL, NULL);
	}
	if (!err && e->report_json) {
		const char *rp[] = {e->sha256, e->report_json};
		err = run(s, "INSERT INTO reports (sha256, json) VALUES ($1, $2)", rp, 2, NULL, NULL);
	}
	if (!err)
		err = kt_store_add_path(s, e->sha256, e->path, e->analysed_at);
	for (size_t i = 0; i < 2 && !err; i++)
		if (locks[i] && (!i || !locks[0] || strcmp(locks[0], locks[i])))
			err = signature_refresh(s, locks[i]);
	return err;
}

static struct kt_error *old_signature_of(void *arg, const char *const *cols, size_t n)
{
	return first_column(arg, cols, n);
}

struct kt_error *kt_store_put(struct kt_store *s, const struct kt_store_entry *e)
{
	struct kt_error *err = run(s, "BEGIN", NULL, 0, NULL, NULL);
	if (err)
		return err;
	char *old = NULL;
	const char *key[] = {e->sha256};
	err = run(s, "SELECT signature FROM dumps WHERE sha256 = $1", key, 1, old_signature_of, &old);
	if (!err)
		err = put(s, e, old);
	free(old);
	if (!err)
		return run(s, "COMMIT", NULL, 0, NULL, NULL);
	kt_error_destroy(run(s, "ROLLBACK", NULL, 0, NULL, NULL));
	return kt_error_prefix(err, "storing %s", e->path);
}

struct kt_error *kt_store_add_path(struct kt_store *s, const char *sha256, const char *path, int64_t seen_at)
{
	struct num at;
	const char *p[] = {sha256, path, num_i64(&at, seen_at)};
	return run(s, "INSERT INTO dump_paths (sha256, path, seen_at) VALUES ($1, $2, $3)"
		      " ON CONFLICT (sha256, path) DO UPDATE SET seen_at = excluded.seen_at", p, 3, NULL, NULL);
}

struct kt_error *kt_store_set_known(struct kt_store *s, const char *sha256, const struct kt_known_issue *k)
{
	const char *p[] = {sha256, k ? kt_known_kind_name(k->kind) : NULL, k ? k->pattern : NULL,
			   k ? k->bug : NULL, k ? k->note : NULL};
	return run(s, "UPDATE dumps SET known_kind = $2, known_pattern = $3, known_bug = $4,"
		      " known_note = $5 WHERE sha256 = $1", p, KT_ARRAY_SIZE(p), NULL, NULL);
}

/* Text columns into a row's fields. */
static struct kt_error *dup_col(char **out, const char *col)
{
	*out = NULL;
	return !col || (*out = strdup(col)) ? NULL : &kt_enomem;
}

static int64_t int_col(const char *col)
{
	return col ? strtoll(col, NULL, 10) : 0;
}

#define DUMP_COLUMNS                                                                              \
	"sha256, path, size, format, status, error, release, crash_time, panic_message, signature," \
	" signature_hash, known_bug, analysed_at, ktriage_version"

struct dump_rows {
	struct kt_store_dump *rows;
	size_t n, cap;
};

static struct kt_error *dump_row(void *arg, const char *const *c, size_t n)
{
	struct dump_rows *d = arg;
	if (n < 14)
		return kt_error_create(KT_ERROR_BAD_DATA, "a dumps row of %zu columns", n);
	if (!kt_grow((void **)&d->rows, &d->cap, d->n, sizeof(*d->rows), 16))
		return &kt_enomem;
	struct kt_store_dump *r = &d->rows[d->n++];
	memset(r, 0, sizeof(*r));
	struct kt_error *err = NULL;
	char **text[] = {&r->sha256, &r->path, NULL, &r->format, &r->status, &r->error, &r->release,
			 NULL, &r->panic_message, &r->signature, &r->signature_hash, &r->known_bug,
			 NULL, &r->ktriage_version};
	for (size_t i = 0; i < KT_ARRAY_SIZE(text) && !err; i++)
		if (text[i])
			err = dup_col(text[i], c[i]);
	r->size = (uint64_t)int_col(c[2]);
	r->has_crash_time = c[7] != NULL;
	r->crash_time = int_col(c[7]);
	r->analysed_at = int_col(c[12]);
	return err;
}

struct kt_error *kt_store_find(struct kt_store *s, const char *sha256, struct kt_store_dump **ret)
{
	struct dump_rows d = {0};
	const char *p[] = {sha256};
	struct kt_error *err = run(s, "SELECT " DUMP_COLUMNS " FROM dumps WHERE sha256 = $1", p, 1,
				   dump_row, &d);
	if (err) {
		kt_store_dumps_destroy(d.rows, d.n);
		return err;
	}
	*ret = d.n ? d.rows : NULL;
	if (!d.n)
		free(d.rows);
	return NULL;
}

struct kt_error *kt_store_dumps(struct kt_store *s, const char *signature, const char *release,
				struct kt_store_dump **ret, size_t *n_ret)
{
	struct dump_rows d = {0};
	const char *p[] = {signature ? signature : "", signature ? "1" : "0",
			   release ? release : "", release ? "1" : "0"};
	struct kt_error *err = run(s, "SELECT " DUMP_COLUMNS " FROM dumps"
		" WHERE ($2 = '0' OR signature = $1 OR signature_hash = $1) AND ($4 = '0' OR release = $3)"
		" ORDER BY COALESCE(crash_time, analysed_at), sha256", p, 4, dump_row, &d);
	if (err) {
		kt_store_dumps_destroy(d.rows, d.n);
		return err;
	}
	*ret = d.rows;
	*n_ret = d.n;
	return NULL;
}

void kt_store_dumps_destroy(struct kt_store_dump *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct kt_store_dump *r = &rows[i];
		char *text[] = {r->sha256, r->path, r->format, r->status, r->error, r->release,
				r->panic_message, r->signature, r->signature_hash, r->known_bug,
				r->ktriage_version};
		for (size_t k = 0; k < KT_ARRAY_SIZE(text); k++)
			free(text[k]);
	}
	free(rows);
}

struct signature_rows {
	struct kt_store_signature *rows;
	size_t n, cap;
};

static struct kt_error *signature_row(void *arg, const char *const *c, size_t n)
{
	struct signature_rows *d = arg;
	if (n < 6)
		return kt_error_create(KT_ERROR_BAD_DATA, "a signatures row of %zu columns", n);
	if (!kt_grow((void **)&d->rows, &d->cap, d->n, sizeof(*d->rows), 16))
		return &kt_enomem;
	struct kt_store_signature *r = &d->rows[d->n++];
	memset(r, 0, sizeof(*r));
	r->count = (uint64_t)int_col(c[2]);
	r->first_seen = int_col(c[3]);
	r->last_seen = int_col(c[4]);
	struct kt_error *err = dup_col(&r->text, c[0]);
	if (!err)
		err = dup_col(&r->hash, c[1]);
	if (!err)
		err = dup_col(&r->known_bug, c[5]);
	return err;
}

#define SIGNATURE_SELECT                                                                       \
	"SELECT text, hash, count, first_seen, last_seen, (SELECT d.known_bug FROM dumps d"       \
	" WHERE d.signature = s.text AND d.known_bug IS NOT NULL ORDER BY d.analysed_at DESC,"   \
	" d.sha256 LIMIT 1) FROM signatures s"

struct kt_error *kt_store_signatures(struct kt_store *s, struct kt_store_signature **ret, size_t *n_ret)
{
	struct signature_rows d = {0};
	struct kt_error *err = run(s, SIGNATURE_SELECT " WHERE count > 0 ORDER BY count DESC, text",
				   NULL, 0, signature_row, &d);
	if (err) {
		kt_store_signatures_destroy(d.rows, d.n);
		return err;
	}
	*ret = d.rows;
	*n_ret = d.n;
	return NULL;
}

struct kt_error *kt_store_signature(struct kt_store *s, const char *text, struct kt_store_signature *ret,
				    bool *found)
{
	struct signature_rows d = {0};
	const char *p[] = {text};
	struct kt_error *err = run(s, SIGNATURE_SELECT " WHERE text = $1 AND count > 0", p, 1,
				   signature_row, &d);
	*found = !err && d.n;
	if (*found) {
		*ret = d.rows[0];
		d.rows[0] = (struct kt_store_signature){0};
	}
	kt_store_signatures_destroy(d.rows, d.n);
	return err;
}

void kt_store_signature_deinit(struct kt_store_signature *r)
{
	free(r->text);
	free(r->hash);
	free(r->known_bug);
}

void kt_store_signatures_destroy(struct kt_store_signature *rows, size_t n)
{
	for (size_t i = 0; i < n; i++)
		kt_store_signature_deinit(&rows[i]);
	free(rows);
}
