/*
 * Flat memory: opens and closes many connections (each with a prepare, an
 * identical and a conflicting re-prepare, an async prepare and executions),
 * and checks that the resident set size at the end is within BOUND_KB of
 * what it was after the first WARMUP connections.
 *
 * Usage: r_conns [TOTAL [THREADS [BOUND_KB [WARMUP]]]]
 *        (default 10000 connections, 2 threads, 1024 KiB, 1000)
 * Connect through the unix socket (PQT_DSN with host=<dir>): it is fast.
 */
#include <pthread.h>
#include <stdatomic.h>

#include "rutil.c"

static atomic_int done, failures;
static int total, warmup;
static atomic_long rss_warm = -1;

static bool one(int n)
{
	PGconn *c = r_connect();
	char want[32], val[32];
	const char *vals[1] = { val };
	bool ok;

	if (!c)
		return false;
	snprintf(val, sizeof(val), "%d", n);
	snprintf(want, sizeof(want), "v%d", n);
	ok = r_ok(PQprepare(c, "s", "SELECT 'v' || $1::text", 1, NULL), PGRES_COMMAND_OK, "prepare") &&
	     r_ok(PQprepare(c, "s", "SELECT 'v' || $1::text", 1, NULL), PGRES_COMMAND_OK,
		  "identical re-prepare") &&
	     r_value(PQexecPrepared(c, "s", 1, vals, NULL, NULL, 0), want, "exec") &&
	     r_ok(PQprepare(c, "s", "SELECT 'w' || $1::text", 1, NULL), PGRES_COMMAND_OK,
		  "conflicting re-prepare") &&
	     PQsendPrepare(c, "a", "SELECT 1", 0, NULL) &&
	     r_ok(r_async_one(c), PGRES_COMMAND_OK, "async prepare") &&
	     r_ok(PQexec(c, "PREPARE q AS SELECT 1"), PGRES_COMMAND_OK, "SQL PREPARE");
	want[0] = 'w';
	ok = ok && r_value(PQexecPrepared(c, "s", 1, vals, NULL, NULL, 0), want, "exec renamed");
	PQfinish(c);
	return ok;
}

static void *worker(void *arg)
{
	(void)arg;
	for (;;) {
		int n = atomic_fetch_add(&done, 1);

		if (n >= total)
			return NULL;
		if (!one(n)) {
			atomic_fetch_add(&failures, 1);
			return NULL;
		}
		if (n == warmup - 1)
			atomic_store(&rss_warm, r_rss_kb());
	}
}

int main(int argc, char **argv)
{
	int threads = argc >= 3 ? atoi(argv[2]) : 2;
	long bound = argc >= 4 ? atol(argv[3]) : 1024, rss_end;
	pthread_t t[16];

	total = argc >= 2 ? atoi(argv[1]) : 10000;
	warmup = argc >= 5 ? atoi(argv[4]) : 1000;
	if (total <= warmup || threads < 1 || threads > 16) {
		fprintf(stderr, "usage: r_conns [TOTAL [THREADS [BOUND_KB [WARMUP]]]]\n");
		return 2;
	}
	r_watchdog(600);
	for (int i = 0; i < threads; i++)
		pthread_create(&t[i], NULL, worker, NULL);
	for (int i = 0; i < threads; i++)
		pthread_join(t[i], NULL);
	rss_end = r_rss_kb();
	printf("connections %d, RSS after %d: %ld KiB, at the end: %ld KiB (growth %ld KiB, bound %ld)\n",
	       total, warmup, atomic_load(&rss_warm), rss_end, rss_end - atomic_load(&rss_warm),
	       bound);
	if (atomic_load(&failures)) {
		r_fail("%d connection(s) failed a check", atomic_load(&failures));
		return 1;
	}
	if (atomic_load(&rss_warm) < 0 || rss_end - atomic_load(&rss_warm) > bound) {
		r_fail("memory grew by more than %ld KiB", bound);
		return 1;
	}
	return 0;
}
