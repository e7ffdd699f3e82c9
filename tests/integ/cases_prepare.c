/* Protocol prepares through the blocking API (PQprepare and friends). */
#include <string.h>

#include "cases.h"

/* Prepares and checks the result; prints the server's message when it fails. */
static bool prepare(PGconn *c, const char *name, const char *sql, int n, const Oid *types)
{
	PGresult *r = PQprepare(c, name, sql, n, types);
	bool ok = pqt_status(r, PGRES_COMMAND_OK);

	if (ok && (strcmp(PQcmdStatus(r), "") != 0 || PQnfields(r) != 0 || PQnparams(r) != 0)) {
		fprintf(stderr, "  prepare result not like the server's: tag '%s'\n", PQcmdStatus(r));
		ok = false;
	}
	PQclear(r);
	return ok;
}

/* Executes name with one text parameter (or none) and compares the value. */
static bool exec_is(PGconn *c, const char *name, const char *param, const char *want)
{
	const char *values[1] = { param };
	PGresult *r = PQexecPrepared(c, name, param ? 1 : 0, values, NULL, NULL, 0);
	bool ok = pqt_status(r, PGRES_TUPLES_OK) && strcmp(pqt_value(r), want) == 0;

	if (!ok && r && PQresultStatus(r) == PGRES_TUPLES_OK)
		fprintf(stderr, "  %s returned '%s', expected '%s'\n", name, pqt_value(r), want);
	PQclear(r);
	return ok;
}

PQT_CASE(prepare_identical, true, "an identical PQprepare is answered without an error or a new statement");
static int prepare_identical(void)
{
	PGconn *c = pqt_connect(false);
	Oid types[1] = { 23 };

	CHECK(c, "connect");
	CHECK(prepare(c, "s0", "select $1::int + 1", 1, types), "first prepare");
	CHECK(prepare(c, "s0", "select $1::int + 1", 1, types), "identical re-prepare");
	CHECK(exec_is(c, "s0", "41", "42"), "exec");
	CHECK(pqt_server_statements(c) == 1, "the server holds exactly one statement");
	PQfinish(c);
	return 0;
}

PQT_CASE(prepare_conflict, true,
	 "a conflicting PQprepare gets a generated name used by exec, describe, SQL EXECUTE and DEALLOCATE");
static int prepare_conflict(void)
{
	PGconn *c = pqt_connect(false);
	PGresult *r;
	char v[64];

	CHECK(c, "connect");
	CHECK(prepare(c, "s0", "select 1 as one", 0, NULL), "first prepare");
	CHECK(prepare(c, "s0", "select $1::text as two", 0, NULL), "conflicting re-prepare");
	CHECK(exec_is(c, "s0", "x", "x"), "exec runs the new text");
	r = PQdescribePrepared(c, "s0");
	CHECK(pqt_status(r, PGRES_COMMAND_OK), "describe");
	CHECK(PQnparams(r) == 1 && PQparamtype(r, 0) == 25, "describe: one text parameter");
	CHECK(PQnfields(r) == 1 && strcmp(PQfname(r, 0), "two") == 0, "describe: field two");
	PQclear(r);
	CHECK(pqt_scalar(c, "EXECUTE s0('y')", v, sizeof(v)) && strcmp(v, "y") == 0,
	      "SQL EXECUTE runs the new text, got '%s'", v);
	CHECK(pqt_exec_ok(c, "DEALLOCATE s0"), "DEALLOCATE");
	r = PQexecPrepared(c, "s0", 0, NULL, NULL, NULL, 0);
	CHECK(strcmp(pqt_sqlstate(r), "26000") == 0, "after DEALLOCATE s0 does not exist: %s",
	      pqt_sqlstate(r));
	PQclear(r);
	CHECK(prepare(c, "s0", "select 3", 0, NULL), "prepare after DEALLOCATE");
	CHECK(exec_is(c, "s0", NULL, "3"), "exec after DEALLOCATE");
	PQfinish(c);
	return 0;
}

PQT_CASE(prepare_failed_not_recorded, false,
	 "a re-prepare that fails gives the server's error and leaves the old statement in place");
static int prepare_failed_not_recorded(void)
{
	PGconn *c = pqt_connect(false);
	PGresult *r;

	CHECK(c, "connect");
	CHECK(prepare(c, "f1", "select 1", 0, NULL), "prepare");
	r = PQprepare(c, "f1", "selec broken", 0, NULL);
	CHECK(strcmp(pqt_sqlstate(r), "42601") == 0, "syntax error expected, got %s: %s",
	      pqt_sqlstate(r), PQresultErrorMessage(r));
	PQclear(r);
	CHECK(exec_is(c, "f1", NULL, "1"), "the old statement still runs");
	r = PQprepare(c, "f2", "select * from no_such_table", 0, NULL);
	CHECK(strcmp(pqt_sqlstate(r), "42P01") == 0, "undefined table expected");
	PQclear(r);
	CHECK(prepare(c, "f2", "select 2", 0, NULL), "the failed name is free");
	CHECK(exec_is(c, "f2", NULL, "2"), "exec f2");
	PQfinish(c);
	return 0;
}

PQT_CASE(prepare_truncation_63, true,
	 "names sharing their first 63 bytes are one statement, as on the server");
static int prepare_truncation_63(void)
{
	PGconn *c = pqt_connect(false);
	char a[80], b[80];

	CHECK(c, "connect");
	memset(a, 'n', 63);
	memcpy(b, a, 63);
	strcpy(a + 63, "_first");
	strcpy(b + 63, "_second");
	CHECK(prepare(c, a, "select 'a'", 0, NULL), "prepare a");
	CHECK(prepare(c, b, "select 'a'", 0, NULL), "b is a again: identical");
	CHECK(exec_is(c, b, NULL, "a"), "exec b");
	CHECK(prepare(c, b, "select 'b'", 0, NULL), "b with other text");
	CHECK(exec_is(c, a, NULL, "b"), "a and b are one statement");
	PQfinish(c);
	return 0;
}

PQT_CASE(prepare_long_name, true,
	 "a 16 KiB name works for prepare, describe and exec (plain libpq loses the connection)");
static int prepare_long_name(void)
{
	static char name[16385];
	PGconn *c = pqt_connect(false);
	PGresult *r;

	CHECK(c, "connect");
	memset(name, 'L', sizeof(name) - 1);
	CHECK(prepare(c, name, "select 'long'", 0, NULL), "prepare");
	r = PQdescribePrepared(c, name);
	CHECK(pqt_status(r, PGRES_COMMAND_OK), "describe");
	CHECK(PQnfields(r) == 1, "describe: one field");
	PQclear(r);
	CHECK(exec_is(c, name, NULL, "long"), "exec");
	CHECK(PQstatus(c) == CONNECTION_OK, "connection alive");
	PQfinish(c);
	return 0;
}

PQT_CASE(unnamed_untouched, false, "the unnamed statement passes through as it is");
static int unnamed_untouched(void)
{
	PGconn *c = pqt_connect(false);

	CHECK(c, "connect");
	CHECK(prepare(c, "", "select 7", 0, NULL), "prepare ''");
	CHECK(exec_is(c, "", NULL, "7"), "exec ''");
	CHECK(prepare(c, "", "select 8", 0, NULL), "prepare '' again");
	CHECK(exec_is(c, "", NULL, "8"), "exec '' again");
	PQfinish(c);
	return 0;
}

/* Empties the pooled server connection's statements before a case. */
static bool bouncer_clean(void)
{
	PGconn *c = pqt_connect(true);
	bool ok = c && pqt_exec_ok(c, "DEALLOCATE ALL");

	PQfinish(c);
	return ok;
}

PQT_CASE(leftover_from_other_client, PQT_FIX_UNTRACKED,
	 "behind PgBouncer (1 server connection), a name left by an earlier client is retried under a generated name");
static int leftover_from_other_client(void)
{
	PGconn *a, *b;
	PGresult *r;

	/* what dedupe mode does behind a pooler (the default, auto, runs pooled mode there) */
	setenv("PQSHIM_MODE", "dedupe", 1);
	CHECK(bouncer_clean(), "clean start");
	a = pqt_connect(true);
	CHECK(a, "connect a");
	CHECK(prepare(a, "s0", "select 'from a'", 0, NULL), "a prepares s0");
	PQfinish(a); /* the statement stays on the pooled server connection */
	b = pqt_connect(true);
	CHECK(b, "connect b");
	CHECK(prepare(b, "s0", "select 'from b'", 0, NULL), "b prepares s0");
	CHECK(exec_is(b, "s0", NULL, "from b"), "b runs its own statement, never a's");
	/* inside a block the error is owed: it aborted the transaction */
	CHECK(pqt_exec_ok(b, "BEGIN"), "begin");
	r = PQprepare(b, "s0_in_block", "select 1", 0, NULL);
	CHECK(pqt_status(r, PGRES_COMMAND_OK), "a fresh name in a block");
	PQclear(r);
	CHECK(pqt_exec_ok(b, "COMMIT"), "commit");
	PQfinish(b);
	a = pqt_connect(true);
	CHECK(a, "connect a again");
	CHECK(pqt_exec_ok(a, "BEGIN"), "begin");
	r = PQprepare(a, "s0_in_block", "select 2", 0, NULL);
	if (pqt_tracking()) /* PgBouncer keeps b's statement under a name of its own */
		CHECK(pqt_status(r, PGRES_COMMAND_OK),
		      "behind a PgBouncer that tracks statements nothing is left over: prepared");
	else
		CHECK(strcmp(pqt_sqlstate(r), "42P05") == 0,
		      "inside a block the duplicate error passes through, got '%s'", pqt_sqlstate(r));
	PQclear(r);
	CHECK(pqt_exec_ok(a, "ROLLBACK"), "rollback");
	PQfinish(a);
	return 0;
}

/* the 26000 (and its message) of r names `name`, as the server's own would */
static bool missing_named(PGresult *r, const char *name)
{
	char want[96];
	const char *msg = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
	bool ok;

	snprintf(want, sizeof(want), "prepared statement \"%s\" does not exist", name);
	ok = strcmp(pqt_sqlstate(r), "26000") == 0 && msg && strcmp(msg, want) == 0;
	if (!ok)
		fprintf(stderr, "  got %s: %s\n", pqt_sqlstate(r), msg ? msg : "(none)");
	PQclear(r);
	return ok;
}

PQT_CASE(deallocated_while_renamed, true,
	 "a name deallocated while renamed: its 26000 names the app's name, in every call");
static int deallocated_while_renamed(void)
{
	PGconn *c = pqt_connect(false);

	CHECK(c, "connect");
	CHECK(prepare(c, "s0", "select 1", 0, NULL), "first prepare");
	CHECK(prepare(c, "s0", "select 2", 0, NULL), "conflicting re-prepare (renamed)");
	CHECK(pqt_exec_ok(c, "DEALLOCATE s0"), "DEALLOCATE");
	/* the server still has the first s0: none of this may reach it, all must name s0 */
	CHECK(missing_named(PQexecPrepared(c, "s0", 0, NULL, NULL, NULL, 0), "s0"), "exec");
	CHECK(missing_named(PQdescribePrepared(c, "s0"), "s0"), "describe");
	CHECK(missing_named(PQexec(c, "EXECUTE s0"), "s0"), "SQL EXECUTE");
	CHECK(missing_named(PQexec(c, "EXPLAIN EXECUTE s0"), "s0"), "SQL EXPLAIN EXECUTE");
	CHECK(missing_named(PQexec(c, "DEALLOCATE s0"), "s0"), "SQL DEALLOCATE again");
	CHECK(PQsendQueryPrepared(c, "s0", 0, NULL, NULL, NULL, 0), "send exec");
	CHECK(missing_named(PQgetResult(c), "s0"), "send exec: its result");
	CHECK(pqt_async_end(c), "send exec: then NULL");
	CHECK(prepare(c, "s0", "select 3", 0, NULL), "prepare after it");
	CHECK(exec_is(c, "s0", NULL, "3"), "exec after it");
	PQfinish(c);
	return 0;
}

const struct pqt_case *const cases_prepare_list[] = {
	&deallocated_while_renamed_case,
	&prepare_identical_case,   &prepare_conflict_case,  &prepare_failed_not_recorded_case,
	&prepare_truncation_63_case, &prepare_long_name_case, &unnamed_untouched_case,
	&leftover_from_other_client_case, NULL,
};
