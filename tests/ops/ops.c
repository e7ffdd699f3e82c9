/*
 * The operation layer's state machines, in process, against the scripted
 * fake libpq (tests/fake/fake.h): exec stages and their retries, bundles
 * under one Sync, the pump's hiding and PQisBusy, pipelines, a lost
 * connection. Each case checks the results the app gets and the exact
 * messages that crossed the wire. `ops --list` names them; `ops CASE` runs
 * one (tests/ops/run.sh runs each without and with the shim, as
 * tests/run-integ.sh does for the integration cases).
 */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake.h"
#include "names.h"
#include "pqtest.h" /* CHECK and struct pqt_case, as the integration cases have them */

/* The wire log matches pattern (fnmatch: * for a generated name); else both are printed. */
static bool wire_is(PGconn *c, const char *pattern)
{
	const char *got = fake_wire(c);

	if (fnmatch(pattern, got, 0) == 0)
		return true;
	fprintf(stderr, "  wire:     %s\n  expected: %s\n", got, pattern);
	return false;
}
#define WIRE(c, ...) \
	do { \
		char _w[2048]; \
		snprintf(_w, sizeof(_w), __VA_ARGS__); \
		CHECK(wire_is(c, _w), "the messages sent"); \
		fake_wire_clear(c); \
	} while (0)

static bool value_is(PGresult *r, const char *want)
{
	bool ok = r && PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 &&
		  strcmp(PQgetvalue(r, 0, 0), want) == 0;

	if (!ok)
		fprintf(stderr, "  got %s %s %s, expected the value %s\n",
			r ? PQresStatus(PQresultStatus(r)) : "no result",
			r && PQresultErrorField(r, PG_DIAG_SQLSTATE) ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : "",
			r && PQntuples(r) ? PQgetvalue(r, 0, 0) : "", want);
	PQclear(r);
	return ok;
}

static bool status_is(PGresult *r, ExecStatusType want)
{
	bool ok = r && PQresultStatus(r) == want;

	if (!ok)
		fprintf(stderr, "  got %s %s, expected %s\n", r ? PQresStatus(PQresultStatus(r)) : "no result",
			r && PQresultErrorField(r, PG_DIAG_SQLSTATE) ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : "",
			PQresStatus(want));
	PQclear(r);
	return ok;
}

static PGresult *exec1(PGconn *c, const char *name, const char *v)
{
	const char *vals[1] = { v };

	return PQexecPrepared(c, name, v ? 1 : 0, v ? vals : NULL, NULL, NULL, 0);
}

/* The app's connection in a mode (the connection-string parameter; the fake ignores it). */
static PGconn *app(const char *mode)
{
	char ci[64];
	PGconn *c;

	snprintf(ci, sizeof(ci), "dbname=ops pqshim_mode=%s", mode);
	c = PQconnectdb(ci);
	fake_trace(c, true);
	return c;
}

static const char *content_name(const char *text, int nparams)
{
	static char out[NAMES_CONTENT_LEN + 1];

	names_content(out, text, strlen(text), nparams, NULL);
	return out;
}

/* ---- pooled mode outside blocks: NAME, CREATE, retries, UNNAMED ---- */

static int pooled_missing_is_created(void)
{
	PGconn *c;
	const char *cn = content_name("select $1", 1);

	setenv("PQSHIM_POOLED_THRESHOLD", "1", 1);
	fake_pooler(2);
	c = app("pooled");
	fake_route(c, "0111");
	CHECK(status_is(PQprepare(c, "s0", "select $1", 1, NULL), PGRES_COMMAND_OK), "prepare");
	WIRE(c, "@0 P() S");
	CHECK(value_is(exec1(c, "s0", "5"), "5"), "exec on session 1");
	WIRE(c, "@1 E(%s) S @1 P(%s) E(%s) S", cn, cn, cn);
	CHECK(value_is(exec1(c, "s0", "6"), "6"), "exec again: by name");
	WIRE(c, "@1 E(%s) S", cn);
	CHECK(!fake_has(0, "s0") && !fake_has(1, "s0"), "the app's name never reached the server");
	PQfinish(c);
	return 0;
}

static int pooled_created_meanwhile(void)
{
	PGconn *c;
	const char *cn = content_name("select $1", 1);

	setenv("PQSHIM_POOLED_THRESHOLD", "1", 1);
	fake_pooler(3);
	c = app("pooled");
	fake_route(c, "0122");
	fake_leave(2, cn, "select $1"); /* another process made the same statement there */
	CHECK(status_is(PQprepare(c, "s0", "select $1", 1, NULL), PGRES_COMMAND_OK), "prepare");
	CHECK(value_is(exec1(c, "s0", "7"), "7"), "exec");
	/* 26000 on 1; the Parse on 2 meets the other's (42P05, the Execute aborted); by name again */
	WIRE(c, "@0 P() S @1 E(%s) S @2 P(%s) E(%s) S @2 E(%s) S", cn, cn, cn, cn);
	PQfinish(c);
	return 0;
}

static int pooled_retries_end_unnamed(void)
{
	PGconn *c;
	const char *cn = content_name("select $1", 1);

	setenv("PQSHIM_POOLED_THRESHOLD", "1", 1);
	fake_pooler(3);
	c = app("pooled");
	/* every execution by name lands on 1 (lacks it), every creation on 2 (has it): five tries */
	fake_route(c, "01212121212");
	fake_leave(2, cn, "select $1");
	CHECK(status_is(PQprepare(c, "s0", "select $1", 1, NULL), PGRES_COMMAND_OK), "prepare");
	CHECK(value_is(exec1(c, "s0", "8"), "8"), "exec");
	WIRE(c, "@0 P() S @1 E(%s) S @2 P(%s) E(%s) S @1 E(%s) S @2 P(%s) E(%s) S @1 E(%s) S @2 P() E() S",
	     cn, cn, cn, cn, cn, cn, cn);
	PQfinish(c);
	return 0;
}

static int pooled_app_error_is_the_apps(void)
{
	PGconn *c;
	PGresult *r;
	const char *cn = content_name("fail 22012", 0);

	setenv("PQSHIM_POOLED_THRESHOLD", "1", 1);
	fake_pooler(2);
	c = app("pooled");
	fake_route(c, "011");
	CHECK(status_is(PQprepare(c, "s0", "fail 22012", 0, NULL), PGRES_COMMAND_OK), "prepare");
	r = exec1(c, "s0", NULL);
	CHECK(r && strcmp(PQresultErrorField(r, PG_DIAG_SQLSTATE), "22012") == 0,
	      "the app's own error (%s), once", r ? PQresStatus(PQresultStatus(r)) : "none");
	PQclear(r);
	WIRE(c, "@0 P() S @1 E(%s) S @1 P(%s) E(%s) S", cn, cn, cn);
	CHECK(strstr(PQerrorMessage(c), "22012") != NULL, "PQerrorMessage has it: %s",
	      PQerrorMessage(c));
	PQfinish(c);
	return 0;
}

/* ---- healing ---- */

static int pooled_heals_changed_plan(void)
{
	PGconn *c;
	const char *cn = content_name("select $1", 1);

	setenv("PQSHIM_POOLED_THRESHOLD", "1", 1);
	c = app("pooled");
	CHECK(status_is(PQprepare(c, "s0", "select $1", 1, NULL), PGRES_COMMAND_OK), "prepare");
	CHECK(value_is(exec1(c, "s0", "1"), "1"), "exec: creates it");
	fake_wire_clear(c);
	fake_conn_plan_changed(c, cn);
	CHECK(value_is(exec1(c, "s0", "2"), "2"), "exec after the schema change");
	WIRE(c, "E(%s) S P() E() P(%s) E(%s) S", cn, cn, cn);
	PQfinish(c);
	return 0;
}

static int dedupe_heals_changed_plan(void)
{
	PGconn *c = app("dedupe");

	CHECK(status_is(PQprepare(c, "s0", "select $1", 1, NULL), PGRES_COMMAND_OK), "prepare");
	CHECK(value_is(exec1(c, "s0", "1"), "1"), "exec");
	fake_conn_plan_changed(c, "s0");
	fake_wire_clear(c);
	CHECK(value_is(exec1(c, "s0", "2"), "2"), "exec after the schema change");
	WIRE(c, "E(s0) S P() E() P(s0) E(s0) S");
	PQfinish(c);
	return 0;
}

/* ---- dedupe prepares ---- */

static int dedupe_identical_answered_locally(void)
{
	PGconn *c = app("dedupe");
	PGresult *r;

	CHECK(status_is(PQprepare(c, "s0", "select $1", 1, NULL), PGRES_COMMAND_OK), "prepare");
	CHECK(status_is(PQprepare(c, "s0", "select $1", 1, NULL), PGRES_COMMAND_OK), "again");
	WIRE(c, "P(s0) S");
	/* asynchronous: a Describe stands in, so an event loop gets its wake-up */
	CHECK(PQsendPrepare(c, "s0", "select $1", 1, NULL), "send");
	r = PQgetResult(c);
	CHECK(r && PQresultStatus(r) == PGRES_COMMAND_OK && PQnfields(r) == 0,
	      "a prepare's result, not the Describe's (%d fields)", PQnfields(r));
	PQclear(r);
	CHECK(PQgetResult(c) == NULL, "end");
	WIRE(c, "D(s0) S");
	CHECK(fake_conn_count(c) == 1, "one statement on the server");
	PQfinish(c);
	return 0;
}

static int dedupe_leftover_renamed(void)
{
	PGconn *c;

	fake_pooler(1);
	fake_leave(0, "s0", "select 'other'");
	c = app("dedupe");
	CHECK(status_is(PQprepare(c, "s0", "select 'mine'", 0, NULL), PGRES_COMMAND_OK), "prepare");
	WIRE(c, "@0 P(s0) S @0 P(_pqs_*) S");
	CHECK(value_is(exec1(c, "s0", NULL), "mine"), "the app's own statement");
	WIRE(c, "@0 E(_pqs_*) S");
	PQfinish(c);
	return 0;
}

/* ---- unnamed mode ---- */

static int unnamed_never_names(void)
{
	PGconn *c = app("unnamed");

	CHECK(status_is(PQprepare(c, "s0", "select $1", 1, NULL), PGRES_COMMAND_OK), "prepare");
	CHECK(value_is(exec1(c, "s0", "3"), "3"), "exec");
	CHECK(status_is(PQdescribePrepared(c, "s0"), PGRES_COMMAND_OK), "describe");
	WIRE(c, "P() S P() E() S P() D() S");
	CHECK(fake_conn_count(c) <= 1 && !fake_conn_has(c, "s0"), "nothing named on the server");
	PQfinish(c);
	return 0;
}

/* ---- the asynchronous API ---- */

static int async_isbusy_covers_retry(void)
{
	PGconn *c;
	PGresult *r;
	const char *cn = content_name("select $1", 1);
	const char *v[1] = { "9" };

	setenv("PQSHIM_POOLED_THRESHOLD", "1", 1);
	fake_pooler(2);
	c = app("pooled");
	fake_route(c, "011");
	CHECK(status_is(PQprepare(c, "s0", "select $1", 1, NULL), PGRES_COMMAND_OK), "prepare");
	fake_hold(c, true);
	CHECK(PQsendQueryPrepared(c, "s0", 1, v, NULL, NULL, 0), "send");
	CHECK(PQisBusy(c), "busy: nothing arrived");
	fake_arrive(c); /* the 26000: the shim sends the retry, which has not arrived */
	CHECK(PQisBusy(c), "still busy: the retry is on its way");
	WIRE(c, "@0 P() S @1 E(%s) S @1 P(%s) E(%s) S", cn, cn, cn);
	fake_arrive(c);
	CHECK(!PQisBusy(c), "the retry's answer is there");
	r = PQgetResult(c);
	CHECK(value_is(r, "9"), "the value");
	CHECK(PQgetResult(c) == NULL, "then the end");
	PQfinish(c);
	return 0;
}

static int single_row_through_retry(void)
{
	PGconn *c;
	PGresult *r;
	int rows = 0;

	setenv("PQSHIM_POOLED_THRESHOLD", "1", 1);
	fake_pooler(2);
	c = app("pooled");
	fake_route(c, "011");
	CHECK(status_is(PQprepare(c, "g", "select generate 3", 0, NULL), PGRES_COMMAND_OK), "prepare");
	CHECK(PQsendQueryPrepared(c, "g", 0, NULL, NULL, NULL, 0) && PQsetSingleRowMode(c), "send");
	while ((r = PQgetResult(c)) != NULL) {
		if (PQresultStatus(r) == PGRES_SINGLE_TUPLE)
			rows++;
		else
			CHECK(PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 0,
			      "after the rows, TUPLES_OK with none (%s, %d rows)",
			      PQresStatus(PQresultStatus(r)), PQntuples(r));
		PQclear(r);
	}
	CHECK(rows == 3, "three SINGLE_TUPLE results (%d)", rows);
	PQfinish(c);
	return 0;
}

int PQsetChunkedRowsMode(PGconn *conn, int chunk_size); /* libpq 17 */
#define TUPLES_CHUNK ((ExecStatusType)(PGRES_PIPELINE_ABORTED + 1))

static int chunked_rows_through_retry(void)
{
	PGconn *c;
	PGresult *r;
	int chunks = 0, rows = 0;

	setenv("PQSHIM_POOLED_THRESHOLD", "1", 1);
	fake_pooler(2);
	c = app("pooled");
	fake_route(c, "011");
	CHECK(status_is(PQprepare(c, "g", "select generate 7", 0, NULL), PGRES_COMMAND_OK), "prepare");
	CHECK(PQsendQueryPrepared(c, "g", 0, NULL, NULL, NULL, 0) && PQsetChunkedRowsMode(c, 3),
	      "send, chunks of 3");
	while ((r = PQgetResult(c)) != NULL) {
		if (PQresultStatus(r) == TUPLES_CHUNK) {
			chunks++;
			rows += PQntuples(r);
		} else {
			CHECK(PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 0,
			      "after the chunks, TUPLES_OK with none (%s, %d rows)",
			      PQresStatus(PQresultStatus(r)), PQntuples(r));
		}
		PQclear(r);
	}
	CHECK(chunks == 3 && rows == 7, "7 rows in 3 chunks (%d rows in %d)", rows, chunks);
	PQfinish(c);
	return 0;
}

/* A cancel while the first attempt's 26000 waits unread: the server's 57014, no retry. */
static int cancel_not_lost(bool old_api)
{
	PGconn *c;
	PGresult *r;
	PGcancel *k;
	const char *cn = content_name("select $1", 1);
	const char *v[1] = { "9" };
	char err[64];

	setenv("PQSHIM_POOLED_THRESHOLD", "1", 1);
	fake_pooler(2);
	c = app("pooled");
	fake_route(c, "011");
	CHECK(status_is(PQprepare(c, "s0", "select $1", 1, NULL), PGRES_COMMAND_OK), "prepare");
	fake_hold(c, true);
	CHECK(PQsendQueryPrepared(c, "s0", 1, v, NULL, NULL, 0), "send");
	fake_arrive(c); /* the 26000 is there; the app has not read it */
	if (old_api) {
		CHECK(PQrequestCancel(c), "PQrequestCancel");
	} else {
		k = PQgetCancel(c);
		CHECK(k && PQcancel(k, err, sizeof(err)), "PQcancel");
		PQfreeCancel(k);
	}
	CHECK(fake_cancels(c) == 1, "the cancel went out (and the idle server dropped it)");
	fake_hold(c, false);
	r = PQgetResult(c);
	CHECK(r && PQresultErrorField(r, PG_DIAG_SQLSTATE) &&
		      strcmp(PQresultErrorField(r, PG_DIAG_SQLSTATE), "57014") == 0,
	      "the server's 57014 (%s %s)", r ? PQresStatus(PQresultStatus(r)) : "no result",
	      r && PQresultErrorField(r, PG_DIAG_SQLSTATE) ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : "");
	PQclear(r);
	CHECK(PQgetResult(c) == NULL, "then the end");
	WIRE(c, "@0 P() S @1 E(%s) S @1 P() E() S", cn); /* no Parse of the content name: no retry */
	CHECK(value_is(exec1(c, "s0", "4"), "4"), "the next execution runs");
	PQfinish(c);
	return 0;
}

static int cancel_not_lost_pqcancel(void)
{
	return cancel_not_lost(false);
}

static int cancel_not_lost_requestcancel(void)
{
	return cancel_not_lost(true);
}

/* ---- pipelines and lost connections ---- */

static int pipeline_results_in_order(void)
{
	PGconn *c = app("pooled");
	const char *v[1] = { "4" };
	PGresult *r;

	CHECK(status_is(PQprepare(c, "s0", "select $1", 1, NULL), PGRES_COMMAND_OK), "prepare");
	CHECK(PQenterPipelineMode(c), "pipeline");
	CHECK(PQsendQueryPrepared(c, "s0", 1, v, NULL, NULL, 0), "exec");
	CHECK(PQsendQueryParams(c, "fail 22012", 0, NULL, NULL, NULL, NULL, 0), "fail");
	CHECK(PQsendQueryPrepared(c, "s0", 1, v, NULL, NULL, 0), "exec after");
	CHECK(PQpipelineSync(c), "sync");
	CHECK(PQsendQueryPrepared(c, "s0", 1, v, NULL, NULL, 0), "exec after the sync");
	CHECK(PQpipelineSync(c), "sync");
	CHECK(value_is(PQgetResult(c), "4"), "1");
	CHECK(PQgetResult(c) == NULL, "end 1");
	r = PQgetResult(c);
	CHECK(r && strcmp(PQresultErrorField(r, PG_DIAG_SQLSTATE), "22012") == 0, "2: the error");
	PQclear(r);
	CHECK(PQgetResult(c) == NULL, "end 2");
	CHECK(status_is(PQgetResult(c), PGRES_PIPELINE_ABORTED), "3: aborted");
	CHECK(PQgetResult(c) == NULL, "end 3");
	CHECK(status_is(PQgetResult(c), PGRES_PIPELINE_SYNC), "sync");
	CHECK(value_is(PQgetResult(c), "4"), "4");
	CHECK(PQgetResult(c) == NULL, "end 4");
	CHECK(status_is(PQgetResult(c), PGRES_PIPELINE_SYNC), "sync");
	CHECK(PQexitPipelineMode(c), "exit");
	WIRE(c, "P() S P() E() P() E() P() E() S P() E() S");
	PQfinish(c);
	return 0;
}

static int lost_connection_in_bundle(void)
{
	PGconn *c;
	PGresult *r;

	setenv("PQSHIM_POOLED_THRESHOLD", "1", 1);
	fake_pooler(2);
	c = app("pooled");
	fake_route(c, "011");
	CHECK(status_is(PQprepare(c, "s0", "select $1", 1, NULL), PGRES_COMMAND_OK), "prepare");
	fake_drop_after(c, 2); /* the Execute by name, then the connection breaks at the next */
	r = exec1(c, "s0", "1");
	CHECK(r && PQresultStatus(r) == PGRES_FATAL_ERROR, "an error, not a hang (%s)",
	      r ? PQresStatus(PQresultStatus(r)) : "no result");
	PQclear(r);
	CHECK(PQstatus(c) == CONNECTION_BAD, "the connection is gone");
	CHECK(PQpipelineStatus(c) == PQ_PIPELINE_OFF, "and out of any pipeline");
	CHECK(PQgetResult(c) == NULL, "nothing more to read");
	CHECK(!PQsendQueryPrepared(c, "s0", 0, NULL, NULL, NULL, 0), "a new command is refused");
	PQfinish(c);
	return 0;
}

/* ---- pooled mode inside a block ---- */

static int block_lookup_then_by_name(void)
{
	PGconn *c;
	const char *cn = content_name("select $1", 1);

	setenv("PQSHIM_POOLED_THRESHOLD", "1", 1);
	fake_pooler(1);
	c = app("pooled");
	CHECK(status_is(PQprepare(c, "s0", "select $1", 1, NULL), PGRES_COMMAND_OK), "prepare");
	CHECK(value_is(exec1(c, "s0", "1"), "1"), "exec outside: creates it");
	fake_wire_clear(c);
	CHECK(status_is(PQexec(c, "BEGIN"), PGRES_COMMAND_OK), "begin");
	CHECK(value_is(exec1(c, "s0", "2"), "2"), "first in the block: with the look-up");
	CHECK(value_is(exec1(c, "s0", "3"), "3"), "then by name");
	CHECK(status_is(PQexec(c, "COMMIT"), PGRES_COMMAND_OK), "commit");
	WIRE(c, "@0 Q(BEGIN) P() E() P() E() S E(%s) S Q(COMMIT)", cn);
	PQfinish(c);
	return 0;
}

static int block_creates_what_it_lacks(void)
{
	PGconn *c;
	const char *cn = content_name("select $1", 1);

	setenv("PQSHIM_POOLED_THRESHOLD", "1", 1);
	fake_pooler(1);
	c = app("pooled");
	CHECK(status_is(PQprepare(c, "s0", "select $1", 1, NULL), PGRES_COMMAND_OK), "prepare");
	CHECK(value_is(exec1(c, "s0", "1"), "1"), "exec outside: creates it");
	fake_clear(0); /* someone's DEALLOCATE ALL */
	CHECK(status_is(PQexec(c, "BEGIN"), PGRES_COMMAND_OK), "begin");
	fake_wire_clear(c);
	CHECK(value_is(exec1(c, "s0", "2"), "2"), "first in the block: the look-up says it lacks it");
	CHECK(value_is(exec1(c, "s0", "3"), "3"), "then made there, and run");
	CHECK(value_is(exec1(c, "s0", "4"), "4"), "then by name");
	CHECK(status_is(PQexec(c, "COMMIT"), PGRES_COMMAND_OK), "commit");
	WIRE(c, "P() E() P() E() S P(%s) E(%s) S E(%s) S Q(COMMIT)", cn, cn, cn);
	PQfinish(c);
	return 0;
}

/* ---- what is in front: auto mode decides at connection time ---- */

static int auto_direct_dedupes(void)
{
	PGconn *c = app("auto");

	CHECK(fake_probes() == 1, "one probe at connection time (%d)", fake_probes());
	CHECK(status_is(PQprepare(c, "s0", "select $1", 1, NULL), PGRES_COMMAND_OK), "prepare");
	CHECK(status_is(PQprepare(c, "s0", "select $1", 1, NULL), PGRES_COMMAND_OK), "identical");
	CHECK(value_is(exec1(c, "s0", "3"), "3"), "exec");
	WIRE(c, "P(s0) S E(s0) S"); /* dedupe: the app's name, the re-prepare answered locally */
	PQfinish(c);
	c = app("auto");
	CHECK(fake_probes() == 1, "the target is known: no probe for the next connection");
	CHECK(status_is(PQprepare(c, "s1", "select 'x'", 0, NULL), PGRES_COMMAND_OK), "prepare");
	WIRE(c, "P(s1) S");
	PQfinish(c);
	return 0;
}

static int auto_shared_pooler_pools(void)
{
	PGconn *c;
	const char *cn = content_name("select $1", 1);

	setenv("PQSHIM_POOLED_THRESHOLD", "1", 1);
	fake_pooler(2);
	fake_leave(1, "s0", "select 'other'"); /* another client's s0 on the second session */
	c = app("auto");
	fake_route(c, "01");
	CHECK(status_is(PQprepare(c, "s0", "select $1", 1, NULL), PGRES_COMMAND_OK), "prepare");
	CHECK(value_is(exec1(c, "s0", "5"), "5"), "its own s0, never the other client's");
	WIRE(c, "@0 P() S @1 E(%s) S @1 P(%s) E(%s) S", cn, cn, cn);
	PQfinish(c);
	return 0;
}

/* Behind a tracking pooler the shim must not re-Parse, nor Bind a name the pooler never saw. */
static int behind_tracking_pooler(const char *mode)
{
	PGconn *c;

	fake_pooler(2);
	fake_pooler_tracks(true);
	c = app(mode);
	fake_route(c, "0101");
	CHECK(status_is(PQprepare(c, "s0", "select $1", 1, NULL), PGRES_COMMAND_OK), "prepare");
	CHECK(value_is(exec1(c, "s0", "1"), "1"), "exec on the other session");
	CHECK(status_is(PQprepare(c, "s0", "select $1", 1, NULL), PGRES_COMMAND_OK),
	      "an identical re-prepare: no second Parse (the pooler would close the connection)");
	CHECK(status_is(PQprepare(c, "s0", "select 'two'", 0, NULL), PGRES_COMMAND_OK),
	      "a conflicting one: under another name");
	CHECK(value_is(exec1(c, "s0", NULL), "two"), "the new text");
	WIRE(c, "@0 P(s0) S @1 E(s0) S @0 P(_pqs_*) S @1 E(_pqs_*) S");
	CHECK(PQstatus(c) == CONNECTION_OK, "the connection is alive");
	PQfinish(c);
	return 0;
}

/* Behind a tracking pooler a failed Parse keeps its name there: the next prepare of it goes renamed. */
static int tracking_failed_parse_not_reparsed(void)
{
	PGconn *c;
	PGresult *r;

	fake_pooler(1);
	fake_pooler_tracks(true);
	c = app("auto");
	r = PQprepare(c, "s0", "bad text", 0, NULL);
	CHECK(r && strcmp(PQresultErrorField(r, PG_DIAG_SQLSTATE), "42601") == 0, "the server's syntax error");
	PQclear(r);
	CHECK(status_is(PQprepare(c, "s0", "select 'fixed'", 0, NULL), PGRES_COMMAND_OK), "prepared again");
	CHECK(value_is(exec1(c, "s0", NULL), "fixed"), "runs");
	CHECK(status_is(exec1(c, "nosuch", NULL), PGRES_FATAL_ERROR), "a name the app never prepared: an error");
	WIRE(c, "@0 P(s0) S @0 P(_pqs_*) S @0 E(_pqs_*) S @0 Q(DO $pqsh$ BEGIN RAISE EXCEPTION USING ERRCODE = '26000', MES)");
	CHECK(PQstatus(c) == CONNECTION_OK, "the connection is alive");
	PQfinish(c);
	return 0;
}

static int auto_tracking_pooler_dedupes(void)
{
	return behind_tracking_pooler("auto");
}

static int pooled_tracking_pooler_dedupes(void)
{
	return behind_tracking_pooler("pooled");
}

static int pgbouncer_126_parameters_decide(void)
{
	PGconn *c;

	fake_pooler(2);
	fake_pooler_tracks(true);
	fake_login_param("pgbouncer.pool_mode", "transaction");
	fake_login_param("pgbouncer.max_prepared_statements", "200");
	c = app("auto");
	CHECK(fake_probes() == 0, "PgBouncer said it at login: no probe");
	CHECK(status_is(PQprepare(c, "s0", "select 'x'", 0, NULL), PGRES_COMMAND_OK), "prepare");
	CHECK(status_is(PQprepare(c, "s0", "select 'x'", 0, NULL), PGRES_COMMAND_OK), "again");
	WIRE(c, "@0 P(s0) S");
	PQfinish(c);
	return 0;
}

/* PQconnectStart + PQconnectPoll: the probe rides on the connection's start, non-blocking. */
static int auto_async_connect_probes(void)
{
	PGconn *c;
	PostgresPollingStatusType st;
	int polls = 0, reading = 0;

	fake_pooler(2);
	c = PQconnectStart("dbname=ops pqshim_mode=auto");
	CHECK(c, "connect start");
	fake_hold(c, true);
	while ((st = PQconnectPoll(c)) != PGRES_POLLING_OK && st != PGRES_POLLING_FAILED && polls < 10) {
		polls++;
		reading += st == PGRES_POLLING_READING;
		fake_arrive(c); /* the socket became readable */
	}
	CHECK(st == PGRES_POLLING_OK, "connected (%d polls)", polls);
	CHECK(reading >= 1 && fake_probes() == 1, "READING while the probe ran (%d), one probe", reading);
	CHECK(PQpipelineStatus(c) == PQ_PIPELINE_OFF, "no pipeline left over");
	fake_hold(c, false);
	fake_trace(c, true);
	CHECK(status_is(PQprepare(c, "s0", "select 'x'", 0, NULL), PGRES_COMMAND_OK), "prepare");
	WIRE(c, "@0 P() S"); /* a pooler that shares: pooled mode */
	PQfinish(c);
	return 0;
}

#define CASE(name, fix, doc) { #name, name, fix, doc }

static const struct pqt_case cases[] = {
	CASE(pooled_missing_is_created, true,
	     "pooled: 26000 on the server connection -> Parse + Execute under one Sync, then by name"),
	CASE(pooled_created_meanwhile, true,
	     "pooled: 42P05 on the creating Parse (made meanwhile) -> by name again"),
	CASE(pooled_retries_end_unnamed, true,
	     "pooled: after four retries the unnamed statement runs it"),
	CASE(pooled_app_error_is_the_apps, true,
	     "pooled: an error of the statement itself reaches the app once, with PQerrorMessage"),
	CASE(pooled_heals_changed_plan, true,
	     "pooled: 0A000 -> DEALLOCATE + Parse + Execute under one Sync"),
	CASE(dedupe_heals_changed_plan, true, "dedupe: 0A000 healed the same way"),
	CASE(dedupe_identical_answered_locally, true,
	     "dedupe: an identical re-prepare sends nothing (async: a Describe stands in)"),
	CASE(dedupe_leftover_renamed, true,
	     "dedupe: 42P05 from another client's statement -> retried under a generated name"),
	CASE(unnamed_never_names, true,
	     "unnamed: prepare, execute and describe never send the app's name"),
	CASE(async_isbusy_covers_retry, true,
	     "async: PQisBusy stays 1 while the shim's retry is on its way"),
	CASE(single_row_through_retry, true, "async: single-row mode is asked again for the retry"),
	CASE(chunked_rows_through_retry, true,
	     "async: chunked-rows mode (libpq 17) is asked again for the retry"),
	CASE(cancel_not_lost_pqcancel, true,
	     "a PQcancel while a retry is pending ends the execution with the server's 57014"),
	CASE(cancel_not_lost_requestcancel, true, "the same with PQrequestCancel"),
	CASE(auto_direct_dedupes, true,
	     "auto, directly: one probe at connection time, dedupe; the next connection is not probed"),
	CASE(auto_shared_pooler_pools, true,
	     "auto behind a pooler that shares server connections: pooled from the first statement"),
	CASE(auto_tracking_pooler_dedupes, true,
	     "auto behind a pooler that tracks statements: dedupe, never a second Parse of a name"),
	CASE(tracking_failed_parse_not_reparsed, true,
	     "behind a tracking pooler: a name whose Parse failed is not Parsed again; unknown names answered 26000"),
	CASE(pooled_tracking_pooler_dedupes, true,
	     "pooled mode behind a pooler that tracks statements: the same (no Bind it would punish)"),
	CASE(pgbouncer_126_parameters_decide, true,
	     "PgBouncer 1.26's pool_mode and max_prepared_statements decide without a probe"),
	CASE(auto_async_connect_probes, true,
	     "PQconnectStart + PQconnectPoll: READING while the probe runs, then decided"),
	CASE(pipeline_results_in_order, false,
	     "the app's pipeline: results in order, PIPELINE_ABORTED after an error, sync points"),
	CASE(lost_connection_in_bundle, false,
	     "the connection breaks inside the shim's bundle: an error, out of the pipeline, no hang"),
	CASE(block_lookup_then_by_name, true,
	     "pooled in a block: the first execution carries the look-up, the next goes by name"),
	CASE(block_creates_what_it_lacks, true,
	     "pooled in a block: a statement the look-up did not find is made there, then by name"),
};

int main(int argc, char **argv)
{
	size_t n = sizeof(cases) / sizeof(cases[0]);

	if (argc == 2 && strcmp(argv[1], "--list") == 0) {
		for (size_t i = 0; i < n; i++)
			printf("%s %s %s\n", cases[i].name, pqt_kind_name(cases[i].fails_without_shim),
			       cases[i].doc);
		return 0;
	}
	for (size_t i = 0; argc == 2 && i < n; i++)
		if (strcmp(cases[i].name, argv[1]) == 0)
			return cases[i].run() == 0 ? 0 : 1;
	fprintf(stderr, "usage: ops --list | ops CASE\n");
	return 2;
}
