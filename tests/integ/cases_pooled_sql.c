/*
 * SQL-level statements behind a transaction pooler (issue 15): SQL PREPARE,
 * EXECUTE (also EXPLAIN EXECUTE, in multi-statement texts, in blocks, in
 * single-row mode) and DEALLOCATE in pooled mode, where an EXECUTE goes by
 * the statement's content name (shared with protocol prepares of the same
 * text); and Qt's way (QPSQL: per-process counter names, EXECUTE with literal
 * arguments, DEALLOCATE) from several processes at once in pooled and unnamed
 * mode, every value checked so that another client's statement would show.
 *
 * Steps alternate between the two server connections of PgBouncer's pool
 * (the pin technique of trio.h). Behind a pooler that tracks statements the
 * mode runs as dedupe and SQL-level statements are recorded as in unnamed
 * mode (the pooler tracks only protocol ones): MECHANISM checks are skipped
 * there, the values are checked everywhere.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "trio.h"

#define SQLC_MARKER "pqt_sqlc"

/* The server-side names of a held list (comma-separated) include name itself. */
static bool lists(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = list; (p = strstr(p, name)); p += n)
		if ((p == list || p[-1] == ',') && (p[n] == ',' || !p[n]))
			return true;
	return false;
}

/* EXECUTE q(arg) in SQL gives want. */
static bool sql_is(PGconn *c, bool async, const char *name, int arg, int want)
{
	char sql[128], w[32];

	snprintf(sql, sizeof(sql), "EXECUTE %s(%d)", name, arg);
	snprintf(w, sizeof(w), "%d", want);
	return pqt_value_of(do_sql(c, async, sql), w);
}

static int sql_across(bool async)
{
	struct trio t;
	struct held x, y;
	PGresult *r;

	CHECK(trio_open(&t, "pooled", "1", NULL), "connect and clean");
	AT(&t, PINNED);
	CHECK(tagged(do_sql(t.app, async, "PREPARE q AS select $1::int * 3 as " SQLC_MARKER),
		     "PREPARE"),
	      "SQL PREPARE q");
	for (int i = 1; i <= 4; i++) {
		AT(&t, i % 2 ? UNPINNED : PINNED);
		CHECK(sql_is(t.app, async, "q", i, 3 * i), "EXECUTE q(%d), server connection %s", i,
		      i % 2 ? "X" : "Y");
	}
	CHECK(look_both(&t, SQLC_MARKER, &x, &y), "look");
	fprintf(stderr, "  X holds [%s], Y holds [%s]\n", x.list, y.list);
	CHECK(!lists(x.list, "q") && !lists(y.list, "q"), "the app's name q never reaches a server");
	/* also behind a pooler that tracks statements: it tracks protocol ones only */
	CHECK(x.total == 1 && x.pooled == 1 && y.total == 1 && y.pooled == 1 &&
		      strcmp(x.list, y.list) == 0 && strncmp(x.list, "_pqsh_", 6) == 0,
	      "one content name for the text, the same on both server connections");
	/* the same text through the protocol: the same server-side statement */
	CHECK(prepared(do_prepare(t.app, async, "p", "select $1::int * 3 as " SQLC_MARKER)),
	      "protocol prepare of the same text");
	CHECK(exec_is(t.app, async, "p", 5, 15), "exec p on Y");
	AT(&t, UNPINNED);
	CHECK(exec_is(t.app, async, "p", 6, 18), "exec p on X");
	AT(&t, PINNED);
	CHECK(look_both(&t, SQLC_MARKER, &x, &y), "look again");
	MECHANISM(x.total == 1 && y.total == 1,
		  "SQL and protocol uses of one text share one name (X [%s], Y [%s])", x.list, y.list);
	r = do_sql(t.app, async, "EXPLAIN EXECUTE q(7)");
	CHECK(pqt_status(r, PGRES_TUPLES_OK) && PQntuples(r) >= 1 &&
		      strstr(PQgetvalue(r, 0, 0), "Result"),
	      "EXPLAIN EXECUTE: the statement's plan");
	PQclear(r);
	/* two statements, one round trip: each its own result */
	CHECK(PQsendQuery(t.app, "EXECUTE q(8); select 2"), "send two statements");
	CHECK(pqt_value_of(pqt_async_result(t.app), "24"), "the EXECUTE's result");
	CHECK(pqt_value_of(pqt_async_result(t.app), "2"), "then the SELECT's");
	CHECK(pqt_async_end(t.app), "then the end");
	/* an error inside the executed statement is the app's, on either server connection */
	CHECK(tagged(do_sql(t.app, async, "PREPARE d AS select 60 / $1::int as " SQLC_MARKER),
		     "PREPARE"),
	      "SQL PREPARE d");
	for (int i = 0; i < 2; i++) {
		AT(&t, i ? PINNED : UNPINNED);
		CHECK(failed_with(do_sql(t.app, async, "EXECUTE d(0)"), "22012"),
		      "EXECUTE d(0): division by zero (%d)", i);
		CHECK(sql_is(t.app, async, "d", 5, 12), "EXECUTE d(5) after it (%d)", i);
	}
	CHECK(failed_with(do_sql(t.app, async, "EXECUTE q('x')"), "22P02"),
	      "a bad argument: the server's own error");
	AT(&t, UNPINNED);
	CHECK(deallocated(do_sql(t.app, async, "DEALLOCATE q")), "DEALLOCATE q");
	AT(&t, PINNED);
	r = do_sql(t.app, async, "EXECUTE q(1)");
	CHECK(strstr(PQresultErrorMessage(r), "\"q\""), "the 26000 names q: %s",
	      PQresultErrorMessage(r));
	CHECK(failed_with(r, "26000"), "q is gone after DEALLOCATE");
	CHECK(exec_is(t.app, async, "p", 2, 6), "p still runs");
	AT(&t, UNPINNED);
	trio_close(&t);
	return 0;
}

PQT_CASE(pooled_sql_execute_across_servers, true,
	 "pooled mode: SQL PREPARE, then EXECUTE (by content name, shared with a protocol prepare of the text), EXPLAIN EXECUTE, two statements, errors, DEALLOCATE, each on another server connection");
static int pooled_sql_execute_across_servers(void)
{
	return sql_across(false);
}

PQT_CASE(pooled_sql_execute_async, true,
	 "the same through PQsendQuery and an event loop (PQisBusy first)");
static int pooled_sql_execute_async(void)
{
	return sql_across(true);
}

PQT_CASE(pooled_sql_execute_in_block, true,
	 "pooled mode in a block: a SQL EXECUTE after the block's look-up is made on its server connection where missing, then by name, across SAVEPOINT");
static int pooled_sql_execute_in_block(void)
{
	struct trio t;
	struct held x, y;

	CHECK(trio_open(&t, "pooled", "1", NULL), "connect and clean");
	AT(&t, PINNED);
	CHECK(tagged(PQexec(t.app, "PREPARE q AS select $1::int * 5 as " SQLC_MARKER), "PREPARE"),
	      "SQL PREPARE q");
	CHECK(prepared(PQprepare(t.app, "s0", "select $1::int * 4 as pqt_sqlb", 0, NULL)),
	      "protocol prepare s0");
	AT(&t, UNPINNED);
	CHECK(tagged(PQexec(t.app, "BEGIN"), "BEGIN"), "begin on X");
	CHECK(exec_is(t.app, false, "s0", 1, 4), "exec s0: the block's look-up");
	CHECK(sql_is(t.app, false, "q", 2, 10), "EXECUTE q in the block (made there)");
	CHECK(tagged(PQexec(t.app, "SAVEPOINT a"), "SAVEPOINT"), "savepoint");
	CHECK(sql_is(t.app, false, "q", 3, 15), "EXECUTE q again (by name)");
	CHECK(tagged(PQexec(t.app, "RELEASE a"), "RELEASE"), "release");
	CHECK(tx_is(t.app, PQTRANS_INTRANS), "still in the block");
	CHECK(tagged(PQexec(t.app, "COMMIT"), "COMMIT"), "commit");
	AT(&t, PINNED);
	CHECK(look_both(&t, SQLC_MARKER, &x, &y), "look");
	fprintf(stderr, "  X holds [%s], Y holds [%s]\n", x.list, y.list);
	MECHANISM(x.pooled == 1 && x.total == 1, "the block made q's content name on X");
	CHECK(!lists(x.list, "q") && !lists(y.list, "q"), "the app's name q never reaches a server");
	CHECK(tagged(PQexec(t.app, "BEGIN"), "BEGIN"), "begin on Y");
	CHECK(sql_is(t.app, false, "q", 4, 20), "EXECUTE q first in a block (throwaway)");
	CHECK(tagged(PQexec(t.app, "COMMIT"), "COMMIT"), "commit");
	AT(&t, UNPINNED);
	trio_close(&t);
	return 0;
}

PQT_CASE(pooled_sql_single_row_retry, true,
	 "pooled mode: EXECUTE in single-row mode on a server connection that lacks the statement (3 SINGLE_TUPLE, TUPLES_OK, NULL), and where it has it");
static int pooled_sql_single_row_retry(void)
{
	struct trio t;
	PGresult *r;

	CHECK(trio_open(&t, "pooled", "1", NULL), "connect and clean");
	AT(&t, PINNED);
	CHECK(tagged(PQexec(t.app, "PREPARE q AS select generate_series(1, $1::int) as " SQLC_MARKER),
		     "PREPARE"),
	      "SQL PREPARE q");
	for (int i = 0; i < 3; i++) {
		AT(&t, i % 2 ? PINNED : UNPINNED);
		CHECK(PQsendQuery(t.app, "EXECUTE q(3)"), "send");
		CHECK(PQsetSingleRowMode(t.app) == 1, "single-row mode accepted");
		for (int k = 1; k <= 3; k++) {
			char want[16];

			snprintf(want, sizeof(want), "%d", k);
			r = i ? PQgetResult(t.app) : pqt_async_result(t.app);
			CHECK(pqt_status(r, PGRES_SINGLE_TUPLE) && PQntuples(r) == 1 &&
				      strcmp(PQgetvalue(r, 0, 0), want) == 0,
			      "attempt %d, row %d: SINGLE_TUPLE %s", i, k, want);
			PQclear(r);
		}
		r = PQgetResult(t.app);
		CHECK(pqt_status(r, PGRES_TUPLES_OK) && PQntuples(r) == 0 &&
			      strcmp(PQcmdStatus(r), "SELECT 3") == 0,
		      "attempt %d: TUPLES_OK, no row, SELECT 3", i);
		PQclear(r);
		r = PQgetResult(t.app);
		CHECK(!r, "attempt %d: then NULL", i);
	}
	trio_close(&t);
	return 0;
}

/*
 * A SQL PREPARE used through the protocol too (PQdescribePrepared, then
 * PQexecPrepared, as psqlODBC and PDO do with a name they know), in auto mode:
 * pooled mode behind PgBouncer 1.18, dedupe behind a pooler that tracks
 * statements (it tracks protocol ones only: the SQL PREPARE is recorded).
 */
PQT_CASE(auto_sql_prepare_protocol_uses, true,
	 "auto mode: SQL PREPARE q, then PQdescribePrepared(q), PQexecPrepared(q), EXECUTE q and DEALLOCATE q, each on another server connection");
static int auto_sql_prepare_protocol_uses(void)
{
	struct trio t;
	const char *v[1] = { "4" };
	PGresult *r;

	CHECK(trio_open(&t, "auto", "2", NULL), "connect and clean");
	AT(&t, PINNED);
	CHECK(tagged(PQexec(t.app, "PREPARE q AS select $1::int * 10 as " SQLC_MARKER), "PREPARE"),
	      "SQL PREPARE q");
	for (int i = 0; i < 4; i++) {
		AT(&t, i % 2 ? PINNED : UNPINNED);
		r = PQdescribePrepared(t.app, "q");
		CHECK(pqt_status(r, PGRES_COMMAND_OK) && PQnparams(r) == 1 && PQparamtype(r, 0) == 23 &&
			      PQnfields(r) == 1 && strcmp(PQfname(r, 0), SQLC_MARKER) == 0,
		      "describe q (%d): one int4 parameter, one field", i);
		PQclear(r);
		AT(&t, i % 2 ? UNPINNED : PINNED);
		CHECK(pqt_value_of(PQexecPrepared(t.app, "q", 1, v, NULL, NULL, 0), "40"),
		      "PQexecPrepared q (%d)", i);
		AT(&t, i % 2 ? PINNED : UNPINNED);
		CHECK(sql_is(t.app, false, "q", i, 10 * i), "EXECUTE q (%d)", i);
	}
	CHECK(deallocated(PQexec(t.app, "DEALLOCATE q")), "DEALLOCATE q");
	AT(&t, PINNED);
	CHECK(failed_with(PQexecPrepared(t.app, "q", 1, v, NULL, NULL, 0), "26000"),
	      "q is gone for the protocol");
	CHECK(failed_with(PQexec(t.app, "EXECUTE q(1)"), "26000"), "and for SQL");
	AT(&t, UNPINNED);
	trio_close(&t);
	return 0;
}

/*
 * A SQL PREPARE with a parameter type list: recorded with the types the server
 * resolved it to, so SQL EXECUTE, PQdescribePrepared and PQexecPrepared (with a
 * binary parameter, which needs the declared type) all work on every server
 * connection; a bad type is the server's error at the same moment.
 */
static int typed_across(const char *mode)
{
	struct trio t;
	PGresult *r;
	uint32_t be = htonl(7);
	const char *v[2] = { (const char *)&be, "x" };
	const int len[2] = { 4, 0 }, fmt[2] = { 1, 0 };

	CHECK(trio_open(&t, mode, "2", NULL), "connect and clean");
	AT(&t, PINNED);
	CHECK(tagged(PQexec(t.app, "PREPARE t (int4, text) AS select $1 * 10 as " SQLC_MARKER
				   ", $2 || '!' as s"),
		     "PREPARE"),
	      "SQL PREPARE t (int4, text)");
	CHECK(failed_with(PQexec(t.app, "PREPARE u (pqt_no_such_type) AS select $1"), "42704"),
	      "a type that does not exist: the server's 42704");
	/* in single-row mode (psql's FETCH_COUNT asks for chunks): still one PREPARE result */
	CHECK(PQsendQuery(t.app, "PREPARE t1 (int4) AS select $1 + 1 as " SQLC_MARKER) &&
		      PQsetSingleRowMode(t.app),
	      "send PREPARE t1 (int4) in single-row mode");
	CHECK(tagged(PQgetResult(t.app), "PREPARE"), "PREPARE t1: its one result");
	r = PQgetResult(t.app);
	CHECK(!r, "then NULL (got %s)", PQresStatus(PQresultStatus(r)));
	r = PQdescribePrepared(t.app, "t1");
	CHECK(pqt_status(r, PGRES_COMMAND_OK) && PQnparams(r) == 1 && PQparamtype(r, 0) == 23,
	      "describe t1: its int4 parameter came back in single-row mode too");
	PQclear(r);
	for (int i = 0; i < 4; i++) {
		AT(&t, i % 2 ? PINNED : UNPINNED);
		r = PQdescribePrepared(t.app, "t");
		CHECK(pqt_status(r, PGRES_COMMAND_OK) && PQnparams(r) == 2 && PQparamtype(r, 0) == 23 &&
			      PQparamtype(r, 1) == 25 && PQnfields(r) == 2,
		      "describe t (%d): int4 and text parameters, two fields", i);
		PQclear(r);
		AT(&t, i % 2 ? UNPINNED : PINNED);
		r = PQexecPrepared(t.app, "t", 2, v, len, fmt, 0);
		CHECK(pqt_status(r, PGRES_TUPLES_OK) && PQntuples(r) == 1 &&
			      strcmp(PQgetvalue(r, 0, 0), "70") == 0 && strcmp(PQgetvalue(r, 0, 1), "x!") == 0,
		      "PQexecPrepared t with a binary int4 (%d): 70, x!", i);
		PQclear(r);
		AT(&t, i % 2 ? PINNED : UNPINNED);
		r = PQexec(t.app, "EXECUTE t(5, 'y')");
		CHECK(pqt_status(r, PGRES_TUPLES_OK) && PQntuples(r) == 1 &&
			      strcmp(PQgetvalue(r, 0, 0), "50") == 0 && strcmp(PQgetvalue(r, 0, 1), "y!") == 0,
		      "EXECUTE t (%d): 50, y!", i);
		PQclear(r);
	}
	CHECK(deallocated(PQexec(t.app, "DEALLOCATE t")), "DEALLOCATE t");
	AT(&t, PINNED);
	CHECK(failed_with(PQexec(t.app, "EXECUTE t(1, 'z')"), "26000"), "t is gone");
	AT(&t, UNPINNED);
	trio_close(&t);
	return 0;
}

PQT_CASE(pooled_sql_typed_prepare, true,
	 "pooled mode: SQL PREPARE t (int4, text): EXECUTE, PQdescribePrepared, PQexecPrepared with a binary int4, each on another server connection");
static int pooled_sql_typed_prepare(void)
{
	return typed_across("pooled");
}

PQT_CASE(unnamed_sql_typed_prepare, true, "the same in unnamed mode");
static int unnamed_sql_typed_prepare(void)
{
	return typed_across("unnamed");
}

PQT_CASE(auto_sql_typed_prepare, true, "the same in auto mode");
static int auto_sql_typed_prepare(void)
{
	return typed_across("auto");
}

/* PQexecParams with no parameters: the extended protocol, one statement per message */
static PGresult *ext(PGconn *c, const char *sql)
{
	return PQexecParams(c, sql, 0, NULL, NULL, NULL, NULL, 0);
}

/*
 * SQL-level statements through the extended protocol (psycopg 3 sends every
 * query so), outside and inside the app's pipeline: PREPARE checked under a
 * throwaway name, EXECUTE of it run under another in the same Sync.
 */
static int extended_across(const char *mode)
{
	struct trio t;
	const char *v[1] = { "4" };
	PGresult *r;

	CHECK(trio_open(&t, mode, "2", NULL), "connect and clean");
	AT(&t, PINNED);
	CHECK(tagged(ext(t.app, "PREPARE e AS select $1::int * 10 as " SQLC_MARKER), "PREPARE"),
	      "PREPARE e (extended protocol)");
	for (int i = 0; i < 4; i++) {
		AT(&t, i % 2 ? PINNED : UNPINNED);
		CHECK(pqt_value_of(ext(t.app, "EXECUTE e(3)"), "30"), "EXECUTE e(3) (%d)", i);
		CHECK(sql_is(t.app, false, "e", 5, 50), "and in the simple protocol (%d)", i);
	}
	CHECK(failed_with(ext(t.app, "EXECUTE e('x')"), "22P02"), "a bad argument: the server's error");
	CHECK(pqt_value_of(ext(t.app, "EXECUTE e(2)"), "20"), "then it runs again");
	CHECK(deallocated(ext(t.app, "DEALLOCATE e")), "DEALLOCATE e (extended protocol)");
	AT(&t, UNPINNED);
	CHECK(failed_with(ext(t.app, "EXECUTE e(3)"), "26000"), "e is gone");
	/* in the app's pipeline: PREPARE and EXECUTE under one Sync */
	CHECK(PQenterPipelineMode(t.app), "enter pipeline mode");
	CHECK(PQsendQueryParams(t.app, "PREPARE f AS select $1::int + 1 as " SQLC_MARKER, 0, NULL,
				NULL, NULL, NULL, 0) &&
		      PQsendQueryParams(t.app, "EXECUTE f(4)", 0, NULL, NULL, NULL, NULL, 0) &&
		      PQsendQueryPrepared(t.app, "f", 1, v, NULL, NULL, 0) && PQpipelineSync(t.app),
	      "send PREPARE f, EXECUTE f(4), PQsendQueryPrepared f, sync");
	CHECK(tagged(pqt_async_result(t.app), "PREPARE") && pqt_async_end(t.app), "PREPARE f");
	CHECK(pqt_value_of(pqt_async_result(t.app), "5") && pqt_async_end(t.app), "EXECUTE f(4)");
	CHECK(pqt_value_of(pqt_async_result(t.app), "5") && pqt_async_end(t.app),
	      "PQsendQueryPrepared f");
	r = pqt_async_result(t.app);
	CHECK(pqt_status(r, PGRES_PIPELINE_SYNC), "sync");
	PQclear(r);
	CHECK(PQexitPipelineMode(t.app), "exit pipeline mode: %s", PQerrorMessage(t.app));
	AT(&t, PINNED);
	CHECK(pqt_value_of(ext(t.app, "EXECUTE f(9)"), "10"), "f on the other server connection");
	AT(&t, UNPINNED);
	trio_close(&t);
	return 0;
}

PQT_CASE(pooled_sql_extended_protocol, true,
	 "pooled mode: SQL PREPARE, EXECUTE and DEALLOCATE sent with PQexecParams and in the app's pipeline, each on another server connection");
static int pooled_sql_extended_protocol(void)
{
	return extended_across("pooled");
}

PQT_CASE(unnamed_sql_extended_protocol, true, "the same in unnamed mode");
static int unnamed_sql_extended_protocol(void)
{
	return extended_across("unnamed");
}

/*
 * A cancel sent while the first attempt's 26000 waits unread (the server
 * idle, so it drops the cancel): the retry must not run to its end.
 */
PQT_CASE(pooled_sql_cancel_not_lost, true,
	 "pooled mode: a PQcancel sent while a SQL EXECUTE's 26000 waits unread ends it with 57014");
static int pooled_sql_cancel_not_lost(void)
{
	PGconn *app, *other;
	PGcancel *k;
	PGresult *r;
	char err[256];
	double t0, took;
	bool cancelled = false;

	setenv("PQSHIM_MODE", "pooled", 1);
	app = pqt_connect(true);
	CHECK(app, "connect");
	CHECK(tagged(PQexec(app, "PREPARE sl AS select pg_sleep($1::float8)"), "PREPARE"), "prepare");
	for (int i = 0; i < 3; i++) /* by its content name on the server from now on */
		CHECK(pqt_status(r = PQexec(app, "EXECUTE sl(0)"), PGRES_TUPLES_OK) && (PQclear(r), true),
		      "EXECUTE %d", i);
	other = connect_raw("PQT_BOUNCER_DSN");
	CHECK(other && pqt_exec_ok(other, "DEALLOCATE ALL"), "another client empties the server connection");
	PQfinish(other);
	t0 = pqt_now();
	CHECK(PQsendQuery(app, "EXECUTE sl(10)") && PQflush(app) == 0, "send EXECUTE sl(10)");
	usleep(700000); /* not reading: its first answer waits */
	k = PQgetCancel(app);
	CHECK(k && PQcancel(k, err, sizeof(err)), "PQcancel: %s", err);
	PQfreeCancel(k);
	while ((r = PQgetResult(app)) != NULL) {
		if (strcmp(pqt_sqlstate(r), "57014") == 0)
			cancelled = true;
		else
			fprintf(stderr, "  got %s %s\n", PQresStatus(PQresultStatus(r)), pqt_sqlstate(r));
		PQclear(r);
	}
	took = pqt_now() - t0;
	CHECK(cancelled && took < 5, "cancelled (57014) after %.1f s, not run to its end", took);
	CHECK(pqt_status(r = PQexec(app, "EXECUTE sl(0)"), PGRES_TUPLES_OK) && (PQclear(r), true),
	      "the connection goes on");
	PQfinish(app);
	return 0;
}

/* ==== Qt's QPSQL driver's way, several processes at once ==== */

/*
 * One process of qt_processes: like a Qt application, names from a per-process
 * counter (so every process uses qpsqlpstmt_1, _2, ...), a text of its own
 * (its number is in it), EXECUTE with literal arguments, DEALLOCATE when the
 * query object goes and a new name for the next one.
 */
static int qt_child(int i, int go, const char *dsn)
{
	PGconn *c;
	char b, sql[160], want[32];
	int counter = 0;

	while (read(go, &b, 1) < 0 && errno == EINTR)
		;
	close(go);
	c = pqt_connect_to(dsn);
	CHECK(c, "process %d: connect", i);
	for (int q = 0; q < 4; q++) {
		counter++;
		snprintf(sql, sizeof(sql), "PREPARE qpsqlpstmt_%d AS SELECT $1::int + %d", counter,
			 1000 * i);
		CHECK(tagged(PQexec(c, sql), "PREPARE"), "process %d: %s", i, sql);
		for (int k = 0; k < 25; k++) {
			snprintf(sql, sizeof(sql), "EXECUTE qpsqlpstmt_%d (%d)", counter, k);
			snprintf(want, sizeof(want), "%d", 1000 * i + k);
			CHECK(pqt_value_of(PQexec(c, sql), want),
			      "process %d: %s gets its own statement's value %s", i, sql, want);
		}
		if (q % 2) { /* one block, as QSqlDatabase::transaction() makes */
			CHECK(tagged(PQexec(c, "BEGIN"), "BEGIN"), "process %d: begin", i);
			snprintf(sql, sizeof(sql), "EXECUTE qpsqlpstmt_%d (7)", counter);
			snprintf(want, sizeof(want), "%d", 1000 * i + 7);
			CHECK(pqt_value_of(PQexec(c, sql), want), "process %d: %s in a block", i, sql);
			CHECK(tagged(PQexec(c, "COMMIT"), "COMMIT"), "process %d: commit", i);
		}
		snprintf(sql, sizeof(sql), "DEALLOCATE qpsqlpstmt_%d", counter);
		CHECK(deallocated(PQexec(c, sql)), "process %d: %s", i, sql);
	}
	PQfinish(c);
	return 0;
}

static int qt_processes(const char *mode, const char *dsn)
{
	enum { N = 4 };
	pid_t pids[N];
	int go[2], failed = 0, started = 0, fork_errno = 0;

	setenv("PQSHIM_MODE", mode, 1);
	setenv("PQSHIM_POOLED_THRESHOLD", "2", 1);
	fflush(NULL);
	CHECK(pipe(go) == 0, "pipe");
	/* fork before any libpq call in this process */
	for (; started < N; started++) {
		pids[started] = fork();
		if (pids[started] < 0) {
			fork_errno = errno;
			break;
		}
		if (pids[started] == 0) {
			close(go[1]);
			exit(qt_child(started, go[0], dsn) == 0 ? 0 : 1);
		}
	}
	close(go[0]);
	close(go[1]); /* start */
	for (int i = 0; i < started; i++) {
		int status = 0;

		if (waitpid(pids[i], &status, 0) != pids[i] || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0) {
			fprintf(stderr, "  process %d failed (status %#x)\n", i, status);
			failed++;
		}
	}
	CHECK(started == N, "fork: %s", strerror(fork_errno));
	CHECK(failed == 0, "%d of %d processes failed", failed, N);
	return 0;
}

PQT_CASE(qt_sql_pooled_pool2, true,
	 "Qt's way (SQL PREPARE qpsqlpstmt_<n>, EXECUTE, DEALLOCATE), 4 processes, pooled mode, 2 server connections: every value its own");
static int qt_sql_pooled_pool2(void)
{
	return qt_processes("pooled", "PQT_BOUNCER2_DSN");
}

PQT_CASE(qt_sql_pooled_pool1, true, "the same through 1 server connection");
static int qt_sql_pooled_pool1(void)
{
	return qt_processes("pooled", "PQT_BOUNCER_DSN");
}

PQT_CASE(qt_sql_unnamed_pool2, true, "the same in unnamed mode, 2 server connections");
static int qt_sql_unnamed_pool2(void)
{
	return qt_processes("unnamed", "PQT_BOUNCER2_DSN");
}

PQT_CASE(qt_sql_auto_pool2, true, "the same in auto mode, 2 server connections");
static int qt_sql_auto_pool2(void)
{
	return qt_processes("auto", "PQT_BOUNCER2_DSN");
}

/* Neither server connection holds a statement of the marker's but content names (pins). */
static bool only_content_names(struct trio *t, const char *step)
{
	struct held x, y;

	if (!trio_on(t, PINNED) || !look_both(t, SQLC_MARKER, &x, &y))
		return false;
	if (x.total == x.pooled && y.total == y.pooled)
		return true;
	fprintf(stderr, "  after %s: X holds [%s], Y holds [%s]\n", step, x.list, y.list);
	return false;
}

/* sql's last result is the server's division by zero (an event loop reads every one). */
static bool fails_div(PGconn *c, bool async, const char *sql)
{
	PGresult *r, *last = NULL;

	if (!async)
		return failed_with(PQexec(c, sql), "22012");
	if (!PQsendQuery(c, sql))
		return false;
	while ((r = pqt_async_result(c)) != NULL) {
		PQclear(last);
		last = r;
	}
	return failed_with(last, "22012");
}

/*
 * An EXECUTE that fails where the shim runs the statement under a throwaway
 * name ("PREPARE tmp ...; EXECUTE tmp (...); DEALLOCATE tmp": unnamed mode,
 * and pooled mode for a text of several statements) skips the DEALLOCATE.
 * Nothing may stay on the server connection, which the pooler gives anyone:
 * outside a block the text runs in BEGIN ... COMMIT and the aborted block is
 * rolled back with the DEALLOCATE; in the app's block the DEALLOCATE goes
 * with its ROLLBACK, COMMIT or ROLLBACK TO. The app sees the server's
 * results and transaction states throughout.
 */
static int failed_execute_across(const char *mode, bool async)
{
	struct trio t;
	/* unnamed mode: the EXECUTE alone is the throwaway way; pooled: only in company */
	const char *one = strcmp(mode, "pooled") == 0 ? "select 1; EXECUTE q(0)" : "EXECUTE q(0)";
	PGresult *r;

	CHECK(trio_open(&t, mode, "1", NULL), "connect and clean");
	AT(&t, PINNED);
	CHECK(tagged(do_sql(t.app, async, "PREPARE q AS select 12 / $1::int as " SQLC_MARKER),
		     "PREPARE"),
	      "SQL PREPARE q");
	for (int i = 0; i < 2; i++) {
		AT(&t, i ? PINNED : UNPINNED);
		CHECK(fails_div(t.app, async, one), "%s: division by zero", one);
		CHECK(tx_is(t.app, PQTRANS_IDLE), "idle after it, as without a pooler");
		CHECK(only_content_names(&t, one), "nothing left after a failed %s (%d)", one, i);
		CHECK(sql_is(t.app, async, "q", 4, 3), "EXECUTE q(4) after it (%d)", i);
	}
	/* in the app's block: rolled back, ended by COMMIT, and back to a savepoint */
	CHECK(tagged(do_sql(t.app, async, "BEGIN"), "BEGIN"), "BEGIN");
	CHECK(fails_div(t.app, async, "select 1; EXECUTE q(0)"),
	      "division by zero in a block");
	CHECK(tx_is(t.app, PQTRANS_INERROR), "the block is aborted");
	CHECK(failed_with(do_sql(t.app, async, "select 1"), "25P02"), "as the server says");
	CHECK(tagged(do_sql(t.app, async, "ROLLBACK"), "ROLLBACK") && tx_is(t.app, PQTRANS_IDLE),
	      "ROLLBACK");
	CHECK(only_content_names(&t, "ROLLBACK"), "nothing left after the block's ROLLBACK");
	CHECK(tagged(do_sql(t.app, async, "BEGIN"), "BEGIN"), "BEGIN");
	CHECK(fails_div(t.app, async, "select 1; EXECUTE q(0)"), "again");
	r = do_sql(t.app, async, "COMMIT");
	CHECK(tagged(r, "ROLLBACK") && tx_is(t.app, PQTRANS_IDLE), "COMMIT of it rolls back");
	CHECK(only_content_names(&t, "COMMIT"), "nothing left after the block's COMMIT");
	CHECK(tagged(do_sql(t.app, async, "BEGIN"), "BEGIN") &&
		      tagged(do_sql(t.app, async, "SAVEPOINT a"), "SAVEPOINT"),
	      "BEGIN; SAVEPOINT a");
	CHECK(fails_div(t.app, async, "select 1; EXECUTE q(0)"), "again");
	CHECK(tagged(do_sql(t.app, async, "ROLLBACK TO a"), "ROLLBACK") &&
		      tx_is(t.app, PQTRANS_INTRANS),
	      "ROLLBACK TO a: the block goes on");
	CHECK(sql_is(t.app, async, "q", 6, 2), "EXECUTE q(6) in the block");
	CHECK(tagged(do_sql(t.app, async, "COMMIT"), "COMMIT"), "COMMIT");
	CHECK(only_content_names(&t, "ROLLBACK TO"), "nothing left after ROLLBACK TO and COMMIT");
	AT(&t, UNPINNED);
	trio_close(&t);
	return 0;
}

PQT_CASE(unnamed_sql_failed_execute_leaves_nothing, true,
	 "unnamed mode: a SQL EXECUTE that fails, outside and inside blocks, leaves no statement on either server connection");
static int unnamed_sql_failed_execute_leaves_nothing(void)
{
	return failed_execute_across("unnamed", false);
}

PQT_CASE(unnamed_sql_failed_execute_async, true,
	 "the same through PQsendQuery and an event loop (PQisBusy first)");
static int unnamed_sql_failed_execute_async(void)
{
	return failed_execute_across("unnamed", true);
}

PQT_CASE(pooled_sql_failed_execute_leaves_nothing, true,
	 "pooled mode: the same for texts of several statements (the throwaway way), only content names stay");
static int pooled_sql_failed_execute_leaves_nothing(void)
{
	return failed_execute_across("pooled", false);
}

const struct pqt_case *const cases_pooled_sql_list[] = {
	&pooled_sql_execute_across_servers_case,
	&pooled_sql_execute_async_case,
	&pooled_sql_execute_in_block_case,
	&pooled_sql_single_row_retry_case,
	&auto_sql_prepare_protocol_uses_case,
	&pooled_sql_cancel_not_lost_case,
	&pooled_sql_typed_prepare_case,
	&unnamed_sql_typed_prepare_case,
	&auto_sql_typed_prepare_case,
	&pooled_sql_extended_protocol_case,
	&unnamed_sql_extended_protocol_case,
	&qt_sql_pooled_pool2_case,
	&qt_sql_pooled_pool1_case,
	&qt_sql_unnamed_pool2_case,
	&qt_sql_auto_pool2_case,
	&unnamed_sql_failed_execute_leaves_nothing_case,
	&unnamed_sql_failed_execute_async_case,
	&pooled_sql_failed_execute_leaves_nothing_case,
	NULL,
};
