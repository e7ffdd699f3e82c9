/*
 * What auto mode's probe costs a process: the time of its first connection,
 * its first query and a second connection to the same target (which reuses
 * the answer). `conncost CONNINFO` prints the three in microseconds;
 * bench/probe_cost.sh runs it in fresh processes, dedupe and auto alternated.
 */
#include <stdio.h>
#include <time.h>

#include <libpq-fe.h>

static double now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

int main(int argc, char **argv)
{
	double t0, t1, t2, t3;
	PGconn *a, *b;
	PGresult *r;

	if (argc != 2)
		return 2;
	t0 = now_us();
	a = PQconnectdb(argv[1]);
	t1 = now_us();
	r = PQexec(a, "select 1");
	t2 = now_us();
	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		return 1;
	PQclear(r);
	b = PQconnectdb(argv[1]);
	t3 = now_us();
	if (PQstatus(b) != CONNECTION_OK)
		return 1;
	printf("%.1f %.1f %.1f\n", t1 - t0, t2 - t1, t3 - t2);
	PQfinish(a);
	PQfinish(b);
	return 0;
}
