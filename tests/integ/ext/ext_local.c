/*
 * A stand-in for a Python or Perl extension: it links libpq and is loaded by
 * rtld_main with RTLD_LOCAL, so RTLD_NEXT from the shim finds no libpq.
 */
#include <stdio.h>
#include <string.h>
#include <libpq-fe.h>

int ext_run(const char *dsn);

int ext_run(const char *dsn)
{
	PGconn *c = PQconnectdb(dsn);
	PGresult *r;
	int rc = 1;

	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "  connect: %s", PQerrorMessage(c));
		goto finish;
	}
	for (int i = 0; i < 2; i++) {
		r = PQprepare(c, "ext0", "select 'ext'", 0, NULL);
		if (PQresultStatus(r) != PGRES_COMMAND_OK) {
			fprintf(stderr, "  prepare %d: %s", i, PQresultErrorMessage(r));
			PQclear(r);
			goto finish;
		}
		PQclear(r);
	}
	r = PQexecPrepared(c, "ext0", 0, NULL, NULL, NULL, 0);
	if (PQresultStatus(r) == PGRES_TUPLES_OK && strcmp(PQgetvalue(r, 0, 0), "ext") == 0)
		rc = 0;
	else
		fprintf(stderr, "  exec: %s", PQresultErrorMessage(r));
	PQclear(r);
finish:
	PQfinish(c);
	return rc;
}
