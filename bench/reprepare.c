/*
 * reprepare: the pattern of per-request frameworks, which prepare their
 * statement at the start of every request and then execute it. Against a
 * real server (linked with the real libpq).
 *
 *   reprepare [--seconds S] [--deallocate] [--info] [CONNINFO]
 *
 * Each request: PQprepare("req", Q) + PQexecPrepared("req", aid), Q a
 * pgbench_accounts lookup. Without the shim the second request's prepare
 * fails with 42P05 unless the client also runs DEALLOCATE req after each
 * request (--deallocate: three round trips per request). With the shim the
 * identical prepare is answered locally (one round trip per request).
 * Prints
 *   RESULT requests=N seconds=S rps=X errors=E first_error=SQLSTATE
 * --info prints the libpq and server versions instead:
 *   INFO libpq=150018 server=150018 server_version=15.18 (...)
 * Exit status 0 unless the connection fails.
 */
#include <stdbool.h>

#include <libpq-fe.h>

#include "bench_util.h"

#define QUERY "SELECT abalance FROM pgbench_accounts WHERE aid = $1"

int main(int argc, char **argv)
{
	double seconds = 5;
	bool dealloc = bench_flag(argc, argv, "--deallocate");
	const char *conninfo = "";
	const char *s = bench_opt(argc, argv, "--seconds", NULL);
	char first_error[8] = "-";
	long requests = 0, errors = 0;
	int64_t t0, t1, deadline;
	PGconn *c;

	if (s)
		seconds = atof(s);
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--seconds") == 0)
			i++;
		else if (strncmp(argv[i], "--", 2) != 0)
			conninfo = argv[i];
	}
	c = PQconnectdb(conninfo);
	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "reprepare: cannot connect: %s", PQerrorMessage(c));
		PQfinish(c);
		return 2;
	}
	if (bench_flag(argc, argv, "--info")) {
		const char *v = PQparameterStatus(c, "server_version");

		printf("INFO libpq=%d server=%d server_version=%s\n", PQlibVersion(),
		       PQserverVersion(c), v ? v : "?");
		PQfinish(c);
		return 0;
	}

	t0 = bench_ns(CLOCK_MONOTONIC);
	deadline = t0 + (int64_t)(seconds * 1e9);
	do {
		char aid[16];
		const char *vals[1] = { aid };
		PGresult *r;
		bool ok;

		snprintf(aid, sizeof(aid), "%ld", 1 + (requests * 7919) % 1000000);
		r = PQprepare(c, "req", QUERY, 1, NULL);
		ok = PQresultStatus(r) == PGRES_COMMAND_OK;
		if (!ok && first_error[0] == '-') {
			const char *st = PQresultErrorField(r, PG_DIAG_SQLSTATE);

			snprintf(first_error, sizeof(first_error), "%s", st ? st : "?");
		}
		PQclear(r);
		r = PQexecPrepared(c, "req", 1, vals, NULL, NULL, 0);
		ok = ok && PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;
		PQclear(r);
		if (dealloc) {
			r = PQexec(c, "DEALLOCATE req");
			ok = ok && PQresultStatus(r) == PGRES_COMMAND_OK;
			PQclear(r);
		}
		errors += !ok;
		requests++;
		t1 = bench_ns(CLOCK_MONOTONIC);
		if (PQstatus(c) != CONNECTION_OK) {
			fprintf(stderr, "reprepare: connection lost: %s", PQerrorMessage(c));
			break;
		}
	} while (t1 < deadline);
	printf("RESULT requests=%ld seconds=%.3f rps=%.1f errors=%ld first_error=%s\n", requests,
	       (double)(t1 - t0) / 1e9, (double)requests / ((double)(t1 - t0) / 1e9), errors,
	       first_error);
	PQfinish(c);
	return 0;
}
