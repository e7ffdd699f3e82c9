/*
 * Plan-cache healing: "cached plan must not change result type" after a
 * schema change, healed outside blocks in dedupe and pooled mode, with the
 * blocking and the asynchronous API (trio.h's technique).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "trio.h"

static PGresult *exec0(PGconn *c)
{
	return PQexecPrepared(c, "s0", 0, NULL, NULL, NULL, 0);
}

PQT_CASE(heal_alter_table_dedupe, true,
	 "default mode, direct: after ALTER TABLE ADD COLUMN a prepared SELECT * runs with the new columns; in a block 0A000 passes through");
static int heal_alter_table_dedupe(void)
{
	PGconn *c;

	unsetenv("PQSHIM_MODE");
	c = pqt_connect(false);
	CHECK(c, "connect");
	CHECK(pqt_exec_ok(c, "create temp table pqt_heal (a int)") &&
		      pqt_exec_ok(c, "insert into pqt_heal values (1)"),
	      "create the table");
	CHECK(prepared(PQprepare(c, "s0", "select * from pqt_heal", 0, NULL)), "prepare");
	CHECK(heal_row(exec0(c), 1), "exec");
	CHECK(pqt_exec_ok(c, "alter table pqt_heal add column b int default 2"), "alter");
	CHECK(heal_row(exec0(c), 2), "after ALTER TABLE the statement returns the new column");
	CHECK(heal_row(exec0(c), 2), "and again");
	CHECK(pqt_exec_ok(c, "alter table pqt_heal add column c text default 'three'"), "alter again");
	CHECK(pqt_exec_ok(c, "BEGIN"), "begin");
	CHECK(failed_with(exec0(c), "0A000"), "inside a block the error passes through");
	CHECK(pqt_exec_ok(c, "ROLLBACK"), "rollback");
	CHECK(heal_row(exec0(c), 3), "outside the block again the statement returns 3 columns");
	CHECK(pqt_exec_ok(c, "drop table pqt_heal"), "drop the table");
	PQfinish(c);
	return 0;
}

PQT_CASE(heal_alter_table_pooled, true,
	 "pooled mode: ALTER TABLE ADD COLUMN on one server connection, a prepared SELECT * on the others returns the new columns, in a block too");
static int heal_alter_table_pooled(void)
{
	struct trio t;
	char table[64], select[128];

	snprintf(table, sizeof(table), "pqt_heal_%ld", (long)getpid());
	snprintf(select, sizeof(select), "select * from %s", table);
	CHECK(trio_open(&t, "pooled", "1", NULL), "connect and clean");
	/* a table left by an earlier run with the same pid goes, without a notice */
	PQsetNoticeProcessor(t.obs, quiet, NULL);
	CHECK(exec_table(t.obs, "drop table if exists ", table, "") &&
		      exec_table(t.app, "create table ", table, " (a int)") &&
		      exec_table(t.app, "insert into ", table, " values (1)"),
	      "create the table");
	AT(&t, PINNED);
	CHECK(prepared(PQprepare(t.app, "s0", select, 0, NULL)), "prepare");
	for (int i = 0; i < 4; i++) {
		AT(&t, i % 2 ? PINNED : UNPINNED);
		CHECK(heal_row(exec0(t.app), 1), "execution %d", i + 1);
	}
	AT(&t, UNPINNED);
	CHECK(exec_table(t.app, "alter table ", table, " add column b int default 2"), "alter on X");
	AT(&t, PINNED);
	CHECK(heal_row(exec0(t.app), 2), "on Y after ALTER TABLE: the new column");
	AT(&t, UNPINNED);
	CHECK(heal_row(exec0(t.app), 2), "on X after ALTER TABLE: the new column");
	AT(&t, PINNED);
	CHECK(exec_table(t.app, "alter table ", table, " add column c text default 'three'"),
	      "alter again on Y");
	AT(&t, UNPINNED);
	for (int side = 0; side < 2; side++) {
		if (side)
			AT(&t, PINNED);
		CHECK(pqt_exec_ok(t.app, "BEGIN"), "begin on %s", side ? "Y" : "X");
		if (pqt_tracking()) { /* pooled mode runs as dedupe there: in a block the error is the app's */
			CHECK(failed_with(exec0(t.app), "0A000"),
			      "behind a PgBouncer that tracks statements, inside a block on %s: 0A000 passes through",
			      side ? "Y" : "X");
			CHECK(pqt_exec_ok(t.app, "ROLLBACK"), "rollback");
		} else {
			CHECK(heal_row(exec0(t.app), 3), "inside a block on %s: the new column", side ? "Y" : "X");
			CHECK(pqt_exec_ok(t.app, "COMMIT"), "commit");
		}
	}
	AT(&t, UNPINNED);
	CHECK(heal_row(exec0(t.app), 3), "outside a block on X");
	AT(&t, PINNED);
	CHECK(heal_row(exec0(t.app), 3), "outside a block on Y");
	AT(&t, UNPINNED);
	CHECK(exec_table(t.app, "drop table ", table, ""), "drop the table");
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


const struct pqt_case *const cases_heal_list[] = {
	&heal_alter_table_dedupe_case,
	&heal_alter_table_pooled_case,
	&pooled_async_heal_case,
	NULL,
};
