/* Edges found in review: unread results, early PQisBusy, lost statements, pipelines. */
#include <string.h>

#include "cases.h"



PQT_CASE(sync_after_unread_results, true,
	 "a blocking call after unread async results drains them first, as libpq does");
static int sync_after_unread_results(void)
{
	PGconn *c = pqt_connect(false);

	CHECK(c, "connect");
	CHECK(pqt_ok(PQprepare(c, "u0", "select 'u'", 0, NULL)), "prepare");
	CHECK(PQsendQuery(c, "SELECT 42"), "send a query, leave its results unread");
	CHECK(pqt_ok(PQprepare(c, "u0", "select 'u'", 0, NULL)), "identical re-prepare");
	CHECK(PQsendQuery(c, "SELECT 43"), "again");
	CHECK(pqt_ok(PQexec(c, "DEALLOCATE u0")), "DEALLOCATE after unread results");
	CHECK(pqt_value_of(PQexec(c, "SELECT 44"), "44"), "a query after that");
	PQfinish(c);
	return 0;
}

PQT_CASE(isbusy_then_next_command, true,
	 "after PQisBusy reports idle, the next command's results are its own (no stray NULL)");
static int isbusy_then_next_command(void)
{
	PGconn *c = pqt_connect(false);
	PGresult *r;

	CHECK(c, "connect");
	CHECK(PQsendPrepare(c, "b0", "select 'b'", 0, NULL), "send prepare");
	CHECK(pqt_ok(pqt_async_result(c)) && pqt_async_end(c), "prepare");
	CHECK(PQsendPrepare(c, "b0", "select 'b'", 0, NULL), "send identical prepare");
	CHECK(pqt_ok(pqt_async_result(c)), "identical prepare result");
	while (PQisBusy(c))
		CHECK(pqt_wait_readable(c), "wait");
	/* libpq has read ReadyForQuery: it accepts the next command right away */
	CHECK(PQsendQuery(c, "SELECT 42"), "next command (%s)", PQerrorMessage(c));
	r = pqt_async_result(c);
	CHECK(r != NULL, "the next command's result, not a NULL left over from before");
	CHECK(pqt_value_of(r, "42"), "its value");
	CHECK(pqt_async_end(c), "end");
	PQfinish(c);
	return 0;
}

PQT_CASE(lost_statement_recovers, false,
	 "when the server lost a statement the shim recorded, 26000 is passed on and a re-prepare really prepares");
static int lost_statement_recovers(void)
{
	PGconn *c = pqt_connect(false);
	PGresult *r;
	char sql[2048] = "";

	CHECK(c, "connect");
	CHECK(pqt_ok(PQprepare(c, "l0", "select 'l'", 0, NULL)), "prepare");
	CHECK(pqt_ok(PQprepare(c, "l1", "select 1", 0, NULL)), "prepare l1");
	/* more statement references than the shim tracks in one text: it passes untracked */
	for (int i = 0; i < 17; i++)
		strcat(sql, "EXECUTE l1; ");
	strcat(sql, "DEALLOCATE ALL");
	CHECK(pqt_ok(PQexec(c, sql)), "untracked DEALLOCATE ALL");
	r = PQexecPrepared(c, "l0", 0, NULL, NULL, NULL, 0);
	CHECK(strcmp(pqt_sqlstate(r), "26000") == 0, "the server's 26000 is owed: '%s'",
	      pqt_sqlstate(r));
	PQclear(r);
	CHECK(pqt_ok(PQprepare(c, "l0", "select 'l'", 0, NULL)), "re-prepare");
	CHECK(pqt_value_of(PQexecPrepared(c, "l0", 0, NULL, NULL, NULL, 0), "l"), "exec after re-prepare");
	PQfinish(c);
	return 0;
}

PQT_CASE(pipeline_deallocate_then_prepare, false,
	 "in a pipeline, DEALLOCATE (or DEALLOCATE ALL) then a prepare of the same name prepares it anew");
static int pipeline_deallocate_then_prepare(void)
{
	PGconn *c = pqt_connect(false);
	const char *drops[] = { "DEALLOCATE _pg3_0", "DEALLOCATE ALL" };

	CHECK(c, "connect");
	for (int i = 0; i < 2; i++) {
		PGresult *r;

		CHECK(pqt_ok(PQprepare(c, "_pg3_0", "select 'p'", 0, NULL)), "prepare");
		CHECK(PQenterPipelineMode(c), "enter");
		CHECK(PQsendQueryParams(c, drops[i], 0, NULL, NULL, NULL, NULL, 0), "%s", drops[i]);
		CHECK(PQsendPrepare(c, "_pg3_0", "select 'p'", 0, NULL), "prepare again");
		CHECK(PQsendQueryPrepared(c, "_pg3_0", 0, NULL, NULL, NULL, 0), "exec");
		CHECK(PQpipelineSync(c), "sync");
		CHECK(pqt_ok(pqt_async_result(c)) && pqt_async_end(c), "%s result", drops[i]);
		CHECK(pqt_ok(pqt_async_result(c)) && pqt_async_end(c), "prepare result");
		CHECK(pqt_value_of(pqt_async_result(c), "p") && pqt_async_end(c), "exec result");
		r = pqt_async_result(c);
		CHECK(pqt_status(r, PGRES_PIPELINE_SYNC), "sync result");
		PQclear(r);
		CHECK(PQexitPipelineMode(c), "exit");
		CHECK(pqt_ok(PQexec(c, "DEALLOCATE ALL")), "clean");
	}
	PQfinish(c);
	return 0;
}

PQT_CASE(given_up_name_stays_gone, true,
	 "after a rename, DEALLOCATE and EXECUTE of the name in one text never reach the old statement");
static int given_up_name_stays_gone(void)
{
	PGconn *c = pqt_connect(false);
	PGresult *r;

	CHECK(c, "connect");
	CHECK(pqt_ok(PQprepare(c, "g0", "select 1", 0, NULL)), "prepare");
	CHECK(pqt_ok(PQprepare(c, "g0", "select 2", 0, NULL)), "conflicting re-prepare");
	r = PQexec(c, "DEALLOCATE g0; EXECUTE g0");
	CHECK(strcmp(pqt_sqlstate(r), "26000") == 0, "g0 is gone: got '%s' (%s)", pqt_sqlstate(r),
	      pqt_value(r));
	PQclear(r);
	PQfinish(c);
	return 0;
}

/* the next result of a pipeline: its status (and, for tuples, its value) as one word */
static const char *next_word(PGconn *c, char *buf, size_t size)
{
	PGresult *r = PQgetResult(c);
	ExecStatusType st = PQresultStatus(r);

	if (!r)
		snprintf(buf, size, "NULL");
	else if (st == PGRES_TUPLES_OK)
		snprintf(buf, size, "value %s", pqt_value(r));
	else if (st == PGRES_FATAL_ERROR)
		snprintf(buf, size, "error %s", pqt_sqlstate(r));
	else
		snprintf(buf, size, "%s", PQresStatus(st));
	PQclear(r);
	return buf;
}

/* one command's results in a pipeline: its result, then NULL */
static bool command_is(PGconn *c, const char *want)
{
	char got[64], end[64];
	bool ok = strcmp(next_word(c, got, sizeof(got)), want) == 0 &&
		  strcmp(next_word(c, end, sizeof(end)), "NULL") == 0;

	if (!ok)
		fprintf(stderr, "  wanted %s, got %s then %s\n", want, got, end);
	return ok;
}

/* The next result is the pipeline's sync point. */
static bool sync_next(PGconn *c)
{
	char got[64];
	bool ok = strcmp(next_word(c, got, sizeof(got)), "PGRES_PIPELINE_SYNC") == 0;

	if (!ok)
		fprintf(stderr, "  wanted PGRES_PIPELINE_SYNC, got %s\n", got);
	return ok;
}

/*
 * A re-prepare that fails (a syntax error, or aborted behind an earlier error)
 * in a pipeline, then a Sync: the name still means its old text, as on the
 * server. The shim used to send later references to the generated name the
 * failed Parse never made (26000).
 */
PQT_CASE(pipeline_failed_reprepare_keeps_name, true,
	 "pipeline: a re-prepare that fails or is aborted, a Sync, and the name still runs its old text");
static int pipeline_failed_reprepare_keeps_name(void)
{
	PGconn *c = pqt_connect(false);

	CHECK(c, "connect");
	CHECK(pqt_ok(PQprepare(c, "b", "select 1", 0, NULL)), "prepare b");
	CHECK(PQenterPipelineMode(c), "enter");
	CHECK(PQsendPrepare(c, "b", "selec 2", 0, NULL), "re-prepare with a syntax error");
	CHECK(PQpipelineSync(c), "sync");
	CHECK(PQsendQueryPrepared(c, "b", 0, NULL, NULL, NULL, 0), "exec b");
	CHECK(PQsendDescribePrepared(c, "b"), "describe b");
	CHECK(PQpipelineSync(c), "sync");
	CHECK(command_is(c, "error 42601"), "the re-prepare's syntax error");
	CHECK(sync_next(c), "sync");
	CHECK(command_is(c, "value 1"), "b runs its old text");
	CHECK(command_is(c, "PGRES_COMMAND_OK"), "b is described");
	CHECK(sync_next(c), "sync");
	/* aborted behind an earlier error */
	CHECK(PQsendQueryParams(c, "select 1/0", 0, NULL, NULL, NULL, NULL, 0), "an error");
	CHECK(PQsendPrepare(c, "b", "select 2", 0, NULL), "re-prepare, aborted");
	CHECK(PQpipelineSync(c), "sync");
	CHECK(PQsendQueryPrepared(c, "b", 0, NULL, NULL, NULL, 0), "exec b");
	CHECK(PQpipelineSync(c), "sync");
	CHECK(command_is(c, "error 22012"), "the division by zero");
	CHECK(command_is(c, "PGRES_PIPELINE_ABORTED"), "the re-prepare, aborted");
	CHECK(sync_next(c), "sync");
	CHECK(command_is(c, "value 1"), "b still runs its old text");
	CHECK(sync_next(c), "sync");
	/* and one that succeeds: the new text, before and after the Sync */
	CHECK(PQsendPrepare(c, "b", "select 3", 0, NULL), "re-prepare");
	CHECK(PQsendQueryPrepared(c, "b", 0, NULL, NULL, NULL, 0), "exec b");
	CHECK(PQpipelineSync(c), "sync");
	CHECK(PQsendQueryPrepared(c, "b", 0, NULL, NULL, NULL, 0), "exec b after the Sync");
	CHECK(PQpipelineSync(c), "sync");
	CHECK(command_is(c, "PGRES_COMMAND_OK"), "the re-prepare");
	CHECK(command_is(c, "value 3"), "the new text");
	CHECK(sync_next(c), "sync");
	CHECK(command_is(c, "value 3"), "the new text after the Sync");
	CHECK(sync_next(c), "sync");
	CHECK(PQexitPipelineMode(c), "exit");
	CHECK(pqt_value_of(PQexecPrepared(c, "b", 0, NULL, NULL, NULL, 0), "3"), "out of the pipeline");
	PQfinish(c);
	return 0;
}

/*
 * SQL in the app's pipeline ahead of a protocol reference (contract scenarios
 * C and C2): a SQL PREPARE that re-prepares the name, or a DEALLOCATE ALL and
 * then a PREPARE. The execute and describe after it used to reach the old
 * statement (its value 1) or, after the DEALLOCATE ALL, a name gone (26000).
 */
PQT_CASE(pipeline_sql_prepare_then_execute, true,
	 "pipeline: SQL PREPARE of a held name, then a protocol execute and describe of it: the new statement");
static int pipeline_sql_prepare_then_execute(void)
{
	PGconn *c = pqt_connect(false);

	CHECK(c, "connect");
	CHECK(pqt_ok(PQprepare(c, "c", "select 1 as one", 0, NULL)), "prepare c");
	CHECK(PQenterPipelineMode(c), "enter");
	CHECK(PQsendQueryParams(c, "PREPARE c AS select 2 as two", 0, NULL, NULL, NULL, NULL, 0),
	      "SQL re-prepare");
	CHECK(PQsendQueryPrepared(c, "c", 0, NULL, NULL, NULL, 0), "exec c");
	CHECK(PQsendDescribePrepared(c, "c"), "describe c");
	CHECK(PQpipelineSync(c), "sync");
	CHECK(command_is(c, "PGRES_COMMAND_OK"), "the SQL re-prepare succeeds");
	CHECK(command_is(c, "value 2"), "c runs the new statement");
	CHECK(command_is(c, "PGRES_COMMAND_OK"), "c is described");
	CHECK(sync_next(c), "sync");
	/* DEALLOCATE ALL first: no duplicate name at any time */
	CHECK(PQsendQueryParams(c, "DEALLOCATE ALL", 0, NULL, NULL, NULL, NULL, 0), "DEALLOCATE ALL");
	CHECK(PQsendQueryParams(c, "PREPARE c AS select 3", 0, NULL, NULL, NULL, NULL, 0), "PREPARE c");
	CHECK(PQsendQueryPrepared(c, "c", 0, NULL, NULL, NULL, 0), "exec c");
	CHECK(PQpipelineSync(c), "sync");
	CHECK(command_is(c, "PGRES_COMMAND_OK"), "DEALLOCATE ALL");
	CHECK(command_is(c, "PGRES_COMMAND_OK"), "PREPARE c");
	CHECK(command_is(c, "value 3"), "c runs the statement the pipeline prepared");
	CHECK(sync_next(c), "sync");
	CHECK(PQexitPipelineMode(c), "exit");
	CHECK(pqt_value_of(PQexecPrepared(c, "c", 0, NULL, NULL, NULL, 0), "3"), "out of the pipeline");
	PQfinish(c);
	return 0;
}

/*
 * SQL in the app's pipeline after protocol and SQL commands queued ahead of
 * it (contract scenarios A, D, H): a SQL PREPARE of a name Parsed ahead used
 * to get 42P05, an identical SQL re-PREPARE after a DEALLOCATE ALL ahead
 * 26000, and a SQL DEALLOCATE of a name Parsed ahead (renamed) 26000 with
 * the name still running afterwards.
 */
PQT_CASE(pipeline_sql_after_commands_ahead, true,
	 "pipeline: SQL PREPARE and DEALLOCATE see the prepares and DEALLOCATE ALL queued ahead");
static int pipeline_sql_after_commands_ahead(void)
{
	PGconn *c = pqt_connect(false);
	PGresult *r;

	CHECK(c, "connect");
	CHECK(PQenterPipelineMode(c), "enter");
	CHECK(PQsendPrepare(c, "a", "select 1", 0, NULL), "prepare a");
	CHECK(PQsendQueryParams(c, "PREPARE a AS select 2", 0, NULL, NULL, NULL, NULL, 0), "PREPARE a");
	CHECK(PQsendQueryPrepared(c, "a", 0, NULL, NULL, NULL, 0), "exec a");
	CHECK(PQpipelineSync(c), "sync");
	CHECK(command_is(c, "PGRES_COMMAND_OK"), "prepare a");
	CHECK(command_is(c, "PGRES_COMMAND_OK"), "the SQL re-prepare of a");
	CHECK(command_is(c, "value 2"), "a runs the SQL statement");
	CHECK(sync_next(c), "sync");
	CHECK(PQexitPipelineMode(c), "exit");
	CHECK(pqt_exec_ok(c, "PREPARE d AS select 4"), "PREPARE d");
	CHECK(pqt_ok(PQprepare(c, "h", "select 1", 0, NULL)), "prepare h");
	CHECK(PQenterPipelineMode(c), "enter");
	CHECK(PQsendQueryParams(c, "DEALLOCATE ALL", 0, NULL, NULL, NULL, NULL, 0), "DEALLOCATE ALL");
	CHECK(PQsendQueryParams(c, "PREPARE d AS select 4", 0, NULL, NULL, NULL, NULL, 0), "PREPARE d");
	CHECK(PQsendQueryPrepared(c, "d", 0, NULL, NULL, NULL, 0), "exec d");
	CHECK(PQsendPrepare(c, "h", "select 2", 0, NULL), "prepare h");
	CHECK(PQsendQueryParams(c, "DEALLOCATE h", 0, NULL, NULL, NULL, NULL, 0), "DEALLOCATE h");
	CHECK(PQpipelineSync(c), "sync");
	CHECK(command_is(c, "PGRES_COMMAND_OK"), "DEALLOCATE ALL");
	CHECK(command_is(c, "PGRES_COMMAND_OK"), "the identical PREPARE d after it");
	CHECK(command_is(c, "value 4"), "d runs");
	CHECK(command_is(c, "PGRES_COMMAND_OK"), "prepare h");
	CHECK(command_is(c, "PGRES_COMMAND_OK"), "DEALLOCATE h");
	CHECK(sync_next(c), "sync");
	CHECK(PQexitPipelineMode(c), "exit");
	r = PQexecPrepared(c, "h", 0, NULL, NULL, NULL, 0);
	CHECK(strcmp(pqt_sqlstate(r), "26000") == 0, "h is gone: %s", pqt_sqlstate(r));
	PQclear(r);
	PQfinish(c);
	return 0;
}

/*
 * Unnamed mode: a prepare and then a SQL DEALLOCATE of it in one pipeline
 * (contract scenario HU) used to get 26000: the name was not recorded yet.
 */
PQT_CASE(unnamed_pipeline_prepare_then_deallocate, false,
	 "unnamed mode, pipeline: a prepare, then a SQL DEALLOCATE of it succeeds");
static int unnamed_pipeline_prepare_then_deallocate(void)
{
	PGconn *c;
	PGresult *r;

	setenv("PQSHIM_MODE", "unnamed", 1);
	c = pqt_connect(false);
	CHECK(c, "connect");
	CHECK(PQenterPipelineMode(c), "enter");
	CHECK(PQsendPrepare(c, "u", "select 1", 0, NULL), "prepare u");
	CHECK(PQsendQueryParams(c, "DEALLOCATE u", 0, NULL, NULL, NULL, NULL, 0), "DEALLOCATE u");
	CHECK(PQpipelineSync(c), "sync");
	CHECK(command_is(c, "PGRES_COMMAND_OK"), "prepare u");
	CHECK(command_is(c, "PGRES_COMMAND_OK"), "DEALLOCATE u");
	CHECK(sync_next(c), "sync");
	CHECK(PQexitPipelineMode(c), "exit");
	r = PQexecPrepared(c, "u", 0, NULL, NULL, NULL, 0);
	CHECK(strcmp(pqt_sqlstate(r), "26000") == 0, "u is gone: %s", pqt_sqlstate(r));
	PQclear(r);
	PQfinish(c);
	return 0;
}

/*
 * Unnamed mode, a SQL DEALLOCATE in the app's pipeline, then an execute or
 * describe of the name (contract scenario N): the server's 26000, as without
 * the shim. The shim used to run (and describe) the recorded text.
 */
PQT_CASE(unnamed_pipeline_deallocate_then_use, false,
	 "unnamed mode, pipeline: SQL DEALLOCATE of a name, then its execute or describe gets 26000");
static int unnamed_pipeline_deallocate_then_use(void)
{
	PGconn *c;

	setenv("PQSHIM_MODE", "unnamed", 1);
	c = pqt_connect(false);
	CHECK(c, "connect");
	CHECK(pqt_ok(PQprepare(c, "u", "select 1", 0, NULL)), "prepare u");
	CHECK(pqt_ok(PQprepare(c, "v", "select 7 as seven", 0, NULL)), "prepare v");
	CHECK(PQenterPipelineMode(c), "enter");
	CHECK(PQsendQueryParams(c, "DEALLOCATE u", 0, NULL, NULL, NULL, NULL, 0), "DEALLOCATE u");
	CHECK(PQsendQueryPrepared(c, "u", 0, NULL, NULL, NULL, 0), "exec u");
	CHECK(PQpipelineSync(c), "sync");
	CHECK(PQsendQueryParams(c, "DEALLOCATE v", 0, NULL, NULL, NULL, NULL, 0), "DEALLOCATE v");
	CHECK(PQsendDescribePrepared(c, "v"), "describe v");
	CHECK(PQpipelineSync(c), "sync");
	CHECK(command_is(c, "PGRES_COMMAND_OK"), "DEALLOCATE u");
	CHECK(command_is(c, "error 26000"), "u is gone");
	CHECK(sync_next(c), "sync");
	CHECK(command_is(c, "PGRES_COMMAND_OK"), "DEALLOCATE v");
	CHECK(command_is(c, "error 26000"), "v is gone");
	CHECK(sync_next(c), "sync");
	CHECK(PQexitPipelineMode(c), "exit");
	PQfinish(c);
	return 0;
}

/*
 * libpq keeps single-row mode until it starts its next command; a re-prepare
 * the shim answered without libpq left it set, and the first command of a
 * pipeline after it came back as PGRES_SINGLE_TUPLE (contract scenario R).
 */
PQT_CASE(single_row_then_local_reprepare, true,
	 "single-row mode, then an identical re-prepare, then a pipeline: the pipeline's result is not single-row");
static int single_row_then_local_reprepare(void)
{
	PGconn *c = pqt_connect(false);
	PGresult *r;
	int n = 0;

	CHECK(c, "connect");
	CHECK(pqt_ok(PQprepare(c, "r", "select 1", 0, NULL)), "prepare r");
	CHECK(PQsendQueryPrepared(c, "r", 0, NULL, NULL, NULL, 0), "send exec r");
	CHECK(PQsetSingleRowMode(c), "single-row mode");
	while ((r = PQgetResult(c))) {
		CHECK(n != 0 || PQresultStatus(r) == PGRES_SINGLE_TUPLE, "first a single row");
		PQclear(r);
		n++;
	}
	CHECK(pqt_ok(PQprepare(c, "r", "select 1", 0, NULL)), "identical re-prepare");
	CHECK(PQenterPipelineMode(c), "enter");
	CHECK(PQsendQueryPrepared(c, "r", 0, NULL, NULL, NULL, 0), "exec r in a pipeline");
	CHECK(PQpipelineSync(c), "sync");
	r = PQgetResult(c);
	CHECK(PQresultStatus(r) == PGRES_TUPLES_OK, "all rows at once, as asked: %s",
	      PQresStatus(PQresultStatus(r)));
	PQclear(r);
	CHECK(PQgetResult(c) == NULL, "then NULL");
	r = PQgetResult(c);
	CHECK(PQresultStatus(r) == PGRES_PIPELINE_SYNC, "the sync");
	PQclear(r);
	CHECK(PQexitPipelineMode(c), "exit");
	PQfinish(c);
	return 0;
}

const struct pqt_case *const cases_edges_list[] = {
	&single_row_then_local_reprepare_case,
	&pipeline_failed_reprepare_keeps_name_case,
	&sync_after_unread_results_case, &isbusy_then_next_command_case,
	&lost_statement_recovers_case, &pipeline_deallocate_then_prepare_case,
	&given_up_name_stays_gone_case, &pipeline_sql_prepare_then_execute_case,
	&unnamed_pipeline_deallocate_then_use_case, &pipeline_sql_after_commands_ahead_case,
	&unnamed_pipeline_prepare_then_deallocate_case, NULL,
};
