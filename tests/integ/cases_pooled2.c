/*
 * More pooled-mode (and auto-mode) cases behind PgBouncer in transaction mode
 * with two server connections: single-row mode through a retry, the cap on
 * server-side names, healing with the asynchronous API, sequences of
 * transaction blocks, errors of the app's own, and the auto switch with the
 * asynchronous API.
 *
 * The technique (the pin, the observer) is in trio.h.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "trio.h"

/* ---- one API for the sync and async flows ---- */

/* A command's result with the tag want (BEGIN, COMMIT, ...); clears r. */
static bool tagged(PGresult *r, const char *want)
{
	bool ok = pqt_status(r, PGRES_COMMAND_OK) && strcmp(PQcmdStatus(r), want) == 0;

	if (r && PQresultStatus(r) == PGRES_COMMAND_OK && !ok)
		fprintf(stderr, "  tag '%s', expected %s\n", PQcmdStatus(r), want);
	PQclear(r);
	return ok;
}

/* How often needle occurs in hay. */
static int occurrences(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* The value of exec name(param) is want (sync or async). */
static bool exec_is(PGconn *c, bool async, const char *name, int param, int want)
{
	char p[16], w[16];

	snprintf(p, sizeof(p), "%d", param);
	snprintf(w, sizeof(w), "%d", want);
	return pqt_value_of(do_exec(c, async, name, p), w);
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

PQT_CASE(pooled_single_row_retry, true,
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
	CHECK(y.pooled == 0 && x.pooled == 0, "no content name yet (X [%s], Y [%s])", x.list, y.list);
	CHECK(single_rows(t.app, false) == 0, "blocking reads on Y, which lacks it (a retry)");
	CHECK(look_both(&t, SR_MARKER, &x, &y), "look");
	fprintf(stderr, "  after the first run X holds [%s], Y holds [%s]\n", x.list, y.list);
	CHECK(y.total == 1 && y.pooled == 1, "the retry made the content name on Y");
	CHECK(x.pooled == 0, "X still lacks it");
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

PQT_CASE(pooled_cap, true,
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
	CHECK(x.pooled <= 2 && y.pooled <= 2, "at most 2 content names on each server connection");
	/* threshold 1: the first two texts got names, and ran on both */
	CHECK(x.pooled == 2 && y.pooled == 2 && strcmp(x.list, y.list) == 0,
	      "the two named texts on both server connections");
	AT(&t, UNPINNED);
	CHECK(exec_is(t.app, false, "s3", 6, 42) && exec_is(t.app, false, "s0", 6, 12),
	      "after the look, still right");
	trio_close(&t);
	return 0;
}

/* ==== 3. healing with the asynchronous API ==== */

/* Async execution of s0 (PQsendQueryPrepared + PQisBusy loop). */
static PGresult *aexec0(PGconn *c)
{
	return do_exec(c, true, "s0", NULL);
}

PQT_CASE(pooled_async_heal, true,
	 "pooled mode, async API: after ALTER TABLE ADD COLUMN a prepared SELECT * returns the new columns on both server connections");
static int pooled_async_heal(void)
{
	struct trio t;
	char table[64], select[128];

	snprintf(table, sizeof(table), "pqt_aheal_%ld", (long)getpid());
	snprintf(select, sizeof(select), "select * from %s", table);
	CHECK(trio_open(&t, "pooled", "1", NULL), "connect and clean");
	PQsetNoticeProcessor(t.obs, quiet, NULL);
	CHECK(exec_table(t.obs, "drop table if exists ", table, "") &&
		      exec_table(t.app, "create table ", table, " (a int)") &&
		      exec_table(t.app, "insert into ", table, " values (1)"),
	      "create the table");
	AT(&t, PINNED);
	CHECK(prepared(do_prepare(t.app, true, "s0", select)), "async prepare (on Y)");
	for (int i = 0; i < 4; i++) {
		AT(&t, i % 2 ? PINNED : UNPINNED);
		CHECK(heal_row(aexec0(t.app), 1), "execution %d: one column", i + 1);
	}
	/* the app alters on X; both server connections hold a plan with one column */
	AT(&t, UNPINNED);
	CHECK(exec_table(t.app, "alter table ", table, " add column b int default 2"), "alter on X");
	AT(&t, PINNED);
	CHECK(heal_row(aexec0(t.app), 2), "on Y after ALTER TABLE: two columns");
	CHECK(heal_row(aexec0(t.app), 2), "on Y again");
	AT(&t, UNPINNED);
	CHECK(heal_row(aexec0(t.app), 2), "on X after ALTER TABLE: two columns");
	CHECK(heal_row(aexec0(t.app), 2), "on X again");
	/* another client (no shim) alters, the app's block commits in between */
	AT(&t, PINNED);
	CHECK(exec_table(t.obs, "alter table ", table, " add column c text default 'three'"),
	      "another client alters on Y");
	CHECK(pqt_ok(do_sql(t.app, true, "BEGIN")) && pqt_ok(do_sql(t.app, true, "COMMIT")),
	      "an empty block of the app on Y");
	CHECK(heal_row(aexec0(t.app), 3), "on Y after the second ALTER TABLE: three columns");
	AT(&t, UNPINNED);
	CHECK(heal_row(aexec0(t.app), 3), "on X after the second ALTER TABLE: three columns");
	AT(&t, PINNED);
	CHECK(heal_row(aexec0(t.app), 3), "on Y again");
	AT(&t, UNPINNED);
	CHECK(heal_row(aexec0(t.app), 3), "on X again");
	CHECK(heal_row(PQexecPrepared(t.app, "s0", 0, NULL, NULL, NULL, 0), 3),
	      "and a blocking execution on X");
	CHECK(exec_table(t.app, "drop table ", table, ""), "drop the table");
	trio_close(&t);
	return 0;
}

/* ==== 4. sequences of transaction blocks ==== */

#define BLK_MARKER "pqt_blk"

enum block_end { END_COMMIT, END_ROLLBACK, END_PREPARED_COMMIT };

/* The app's transaction status is want. */
static bool tx_is(PGconn *c, PGTransactionStatusType want)
{
	PGTransactionStatusType got = PQtransactionStatus(c);

	if (got != want)
		fprintf(stderr, "  transaction status %d, expected %d\n", (int)got, (int)want);
	return got == want;
}

/*
 * BEGIN; A(p); B(p); [SELECT 1;] A(p+1); end — on the side `where` (pinned
 * before BEGIN, so the whole block lands there). A is $1 + 100, B is $1 * 10.
 */
static int block(struct trio *t, bool where, int p, bool mid_select, enum block_end end)
{
	PGresult *r;

	AT(t, where);
	CHECK(tagged(PQexec(t->app, "BEGIN"), "BEGIN"), "begin");
	CHECK(tx_is(t->app, PQTRANS_INTRANS), "in the block");
	CHECK(exec_is(t->app, false, "a", p, p + 100), "A(%d) first in the block", p);
	CHECK(exec_is(t->app, false, "b", p, p * 10), "B(%d) in the block", p);
	if (mid_select)
		CHECK(pqt_value_of(PQexec(t->app, "SELECT 1"), "1"), "SELECT 1 in the block");
	CHECK(exec_is(t->app, false, "a", p + 1, p + 101), "A(%d) again in the block", p + 1);
	CHECK(tx_is(t->app, PQTRANS_INTRANS), "still in the block");
	switch (end) {
	case END_COMMIT:
		CHECK(tagged(PQexec(t->app, "COMMIT"), "COMMIT"), "commit");
		break;
	case END_ROLLBACK:
		CHECK(tagged(PQexec(t->app, "ROLLBACK"), "ROLLBACK"), "rollback");
		break;
	case END_PREPARED_COMMIT:
		r = PQexecPrepared(t->app, "c", 0, NULL, NULL, NULL, 0);
		CHECK(tagged(r, "COMMIT"), "the prepared COMMIT ends the block");
		break;
	}
	CHECK(tx_is(t->app, PQTRANS_IDLE), "out of the block");
	return 0;
}

/* BEGIN (PQexec) then at once the prepared COMMIT (the block's first execution). */
static int begin_prepared_commit(struct trio *t, bool where)
{
	AT(t, where);
	CHECK(tagged(PQexec(t->app, "BEGIN"), "BEGIN"), "begin");
	CHECK(tagged(PQexecPrepared(t->app, "c", 0, NULL, NULL, NULL, 0), "COMMIT"),
	      "the prepared COMMIT as the block's first execution");
	CHECK(tx_is(t->app, PQTRANS_IDLE), "out of the block");
	return 0;
}

/* Every kind of block on alternating sides, and executions outside blocks. */
static int block_round(struct trio *t, int base)
{
	CHECK(block(t, PINNED, base + 1, false, END_COMMIT) == 0, "block 1 on Y");
	CHECK(block(t, UNPINNED, base + 3, false, END_COMMIT) == 0, "block 2 on X");
	CHECK(block(t, PINNED, base + 5, true, END_COMMIT) == 0, "block 3 on Y, SELECT 1 inside");
	CHECK(block(t, UNPINNED, base + 7, true, END_ROLLBACK) == 0,
	      "block 4 on X, SELECT 1 inside, ROLLBACK");
	CHECK(block(t, PINNED, base + 9, false, END_ROLLBACK) == 0, "block 5 on Y, ROLLBACK");
	CHECK(block(t, UNPINNED, base + 11, false, END_PREPARED_COMMIT) == 0,
	      "block 6 on X, ended by the prepared COMMIT");
	CHECK(block(t, PINNED, base + 13, true, END_PREPARED_COMMIT) == 0,
	      "block 7 on Y, SELECT 1 inside, ended by the prepared COMMIT");
	CHECK(begin_prepared_commit(t, UNPINNED) == 0, "block 8 on X: BEGIN, prepared COMMIT");
	CHECK(begin_prepared_commit(t, PINNED) == 0, "block 9 on Y: BEGIN, prepared COMMIT");
	AT(t, UNPINNED);
	CHECK(exec_is(t->app, false, "a", base, base + 100) &&
		      exec_is(t->app, false, "b", base, base * 10),
	      "outside a block on X");
	AT(t, PINNED);
	CHECK(exec_is(t->app, true, "a", base, base + 100) &&
		      exec_is(t->app, true, "b", base, base * 10),
	      "outside a block on Y (async)");
	return 0;
}

PQT_CASE(pooled_block_sequences, true,
	 "pooled mode: blocks BEGIN; A; B; A; COMMIT/ROLLBACK/prepared COMMIT on alternating server connections, again after DEALLOCATE ALL on one");
static int pooled_block_sequences(void)
{
	struct trio t;
	struct held x, y;

	CHECK(trio_open(&t, "pooled", "1", NULL), "connect and clean");
	CHECK(prepared(PQprepare(t.app, "a", "select $1::int + 100 as " BLK_MARKER, 0, NULL)),
	      "prepare a");
	CHECK(prepared(PQprepare(t.app, "b", "select $1::int * 10 as " BLK_MARKER, 0, NULL)),
	      "prepare b");
	CHECK(prepared(PQprepare(t.app, "c", "COMMIT", 0, NULL)), "prepare c (COMMIT)");
	CHECK(block_round(&t, 0) == 0, "first round");
	CHECK(block_round(&t, 1000) == 0, "second round (the statements are on both sides)");
	AT(&t, PINNED);
	CHECK(look_both(&t, BLK_MARKER, &x, &y), "look");
	fprintf(stderr, "  X holds [%s], Y holds [%s]\n", x.list, y.list);
	CHECK(x.total == x.pooled && y.total == y.pooled, "only content names on the servers");
	CHECK(x.pooled == 2 && y.pooled == 2, "A and B by their content names on both sides");
	/* X forgets everything */
	CHECK(pqt_exec_ok(t.pin, "DEALLOCATE ALL"), "DEALLOCATE ALL on X (not through the shim)");
	CHECK(look_both(&t, BLK_MARKER, &x, &y), "look");
	CHECK(x.total == 0 && y.pooled == 2, "X holds nothing, Y still both (X [%s], Y [%s])",
	      x.list, y.list);
	CHECK(block_round(&t, 2000) == 0, "a round after DEALLOCATE ALL on X");
	CHECK(block_round(&t, 3000) == 0, "and another");
	AT(&t, PINNED);
	CHECK(look_both(&t, BLK_MARKER, &x, &y), "look");
	fprintf(stderr, "  afterwards X holds [%s], Y holds [%s]\n", x.list, y.list);
	CHECK(x.pooled == 2 && y.pooled == 2, "A and B made again on X");
	AT(&t, UNPINNED);
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

PQT_CASE(pooled_errors_pass_through, true,
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
	CHECK(x.pooled == 0 && y.pooled == 0, "neither side has the content name");
	CHECK(fails_once(t.app, true, "0", "22012", DIV0) == 0, "async d(0) on Y: 22012 once");
	CHECK(exec_is(t.app, true, "d", 5, 2), "async d(5) on Y afterwards");
	CHECK(look_both(&t, ERR_MARKER, &x, &y), "look");
	CHECK(x.pooled == 0, "X still lacks it (X [%s])", x.list);
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

/* ==== 6. auto mode switching with the asynchronous API ==== */

PQT_CASE(auto_async_switch, true,
	 "auto mode, async API: PQsendQueryPrepared on the other server connection switches to pooled mode and is retried; more steps after");
static int auto_async_switch(void)
{
	struct trio t;
	struct held x, y;
	PGresult *r;

	CHECK(trio_open(&t, "auto", "1", NULL), "connect and clean");
	AT(&t, PINNED);
	CHECK(prepared(do_prepare(t.app, true, "s0", "select $1::int * 2 as pqt_auto")),
	      "async prepare s0 on Y");
	CHECK(exec_is(t.app, true, "s0", 4, 8), "async exec s0 on Y, where it was prepared");
	AT(&t, UNPINNED);
	CHECK(exec_is(t.app, true, "s0", 21, 42),
	      "async exec on X: switched to pooled mode and retried");
	AT(&t, PINNED);
	CHECK(exec_is(t.app, true, "s0", 5, 10), "async exec back on Y");
	CHECK(look_both(&t, "pqt_auto", &x, &y), "look");
	fprintf(stderr, "  X holds [%s], Y holds [%s]\n", x.list, y.list);
	CHECK(x.pooled == 1 && y.pooled == 1, "the content name on both sides after the switch");
	AT(&t, UNPINNED);
	CHECK(exec_is(t.app, true, "s0", 6, 12), "async exec on X, by name");
	/* a statement prepared after the switch */
	CHECK(prepared(do_prepare(t.app, true, "s1", "select $1::int + 7 as pqt_auto")),
	      "async prepare s1 on X");
	AT(&t, PINNED);
	CHECK(exec_is(t.app, true, "s1", 1, 8), "async exec s1 on Y");
	AT(&t, UNPINNED);
	CHECK(exec_is(t.app, true, "s1", 2, 9), "async exec s1 on X");
	/* re-prepare with another text */
	AT(&t, PINNED);
	CHECK(prepared(do_prepare(t.app, true, "s0", "select $1::int * 3 as pqt_auto")),
	      "async re-prepare s0 with another text on Y");
	AT(&t, UNPINNED);
	CHECK(exec_is(t.app, true, "s0", 21, 63), "the new text on X");
	AT(&t, PINNED);
	CHECK(exec_is(t.app, true, "s0", 2, 6), "the new text on Y");
	/* describe */
	AT(&t, UNPINNED);
	r = async_take(t.app, PQsendDescribePrepared(t.app, "s0"));
	CHECK(pqt_status(r, PGRES_COMMAND_OK), "async describe on X");
	CHECK(PQnparams(r) == 1 && PQparamtype(r, 0) == 23 && PQnfields(r) == 1 &&
		      strcmp(PQfname(r, 0), "pqt_auto") == 0,
	      "describe: one int4 parameter, field pqt_auto");
	PQclear(r);
	/* in a block, on each side */
	AT(&t, PINNED);
	CHECK(pqt_ok(do_sql(t.app, true, "BEGIN")) && exec_is(t.app, true, "s0", 3, 9) &&
		      exec_is(t.app, true, "s1", 3, 10) && exec_is(t.app, true, "s0", 4, 12) &&
		      pqt_ok(do_sql(t.app, true, "COMMIT")),
	      "async block on Y");
	AT(&t, UNPINNED);
	CHECK(pqt_ok(do_sql(t.app, true, "BEGIN")) && exec_is(t.app, true, "s1", 3, 10) &&
		      exec_is(t.app, true, "s0", 5, 15) && pqt_ok(do_sql(t.app, true, "COMMIT")),
	      "async block on X");
	/* blocking calls still right */
	AT(&t, PINNED);
	CHECK(exec_is(t.app, false, "s0", 7, 21) && exec_is(t.app, false, "s1", 7, 14),
	      "blocking execs on Y");
	trio_close(&t);
	return 0;
}

const struct pqt_case *const cases_pooled2_list[] = {
	&pooled_single_row_retry_case,
	&pooled_cap_case,
	&pooled_async_heal_case,
	&pooled_block_sequences_case,
	&pooled_errors_pass_through_case,
	&auto_async_switch_case,
	NULL,
};
