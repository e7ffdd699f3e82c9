/*
 * Pooled mode inside transaction blocks: sequences of blocks on both server
 * connections (COMMIT, ROLLBACK, a prepared COMMIT, DEALLOCATE ALL
 * underneath), and the hard corners found in review, where nothing the shim
 * adds to a block may fail, reorder or change what the app sees (some behind
 * PgBouncer with one server connection, where they pass without the shim too).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "trio.h"

/* ==== 4. sequences of transaction blocks ==== */

#define BLK_MARKER "pqt_blk"

enum block_end { END_COMMIT, END_ROLLBACK, END_PREPARED_COMMIT };

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

PQT_CASE(pooled_block_sequences, PQT_FIX_UNTRACKED,
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


static PGconn *open_pooled(void)
{
	setenv("PQSHIM_MODE", "pooled", 1);
	unsetenv("PQSHIM_POOLED_THRESHOLD"); /* the default: 2 */
	return pqt_connect_to("PQT_BOUNCER_DSN");
}

static bool run(PGconn *c, const char *name, const char *want)
{
	PGresult *r = PQexecPrepared(c, name, 0, NULL, NULL, NULL, 0);

	if (!want)
		return pqt_ok(r);
	return pqt_value_of(r, want);
}

PQT_CASE(pooled_block_set_transaction, false,
	 "pooled mode: a prepared SET TRANSACTION ISOLATION LEVEL first in each block keeps working (the look-up never runs before it)");
static int pooled_block_set_transaction(void)
{
	PGconn *c = open_pooled();

	CHECK(c && pqt_exec_ok(c, "DEALLOCATE ALL"), "connect");
	CHECK(pqt_ok(PQprepare(c, "iso", "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ", 0, NULL)),
	      "prepare iso");
	CHECK(pqt_ok(PQprepare(c, "one", "SELECT 1", 0, NULL)), "prepare one");
	for (int i = 0; i < 4; i++) {
		CHECK(pqt_exec_ok(c, "BEGIN"), "BEGIN %d", i);
		CHECK(run(c, "iso", NULL), "SET TRANSACTION first in block %d", i);
		CHECK(run(c, "one", "1"), "select in block %d", i);
		CHECK(run(c, "one", "1"), "select again in block %d", i);
		CHECK(pqt_exec_ok(c, "COMMIT"), "COMMIT %d", i);
	}
	PQfinish(c);
	return 0;
}

PQT_CASE(pooled_block_made_by_others, PQT_FIX_UNTRACKED,
	 "pooled mode: a statement another client made on the server connection is used, never made again, inside a block");
static int pooled_block_made_by_others(void)
{
	PGconn *o, *c;

	o = open_pooled();
	CHECK(o && pqt_exec_ok(o, "DEALLOCATE ALL"), "connect");
	CHECK(pqt_ok(PQprepare(o, "b", "SELECT 2", 0, NULL)), "the other client prepares b");
	for (int i = 0; i < 3; i++)
		CHECK(run(o, "b", "2"), "the other client runs b");
	PQfinish(o);
	c = open_pooled();
	CHECK(c, "connect");
	CHECK(pqt_ok(PQprepare(c, "a", "SELECT 1", 0, NULL)), "prepare a");
	CHECK(pqt_ok(PQprepare(c, "b", "SELECT 2", 0, NULL)), "prepare b (the same text)");
	CHECK(run(c, "a", "1") && run(c, "a", "1"), "run a twice");
	CHECK(pqt_exec_ok(c, "BEGIN"), "BEGIN");
	CHECK(run(c, "a", "1"), "a in the block (the look-up)");
	CHECK(run(c, "b", "2") && run(c, "b", "2") && run(c, "a", "1"), "b, first run after the look-up");
	CHECK(pqt_exec_ok(c, "COMMIT"), "COMMIT");
	CHECK(pqt_exec_ok(c, "DEALLOCATE ALL"), "clean up");
	PQfinish(c);
	return 0;
}

/* Sends name in single-row mode; expects n single rows, the end, NULL. */
static bool single_rows(PGconn *c, const char *name, int n)
{
	PGresult *r;
	int rows = 0;

	if (!PQsendQueryPrepared(c, name, 0, NULL, NULL, NULL, 0) || !PQsetSingleRowMode(c)) {
		fprintf(stderr, "  send or single-row mode refused: %s", PQerrorMessage(c));
		return false;
	}
	while ((r = PQgetResult(c)) && PQresultStatus(r) == PGRES_SINGLE_TUPLE) {
		rows++;
		PQclear(r);
	}
	if (!r || PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 0 || rows != n) {
		fprintf(stderr, "  %d single rows, then %s\n", rows,
			r ? PQresStatus(PQresultStatus(r)) : "NULL");
		PQclear(r);
		return false;
	}
	PQclear(r);
	return PQgetResult(c) == NULL && PQpipelineStatus(c) == PQ_PIPELINE_OFF;
}

PQT_CASE(pooled_block_single_row, PQT_FIX_UNTRACKED,
	 "pooled mode: single-row mode on a block's first execution and on one the shim makes there applies to the app's rows");
static int pooled_block_single_row(void)
{
	PGconn *c = open_pooled();

	CHECK(c && pqt_exec_ok(c, "DEALLOCATE ALL"), "connect");
	CHECK(pqt_ok(PQprepare(c, "a", "SELECT g FROM generate_series(1, 3) g", 0, NULL)), "prepare a");
	CHECK(pqt_ok(PQprepare(c, "b", "SELECT g FROM generate_series(1, 2) g", 0, NULL)), "prepare b");
	for (int i = 0; i < 2; i++) {
		PQclear(PQexecPrepared(c, "a", 0, NULL, NULL, NULL, 0));
		PQclear(PQexecPrepared(c, "b", 0, NULL, NULL, NULL, 0));
	}
	{
		PGconn *raw = connect_raw("PQT_BOUNCER_DSN");

		CHECK(raw && pqt_exec_ok(raw, "DEALLOCATE ALL"), "the server connection forgets them");
		PQfinish(raw);
	}
	CHECK(pqt_exec_ok(c, "BEGIN"), "BEGIN");
	CHECK(single_rows(c, "a", 3), "a: the block's first execution, in single-row mode");
	CHECK(single_rows(c, "b", 2), "b: made in the block, in single-row mode");
	CHECK(single_rows(c, "b", 2), "b: by name in the block, in single-row mode");
	CHECK(pqt_exec_ok(c, "COMMIT"), "COMMIT");
	PQfinish(c);
	return 0;
}

PQT_CASE(pooled_block_plan_change_passes, false,
	 "pooled mode: cached plan must not change result type (0A000) inside a block reaches the app as 0A000");
static int pooled_block_plan_change_passes(void)
{
	PGconn *c = open_pooled(), *d = pqt_connect(false);
	char table[64];
	PGresult *r;

	CHECK(c && d, "connect");
	snprintf(table, sizeof(table), "pqt_blk_%d", (int)getpid());
	{
		char sql[160];

		snprintf(sql, sizeof(sql), "CREATE TABLE %s (a int)", table);
		CHECK(pqt_exec_ok(d, sql), "create table");
		snprintf(sql, sizeof(sql), "SELECT * FROM %s", table);
		CHECK(pqt_ok(PQprepare(c, "h", sql, 0, NULL)), "prepare h");
		CHECK(pqt_ok(PQprepare(c, "a", "SELECT 1", 0, NULL)), "prepare a");
		for (int i = 0; i < 2; i++) {
			r = PQexecPrepared(c, "h", 0, NULL, NULL, NULL, 0);
			CHECK(pqt_status(r, PGRES_TUPLES_OK), "run h");
			PQclear(r);
			CHECK(run(c, "a", "1"), "run a");
		}
		CHECK(pqt_exec_ok(c, "BEGIN") && run(c, "a", "1"), "BEGIN; a");
		snprintf(sql, sizeof(sql), "ALTER TABLE %s ADD COLUMN b int", table);
		CHECK(pqt_exec_ok(d, sql), "alter table");
		r = PQexecPrepared(c, "h", 0, NULL, NULL, NULL, 0);
		CHECK(strcmp(pqt_sqlstate(r), "0A000") == 0, "h in the block: got %s", pqt_sqlstate(r));
		PQclear(r);
		CHECK(pqt_exec_ok(c, "ROLLBACK"), "ROLLBACK");
		snprintf(sql, sizeof(sql), "DROP TABLE %s", table);
		CHECK(pqt_exec_ok(d, sql), "drop table");
	}
	PQfinish(c);
	PQfinish(d);
	return 0;
}

PQT_CASE(pooled_block_refusals, false,
	 "pooled mode, in a block: too many parameters and a second command while one runs are refused as libpq refuses them, the connection unharmed");
static int pooled_block_refusals(void)
{
	static const char *many[70000];
	PGconn *c = open_pooled();
	PGresult *r;
	int sent;

	CHECK(c && pqt_exec_ok(c, "DEALLOCATE ALL"), "connect");
	CHECK(pqt_ok(PQprepare(c, "a", "SELECT 1", 0, NULL)), "prepare a");
	CHECK(run(c, "a", "1") && run(c, "a", "1"), "run a twice");
	CHECK(pqt_exec_ok(c, "BEGIN"), "BEGIN");
	r = PQexecPrepared(c, "a", 70000, many, NULL, NULL, 0);
	CHECK(!r && strstr(PQerrorMessage(c), "65535"), "70000 parameters refused: %s",
	      PQerrorMessage(c));
	CHECK(PQpipelineStatus(c) == PQ_PIPELINE_OFF, "not in pipeline mode");
	CHECK(PQsendQueryPrepared(c, "a", 0, NULL, NULL, NULL, 0), "send a");
	sent = PQsendQueryParams(c, "SELECT 2", 0, NULL, NULL, NULL, NULL, 0);
	CHECK(!sent && strstr(PQerrorMessage(c), "another command is already in progress"),
	      "a second command refused: %d, %s", sent, PQerrorMessage(c));
	CHECK(pqt_value_of(PQgetResult(c), "1") && PQgetResult(c) == NULL, "a's result, then NULL");
	CHECK(PQpipelineStatus(c) == PQ_PIPELINE_OFF, "not in pipeline mode");
	CHECK(pqt_scalar(c, "SELECT 42", (char[8]){ 0 }, 8), "the block goes on");
	CHECK(pqt_exec_ok(c, "COMMIT"), "COMMIT");
	PQfinish(c);
	return 0;
}


/*
 * An identical re-prepare in an aborted block: PostgreSQL refuses any Parse
 * there (25P02). The asynchronous path stood in with a Describe, which the
 * server allows for a statement without rows, and said COMMAND_OK
 * (contract scenario S); the blocking path already gave 25P02.
 */
PQT_CASE(aborted_block_identical_reprepare, true,
	 "an identical re-prepare (blocking and async) in an aborted block gets the server's 25P02");
static int aborted_block_identical_reprepare(void)
{
	PGconn *c = pqt_connect(false);
	PGresult *r;

	CHECK(c, "connect");
	CHECK(pqt_exec_ok(c, "CREATE TEMP TABLE pqt_sink (x int)"), "a table");
	CHECK(pqt_ok(PQprepare(c, "i", "insert into pqt_sink values ($1::int)", 0, NULL)), "prepare i");
	CHECK(pqt_ok(PQprepare(c, "i", "insert into pqt_sink values ($1::int)", 0, NULL)),
	      "identical re-prepare: answered (42P05 without the shim)");
	CHECK(pqt_exec_ok(c, "BEGIN"), "begin");
	r = PQexec(c, "select 1/0");
	PQclear(r);
	r = PQprepare(c, "i", "insert into pqt_sink values ($1::int)", 0, NULL);
	CHECK(strcmp(pqt_sqlstate(r), "25P02") == 0, "blocking: 25P02, got '%s'", pqt_sqlstate(r));
	PQclear(r);
	CHECK(PQsendPrepare(c, "i", "insert into pqt_sink values ($1::int)", 0, NULL), "send");
	r = PQgetResult(c);
	CHECK(strcmp(pqt_sqlstate(r), "25P02") == 0, "async: 25P02, got %s '%s'",
	      PQresStatus(PQresultStatus(r)), pqt_sqlstate(r));
	PQclear(r);
	CHECK(pqt_async_end(c), "then NULL");
	CHECK(pqt_exec_ok(c, "ROLLBACK"), "rollback");
	CHECK(pqt_ok(PQexecPrepared(c, "i", 1, (const char *const[]){ "1" }, NULL, NULL, 0)),
	      "i still runs");
	PQfinish(c);
	return 0;
}

/*
 * Pooled mode, blocks with SQL commands between the executions (psqlODBC's
 * SAVEPOINT / RELEASE around every statement, SET LOCAL, ROLLBACK TO): every
 * value right. That they still go by name is the shell case
 * pooled_savepoint_stats (PQSHIM_STATS_FILE); they used to go unnamed after
 * every SQL command (issue 16, item 2).
 */
PQT_CASE(pooled_block_savepoints, false,
	 "pooled mode: blocks with SAVEPOINT, RELEASE, SET LOCAL and ROLLBACK TO between executions");
static int pooled_block_savepoints(void)
{
	static const char *const between[] = { "SAVEPOINT x", "RELEASE x", "SET LOCAL work_mem = '8MB'",
					       "SAVEPOINT y" };
	const char *v[1];
	char p[16], want[16];
	PGconn *c;
	PGresult *r;

	setenv("PQSHIM_MODE", "pooled", 1);
	c = pqt_connect(true);
	CHECK(c, "connect");
	CHECK(pqt_ok(PQprepare(c, "s", "SELECT $1::int + 1", 1, NULL)), "prepare s");
	for (int i = 0; i < 3 + 4 * 5; i++) {
		int blk = i < 3 ? -1 : (i - 3) / 5, at = i < 3 ? -1 : (i - 3) % 5;

		if (at == 0)
			CHECK(pqt_exec_ok(c, "BEGIN"), "begin %d", blk);
		if (at > 0)
			CHECK(pqt_exec_ok(c, between[at - 1]), "%s in block %d", between[at - 1], blk);
		snprintf(p, sizeof(p), "%d", i);
		snprintf(want, sizeof(want), "%d", i + 1);
		v[0] = p;
		CHECK(pqt_value_of(PQexecPrepared(c, "s", 1, v, NULL, NULL, 0), want), "exec %d", i);
		if (at == 4) {
			CHECK(pqt_exec_ok(c, "ROLLBACK TO y"), "rollback to y in block %d", blk);
			CHECK(pqt_exec_ok(c, "COMMIT"), "commit %d", blk);
		}
	}
	r = PQexec(c, "SELECT 1");
	CHECK(pqt_status(r, PGRES_TUPLES_OK), "after the blocks");
	PQclear(r);
	PQfinish(c);
	return 0;
}

const struct pqt_case *const cases_blocks_list[] = {
	&pooled_block_savepoints_case,
	&aborted_block_identical_reprepare_case,
	&pooled_block_sequences_case,
	&pooled_block_set_transaction_case,
	&pooled_block_made_by_others_case,
	&pooled_block_single_row_case,
	&pooled_block_plan_change_passes_case,
	&pooled_block_refusals_case,
	NULL,
};
