/*
 * A small single-threaded client that walks most of the shim's paths once,
 * with value checks, and frees everything it gets: for valgrind memcheck
 * (and as a plain functional run). Exit 0 when every check held.
 *
 * Paths: connection string parameters (key/value and URI), sync and async
 * prepares (identical: answered locally / stand-in Describe; conflicting:
 * renamed), exec, describe, SQL PREPARE / EXECUTE / DEALLOCATE / DEALLOCATE
 * ALL / DISCARD ALL, a pipeline, PQreset and PQresetStart/Poll, unnamed mode,
 * a failed prepare, a 42P05 retry behind PgBouncer (when PQT_BOUNCER_DSN is
 * set), and names longer than 63 bytes.
 */
#include <time.h>

#include "rutil.c"

#define TRY(cond) \
	do { \
		if (!(cond)) { \
			r_fail("line %d: %s", __LINE__, #cond); \
			return 1; \
		} \
	} while (0)

static const char *const one_value[] = { "5" };

static bool prep(PGconn *c, const char *name, const char *sql)
{
	return r_ok(PQprepare(c, name, sql, 1, NULL), PGRES_COMMAND_OK, name);
}

static bool exec_is(PGconn *c, const char *name, const char *want)
{
	return r_value(PQexecPrepared(c, name, 1, one_value, NULL, NULL, 0), want, name);
}

static bool sql_is(PGconn *c, const char *sql, const char *want)
{
	return r_value(PQexec(c, sql), want, sql);
}

static bool sql_ok(PGconn *c, const char *sql)
{
	return r_ok(PQexec(c, sql), PGRES_COMMAND_OK, sql);
}

static bool async_prep(PGconn *c, const char *name, const char *sql)
{
	return PQsendPrepare(c, name, sql, 1, NULL) &&
	       r_ok(r_async_one(c), PGRES_COMMAND_OK, name);
}

static bool async_exec_is(PGconn *c, const char *name, const char *want)
{
	return PQsendQueryPrepared(c, name, 1, one_value, NULL, NULL, 0) &&
	       r_value(r_async_one(c), want, name);
}

static int dedupe_paths(PGconn *c)
{
	char longname[100];
	PGresult *r;
	PostgresPollingStatusType st;
	struct timespec pause = { 0, 1000000 };

	TRY(prep(c, "s", "SELECT 'a' || $1::text"));
	TRY(prep(c, "s", "SELECT 'a' || $1::text"));
	TRY(exec_is(c, "s", "a5"));
	TRY(prep(c, "s", "SELECT 'b' || $1::text"));
	TRY(exec_is(c, "s", "b5"));
	r = PQdescribePrepared(c, "s");
	TRY(r && PQnparams(r) == 1);
	PQclear(r);
	TRY(async_prep(c, "s", "SELECT 'b' || $1::text"));
	TRY(async_prep(c, "s", "SELECT 'c' || $1::text"));
	TRY(async_exec_is(c, "s", "c5"));
	TRY(PQsendDescribePrepared(c, "s") && r_ok(r_async_one(c), PGRES_COMMAND_OK, "describe"));
	/* a failed prepare leaves nothing behind */
	r = PQprepare(c, "f", "SELEKT", 0, NULL);
	TRY(PQresultStatus(r) == PGRES_FATAL_ERROR);
	PQclear(r);
	TRY(prep(c, "f", "SELECT 'f' || $1::text"));
	TRY(exec_is(c, "f", "f5"));
	/* SQL */
	TRY(sql_ok(c, "PREPARE q AS SELECT 'q1'"));
	TRY(sql_ok(c, "PREPARE q AS SELECT 'q1'"));
	TRY(sql_is(c, "EXECUTE q", "q1"));
	TRY(sql_ok(c, "PREPARE q AS SELECT 'q2'"));
	TRY(sql_is(c, "EXECUTE q", "q2"));
	TRY(sql_is(c, "PREPARE q3 AS SELECT 3; EXECUTE q3; DEALLOCATE q3; PREPARE q3 AS SELECT 33; EXECUTE q3", "33"));
	TRY(sql_ok(c, "DEALLOCATE q"));
	TRY(PQsendQuery(c, "PREPARE q AS SELECT 'q4'; EXECUTE q"));
	for (int i = 0; (r = pqt_async_result(c)) != NULL; i++) {
		TRY(i < 2);
		PQclear(r);
	}
	TRY(r_value(PQexecParams(c, "EXECUTE q", 0, NULL, NULL, NULL, NULL, 0), "q4", "exec params"));
	/* names longer than 63 bytes */
	memset(longname, 'l', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	TRY(prep(c, longname, "SELECT 'l' || $1::text"));
	TRY(exec_is(c, longname, "l5"));
	TRY(prep(c, longname, "SELECT 'm' || $1::text"));
	TRY(exec_is(c, longname, "m5"));
	/* a pipeline */
	TRY(PQenterPipelineMode(c));
	TRY(PQsendPrepare(c, "pp", "SELECT 'p' || $1::text", 1, NULL));
	TRY(PQsendPrepare(c, "pp", "SELECT 'p' || $1::text", 1, NULL));
	TRY(PQsendPrepare(c, "pp", "SELECT 'r' || $1::text", 1, NULL));
	TRY(PQsendQueryPrepared(c, "pp", 1, one_value, NULL, NULL, 0));
	TRY(PQpipelineSync(c));
	for (int i = 0; i < 4; i++) {
		TRY(r_ok(PQgetResult(c), i < 3 ? PGRES_COMMAND_OK : PGRES_TUPLES_OK, "pipeline"));
		TRY(PQgetResult(c) == NULL);
	}
	TRY(r_ok(PQgetResult(c), PGRES_PIPELINE_SYNC, "sync"));
	TRY(PQexitPipelineMode(c));
	TRY(exec_is(c, "pp", "r5"));
	TRY(sql_ok(c, "DEALLOCATE ALL"));
	TRY(prep(c, "s", "SELECT 'd' || $1::text"));
	TRY(exec_is(c, "s", "d5"));
	TRY(sql_ok(c, "DISCARD ALL"));
	TRY(prep(c, "s", "SELECT 'e' || $1::text"));
	/* a transaction block */
	TRY(sql_ok(c, "BEGIN"));
	TRY(prep(c, "s", "SELECT 'e' || $1::text"));
	TRY(prep(c, "s", "SELECT 'g' || $1::text"));
	TRY(exec_is(c, "s", "g5"));
	TRY(sql_ok(c, "COMMIT"));
	/* resets */
	PQreset(c);
	TRY(PQstatus(c) == CONNECTION_OK);
	TRY(prep(c, "s", "SELECT 'h' || $1::text"));
	TRY(exec_is(c, "s", "h5"));
	TRY(PQresetStart(c));
	do {
		st = PQresetPoll(c);
	} while (st != PGRES_POLLING_OK && st != PGRES_POLLING_FAILED && !nanosleep(&pause, NULL));
	TRY(st == PGRES_POLLING_OK);
	TRY(prep(c, "s", "SELECT 'i' || $1::text"));
	TRY(exec_is(c, "s", "i5"));
	return 0;
}

static int unnamed_paths(PGconn *c)
{
	PGresult *r;

	TRY(prep(c, "u", "SELECT 'u' || $1::text"));
	TRY(prep(c, "u", "SELECT 'u' || $1::text"));
	TRY(exec_is(c, "u", "u5"));
	TRY(prep(c, "u", "SELECT 'v' || $1::text"));
	TRY(async_exec_is(c, "u", "v5"));
	r = PQdescribePrepared(c, "u");
	TRY(r && PQnparams(r) == 1);
	PQclear(r);
	TRY(PQsendDescribePrepared(c, "u") && r_ok(r_async_one(c), PGRES_COMMAND_OK, "describe"));
	TRY(async_prep(c, "w", "SELECT 'w' || $1::text"));
	TRY(exec_is(c, "w", "w5"));
	TRY(sql_ok(c, "DEALLOCATE u"));
	TRY(r_ok(PQexecParams(c, "DEALLOCATE w", 0, NULL, NULL, NULL, NULL, 0), PGRES_COMMAND_OK,
		 "deallocate w"));
	TRY(pqt_server_statements(c) == 0);
	return 0;
}

static int leftover_retry(const char *dsn)
{
	PGconn *a = PQconnectdb(dsn), *b = PQconnectdb(dsn);
	int rc = 0;

	/* PgBouncer, transaction mode, one server connection: both share it */
	if (PQstatus(a) != CONNECTION_OK || PQstatus(b) != CONNECTION_OK)
		rc = 1;
	if (!rc && !(prep(a, "lo", "SELECT 'a' || $1::text") && prep(b, "lo", "SELECT 'b' || $1::text") &&
		     exec_is(b, "lo", "b5") && exec_is(a, "lo", "a5") &&
		     async_prep(b, "lo2", "SELECT 'b2' || $1::text") &&
		     async_prep(a, "lo2", "SELECT 'a2' || $1::text") && exec_is(a, "lo2", "a25")))
		rc = 1;
	if (!rc) {
		PQclear(PQexec(a, "DEALLOCATE ALL"));
		PQclear(PQexec(b, "DEALLOCATE ALL"));
	}
	PQfinish(a);
	PQfinish(b);
	return rc;
}

int main(void)
{
	const char *dsn = r_dsn(), *bouncer = getenv("PQT_BOUNCER_DSN");
	char conninfo[1024];
	PGconn *c;
	int rc;

	r_watchdog(300);
	if (!r_shim_loaded()) {
		fprintf(stderr, "r_small runs with the shim preloaded\n");
		return 2;
	}
	snprintf(conninfo, sizeof(conninfo), "%s pqshim_mode=dedupe", dsn);
	c = PQconnectdb(conninfo);
	TRY(PQstatus(c) == CONNECTION_OK);
	rc = dedupe_paths(c);
	PQfinish(c);
	if (rc)
		return rc;
	snprintf(conninfo, sizeof(conninfo), "%s prepared_statements=false", dsn);
	c = PQconnectdb(conninfo);
	TRY(PQstatus(c) == CONNECTION_OK);
	rc = unnamed_paths(c);
	PQfinish(c);
	if (rc)
		return rc;
	if (bouncer && *bouncer && leftover_retry(bouncer))
		return 1;
	printf("r_small: all checks held\n");
	return 0;
}
