/*
 * The scripted fake libpq (tests/fake/fake_libpq.c, built as libpq.so.5):
 * every libpq function the shim resolves, over a small model of a server,
 * so the shim's operations (exec stages, retries, bundles, the pump) get
 * fast, exact, in-process tests (tests/ops/), and the benchmark gets a libpq
 * that costs nearly nothing (bench/).
 *
 * The model: server sessions that hold prepared statements (protocol and SQL
 * share one namespace, the unnamed statement included), transaction blocks
 * (an error aborts one: 25P02 until it ends), the extended protocol's rule
 * that an error skips everything up to the next Sync (PGRES_PIPELINE_ABORTED
 * in pipeline mode), pipeline mode and its sync points, single-row mode,
 * and results that arrive when the test says so (PQisBusy).
 *
 * Behind a "pooler" (fake_pooler before connecting) connections share the
 * pooler's server sessions: a session is held for a transaction block and
 * released at the Sync (or the end of a simple query) that leaves the server
 * idle, and the next message lands on the session fake_route names next.
 *
 * SQL the model understands (case-insensitive, one statement per ';' in a
 * simple query): BEGIN, START TRANSACTION, COMMIT, END, ROLLBACK, SET...,
 * SAVEPOINT..., RELEASE..., PREPARE name AS text, EXECUTE name [(a, ...)],
 * DEALLOCATE [PREPARE] name | ALL, DISCARD ALL, the shim's look-up of
 * pg_prepared_statements, and texts of the forms
 *     select 'word'           one row, one column: word
 *     select $N               one row: parameter N (or EXECUTE's argument N)
 *     select generate N       N rows: 1 .. N
 *     fail SQLSTATE           an error with that SQLSTATE (when executed)
 *     bad ...                 a syntax error (42601) already at Parse
 * Anything else is a syntax error at Parse.
 *
 * The wire log (fake_trace) names each message the app's side sent, one
 * token each, separated by spaces: P(name) Parse, E(name) Bind + Execute,
 * D(name) Describe statement, DP(name) Describe portal, C(name) Close,
 * Q(text) simple query, S Sync; @k when the pooler hands over session k.
 * The unnamed statement is (). PQsendQueryParams is P() E().
 */
#ifndef PQSHIM_FAKE_H
#define PQSHIM_FAKE_H

#include <stdbool.h>
#include <libpq-fe.h>

/* Connections made from now on go through a pooler with n server sessions (0: direct). */
void fake_pooler(int n);
/*
 * The pooler tracks prepared statements itself, as PgBouncer 1.21+ with
 * max_prepared_statements > 0: a named Parse is kept per client and prepared
 * on the server as PGBOUNCER_<n> (one per text) wherever it is missing; a
 * Bind or Describe of a name the client never Parsed, and a Parse of a name
 * it holds, close the connection (an 08P01 error, then CONNECTION_BAD); a
 * Close and DEALLOCATE ALL / DISCARD ALL drop the client's names.
 */
void fake_pooler_tracks(bool on);
/* How many of the shim's probes (pg_backend_pid + pg_prepared_statements) were answered. */
int fake_probes(void);
/* A ParameterStatus every connection made from now on reports at login (PgBouncer 1.26's). */
void fake_login_param(const char *name, const char *value);
/* The sessions c's successive transactions land on, e.g. "0101" (then the last one again). */
void fake_route(PGconn *c, const char *order);
/* Another client's statement left on pooler session k. */
void fake_leave(int k, const char *name, const char *text);
/* Another client ran DEALLOCATE ALL on pooler session k. */
void fake_clear(int k);
/* True when pooler session k holds name; how many it holds. */
bool fake_has(int k, const char *name);
int fake_count(int k);
/* The next execution of name on session k fails with 0A000 (the plan's result type changed). */
void fake_plan_changed(int k, const char *name);
/* The same for the session of a direct connection c. */
bool fake_conn_has(PGconn *c, const char *name);
int fake_conn_count(PGconn *c);
void fake_conn_plan_changed(PGconn *c, const char *name);

/* Wire log of c (see above), from when tracing was turned on or cleared. */
void fake_trace(PGconn *c, bool on);
const char *fake_wire(PGconn *c);
void fake_wire_clear(PGconn *c);

/* The connection breaks at the n-th message from now (1: the next one). */
void fake_drop_after(PGconn *c, int n);
/* Results arrive only when the test says so (fake_arrive, or a blocking read), not at PQconsumeInput. */
void fake_hold(PGconn *c, bool on);
void fake_arrive(PGconn *c);
/* Cancel requests (PQcancel, PQrequestCancel) that reached c's server; it drops them, idle. */
int fake_cancels(PGconn *c);
/* A ParameterStatus the server reported (NULL value: none). */
void fake_param(PGconn *c, const char *name, const char *value);
/*
 * Lenient (the benchmark's: "fake=lenient" in the connection string): nothing
 * is kept or looked up, every Parse succeeds, every execution answers one row
 * "?", as a canned stub would (the cost of a call stays flat).
 */
void fake_lenient(PGconn *c, bool on);

#endif
