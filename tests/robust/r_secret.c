/*
 * A client whose connection carries a password and whose statements carry
 * parameter values, for the secrets test: tests/robust/run.sh runs it with
 * PQSHIM_LOG=debug and PQSHIM_LOG_FILE and greps the log and stderr for the
 * password and the values.
 *
 *   r_secret conninfo STRING      PQconnectdb(STRING)
 *   r_secret start STRING         PQconnectStart(STRING) + PQconnectPoll
 *   r_secret params DSN PASSWORD  PQconnectdbParams: DSN expanded, plus
 *                                 password=PASSWORD and prepared_statements=false
 *   r_secret setdb DBNAME PASSWORD  PQsetdbLogin(..., DBNAME, ..., PASSWORD)
 *   r_secret fail STRING          a connection expected to fail (malformed)
 *
 * On a working connection it prepares (identical and conflicting re-prepares,
 * sync and async, SQL PREPARE) and executes with the values ParamValue123 and
 * ParamValue456, checks the results, and prints nothing but "ok" lines; it
 * never prints libpq's error messages (they are libpq's, not the shim's).
 */
#include <poll.h>

#include "rutil.c"

static bool work(PGconn *c)
{
	const char *v1[1] = { "ParamValue123" }, *v2[2] = { "ParamValue456", "ParamValue789" };
	bool ok;

	ok = r_ok(PQprepare(c, "s", "SELECT $1::text", 1, NULL), PGRES_COMMAND_OK, "prepare") &&
	     r_ok(PQprepare(c, "s", "SELECT $1::text", 1, NULL), PGRES_COMMAND_OK, "re-prepare") &&
	     r_value(PQexecPrepared(c, "s", 1, v1, NULL, NULL, 0), "ParamValue123", "exec") &&
	     r_ok(PQprepare(c, "s", "SELECT $1::text || $2::text", 2, NULL), PGRES_COMMAND_OK,
		  "conflicting re-prepare") &&
	     r_value(PQexecPrepared(c, "s", 2, v2, NULL, NULL, 0), "ParamValue456ParamValue789",
		     "exec renamed") &&
	     PQsendPrepare(c, "a", "SELECT $1::text", 1, NULL) &&
	     r_ok(r_async_one(c), PGRES_COMMAND_OK, "async prepare") &&
	     PQsendPrepare(c, "a", "SELECT 'x' || $1::text", 1, NULL) &&
	     r_ok(r_async_one(c), PGRES_COMMAND_OK, "async conflicting prepare") &&
	     PQsendQueryPrepared(c, "a", 1, v1, NULL, NULL, 0) &&
	     r_value(r_async_one(c), "xParamValue123", "async exec") &&
	     r_value(PQexecParams(c, "SELECT $1::text", 1, NULL, v1, NULL, NULL, 0), "ParamValue123",
		     "exec params") &&
	     r_ok(PQexec(c, "PREPARE q(text) AS SELECT $1"), PGRES_COMMAND_OK, "SQL PREPARE") &&
	     r_value(PQexec(c, "EXECUTE q('ParamValue123')"), "ParamValue123", "SQL EXECUTE") &&
	     r_ok(PQexec(c, "DEALLOCATE q"), PGRES_COMMAND_OK, "SQL DEALLOCATE");
	/* an error the shim sees, with a value in the statement */
	PQclear(PQexecPrepared(c, "nosuch", 1, v1, NULL, NULL, 0));
	return ok;
}

static int finish(PGconn *c, bool expect_ok)
{
	bool up = PQstatus(c) == CONNECTION_OK;
	int rc = 0;

	if (up != expect_ok) {
		r_fail("connection status %d, expected %s", (int)PQstatus(c), expect_ok ? "OK" : "BAD");
		rc = 1;
	} else if (up && !work(c)) {
		rc = 1;
	}
	PQfinish(c);
	if (!rc)
		printf("ok\n");
	return rc;
}

int main(int argc, char **argv)
{
	PGconn *c;

	r_watchdog(60);
	if (argc < 3) {
		fprintf(stderr, "usage: see the source\n");
		return 2;
	}
	if (strcmp(argv[1], "conninfo") == 0)
		return finish(PQconnectdb(argv[2]), true);
	if (strcmp(argv[1], "fail") == 0)
		return finish(PQconnectdb(argv[2]), false);
	if (strcmp(argv[1], "start") == 0) {
		PostgresPollingStatusType st = PGRES_POLLING_WRITING;

		c = PQconnectStart(argv[2]);
		while (c && st != PGRES_POLLING_OK && st != PGRES_POLLING_FAILED) {
			struct pollfd p = { .fd = PQsocket(c),
					    .events = st == PGRES_POLLING_READING ? POLLIN : POLLOUT };

			if (poll(&p, 1, 10000) != 1)
				break;
			st = PQconnectPoll(c);
		}
		return finish(c, true);
	}
	if (strcmp(argv[1], "params") == 0 && argc == 4) {
		const char *kw[] = { "dbname", "password", "prepared_statements", "connection_limit",
				     NULL };
		const char *vals[] = { argv[2], argv[3], "false", "3", NULL };

		return finish(PQconnectdbParams(kw, vals, 1), true);
	}
	if (strcmp(argv[1], "setdb") == 0 && argc == 4)
		return finish(PQsetdbLogin(NULL, NULL, NULL, NULL, argv[2], "postgres", argv[3]), true);
	fprintf(stderr, "usage: see the source\n");
	return 2;
}
