/*
 * The demo app: prepares "s0" twice, once through the protocol (PQprepare,
 * as pgbench, PDO or ruby-pg do) and once in SQL (PREPARE, as psql users and
 * ActiveRecord do), then a conflicting re-prepare, and runs the statement.
 * It prints one line per step, so the runs with and without the shim can be
 * compared side by side.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libpq-fe.h>

static int failures;

static void show(const char *step, PGresult *r)
{
	ExecStatusType st = PQresultStatus(r);
	const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);

	if (st == PGRES_TUPLES_OK && PQntuples(r) == 1)
		printf("  %-44s -> %s\n", step, PQgetvalue(r, 0, 0));
	else if (st == PGRES_COMMAND_OK)
		printf("  %-44s -> ok\n", step);
	else {
		char msg[200];

		snprintf(msg, sizeof(msg), "%s", PQresultErrorMessage(r));
		msg[strcspn(msg, "\n")] = '\0';
		printf("  %-44s -> %s (%s)\n", step, msg, state ? state : "?");
		failures++;
	}
	PQclear(r);
}

int main(int argc, char **argv)
{
	PGconn *c = PQconnectdb(argc > 1 ? argv[1] : "");

	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "cannot connect: %s", PQerrorMessage(c));
		return 2;
	}
	show("PQprepare(s0, \"select 'first'\")", PQprepare(c, "s0", "select 'first'", 0, NULL));
	show("PQprepare(s0, \"select 'first'\") again", PQprepare(c, "s0", "select 'first'", 0, NULL));
	show("PQprepare(s0, \"select 'second'\")", PQprepare(c, "s0", "select 'second'", 0, NULL));
	show("PQexecPrepared(s0)", PQexecPrepared(c, "s0", 0, NULL, NULL, NULL, 0));
	show("PREPARE q AS SELECT 'sql'", PQexec(c, "PREPARE q AS SELECT 'sql'"));
	show("PREPARE q AS SELECT 'sql' again", PQexec(c, "PREPARE q AS SELECT 'sql'"));
	show("EXECUTE q", PQexec(c, "EXECUTE q"));
	PQfinish(c);
	printf("  => %d error(s)\n", failures);
	return failures ? 1 : 0;
}
