/*
 * Pooled mode (PQSHIM_MODE=pooled) outside transaction blocks, behind
 * PgBouncer in transaction mode with two server connections: every step on
 * the other server connection, server-side names, the threshold and the cap,
 * several processes, single-row mode through a retry, the app's own errors.
 *
 * Steps taken alternately pinned and unpinned run on alternate server
 * connections: the technique (the pin, the observer) is in trio.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "trio.h"

/* Every step of prepare/exec/describe/re-prepare/DEALLOCATE on the other server connection. */
static int across_servers(bool async)
{
	struct trio t;
	PGresult *r;

	CHECK(trio_open(&t, "pooled", "1", NULL), "connect and clean");
	AT(&t, PINNED);
	CHECK(prepared(do_prepare(t.app, async, "s0", "select $1::int * 2")), "prepare s0");
	AT(&t, UNPINNED);
	CHECK(pqt_value_of(do_exec(t.app, async, "s0", "21"), "42"), "exec on the other server");
	AT(&t, PINNED);
	CHECK(pqt_value_of(do_exec(t.app, async, "s0", "21"), "42"), "exec again, back");
	AT(&t, UNPINNED);
	CHECK(pqt_value_of(do_exec(t.app, async, "s0", "5"), "10"), "exec again (by name)");
	AT(&t, PINNED);
	CHECK(pqt_ok(do_sql(t.app, async, "BEGIN")), "begin");
	CHECK(pqt_value_of(do_exec(t.app, async, "s0", "7"), "14"), "exec inside a block");
	CHECK(pqt_ok(do_sql(t.app, async, "COMMIT")), "commit");
	AT(&t, UNPINNED);
	r = do_describe(t.app, async, "s0");
	CHECK(pqt_status(r, PGRES_COMMAND_OK), "describe on the other server");
	CHECK(PQnparams(r) == 1 && PQparamtype(r, 0) == 23, "describe: one int4 parameter (%d, %u)",
	      PQnparams(r), PQnparams(r) ? PQparamtype(r, 0) : 0);
	CHECK(PQnfields(r) == 1 && strcmp(PQfname(r, 0), "?column?") == 0 && PQftype(r, 0) == 23,
	      "describe: one int4 field ?column? (%d fields)", PQnfields(r));
	PQclear(r);
	AT(&t, PINNED);
	CHECK(prepared(do_prepare(t.app, async, "s0", "select $1::int * 3")),
	      "re-prepare s0 with another text");
	AT(&t, UNPINNED);
	CHECK(pqt_value_of(do_exec(t.app, async, "s0", "21"), "63"), "exec runs the new text");
	AT(&t, PINNED);
	CHECK(pqt_value_of(do_exec(t.app, async, "s0", "21"), "63"), "and on the other server");
	AT(&t, UNPINNED);
	CHECK(prepared(do_prepare(t.app, async, "s1", "select $1::int * 2")),
	      "prepare s1 with s0's first text");
	AT(&t, PINNED);
	CHECK(deallocated(do_sql(t.app, async, "DEALLOCATE s0")), "DEALLOCATE s0");
	AT(&t, UNPINNED);
	CHECK(failed_with(do_exec(t.app, async, "s0", "21"), "26000"), "s0 is gone after DEALLOCATE");
	AT(&t, PINNED);
	CHECK(pqt_value_of(do_exec(t.app, async, "s1", "21"), "42"), "s1 still works");
	AT(&t, UNPINNED);
	CHECK(pqt_value_of(do_exec(t.app, async, "s1", "4"), "8"), "s1 on the other server");
	trio_close(&t);
	return 0;
}

PQT_CASE(pooled_sync_across_servers, true,
	 "pooled mode: prepare, exec, exec in a block, describe, re-prepare, DEALLOCATE each on another server connection");
static int pooled_sync_across_servers(void)
{
	return across_servers(false);
}

PQT_CASE(pooled_async_across_servers, true,
	 "pooled mode, async API (PQsend* + PQisBusy loop): each step on another server connection");
static int pooled_async_across_servers(void)
{
	return across_servers(true);
}

/* The next pipeline result is one command's value, followed by the command's end. */
static bool pipe_value(PGconn *c, const char *want)
{
	return pqt_value_of(pqt_async_result(c), want) && pqt_async_end(c);
}

static bool pipe_sync(PGconn *c)
{
	PGresult *r = pqt_async_result(c);
	bool ok = pqt_status(r, PGRES_PIPELINE_SYNC);

	PQclear(r);
	return ok;
}

PQT_CASE(pooled_pipeline_across_servers, PQT_FIX_UNTRACKED,
	 "pooled mode in pipeline mode: prepare + exec under one sync, two execs under the next sync on the other server connection");
static int pooled_pipeline_across_servers(void)
{
	struct trio t;
	const char *v21[1] = { "21" }, *v4[1] = { "4" }, *v50[1] = { "50" }, *v6[1] = { "6" };

	CHECK(trio_open(&t, "pooled", "1", NULL), "connect and clean");
	AT(&t, PINNED);
	CHECK(PQenterPipelineMode(t.app), "enter pipeline mode");
	CHECK(PQsendPrepare(t.app, "s0", "select $1::int * 2", 0, NULL), "send prepare");
	CHECK(PQsendQueryPrepared(t.app, "s0", 1, v21, NULL, NULL, 0), "send exec");
	CHECK(PQpipelineSync(t.app), "sync");
	CHECK(prepared(pqt_async_result(t.app)) && pqt_async_end(t.app), "prepare result");
	CHECK(pipe_value(t.app, "42"), "exec result");
	CHECK(pipe_sync(t.app), "sync result");
	AT(&t, UNPINNED);
	CHECK(PQsendQueryPrepared(t.app, "s0", 1, v4, NULL, NULL, 0), "send exec 4");
	CHECK(PQsendQueryPrepared(t.app, "s0", 1, v50, NULL, NULL, 0), "send exec 50");
	CHECK(PQpipelineSync(t.app), "sync");
	CHECK(pipe_value(t.app, "8"), "first exec on the other server");
	CHECK(pipe_value(t.app, "100"), "second exec, in order");
	CHECK(pipe_sync(t.app), "sync result");
	AT(&t, PINNED);
	CHECK(PQsendQueryPrepared(t.app, "s0", 1, v6, NULL, NULL, 0), "send exec 6");
	CHECK(PQsendQueryPrepared(t.app, "s0", 1, v21, NULL, NULL, 0), "send exec 21");
	CHECK(PQpipelineSync(t.app), "sync");
	CHECK(pipe_value(t.app, "12"), "back on the first server (by name)");
	CHECK(pipe_value(t.app, "42"), "second exec, in order");
	CHECK(pipe_sync(t.app), "sync result");
	CHECK(PQexitPipelineMode(t.app), "exit pipeline mode: %s", PQerrorMessage(t.app));
	AT(&t, UNPINNED);
	CHECK(pqt_value_of(PQexecPrepared(t.app, "s0", 1, v50, NULL, NULL, 0), "100"),
	      "a plain exec after the pipeline");
	trio_close(&t);
	return 0;
}

PQT_CASE(pooled_server_names, PQT_FIX_UNTRACKED,
	 "pooled mode: servers hold only content-addressed _pqsh_<32 hex> names, never the app's; the same text elsewhere adds none");
static int pooled_server_names(void)
{
	struct trio t;
	struct held x, y, before, after;
	PGconn *other;

	CHECK(trio_open(&t, "pooled", "1", NULL), "connect and clean");
	AT(&t, PINNED);
	CHECK(prepared(PQprepare(t.app, "s0", "select $1::int * 2 as pqt_names", 0, NULL)), "prepare s0");
	CHECK(prepared(PQprepare(t.app, "s1", "select $1::int * 5 as pqt_names", 0, NULL)), "prepare s1");
	CHECK(execs(t.app, "s0", 3, 1, 2) && execs(t.app, "s1", 3, 1, 5), "executions on Y");
	AT(&t, UNPINNED);
	CHECK(execs(t.app, "s0", 3, 10, 2) && execs(t.app, "s1", 3, 10, 5), "executions on X");
	AT(&t, PINNED);
	CHECK(look(t.pin, NULL, &x) && look(t.obs, NULL, &y), "read pg_prepared_statements");
	fprintf(stderr, "  X holds [%s], Y holds [%s]\n", x.list, y.list);
	CHECK(!x.s0 && !y.s0, "the app's name s0 never reaches a server");
	CHECK(x.pooled == x.total && y.pooled == y.total, "only _pqsh_ names on the servers");
	CHECK(x.pooled >= 1 && y.pooled >= 1, "both server connections executed by name");
	CHECK(x.pooled <= 2 && y.pooled <= 2, "at most one name per statement text");
	/* another PGconn, same text under another name, on Y (the pin holds X) */
	CHECK(look(t.obs, NULL, &before), "Y before");
	other = pqt_connect_to("PQT_BOUNCER2_DSN");
	CHECK(other, "connect other");
	CHECK(prepared(PQprepare(other, "other", "select $1::int * 2 as pqt_names", 0, NULL)),
	      "prepare other");
	CHECK(execs(other, "other", 3, 100, 2), "execute other");
	CHECK(look(t.obs, NULL, &after), "Y after");
	fprintf(stderr, "  Y after the other connection: [%s]\n", after.list);
	CHECK(!strstr(after.list, "other"), "the name other never reaches the server");
	CHECK(after.pooled == before.pooled && strcmp(after.list, before.list) == 0,
	      "the same text is the same name: no new name ([%s] then [%s])", before.list, after.list);
	PQfinish(other);
	AT(&t, UNPINNED);
	trio_close(&t);
	return 0;
}

PQT_CASE(pooled_threshold, PQT_FIX_UNTRACKED,
	 "pooled mode, PQSHIM_POOLED_THRESHOLD=3: no server-side name after 2 executions, one after 5 more");
static int pooled_threshold(void)
{
	static const char marker[] = "pqt_threshold";
	struct trio t;
	struct held x, y;

	CHECK(trio_open(&t, "pooled", "3", NULL), "connect and clean");
	AT(&t, PINNED);
	CHECK(prepared(PQprepare(t.app, "s0", "select $1::int * 4 as pqt_threshold", 0, NULL)),
	      "prepare");
	for (int i = 0; i < 7; i++) {
		if (i == 2) {
			/* still pinned from the second execution: the pin sees X, obs sees Y */
			CHECK(look(t.pin, marker, &x) && look(t.obs, marker, &y), "look");
			MECHANISM(x.total == 0 && y.total == 0,
			      "after 2 executions nothing is prepared on the servers (X [%s], Y [%s])",
			      x.list, y.list);
		}
		AT(&t, i % 2 ? PINNED : UNPINNED);
		CHECK(execs(t.app, "s0", 1, i, 4), "execution %d", i + 1);
	}
	AT(&t, PINNED);
	CHECK(look(t.pin, marker, &x) && look(t.obs, marker, &y), "look");
	fprintf(stderr, "  after 7 executions X holds [%s], Y holds [%s]\n", x.list, y.list);
	/* executions 4 to 7 alternate, so each server connection ran it by name */
	CHECK(x.total == 1 && x.pooled == 1, "one _pqsh_ name on X");
	CHECK(y.total == 1 && y.pooled == 1, "one _pqsh_ name on Y");
	CHECK(strcmp(x.list, y.list) == 0, "the same name on both");
	AT(&t, UNPINNED);
	trio_close(&t);
	return 0;
}

/*
 * One of the processes of pooled_processes: waits for the start (the pipe
 * closes), then prepares and executes 50 times on its own connection.
 */
static int child(int i, int go)
{
	static const char *const names[] = { "a", "b", "s0", "s0" };
	static const char *const texts[] = { "select $1::int * 7", "select $1::int * 7", "select 2",
					     "select 3" };
	PGconn *c;
	char b;

	while (read(go, &b, 1) < 0 && errno == EINTR)
		;
	close(go);
	c = pqt_connect_to("PQT_BOUNCER2_DSN");
	CHECK(c, "process %d: connect", i);
	CHECK(prepared(PQprepare(c, names[i], texts[i], 0, NULL)), "process %d: prepare %s", i,
	      names[i]);
	for (int k = 0; k < 50; k++) {
		if (i < 2)
			CHECK(execs(c, names[i], 1, i * 1000 + k, 7), "process %d: execution %d", i, k);
		else
			CHECK(pqt_value_of(PQexecPrepared(c, names[i], 0, NULL, NULL, NULL, 0),
					   i == 2 ? "2" : "3"),
			      "process %d: execution %d gets its own statement's value", i, k);
	}
	PQfinish(c);
	return 0;
}

/* Empties both server connections from a process that uses no other connection. */
static bool clean_servers(void)
{
	struct trio t = { 0 };
	bool ok;

	t.pin = connect_raw("PQT_BOUNCER2_DSN");
	t.obs = connect_raw("PQT_BOUNCER2_DSN");
	ok = t.pin && t.obs && trio_clean_servers(&t);
	trio_close(&t);
	return ok;
}

PQT_CASE(pooled_processes, PQT_FIX_UNTRACKED,
	 "pooled mode, 4 processes on 2 server connections: one text under two names, two texts under one name");
static int pooled_processes(void)
{
	pid_t pids[4];
	int go[2], failed = 0, started = 0, fork_errno = 0;
	bool clean;

	setenv("PQSHIM_MODE", "pooled", 1);
	setenv("PQSHIM_POOLED_THRESHOLD", "1", 1);
	fflush(NULL);
	CHECK(pipe(go) == 0, "pipe");
	/* fork before any libpq call in this process */
	for (; started < 4; started++) {
		pids[started] = fork();
		if (pids[started] < 0) {
			fork_errno = errno;
			break;
		}
		if (pids[started] == 0) {
			close(go[1]);
			exit(child(started, go[0]) == 0 ? 0 : 1);
		}
	}
	close(go[0]);
	clean = started == 4 && clean_servers();
	close(go[1]); /* start */
	for (int i = 0; i < started; i++) {
		int status = 0;

		if (waitpid(pids[i], &status, 0) != pids[i] || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0) {
			fprintf(stderr, "  process %d failed (status %#x)\n", i, status);
			failed++;
		}
	}
	CHECK(started == 4, "fork: %s", strerror(fork_errno));
	CHECK(clean, "clean both server connections first");
	CHECK(failed == 0, "%d of 4 processes failed", failed);
	return 0;
}

/* ==== 1. single-row mode through the retry ==== */

#define SR_MARKER "pqt_single"

/*
 * PQsendQueryPrepared + PQsetSingleRowMode: three SINGLE_TUPLE results 1, 2,
 * 3, then TUPLES_OK with no row, then NULL; read blocking or by the
 * PQisBusy-first loop.
 */
static int single_rows(PGconn *c, bool async)
{
	const char *v[1] = { "1" };
	PGresult *r;

	CHECK(PQsendQueryPrepared(c, "s0", 1, v, NULL, NULL, 0), "send: %s", PQerrorMessage(c));
	CHECK(PQsetSingleRowMode(c) == 1, "single-row mode accepted");
	for (int i = 1; i <= 3; i++) {
		char want[16];

		snprintf(want, sizeof(want), "%d", i);
		r = async ? pqt_async_result(c) : PQgetResult(c);
		CHECK(pqt_status(r, PGRES_SINGLE_TUPLE), "row %d is a SINGLE_TUPLE result", i);
		CHECK(PQntuples(r) == 1 && PQnfields(r) == 1 &&
			      strcmp(PQfname(r, 0), SR_MARKER) == 0 &&
			      strcmp(PQgetvalue(r, 0, 0), want) == 0,
		      "row %d: one row, field " SR_MARKER " = %s (%d rows, %d fields, '%s')", i, want,
		      PQntuples(r), PQnfields(r),
		      PQntuples(r) && PQnfields(r) ? PQgetvalue(r, 0, 0) : "");
		PQclear(r);
	}
	r = async ? pqt_async_result(c) : PQgetResult(c);
	CHECK(pqt_status(r, PGRES_TUPLES_OK), "the end of the rows is TUPLES_OK");
	CHECK(PQntuples(r) == 0 && PQnfields(r) == 1 && strcmp(PQfname(r, 0), SR_MARKER) == 0,
	      "TUPLES_OK with no row (%d rows, %d fields)", PQntuples(r), PQnfields(r));
	CHECK(strcmp(PQcmdStatus(r), "SELECT 3") == 0, "tag SELECT 3 ('%s')", PQcmdStatus(r));
	PQclear(r);
	r = async ? pqt_async_result(c) : PQgetResult(c);
	CHECK(!r, "then NULL (got %s)", PQresStatus(PQresultStatus(r)));
	return 0;
}

PQT_CASE(pooled_single_row_retry, PQT_FIX_UNTRACKED,
	 "pooled mode: single-row mode through the retry on a server connection that lacks the statement (3 SINGLE_TUPLE, TUPLES_OK, NULL), and by name where it is");
static int pooled_single_row_retry(void)
{
	struct trio t;
	struct held x, y;
	PGresult *r;

	CHECK(trio_open(&t, "pooled", "1", NULL), "connect and clean");
	CHECK(prepared(PQprepare(t.app, "s0",
				 "select g as " SR_MARKER " from generate_series(1, 3) g where $1::int > 0",
				 0, NULL)),
	      "prepare s0 (on X)");
	AT(&t, PINNED);
	CHECK(look_both(&t, SR_MARKER, &x, &y), "look");
	MECHANISM(y.pooled == 0 && x.pooled == 0, "no content name yet (X [%s], Y [%s])", x.list, y.list);
	CHECK(single_rows(t.app, false) == 0, "blocking reads on Y, which lacks it (a retry)");
	CHECK(look_both(&t, SR_MARKER, &x, &y), "look");
	fprintf(stderr, "  after the first run X holds [%s], Y holds [%s]\n", x.list, y.list);
	CHECK(y.total == 1 && y.pooled == 1, "the retry made the content name on Y");
	MECHANISM(x.pooled == 0, "X still lacks it");
	AT(&t, UNPINNED);
	CHECK(single_rows(t.app, true) == 0, "PQisBusy loop on X, which lacks it (a retry)");
	AT(&t, PINNED);
	CHECK(look_both(&t, SR_MARKER, &x, &y), "look");
	CHECK(x.total == 1 && x.pooled == 1 && strcmp(x.list, y.list) == 0,
	      "the same content name on X now (X [%s], Y [%s])", x.list, y.list);
	CHECK(single_rows(t.app, true) == 0, "PQisBusy loop on Y, which has it (by name)");
	AT(&t, UNPINNED);
	CHECK(single_rows(t.app, false) == 0, "blocking reads on X, which has it (by name)");
	r = PQexecPrepared(t.app, "s0", 1, (const char *const[]){ "-1" }, NULL, NULL, 0);
	CHECK(pqt_status(r, PGRES_TUPLES_OK) && PQntuples(r) == 0 && PQnfields(r) == 1,
	      "no single-row mode afterwards: an ordinary empty result (%d rows)", PQntuples(r));
	PQclear(r);
	r = PQexecPrepared(t.app, "s0", 1, (const char *const[]){ "7" }, NULL, NULL, 0);
	CHECK(pqt_status(r, PGRES_TUPLES_OK) && PQntuples(r) == 3 &&
		      strcmp(PQgetvalue(r, 2, 0), "3") == 0,
	      "and an ordinary result of 3 rows (%d rows)", PQntuples(r));
	PQclear(r);
	trio_close(&t);
	return 0;
}

/* ==== 2. the cap on server-side names ==== */

#define CAP_MARKER "pqt_cap"

PQT_CASE(pooled_cap, PQT_FIX_UNTRACKED,
	 "pooled mode, PQSHIM_POOLED_MAX=2: 4 statements run on both server connections, right values, at most 2 content names on each");
static int pooled_cap(void)
{
	static const int muls[4] = { 2, 3, 5, 7 };
	struct trio t;
	struct held x, y;
	char name[16], sql[128];

	CHECK(trio_open(&t, "pooled", "1", "2"), "connect and clean");
	for (int k = 0; k < 4; k++) {
		snprintf(name, sizeof(name), "s%d", k);
		snprintf(sql, sizeof(sql), "select $1::int * %d as " CAP_MARKER, muls[k]);
		CHECK(prepared(PQprepare(t.app, name, sql, 0, NULL)), "prepare %s", name);
	}
	for (int round = 0; round < 6; round++) {
		AT(&t, round % 2 ? PINNED : UNPINNED);
		for (int k = 0; k < 4; k++)
			for (int i = 0; i < 3; i++) {
				int p = round * 100 + k * 10 + i;

				snprintf(name, sizeof(name), "s%d", k);
				CHECK(exec_is(t.app, round % 3 == 2, name, p, p * muls[k]),
				      "round %d, %s(%d)", round, name, p);
			}
	}
	AT(&t, PINNED);
	CHECK(look_both(&t, CAP_MARKER, &x, &y), "look");
	fprintf(stderr, "  X holds [%s], Y holds [%s]\n", x.list, y.list);
	CHECK(x.total == x.pooled && y.total == y.pooled, "only content names on the servers");
	MECHANISM(x.pooled <= 2 && y.pooled <= 2, "at most 2 content names on each server connection");
	/* threshold 1: the first two texts got names, and ran on both */
	MECHANISM(x.pooled == 2 && y.pooled == 2 && strcmp(x.list, y.list) == 0,
	      "the two named texts on both server connections");
	AT(&t, UNPINNED);
	CHECK(exec_is(t.app, false, "s3", 6, 42) && exec_is(t.app, false, "s0", 6, 12),
	      "after the look, still right");
	trio_close(&t);
	return 0;
}


/*
 * ==== 5. the app's own errors ====
 *
 * A fix: without the shim the server connection that lacks the statement
 * answers 26000, never the app's 22012. With it the Execute after the shim's
 * Parse fails for the app's reason, and that error is the app's, once.
 */

#define ERR_MARKER "pqt_err"
#define DIV0 "division by zero"

/* PQerrorMessage(c) holds text once and nothing of a retry (when: for the message). */
static int conn_message(PGconn *c, const char *text, const char *when)
{
	int n = occurrences(PQerrorMessage(c), text);

	CHECK(n == 1, "'%s' once in PQerrorMessage %s, %d times: [%s]", text, when, n,
	      PQerrorMessage(c));
	CHECK(!strstr(PQerrorMessage(c), "does not exist"),
	      "PQerrorMessage %s shows nothing of the retry: %s", when, PQerrorMessage(c));
	return 0;
}

/*
 * exec d(param) fails with SQLSTATE want, exactly once: one result (async:
 * then NULL), the message `text` once in the result, and in PQerrorMessage
 * as libpq leaves it without the shim (async: when the result comes, and
 * still after the NULL), with no trace of a statement that "does not exist".
 * Apps print PQerrorMessage(conn) after a failed PQexecPrepared (libpq's own
 * examples do): the retry must leave it as one attempt would.
 */
static int fails_once(PGconn *c, bool async, const char *param, const char *want,
		      const char *text)
{
	const char *v[1] = { param };
	PGresult *r, *more;
	int n;

	if (async)
		CHECK(PQsendQueryPrepared(c, "d", 1, v, NULL, NULL, 0), "send: %s", PQerrorMessage(c));
	r = async ? pqt_async_result(c) : PQexecPrepared(c, "d", 1, v, NULL, NULL, 0);
	CHECK(r && PQresultStatus(r) == PGRES_FATAL_ERROR && strcmp(pqt_sqlstate(r), want) == 0,
	      "SQLSTATE %s, got '%s' (%s): %s", want, pqt_sqlstate(r),
	      r ? PQresStatus(PQresultStatus(r)) : "no result", r ? PQresultErrorMessage(r) : "");
	n = occurrences(PQresultErrorMessage(r), text);
	CHECK(n == 1, "'%s' once in the result's message, %d times: %s", text, n,
	      PQresultErrorMessage(r));
	PQclear(r);
	CHECK(conn_message(c, text, async ? "with the result" : "after PQexecPrepared") == 0,
	      "the connection's message");
	if (async) {
		more = pqt_async_result(c);
		CHECK(!more, "one result, then NULL (then %s: %s)", PQresStatus(PQresultStatus(more)),
		      PQresultErrorMessage(more));
		CHECK(conn_message(c, text, "after the NULL") == 0, "the connection's message");
	}
	return 0;
}

/* BEGIN; [d(5) = 2;] d(0) -> 22012; d(5) -> 25P02; ROLLBACK; d(2) = 5, on the current side. */
static int aborted_block(PGconn *c, bool async, bool first_ok)
{
	CHECK(pqt_ok(do_sql(c, async, "BEGIN")), "begin");
	if (first_ok)
		CHECK(exec_is(c, async, "d", 5, 2), "d(5) first in the block");
	CHECK(fails_once(c, async, "0", "22012", DIV0) == 0, "d(0) in the block: 22012 once");
	CHECK(tx_is(c, PQTRANS_INERROR), "the block is aborted");
	CHECK(fails_once(c, async, "5", "25P02", "current transaction is aborted") == 0,
	      "d(5) in the aborted block: 25P02");
	CHECK(tx_is(c, PQTRANS_INERROR), "still aborted");
	CHECK(tagged(do_sql(c, async, "ROLLBACK"), "ROLLBACK"), "rollback");
	CHECK(tx_is(c, PQTRANS_IDLE), "out of the block");
	CHECK(exec_is(c, async, "d", 2, 5), "d(2) after the block");
	return 0;
}

PQT_CASE(pooled_errors_pass_through, PQT_FIX_UNTRACKED,
	 "pooled mode: division by zero where the server connection lacks the statement: 22012 once, outside and inside blocks (then 25P02, ROLLBACK, fine)");
static int pooled_errors_pass_through(void)
{
	struct trio t;
	struct held x, y;

	CHECK(trio_open(&t, "pooled", "1", NULL), "connect and clean");
	CHECK(prepared(PQprepare(t.app, "d", "select 10 / $1::int as " ERR_MARKER, 0, NULL)),
	      "prepare d (on X)");
	/* outside a block, Y lacks it: the retry's Execute fails, the app gets that once */
	AT(&t, PINNED);
	CHECK(look_both(&t, ERR_MARKER, &x, &y), "look");
	MECHANISM(x.pooled == 0 && y.pooled == 0, "neither side has the content name");
	CHECK(fails_once(t.app, true, "0", "22012", DIV0) == 0, "async d(0) on Y: 22012 once");
	CHECK(exec_is(t.app, true, "d", 5, 2), "async d(5) on Y afterwards");
	CHECK(look_both(&t, ERR_MARKER, &x, &y), "look");
	MECHANISM(x.pooled == 0, "X still lacks it (X [%s])", x.list);
	AT(&t, UNPINNED);
	CHECK(fails_once(t.app, false, "0", "22012", DIV0) == 0, "d(0) on X: 22012 once");
	CHECK(exec_is(t.app, false, "d", 5, 2), "d(5) on X afterwards");
	/* where it is there: by name, the same error */
	AT(&t, PINNED);
	CHECK(fails_once(t.app, false, "0", "22012", DIV0) == 0, "d(0) on Y, by name: 22012 once");
	CHECK(exec_is(t.app, false, "d", 2, 5), "d(2) on Y afterwards");

	/* inside blocks, on server connections that lack it */
	CHECK(trio_clean_servers(&t), "both server connections forget everything");
	CHECK(look_both(&t, ERR_MARKER, &x, &y) && x.total == 0 && y.total == 0, "both empty");
	CHECK(aborted_block(t.app, false, false) == 0, "on Y: the block's first execution fails");
	AT(&t, UNPINNED);
	CHECK(aborted_block(t.app, true, false) == 0,
	      "on X (async): the block's first execution fails");
	CHECK(trio_clean_servers(&t), "both server connections forget everything");
	AT(&t, PINNED);
	CHECK(aborted_block(t.app, true, true) == 0,
	      "on Y (async): the block's second execution fails (made there)");
	AT(&t, UNPINNED);
	CHECK(aborted_block(t.app, false, true) == 0,
	      "on X: the block's second execution fails (made there)");
	/* and where it is there */
	AT(&t, PINNED);
	CHECK(look_both(&t, ERR_MARKER, &x, &y), "look");
	CHECK(x.pooled == 1 && y.pooled == 1, "both sides have it now (X [%s], Y [%s])", x.list,
	      y.list);
	CHECK(aborted_block(t.app, false, true) == 0, "on Y, which has it");
	AT(&t, UNPINNED);
	CHECK(aborted_block(t.app, true, false) == 0, "on X (async), which has it");
	CHECK(exec_is(t.app, false, "d", 1, 10), "a last d(1)");
	trio_close(&t);
	return 0;
}


/*
 * A cancel the app sends while the server connection's 26000 waits unread
 * (the server is idle: it drops the cancel) must not be lost: the retry would
 * run the statement to its end. Behind PgBouncer with one server connection,
 * whose statements another client deallocates.
 */
static int cancel_while_unread(bool request_cancel)
{
	const char *v0[1] = { "0" }, *v10[1] = { "10" };
	PGconn *app, *other;
	PGcancel *k;
	PGresult *r;
	char err[256];
	double t0, took;
	bool cancelled = false;

	setenv("PQSHIM_MODE", "pooled", 1);
	app = pqt_connect(true);
	CHECK(app, "connect");
	CHECK(pqt_ok(PQprepare(app, "sl", "select pg_sleep($1::float8)", 1, NULL)), "prepare");
	for (int i = 0; i < 3; i++) /* by its content name on the server from now on */
		CHECK(pqt_status(r = PQexecPrepared(app, "sl", 1, v0, NULL, NULL, 0), PGRES_TUPLES_OK) &&
			      (PQclear(r), true),
		      "exec %d", i);
	other = connect_raw("PQT_BOUNCER_DSN");
	CHECK(other && pqt_exec_ok(other, "DEALLOCATE ALL"), "another client empties the server connection");
	PQfinish(other);
	t0 = pqt_now();
	CHECK(PQsendQueryPrepared(app, "sl", 1, v10, NULL, NULL, 0) && PQflush(app) == 0, "send pg_sleep(10)");
	usleep(700000); /* not reading: its first answer waits */
	if (request_cancel) {
		CHECK(PQrequestCancel(app), "PQrequestCancel: %s", PQerrorMessage(app));
	} else {
		k = PQgetCancel(app);
		CHECK(k && PQcancel(k, err, sizeof(err)), "PQcancel: %s", err);
		PQfreeCancel(k);
	}
	while ((r = PQgetResult(app)) != NULL) {
		if (strcmp(pqt_sqlstate(r), "57014") == 0)
			cancelled = true;
		else
			fprintf(stderr, "  got %s %s\n", PQresStatus(PQresultStatus(r)), pqt_sqlstate(r));
		PQclear(r);
	}
	took = pqt_now() - t0;
	CHECK(cancelled && took < 5, "the statement was cancelled (57014) after %.1f s, not run to its end",
	      took);
	CHECK(pqt_status(r = PQexecPrepared(app, "sl", 1, v0, NULL, NULL, 0), PGRES_TUPLES_OK) &&
		      (PQclear(r), true),
	      "the connection goes on");
	PQfinish(app);
	return 0;
}

PQT_CASE(pooled_cancel_not_lost, PQT_FIX_UNTRACKED,
	 "pooled mode: a PQcancel sent while the first attempt's 26000 waits unread ends the execution with 57014");
static int pooled_cancel_not_lost(void)
{
	return cancel_while_unread(false);
}

PQT_CASE(pooled_request_cancel_not_lost, PQT_FIX_UNTRACKED, "the same with PQrequestCancel");
static int pooled_request_cancel_not_lost(void)
{
	return cancel_while_unread(true);
}

/*
 * Schema-per-tenant apps set search_path per transaction. A named statement is
 * re-parsed with the search_path in effect when it runs (PostgreSQL 9.3+), so
 * one content-named statement, shared by every connection and server
 * connection, still reads each tenant's own table: by name, on both servers.
 */
PQT_CASE(pooled_search_path_per_transaction, PQT_FIX_UNTRACKED,
	 "pooled mode: SET LOCAL search_path per transaction reads each tenant's table, by name, on every server connection");
static int pooled_search_path_per_transaction(void)
{
	static const char *const tenants[] = { "pqt_tenant_a", "pqt_tenant_b" };
	struct trio t;
	PGconn *d = pqt_connect(false);
	char sql[160];
	struct held x, y;

	CHECK(d, "connect directly");
	for (int i = 0; i < 2; i++) {
		snprintf(sql, sizeof(sql),
			 "DROP SCHEMA IF EXISTS %s CASCADE; CREATE SCHEMA %s; "
			 "CREATE TABLE %s.t AS SELECT '%s'::text AS v",
			 tenants[i], tenants[i], tenants[i], tenants[i]);
		CHECK(pqt_exec_ok(d, sql), "make %s", tenants[i]);
	}
	CHECK(trio_open(&t, "pooled", "1", NULL), "connect and clean");
	AT(&t, PINNED);
	/* t resolves only with a tenant's schema on the path: the prepare is checked there too */
	CHECK(pqt_exec_ok(t.app, "BEGIN"), "begin");
	CHECK(pqt_exec_ok(t.app, "SET LOCAL search_path = pqt_tenant_a"), "set the path");
	CHECK(prepared(PQprepare(t.app, "s0", "select v from t", 0, NULL)), "prepare s0");
	CHECK(pqt_exec_ok(t.app, "COMMIT"), "commit");
	for (int round = 0; round < 4; round++) {
		const char *tenant = tenants[round % 2];

		AT(&t, round / 2 ? UNPINNED : PINNED);
		CHECK(pqt_exec_ok(t.app, "BEGIN"), "begin");
		snprintf(sql, sizeof(sql), "SET LOCAL search_path = %s", tenant);
		CHECK(pqt_exec_ok(t.app, sql), "%s", sql);
		CHECK(pqt_value_of(PQexecPrepared(t.app, "s0", 0, NULL, NULL, NULL, 0), tenant),
		      "round %d reads %s's table", round, tenant);
		CHECK(pqt_value_of(PQexecPrepared(t.app, "s0", 0, NULL, NULL, NULL, 0), tenant),
		      "and again (by name, in the block)");
		CHECK(pqt_exec_ok(t.app, "COMMIT"), "commit");
		/* the next block, the other tenant: the same statement re-parsed for its path */
		CHECK(pqt_exec_ok(t.app, "BEGIN"), "begin");
		snprintf(sql, sizeof(sql), "SET LOCAL search_path = %s", tenants[1 - round % 2]);
		CHECK(pqt_exec_ok(t.app, sql), "%s", sql);
		CHECK(pqt_value_of(PQexecPrepared(t.app, "s0", 0, NULL, NULL, NULL, 0),
				   tenants[1 - round % 2]),
		      "round %d, the other tenant", round);
		CHECK(pqt_exec_ok(t.app, "COMMIT"), "commit");
	}
	AT(&t, PINNED);
	CHECK(look(t.pin, NULL, &x) && look(t.obs, NULL, &y), "read pg_prepared_statements");
	CHECK(!x.s0 && !y.s0 && x.pooled + y.pooled >= 1, "by content name, never s0 ([%s] [%s])",
	      x.list, y.list);
	AT(&t, UNPINNED);
	trio_close(&t);
	for (int i = 0; i < 2; i++) {
		snprintf(sql, sizeof(sql), "DROP SCHEMA %s CASCADE", tenants[i]);
		CHECK(pqt_exec_ok(d, sql), "drop %s", tenants[i]);
	}
	PQfinish(d);
	return 0;
}

const struct pqt_case *const cases_pooled_list[] = {
	&pooled_search_path_per_transaction_case,
	&pooled_sync_across_servers_case,
	&pooled_async_across_servers_case,
	&pooled_pipeline_across_servers_case,
	&pooled_server_names_case,
	&pooled_threshold_case,
	&pooled_processes_case,
	&pooled_single_row_retry_case,
	&pooled_cap_case,
	&pooled_errors_pass_through_case,
	&pooled_cancel_not_lost_case,
	&pooled_request_cancel_not_lost_case,
	NULL,
};
