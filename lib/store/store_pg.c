// SPDX-License-Identifier: MIT
/* The results store in a PostgreSQL database, through libpq: many machines write one store. */
#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>

#include "core/dynlib.h"
#include "core/error.h"
#include "store/store.h"

/* libpq, opened when a PostgreSQL store is (core/dynlib.h says why). */
#define PQ_FUNCTIONS(X) \
	X(PQclear) X(PQconnectdb) X(PQerrorMessage) X(PQexecParams) X(PQfinish) X(PQgetisnull) \
	X(PQgetvalue) X(PQnfields) X(PQntuples) X(PQresultErrorMessage) X(PQresultStatus) \
	X(PQsetNoticeProcessor) X(PQstatus)
#define PQ_SLOT(name) __typeof__(name) *name;
#define PQ_NAME(name) #name,
static const char *const pq_symbols[] = {PQ_FUNCTIONS(PQ_NAME)};
static union {
	struct {
		PQ_FUNCTIONS(PQ_SLOT)
	} fn;
	void *slots[sizeof(pq_symbols) / sizeof(pq_symbols[0])];
} pq;
static const char *const pq_sonames[] = {"libpq.so.5", "libpq.so", NULL};
static struct kt_dynlib pq_lib = KT_DYNLIB_INIT("libpq", pq_sonames, pq_symbols);

static struct kt_error *pg_run(struct kt_store *s, const char *sql, const char *const *params,
			       size_t n_params, kt_store_row_fn *fn, void *arg)
{
	PGconn *conn = s->handle;
	PGresult *res = pq.fn.PQexecParams(conn, sql, (int)n_params, NULL, params, NULL, NULL, 0);
	if (!res)
		return kt_error_create(KT_ERROR_OS, "PostgreSQL: %s", pq.fn.PQerrorMessage(conn));
	ExecStatusType st = pq.fn.PQresultStatus(res);
	struct kt_error *err = NULL;
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		const char *msg = pq.fn.PQresultErrorMessage(res);
		size_t len = strlen(msg);
		while (len && msg[len - 1] == '\n')
			len--;
		err = kt_error_create(KT_ERROR_OS, "PostgreSQL: %.*s", (int)len, msg);
	}
	int n_rows = st == PGRES_TUPLES_OK ? pq.fn.PQntuples(res) : 0;
	int n_cols = pq.fn.PQnfields(res);
	const char *cols[32];
	size_t m = n_cols < 32 ? (size_t)n_cols : 32;
	for (int r = 0; !err && fn && r < n_rows; r++) {
		for (size_t c = 0; c < m; c++)
			cols[c] = pq.fn.PQgetisnull(res, r, (int)c) ? NULL : pq.fn.PQgetvalue(res, r, (int)c);
		err = fn(arg, cols, m);
	}
	pq.fn.PQclear(res);
	return err;
}

static void pg_close(struct kt_store *s)
{
	pq.fn.PQfinish(s->handle);
}

static const struct kt_store_backend pg_backend = {
	.name = "postgresql",
	.run = pg_run,
	.close = pg_close,
};

/* The server's notices ("relation already exists, skipping") are not the user's business. */
static void quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

struct kt_error *kt_store_pg_open(const char *url, struct kt_store *s)
{
	struct kt_error *err = kt_dynlib_load(&pq_lib, pq.slots);
	if (err)
		return kt_error_prefix(err, "PostgreSQL");
	PGconn *conn = pq.fn.PQconnectdb(url);
	if (!conn)
		return &kt_enomem;
	if (pq.fn.PQstatus(conn) != CONNECTION_OK) {
		const char *msg = pq.fn.PQerrorMessage(conn);
		size_t len = strlen(msg);
		while (len && msg[len - 1] == '\n')
			len--;
		err = kt_error_create(KT_ERROR_OS, "PostgreSQL: connecting: %.*s", (int)len, msg);
		pq.fn.PQfinish(conn);
		return err;
	}
	pq.fn.PQsetNoticeProcessor(conn, quiet, NULL);
	s->backend = &pg_backend;
	s->handle = conn;
	return NULL;
}
