/*
 * A long-running libpq client for the live statistics tests: prepares and
 * executes one statement every 20 ms for SECONDS, with VALUE as its
 * parameter (it must never appear in a statistics file); with "fork", the
 * process forks first and both halves run (the child's own file, from zero).
 *
 *   stats_client CONNINFO SECONDS VALUE [fork]
 *
 * Exit status: 0 every result was right; 1 a result was wrong; 2 no connection.
 */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int run(const char *conninfo, double seconds, const char *value)
{
	PGconn *c = PQconnectdb(conninfo);
	struct timespec t0, t;
	const char *v[1] = { value };
	int bad = 0;

	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "stats_client: %s", PQerrorMessage(c));
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		PGresult *r;

		PQclear(PQprepare(c, "s0", "select $1::text as v", 1, NULL));
		r = PQexecPrepared(c, "s0", 1, v, NULL, NULL, 0);
		if (PQresultStatus(r) != PGRES_TUPLES_OK || strcmp(PQgetvalue(r, 0, 0), value)) {
			fprintf(stderr, "stats_client: wrong result: %s", PQerrorMessage(c));
			bad = 1;
		}
		PQclear(r);
		usleep(20000);
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while ((double)(t.tv_sec - t0.tv_sec) + (double)(t.tv_nsec - t0.tv_nsec) / 1e9 < seconds);
	PQfinish(c);
	return bad;
}

int main(int argc, char **argv)
{
	pid_t child = -1;
	int rc, st;

	if (argc < 4) {
		fprintf(stderr, "usage: stats_client CONNINFO SECONDS VALUE [fork]\n");
		return 2;
	}
	if (argc > 4 && strcmp(argv[4], "fork") == 0) {
		/* the parent counts a session first, so the child has counts to forget */
		PQfinish(PQconnectdb(argv[1]));
		child = fork();
		if (child < 0)
			return 2;
	}
	rc = run(argv[1], atof(argv[2]), argv[3]);
	if (child == 0)
		exit(rc); /* the destructor removes the child's file */
	if (child > 0 && (waitpid(child, &st, 0) != child || !WIFEXITED(st) || WEXITSTATUS(st)))
		rc = rc ? rc : 1;
	return rc;
}
