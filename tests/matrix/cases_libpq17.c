/*
 * Cases for libpq 17 and later, built against PostgreSQL 18's headers from
 * the matrix cache and run by `make test-matrix` (tests/matrix/run.sh) with
 * the combination's libpq: chunked-rows mode through the shim's retry, and
 * the libpq 17 cancel API while a retry is pending. Behind PgBouncer in
 * transaction mode with one server connection (PQT_BOUNCER_DSN), whose
 * statements another client deallocates, so pooled mode must create and
 * retry. `pqtest17 --list`, `pqtest17 CASE`, as tests/integ/pqtest.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "trio.h"

#ifndef LIBPQ_HAS_CHUNK_MODE
#error "build against libpq 17 or later headers (the matrix cache's PostgreSQL 18)"
#endif

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The app's connection in pooled mode, its statement already by name on the server. */
static PGconn *pooled_app(const char *name, const char *sql, int nparams, const char *param)
{
	const char *v[1] = { param };
	PGconn *c;
	PGresult *r;

	setenv("PQSHIM_MODE", "pooled", 1);
	if (!(c = pqt_connect(true)) || !pqt_ok(PQprepare(c, name, sql, nparams, NULL)))
		return NULL;
	for (int i = 0; i < 3; i++) {
		r = PQexecPrepared(c, name, nparams, v, NULL, NULL, 0);
		if (!pqt_status(r, PGRES_TUPLES_OK)) {
			PQclear(r);
			return NULL;
		}
		PQclear(r);
	}
	return c;
}

static bool other_deallocates_all(void)
{
	PGconn *o = connect_raw("PQT_BOUNCER_DSN");
	bool ok = o && pqt_exec_ok(o, "DEALLOCATE ALL");

	PQfinish(o);
	return ok;
}

PQT_CASE(chunked_rows_through_retry, PQT_FIX_UNTRACKED,
	 "PQsetChunkedRowsMode(3) on an execution the shim must create again: 7 rows in 3 TUPLES_CHUNK results, then TUPLES_OK with none");
static int chunked_rows_through_retry(void)
{
	PGconn *c = pooled_app("g", "select g from generate_series(1, 7) g", 0, NULL);
	PGresult *r;
	int chunks = 0, rows = 0, final = -1;

	CHECK(c, "connect, prepare, three executions");
	CHECK(other_deallocates_all(), "another client empties the server connection");
	CHECK(PQsendQueryPrepared(c, "g", 0, NULL, NULL, NULL, 0) && PQsetChunkedRowsMode(c, 3),
	      "send, chunks of 3: %s", PQerrorMessage(c));
	while ((r = PQgetResult(c)) != NULL) {
		if (PQresultStatus(r) == PGRES_TUPLES_CHUNK) {
			chunks++;
			rows += PQntuples(r);
		} else if (PQresultStatus(r) == PGRES_TUPLES_OK) {
			final = PQntuples(r);
		} else {
			fprintf(stderr, "  %s: %s", PQresStatus(PQresultStatus(r)), PQresultErrorMessage(r));
		}
		PQclear(r);
	}
	CHECK(chunks == 3 && rows == 7 && final == 0,
	      "7 rows in 3 chunks, then none (%d rows in %d chunks, then %d)", rows, chunks, final);
	PQfinish(c);
	return 0;
}

PQT_CASE(cancel_blocking_not_lost, PQT_FIX_UNTRACKED,
	 "PQcancelCreate + PQcancelBlocking while the first attempt's 26000 waits unread: 57014, not the statement run to its end");
static int cancel_blocking_not_lost(void)
{
	const char *v10[1] = { "10" };
	PGconn *c = pooled_app("sl", "select pg_sleep($1::float8)", 1, "0");
	PGcancelConn *cc;
	PGresult *r;
	bool cancelled = false;
	double t0, took;

	CHECK(c, "connect, prepare, three executions");
	CHECK(other_deallocates_all(), "another client empties the server connection");
	t0 = now_s();
	CHECK(PQsendQueryPrepared(c, "sl", 1, v10, NULL, NULL, 0) && PQflush(c) == 0, "send pg_sleep(10)");
	usleep(700000); /* not reading */
	cc = PQcancelCreate(c);
	CHECK(cc && PQcancelBlocking(cc), "PQcancelBlocking: %s", cc ? PQcancelErrorMessage(cc) : "");
	PQcancelFinish(cc);
	while ((r = PQgetResult(c)) != NULL) {
		cancelled |= strcmp(pqt_sqlstate(r), "57014") == 0;
		PQclear(r);
	}
	took = now_s() - t0;
	CHECK(cancelled && took < 5, "cancelled (57014) after %.1f s", took);
	PQfinish(c);
	return 0;
}

static const struct pqt_case *const cases[] = { &chunked_rows_through_retry_case,
						&cancel_blocking_not_lost_case, NULL };

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "--list") == 0) {
		for (const struct pqt_case *const *c = cases; *c; c++)
			printf("%s %s %s\n", (*c)->name, pqt_kind_name((*c)->fails_without_shim), (*c)->doc);
		return 0;
	}
	for (const struct pqt_case *const *c = cases; argc == 2 && *c; c++)
		if (strcmp((*c)->name, argv[1]) == 0)
			return (*c)->run() == 0 ? 0 : 1;
	fprintf(stderr, "usage: pqtest17 --list | pqtest17 CASE\n");
	return 2;
}
