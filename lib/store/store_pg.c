// SPDX-License-Identifier: MIT
/* The results store in a PostgreSQL database, through libpq: many machines write one store. */
#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "store/store.h"

static struct kt_error *pg_run(struct kt_store *s, const char *sql, const char *const *params,
			       size_t n_params, kt_store_row_fn *fn, void *arg)
{
	PGconn *conn = s->handle;
	PGresult *res = PQexecParams(conn, sql, (int)n_params, NULL, params, NULL, NULL, 0);
	if (!res)
		return kt_error_create(KT_ERROR_OS, "PostgreSQL: %s", PQerrorMessage(conn));
	ExecStatusType st = PQresultStatus(res);
	struct kt_error *err = NULL;
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		const char *msg = PQresultErrorMessage(res);
		size_t len = strlen(msg);
		while (len && msg[len - 1] == '\n')
			len--;
		err = kt_error_create(KT_ERROR_OS, "PostgreSQL: %.*s", (int)len, msg);
	}
	int n_rows = st == PGRES_TUPLES_OK ? PQntuples(res) : 0;
	int n_cols = PQnfields(res);
	const char *cols[32];
	size_t m = n_cols < 32 ? (size_t)n_cols : 32;
	for (int r = 0; !err && fn && r < n_rows; r++) {
		for (size_t c = 0; c < m; c++)
			cols[c] = PQgetisnull(res, r, (int)c) ? NULL : PQgetvalue(res, r, (int)c);
		err = fn(arg, cols, m);
	}
	PQclear(res);
	return err;
}

static void pg_close(struct kt_store *s)
{
	PQfinish(s->handle);
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
	PGconn *conn = PQconnectdb(url);
	if (!conn)
		return &kt_enomem;
	if (PQstatus(conn) != CONNECTION_OK) {
		const char *msg = PQerrorMessage(conn);
		size_t len = strlen(msg);
		while (len && msg[len - 1] == '\n')
			len--;
		struct kt_error *err = kt_error_create(KT_ERROR_OS, "PostgreSQL: connecting: %.*s", (int)len, msg);
		PQfinish(conn);
		return err;
	}
	PQsetNoticeProcessor(conn, quiet, NULL);
	s->backend = &pg_backend;
	s->handle = conn;
	return NULL;
}
