// SPDX-License-Identifier: MIT
/* The results store in an SQLite file (the default): one writer at a time, others wait. */
#include <errno.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/dynlib.h"
#include "core/error.h"
#include "store/store.h"

/* libsqlite3, opened when a store is (core/dynlib.h says why). */
#define SQLITE_FUNCTIONS(X) \
	X(sqlite3_bind_null) X(sqlite3_bind_parameter_count) X(sqlite3_bind_parameter_name) \
	X(sqlite3_bind_text) X(sqlite3_busy_timeout) X(sqlite3_close) X(sqlite3_column_count) \
	X(sqlite3_column_text) X(sqlite3_errmsg) X(sqlite3_finalize) X(sqlite3_open_v2) \
	X(sqlite3_prepare_v2) X(sqlite3_step)
#define SQLITE_SLOT(name) __typeof__(name) *name;
#define SQLITE_NAME(name) #name,
static const char *const sqlite_symbols[] = {SQLITE_FUNCTIONS(SQLITE_NAME)};
static union {
	struct {
		SQLITE_FUNCTIONS(SQLITE_SLOT)
	} fn;
	void *slots[sizeof(sqlite_symbols) / sizeof(sqlite_symbols[0])];
} sq;
static const char *const sqlite_sonames[] = {"libsqlite3.so.0", "libsqlite3.so", NULL};
static struct kt_dynlib sqlite_lib = KT_DYNLIB_INIT("libsqlite3", sqlite_sonames, sqlite_symbols);

/* How long a writer waits for another process that holds the file's lock. */
enum { BUSY_TIMEOUT_MS = 60000 };

static struct kt_error *db_error(sqlite3 *db, const char *what)
{
	return kt_error_create(KT_ERROR_OS, "SQLite: %s: %s", what, sq.fn.sqlite3_errmsg(db));
}

static struct kt_error *sqlite_run(struct kt_store *s, const char *sql, const char *const *params,
				   size_t n_params, kt_store_row_fn *fn, void *arg)
{
	sqlite3 *db = s->handle;
	sqlite3_stmt *stmt;
	if (sq.fn.sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK)
		return db_error(db, sql);
	// Parameters are named $1, $2, ... as in PostgreSQL: bound by their number.
	int n = sq.fn.sqlite3_bind_parameter_count(stmt);
	for (int i = 1; i <= n; i++) {
		const char *name = sq.fn.sqlite3_bind_parameter_name(stmt, i);
		long k = name && name[0] == '$' ? strtol(name + 1, NULL, 10) : 0;
		if (k < 1 || (size_t)k > n_params) {
			sq.fn.sqlite3_finalize(stmt);
			return kt_error_create(KT_ERROR_INVALID_ARGUMENT, "SQLite: parameter %s of %zu: %s",
					       name ? name : "?", n_params, sql);
		}
		const char *v = params[k - 1];
		int rc = v ? sq.fn.sqlite3_bind_text(stmt, i, v, -1, SQLITE_STATIC) : sq.fn.sqlite3_bind_null(stmt, i);
		if (rc != SQLITE_OK) {
			sq.fn.sqlite3_finalize(stmt);
			return db_error(db, "binding a parameter");
		}
	}
	struct kt_error *err = NULL;
	int rc;
	int n_cols = sq.fn.sqlite3_column_count(stmt);
	const char *cols[32];
	while (!err && (rc = sq.fn.sqlite3_step(stmt)) == SQLITE_ROW) {
		if (!fn)
			continue;
		size_t m = (size_t)n_cols < 32 ? (size_t)n_cols : 32;
		for (size_t i = 0; i < m; i++)
			cols[i] = (const char *)sq.fn.sqlite3_column_text(stmt, (int)i);
		err = fn(arg, cols, m);
	}
	if (!err && rc != SQLITE_DONE)
		err = db_error(db, sql);
	sq.fn.sqlite3_finalize(stmt);
	return err;
}

static void sqlite_close(struct kt_store *s)
{
	sq.fn.sqlite3_close(s->handle);
}

static const struct kt_store_backend sqlite_backend = {
	.name = "sqlite",
	.run = sqlite_run,
	.close = sqlite_close,
};

/* mkdir -p of the directory that will hold path. */
static struct kt_error *make_parents(const char *path)
{
	char dir[PATH_MAX];
	if (strlen(path) >= sizeof(dir))
		return kt_error_create(KT_ERROR_INVALID_ARGUMENT, "%s: path too long", path);
	strcpy(dir, path);
	for (char *p = dir + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		if (mkdir(dir, 0755) && errno != EEXIST)
			return kt_error_create(KT_ERROR_OS, "creating %s: %s", dir, strerror(errno));
		*p = '/';
	}
	return NULL;
}

struct kt_error *kt_store_sqlite_open(const char *path, struct kt_store *s)
{
	struct kt_error *err = kt_dynlib_load(&sqlite_lib, sq.slots);
	if (err)
		return kt_error_prefix(err, "SQLite");
	if ((err = make_parents(path)))
		return err;
	sqlite3 *db;
	if (sq.fn.sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		err = kt_error_create(KT_ERROR_OS, "SQLite: opening %s: %s", path,
				      db ? sq.fn.sqlite3_errmsg(db) : "out of memory");
		sq.fn.sqlite3_close(db);
		return err;
	}
	sq.fn.sqlite3_busy_timeout(db, BUSY_TIMEOUT_MS);
	s->backend = &sqlite_backend;
	s->handle = db;
	return sqlite_run(s, "PRAGMA foreign_keys = ON", NULL, 0, NULL, NULL);
}
