/* SPDX-License-Identifier: MIT */
/*
 * The results store inside libktriage: one set of SQL statements (docs/store.md) run on a
 * backend that takes text parameters ($1, $2, ...) and gives text columns (NULL for SQL NULL).
 * SQLite and PostgreSQL both read that dialect: the schema uses only TEXT, BIGINT, INTEGER and
 * DOUBLE PRECISION, keys are natural (the file's SHA-256, the signature's text), and upserts
 * are INSERT ... ON CONFLICT.
 */
#ifndef KT_STORE_STORE_H
#define KT_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ktriage.h"

/* Called for each row of a query's result; an error stops the query and is returned. */
typedef struct kt_error *kt_store_row_fn(void *arg, const char *const *cols, size_t n_cols);

struct kt_store_backend {
	const char *name;
	struct kt_error *(*run)(struct kt_store *store, const char *sql, const char *const *params,
				size_t n_params, kt_store_row_fn *fn, void *arg);
	void (*close)(struct kt_store *store);
};

struct kt_store {
	const struct kt_store_backend *backend;
	void *handle;
};

struct kt_error *kt_store_sqlite_open(const char *path, struct kt_store *store);
struct kt_error *kt_store_pg_open(const char *url, struct kt_store *store);

/* A finding as the store keeps it. */
struct kt_store_finding {
	const char *code, *severity, *title;
	int cpu;                         /* -1 none */
	const char *task;                /* "0x..." or NULL */
};

/* Everything stored for one dump; NULL strings are SQL NULL. */
struct kt_store_entry {
	const char *sha256, *path, *format, *status, *error;
	uint64_t size;
	const char *release, *panic_message, *signature, *signature_hash;
	bool has_crash_time;
	int64_t crash_time;
	int64_t analysed_at;
	double seconds;
	const struct kt_known_issue *known;
	const char *report_json;         /* NULL when not analysed */
	const struct kt_store_finding *findings;
	size_t n_findings;
};

/* Writes a dump, its report, findings and path, and brings its signature up to date, in one
 * transaction (replacing what the store held for that content). */
struct kt_error *kt_store_put(struct kt_store *store, const struct kt_store_entry *entry);
/* The stored dump with this content, or *ret NULL. */
struct kt_error *kt_store_find(struct kt_store *store, const char *sha256, struct kt_store_dump **ret);
/* Records another path where stored content was found. */
struct kt_error *kt_store_add_path(struct kt_store *store, const char *sha256, const char *path,
				   int64_t seen_at);
/* Replaces a stored dump's known issue (a new --known file). */
struct kt_error *kt_store_set_known(struct kt_store *store, const char *sha256,
				    const struct kt_known_issue *known);
/* One signature's row; *found false if the store has none. */
struct kt_error *kt_store_signature(struct kt_store *store, const char *text,
				    struct kt_store_signature *ret, bool *found);
void kt_store_signature_deinit(struct kt_store_signature *row);

#endif
