/* SQL-level PREPARE / EXECUTE / DEALLOCATE / DISCARD ALL in the app's own text. */
#include <string.h>

#include "cases.h"

static bool value_is(PGconn *c, const char *sql, const char *want)
{
	char v[256];

	if (!pqt_scalar(c, sql, v, sizeof(v)))
		return false;
	if (strcmp(v, want) == 0)
		return true;
	fprintf(stderr, "  %s returned '%s', expected '%s'\n", sql, v, want);
	return false;
}

static bool tag_is(PGconn *c, const char *sql, const char *tag)
{
	PGresult *r = PQexec(c, sql);
	bool ok = pqt_status(r, PGRES_COMMAND_OK) && strcmp(PQcmdStatus(r), tag) == 0;

	if (!ok && r && PQresultStatus(r) == PGRES_COMMAND_OK)
		fprintf(stderr, "  %s: tag '%s', expected '%s'\n", sql, PQcmdStatus(r), tag);
	PQclear(r);
	return ok;
}

PQT_CASE(sql_prepare_identical, true, "an identical SQL PREPARE succeeds with the server's own result");
static int sql_prepare_identical(void)
{
	PGconn *c = pqt_connect(false);

	CHECK(c, "connect");
	CHECK(tag_is(c, "PREPARE q1 AS SELECT 1", "PREPARE"), "prepare");
	CHECK(tag_is(c, "prepare Q1 AS SELECT 1", "PREPARE"), "identical re-prepare (Q1 folds to q1)");
	CHECK(value_is(c, "EXECUTE q1", "1"), "execute");
	CHECK(pqt_server_statements(c) == 1, "one statement on the server");
	PQfinish(c);
	return 0;
}

PQT_CASE(sql_prepare_conflict, true,
	 "a conflicting SQL PREPARE is renamed; EXECUTE and DEALLOCATE follow it");
static int sql_prepare_conflict(void)
{
	PGconn *c = pqt_connect(false);
	PGresult *r;

	CHECK(c, "connect");
	CHECK(tag_is(c, "PREPARE q2 AS SELECT 1", "PREPARE"), "prepare");
	CHECK(tag_is(c, "PREPARE q2 AS SELECT 2", "PREPARE"), "conflicting re-prepare");
	CHECK(value_is(c, "EXECUTE q2", "2"), "execute runs the new text");
	CHECK(value_is(c, "EXPLAIN (COSTS OFF) EXECUTE q2", "Result"), "explain execute");
	CHECK(tag_is(c, "DEALLOCATE q2", "DEALLOCATE"), "deallocate");
	r = PQexec(c, "EXECUTE q2");
	CHECK(strcmp(pqt_sqlstate(r), "26000") == 0, "q2 is gone, got '%s' (%s)", pqt_sqlstate(r),
	      pqt_value(r));
	PQclear(r);
	CHECK(tag_is(c, "PREPARE q2(int) AS SELECT $1 * 10", "PREPARE"), "prepare again");
	CHECK(value_is(c, "EXECUTE q2(4)", "40"), "execute with an argument");
	PQfinish(c);
	return 0;
}

PQT_CASE(sql_names_case_and_quotes, true,
	 "SQL names fold like the server's; a protocol re-prepare of a SQL name is renamed");
static int sql_names_case_and_quotes(void)
{
	PGconn *c = pqt_connect(false);
	PGresult *r;

	CHECK(c, "connect");
	CHECK(tag_is(c, "PREPARE \"MyStmt\" AS SELECT 'upper'", "PREPARE"), "quoted");
	CHECK(tag_is(c, "PREPARE MyStmt AS SELECT 'lower'", "PREPARE"), "unquoted folds");
	r = PQprepare(c, "MyStmt", "select 'protocol'", 0, NULL);
	CHECK(pqt_status(r, PGRES_COMMAND_OK), "protocol re-prepare of \"MyStmt\"");
	PQclear(r);
	r = PQexecPrepared(c, "MyStmt", 0, NULL, NULL, NULL, 0);
	CHECK(strcmp(pqt_value(r), "protocol") == 0, "exec MyStmt: '%s'", pqt_value(r));
	PQclear(r);
	CHECK(value_is(c, "EXECUTE \"MyStmt\"", "protocol"), "EXECUTE \"MyStmt\"");
	CHECK(value_is(c, "EXECUTE mystmt", "lower"), "EXECUTE mystmt");
	CHECK(value_is(c, "SELECT 'EXECUTE \"MyStmt\"' || $$ DEALLOCATE mystmt $$ /* EXECUTE mystmt */",
		       "EXECUTE \"MyStmt\" DEALLOCATE mystmt "),
	      "text in strings and comments is untouched");
	PQfinish(c);
	return 0;
}

PQT_CASE(sql_multi_statement, true,
	 "several statements in one text are planned in order, each result checked");
static int sql_multi_statement(void)
{
	PGconn *c = pqt_connect(false);

	CHECK(c, "connect");
	CHECK(value_is(c, "PREPARE m1 AS SELECT 10; PREPARE m1 AS SELECT 10; EXECUTE m1", "10"),
	      "re-prepare inside one text");
	CHECK(value_is(c, "PREPARE m1 AS SELECT 11; EXECUTE m1", "11"), "conflict inside one text");
	CHECK(value_is(c, "DEALLOCATE m1; PREPARE m1 AS SELECT 12; EXECUTE m1", "12"),
	      "deallocate and prepare in one text");
	CHECK(value_is(c, "EXECUTE m1", "12"), "the last one stays");
	PQfinish(c);
	return 0;
}

PQT_CASE(sql_deallocate_all, false,
	 "DEALLOCATE ALL and DISCARD ALL forget every statement, so later prepares really happen");
static int sql_deallocate_all(void)
{
	PGconn *c = pqt_connect(false);
	PGresult *r;
	const char *clears[] = { "DEALLOCATE ALL", "DISCARD ALL", "deallocate prepare all" };

	CHECK(c, "connect");
	for (int i = 0; i < 3; i++) {
		r = PQprepare(c, "d1", "select 'd'", 0, NULL);
		CHECK(pqt_status(r, PGRES_COMMAND_OK), "prepare");
		PQclear(r);
		CHECK(pqt_exec_ok(c, "PREPARE d2 AS SELECT 'e'"), "SQL prepare");
		CHECK(pqt_exec_ok(c, clears[i]), "%s", clears[i]);
		CHECK(pqt_server_statements(c) == 0, "nothing left after %s", clears[i]);
		r = PQprepare(c, "d1", "select 'd'", 0, NULL);
		CHECK(pqt_status(r, PGRES_COMMAND_OK), "prepare again");
		PQclear(r);
		r = PQexecPrepared(c, "d1", 0, NULL, NULL, NULL, 0);
		CHECK(strcmp(pqt_value(r), "d") == 0, "exec after %s", clears[i]);
		PQclear(r);
		CHECK(pqt_exec_ok(c, "PREPARE d2 AS SELECT 'e'"), "SQL prepare again");
		CHECK(pqt_exec_ok(c, "DEALLOCATE ALL"), "clean");
	}
	PQfinish(c);
	return 0;
}

PQT_CASE(sql_via_exec_params, true,
	 "EXECUTE and DEALLOCATE sent with PQexecParams (as psycopg 3 does) follow renames");
static int sql_via_exec_params(void)
{
	PGconn *c = pqt_connect(false);
	PGresult *r;

	CHECK(c, "connect");
	r = PQprepare(c, "_pg3_0", "select 'one'", 0, NULL);
	CHECK(pqt_status(r, PGRES_COMMAND_OK), "prepare");
	PQclear(r);
	r = PQprepare(c, "_pg3_0", "select 'two'", 0, NULL);
	CHECK(pqt_status(r, PGRES_COMMAND_OK), "conflicting prepare");
	PQclear(r);
	r = PQexecParams(c, "EXECUTE _pg3_0", 0, NULL, NULL, NULL, NULL, 0);
	CHECK(strcmp(pqt_value(r), "two") == 0, "EXECUTE via params: '%s'", pqt_value(r));
	PQclear(r);
	r = PQexecParams(c, "DEALLOCATE _pg3_0", 0, NULL, NULL, NULL, NULL, 0);
	CHECK(pqt_status(r, PGRES_COMMAND_OK), "DEALLOCATE via params");
	PQclear(r);
	r = PQprepare(c, "_pg3_0", "select 'three'", 0, NULL);
	CHECK(pqt_status(r, PGRES_COMMAND_OK), "prepare after deallocate");
	PQclear(r);
	r = PQexecPrepared(c, "_pg3_0", 0, NULL, NULL, NULL, 0);
	CHECK(strcmp(pqt_value(r), "three") == 0, "exec: '%s'", pqt_value(r));
	PQclear(r);
	PQfinish(c);
	return 0;
}


PQT_CASE(sql_inside_prepared_statements, true,
	 "\"EXECUTE q\" and \"PREPARE q\" prepared as statements themselves (PDO, psycopg 3) follow q when they run");
static int sql_inside_prepared_statements(void)
{
	PGconn *c = pqt_connect(false);
	PGresult *r;

	CHECK(c, "connect");
	CHECK(pqt_exec_ok(c, "PREPARE q(int) AS SELECT $1 + 10"), "prepare q");
	/* PDO: every query() is a protocol prepare + exec of its text */
	r = PQprepare(c, "pdo_stmt_1", "EXECUTE q(3)", 0, NULL);
	CHECK(pqt_status(r, PGRES_COMMAND_OK), "prepare EXECUTE q(3)");
	PQclear(r);
	CHECK(pqt_value_of(PQexecPrepared(c, "pdo_stmt_1", 0, NULL, NULL, NULL, 0), "13"), "runs q");
	CHECK(pqt_exec_ok(c, "PREPARE q(int) AS SELECT $1 + 20"), "re-prepare q with another text");
	CHECK(pqt_value_of(PQexecPrepared(c, "pdo_stmt_1", 0, NULL, NULL, NULL, 0), "23"), "the same prepared EXECUTE q(3) runs the new q");
	r = PQprepare(c, "pdo_stmt_2", "EXECUTE q(4)", 0, NULL);
	CHECK(pqt_status(r, PGRES_COMMAND_OK), "prepare EXECUTE q(4)");
	PQclear(r);
	CHECK(pqt_value_of(PQexecPrepared(c, "pdo_stmt_2", 0, NULL, NULL, NULL, 0), "24"), "a new prepared EXECUTE runs the new q");
	/* psycopg 3 with prepare_threshold=0: "PREPARE" itself is a prepared statement, run again */
	r = PQprepare(c, "_pg3_0", "PREPARE q2 AS SELECT 'two'", 0, NULL);
	CHECK(pqt_status(r, PGRES_COMMAND_OK), "prepare the PREPARE");
	PQclear(r);
	for (int i = 0; i < 3; i++) {
		r = PQexecPrepared(c, "_pg3_0", 0, NULL, NULL, NULL, 0);
		CHECK(pqt_status(r, PGRES_COMMAND_OK) && strcmp(PQcmdStatus(r), "PREPARE") == 0,
		      "run the PREPARE, time %d", i + 1);
		PQclear(r);
	}
	CHECK(pqt_exec_ok(c, "EXECUTE q2"), "q2 exists");
	CHECK(pqt_server_statements(c) == 6, "q, its old text, the two EXECUTEs, _pg3_0, q2 and nothing per run: %d",
	      pqt_server_statements(c));
	PQfinish(c);
	return 0;
}

/*
 * A statement whose text is "EXECUTE n0" (PDO) fails with n0's 26000 inside a
 * block (contract scenario E): that says nothing about the statement itself.
 * The shim used to forget it, so its re-prepare in the next block went to the
 * server under its name and got 42P05.
 */
PQT_CASE(sql_inner_missing_keeps_statement, true,
	 "\"EXECUTE n0\" as a statement, n0 missing (26000) in a block: the statement is still held, its re-prepare works");
static int sql_inner_missing_keeps_statement(void)
{
	PGconn *c = pqt_connect(false);
	PGresult *r;

	CHECK(c, "connect");
	CHECK(pqt_ok(PQprepare(c, "n1", "EXECUTE n0", 0, NULL)), "prepare EXECUTE n0");
	CHECK(pqt_exec_ok(c, "BEGIN"), "begin");
	r = PQexecPrepared(c, "n1", 0, NULL, NULL, NULL, 0);
	CHECK(strcmp(pqt_sqlstate(r), "26000") == 0, "n0 is missing: %s", pqt_sqlstate(r));
	PQclear(r);
	CHECK(pqt_exec_ok(c, "ROLLBACK"), "rollback");
	CHECK(pqt_exec_ok(c, "BEGIN"), "begin");
	CHECK(pqt_ok(PQprepare(c, "n1", "SELECT 5", 0, NULL)), "re-prepare n1 inside the block");
	CHECK(pqt_value_of(PQexecPrepared(c, "n1", 0, NULL, NULL, NULL, 0), "5"), "n1 runs its new text");
	CHECK(pqt_exec_ok(c, "COMMIT"), "commit");
	PQfinish(c);
	return 0;
}

const struct pqt_case *const cases_sql_list[] = {
	&sql_inside_prepared_statements_case, &sql_inner_missing_keeps_statement_case,
	&sql_prepare_identical_case, &sql_prepare_conflict_case, &sql_names_case_and_quotes_case,
	&sql_multi_statement_case,   &sql_deallocate_all_case,   &sql_via_exec_params_case,
	NULL,
};
