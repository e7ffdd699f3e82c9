/* The asynchronous API and pipeline mode, driven like an event loop would. */
#include <string.h>

#include "cases.h"

/* One command's result followed by its end, read with PQisBusy first. */
static bool async_one(PGconn *c, ExecStatusType want, const char *value)
{
	PGresult *r = pqt_async_result(c);
	bool ok = pqt_status(r, want);

	if (ok && value && strcmp(pqt_value(r), value) != 0) {
		fprintf(stderr, "  got '%s', expected '%s'\n", pqt_value(r), value);
		ok = false;
	}
	if (ok && want == PGRES_COMMAND_OK && (PQnfields(r) != 0 || PQnparams(r) != 0)) {
		fprintf(stderr, "  a prepare result must not carry a description\n");
		ok = false;
	}
	PQclear(r);
	return ok && pqt_async_end(c);
}

PQT_CASE(async_reprepare, true,
	 "PQsendPrepare re-prepares (identical and conflicting) give COMMAND_OK then NULL, without hanging");
static int async_reprepare(void)
{
	PGconn *c = pqt_connect(false);
	const char *v[1] = { "5" };

	CHECK(c, "connect");
	CHECK(PQsetnonblocking(c, 1) == 0, "nonblocking");
	CHECK(PQsendPrepare(c, "a0", "select $1::int * 2", 0, NULL), "send prepare");
	CHECK(async_one(c, PGRES_COMMAND_OK, NULL), "first prepare");
	/* identical: the loop waits on the socket first, as many event loops do */
	CHECK(PQsendPrepare(c, "a0", "select $1::int * 2", 0, NULL), "send identical prepare");
	CHECK(PQflush(c) == 0, "flush");
	CHECK(pqt_wait_readable(c), "an answer arrives for the identical prepare");
	CHECK(async_one(c, PGRES_COMMAND_OK, NULL), "identical prepare");
	CHECK(PQsendQueryPrepared(c, "a0", 1, v, NULL, NULL, 0), "send exec");
	CHECK(async_one(c, PGRES_TUPLES_OK, "10"), "exec");
	CHECK(PQsendPrepare(c, "a0", "select $1::int * 3", 0, NULL), "send conflicting prepare");
	CHECK(async_one(c, PGRES_COMMAND_OK, NULL), "conflicting prepare");
	CHECK(PQsendDescribePrepared(c, "a0"), "send describe");
	{
		PGresult *r = pqt_async_result(c);

		CHECK(pqt_status(r, PGRES_COMMAND_OK) && PQnparams(r) == 1, "describe");
		PQclear(r);
		CHECK(pqt_async_end(c), "describe end");
	}
	CHECK(PQsendQueryPrepared(c, "a0", 1, v, NULL, NULL, 0), "send exec");
	CHECK(async_one(c, PGRES_TUPLES_OK, "15"), "exec runs the new text");
	CHECK(PQsendQuery(c, "DEALLOCATE a0"), "send DEALLOCATE");
	CHECK(async_one(c, PGRES_COMMAND_OK, NULL), "DEALLOCATE");
	CHECK(PQsendPrepare(c, "a0", "select 'again'", 0, NULL), "send prepare after DEALLOCATE");
	CHECK(async_one(c, PGRES_COMMAND_OK, NULL), "prepare after DEALLOCATE");
	CHECK(PQsendQueryPrepared(c, "a0", 0, NULL, NULL, NULL, 0), "send exec");
	CHECK(async_one(c, PGRES_TUPLES_OK, "again"), "exec");
	PQfinish(c);
	return 0;
}

PQT_CASE(async_sql_reprepare, true,
	 "PQsendQuery with a repeated PREPARE (psql, ActiveRecord) yields exactly the app's results");
static int async_sql_reprepare(void)
{
	PGconn *c = pqt_connect(false);
	PGresult *r;

	CHECK(c, "connect");
	CHECK(PQsendQuery(c, "PREPARE a1 AS SELECT 'x'"), "send");
	r = pqt_async_result(c);
	CHECK(pqt_status(r, PGRES_COMMAND_OK) && strcmp(PQcmdStatus(r), "PREPARE") == 0, "PREPARE");
	PQclear(r);
	CHECK(pqt_async_end(c), "end");
	CHECK(PQsendQuery(c, "PREPARE a1 AS SELECT 'x'; EXECUTE a1"), "send again");
	r = pqt_async_result(c);
	CHECK(pqt_status(r, PGRES_COMMAND_OK) && strcmp(PQcmdStatus(r), "PREPARE") == 0,
	      "first result is the PREPARE's");
	PQclear(r);
	r = pqt_async_result(c);
	CHECK(pqt_status(r, PGRES_TUPLES_OK) && strcmp(pqt_value(r), "x") == 0, "then EXECUTE's");
	PQclear(r);
	CHECK(pqt_async_end(c), "and nothing else");
	PQfinish(c);
	return 0;
}

/* Reads the next pipeline result and checks its status (and value). */
static bool next_is(PGconn *c, ExecStatusType want, const char *value)
{
	PGresult *r = pqt_async_result(c);
	bool ok = pqt_status(r, want) && (!value || strcmp(pqt_value(r), value) == 0);

	if (!ok && r && value)
		fprintf(stderr, "  value '%s', expected '%s'\n", pqt_value(r), value);
	PQclear(r);
	return ok;
}

PQT_CASE(pipeline_reprepare, true,
	 "in pipeline mode re-prepares are answered in place, among the other results");
static int pipeline_reprepare(void)
{
	PGconn *c = pqt_connect(false);
	const char *v[1] = { "7" };

	CHECK(c, "connect");
	CHECK(PQenterPipelineMode(c), "enter pipeline");
	CHECK(PQsendPrepare(c, "p0", "select $1::int + 100", 0, NULL), "prepare");
	CHECK(PQsendQueryPrepared(c, "p0", 1, v, NULL, NULL, 0), "exec");
	CHECK(PQsendPrepare(c, "p0", "select $1::int + 100", 0, NULL), "identical prepare");
	CHECK(PQsendPrepare(c, "p0", "select $1::int + 200", 0, NULL), "conflicting prepare");
	CHECK(PQsendQueryPrepared(c, "p0", 1, v, NULL, NULL, 0), "exec new text");
	CHECK(PQpipelineSync(c), "sync");
	CHECK(PQsendQueryParams(c, "select 'after sync'", 0, NULL, NULL, NULL, NULL, 0), "query");
	CHECK(PQpipelineSync(c), "sync 2");
	CHECK(next_is(c, PGRES_COMMAND_OK, NULL) && pqt_async_end(c), "prepare result");
	CHECK(next_is(c, PGRES_TUPLES_OK, "107") && pqt_async_end(c), "exec result");
	CHECK(next_is(c, PGRES_COMMAND_OK, NULL) && pqt_async_end(c), "identical prepare result");
	CHECK(next_is(c, PGRES_COMMAND_OK, NULL) && pqt_async_end(c), "conflicting prepare result");
	CHECK(next_is(c, PGRES_TUPLES_OK, "207") && pqt_async_end(c), "exec new text result");
	CHECK(next_is(c, PGRES_PIPELINE_SYNC, NULL), "sync result");
	CHECK(next_is(c, PGRES_TUPLES_OK, "after sync") && pqt_async_end(c), "query result");
	CHECK(next_is(c, PGRES_PIPELINE_SYNC, NULL), "sync 2 result");
	CHECK(PQexitPipelineMode(c), "exit pipeline: everything was read");
	PQfinish(c);
	return 0;
}

PQT_CASE(pipeline_error_not_recorded, false,
	 "a prepare aborted in a pipeline is not recorded: the next prepare of it really happens");
static int pipeline_error_not_recorded(void)
{
	PGconn *c = pqt_connect(false);
	PGresult *r;

	CHECK(c, "connect");
	CHECK(PQenterPipelineMode(c), "enter pipeline");
	CHECK(PQsendPrepare(c, "e1", "selec 1", 0, NULL), "bad prepare");
	CHECK(PQsendPrepare(c, "e2", "select 2", 0, NULL), "prepare after the error");
	CHECK(PQpipelineSync(c), "sync");
	CHECK(next_is(c, PGRES_FATAL_ERROR, NULL) && pqt_async_end(c), "error");
	CHECK(next_is(c, PGRES_PIPELINE_ABORTED, NULL) && pqt_async_end(c), "aborted");
	CHECK(next_is(c, PGRES_PIPELINE_SYNC, NULL), "sync");
	CHECK(PQexitPipelineMode(c), "exit");
	r = PQprepare(c, "e2", "select 2", 0, NULL);
	CHECK(pqt_status(r, PGRES_COMMAND_OK), "prepare e2");
	PQclear(r);
	r = PQexecPrepared(c, "e2", 0, NULL, NULL, NULL, 0);
	CHECK(strcmp(pqt_value(r), "2") == 0, "e2 exists on the server");
	PQclear(r);
	PQfinish(c);
	return 0;
}

PQT_CASE(async_leftover_retry, PQT_FIX_UNTRACKED,
	 "behind PgBouncer, an async prepare of a leftover name is retried invisibly");
static int async_leftover_retry(void)
{
	PGconn *a = pqt_connect(true), *b;

	CHECK(a, "connect a");
	CHECK(pqt_exec_ok(a, "DEALLOCATE ALL"), "clean start");
	CHECK(PQsendPrepare(a, "x0", "select 'a'", 0, NULL), "a prepares");
	CHECK(async_one(a, PGRES_COMMAND_OK, NULL), "a's prepare");
	PQfinish(a);
	b = pqt_connect(true);
	CHECK(b, "connect b");
	CHECK(PQsendPrepare(b, "x0", "select 'b'", 0, NULL), "b prepares");
	CHECK(async_one(b, PGRES_COMMAND_OK, NULL), "b's prepare succeeds");
	CHECK(PQsendQueryPrepared(b, "x0", 0, NULL, NULL, NULL, 0), "b executes");
	CHECK(async_one(b, PGRES_TUPLES_OK, "b"), "b's own statement");
	PQfinish(b);
	return 0;
}

const struct pqt_case *const cases_async_list[] = {
	&async_reprepare_case, &async_sql_reprepare_case, &pipeline_reprepare_case,
	&pipeline_error_not_recorded_case, &async_leftover_retry_case, NULL,
};
