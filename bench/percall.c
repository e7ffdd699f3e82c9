/*
 * percall: nanoseconds per libpq call against the stub libpq (no server), so
 * that the shim's own cost is all that differs between a run without and a
 * run with LD_PRELOAD=build/libpqshim.so. One process measures one case:
 *
 *   percall --case NAME [--threads T] [--calls N] [--warmup W] [--conns K]
 *
 * T threads each open their own connection, prepare what the case needs,
 * run W warm-up iterations, wait at a barrier, then run N/T timed
 * iterations. It prints one line:
 *
 *   RESULT case=NAME threads=T calls=N ns=X cpu_ns=Y vcsw=V bad=B sql_bytes=L
 *
 * cpu_ns: the threads' CPU time (CLOCK_THREAD_CPUTIME_ID) per call: what one
 * call costs, unaffected by other processes taking turns on a shared machine.
 * ns: wall time from the first thread's start to the last thread's end, times
 * min(T, CPUs), divided by the calls (inflated when other processes run).
 * vcsw: voluntary context switches of the threads during the timed calls: a
 * thread blocking on a lock shows up here. bad: calls whose result was not
 * what the stub answers (must be 0). sql_bytes: size of the 10 KB text.
 *
 * Cases (the unnamed case expects PQSHIM_MODE=unnamed from the caller):
 *   exec_prepared  PQexecPrepared of "s1", prepared once before
 *   prepare_dup    PQprepare of "s1" again with the same text and types
 *   unnamed_exec   PQexecPrepared of "s1" (the shim sends PQexecParams)
 *   async          PQsendQueryPrepared + PQgetResult + PQgetResult (NULL)
 *   exec_short     PQexec of a short SELECT
 *   exec_10k       PQexec of a 10 KB SELECT (long IN list, string literals)
 *   deallocate     PQexec("DEALLOCATE x"), x not known to the shim
 *   exec_rr        PQexecPrepared of "s1" on each of the thread's K connections in
 *                  turn (--conns K, default 16): more connections per thread than
 *                  the shim's per-thread lookup cache holds
 *   list           prints the case names
 */
#include <pthread.h>
#include <stdbool.h>
#include <sys/resource.h>

#include <libpq-fe.h>

#include "bench_util.h"

#define STMT_NAME "s1"
#define STMT_QUERY "SELECT abalance FROM pgbench_accounts WHERE aid = $1"
#define SHORT_SQL "SELECT abalance FROM pgbench_accounts WHERE aid = 42"
#define DEALLOCATE_SQL "DEALLOCATE x"
#define BIG_SQL_BYTES 10240

enum case_id {
	C_EXEC_PREPARED,
	C_PREPARE_DUP,
	C_UNNAMED_EXEC,
	C_ASYNC,
	C_EXEC_SHORT,
	C_EXEC_10K,
	C_DEALLOCATE,
	C_EXEC_RR,
	C_COUNT
};

static const char *const case_names[C_COUNT] = {
	[C_EXEC_PREPARED] = "exec_prepared", [C_PREPARE_DUP] = "prepare_dup",
	[C_UNNAMED_EXEC] = "unnamed_exec",   [C_ASYNC] = "async",
	[C_EXEC_SHORT] = "exec_short",       [C_EXEC_10K] = "exec_10k",
	[C_DEALLOCATE] = "deallocate",       [C_EXEC_RR] = "exec_rr",
};

struct worker {
	pthread_t th;
	enum case_id cs;
	int nconns;
	long warmup, iters;
	int64_t t0, t1, cpu;
	long bad, vcsw;
	int failed;
};

static pthread_barrier_t barrier;
static char *big_sql;

/* About 10 KB of SQL a lexer has to read to the end: literals, comments, a long IN list. */
static char *make_big_sql(void)
{
	static const char head[] =
		"SELECT o.id, o.customer, o.note, 'it''s a literal with PREPARE s0 AS in it' AS lit,\n"
		"       E'escaped \\' quote and EXECUTE s0' AS esc, $tag$ DEALLOCATE s0 $tag$ AS dq,\n"
		"       \"Quoted Ident\".x /* a comment with 'quotes' and /* nesting */ */\n"
		"  FROM orders o JOIN \"Quoted Ident\" ON \"Quoted Ident\".id = o.id\n"
		" WHERE o.status IN ('open', 'paid', 'shipped', 'it''s complicated')\n"
		"   AND o.id IN (";
	static const char tail[] = "0) -- the end\n ORDER BY o.id";
	char *s = malloc(BIG_SQL_BYTES + 64);
	size_t len = strlen(head);

	if (!s)
		return NULL;
	memcpy(s, head, len);
	for (int i = 1000000; len + sizeof(tail) + 16 < BIG_SQL_BYTES; i += 7)
		len += (size_t)sprintf(s + len, "%d, ", i);
	memcpy(s + len, tail, sizeof(tail));
	return s;
}

/* One result that must have status st; anything else counts as bad. */
static inline long check(PGresult *r, ExecStatusType st)
{
	long bad = PQresultStatus(r) != st;

	PQclear(r);
	return bad;
}

/* The calls (its own function: `valgrind --toggle-collect=timed_calls` counts only these). */
static __attribute__((noinline)) long timed_calls(enum case_id cs, PGconn **conns, int nconns,
						  long n)
{
	const char *vals[1] = { "42" };
	PGconn *c = conns[0];
	PGresult *r;
	long bad = 0;

	switch (cs) {
	case C_EXEC_RR:
		for (long i = 0, k = 0; i < n; i++) {
			bad += check(PQexecPrepared(conns[k], STMT_NAME, 1, vals, NULL, NULL, 0),
				     PGRES_TUPLES_OK);
			if (++k == nconns)
				k = 0;
		}
		break;
	case C_EXEC_PREPARED:
	case C_UNNAMED_EXEC:
		for (long i = 0; i < n; i++)
			bad += check(PQexecPrepared(c, STMT_NAME, 1, vals, NULL, NULL, 0),
				     PGRES_TUPLES_OK);
		break;
	case C_PREPARE_DUP:
		for (long i = 0; i < n; i++)
			bad += check(PQprepare(c, STMT_NAME, STMT_QUERY, 1, NULL), PGRES_COMMAND_OK);
		break;
	case C_ASYNC:
		for (long i = 0; i < n; i++) {
			if (!PQsendQueryPrepared(c, STMT_NAME, 1, vals, NULL, NULL, 0)) {
				bad++;
				continue;
			}
			bad += check(PQgetResult(c), PGRES_TUPLES_OK);
			r = PQgetResult(c);
			if (r) {
				bad++;
				PQclear(r);
			}
		}
		break;
	case C_EXEC_SHORT:
		for (long i = 0; i < n; i++)
			bad += check(PQexec(c, SHORT_SQL), PGRES_TUPLES_OK);
		break;
	case C_EXEC_10K:
		for (long i = 0; i < n; i++)
			bad += check(PQexec(c, big_sql), PGRES_TUPLES_OK);
		break;
	case C_DEALLOCATE:
		for (long i = 0; i < n; i++)
			bad += check(PQexec(c, DEALLOCATE_SQL), PGRES_COMMAND_OK);
		break;
	case C_COUNT:
		break;
	}
	return bad;
}

static long vcsw_now(void)
{
	struct rusage ru;

	return getrusage(RUSAGE_THREAD, &ru) == 0 ? ru.ru_nvcsw : 0;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	PGconn **c = calloc((size_t)w->nconns, sizeof(*c));
	int64_t cpu0;
	long vcsw0;

	for (int i = 0; c && i < w->nconns && !w->failed; i++) {
		c[i] = PQconnectdb("dbname=bench fake=lenient");
		if (PQstatus(c[i]) != CONNECTION_OK)
			w->failed = 1;
		else if (w->cs != C_EXEC_SHORT && w->cs != C_EXEC_10K && w->cs != C_DEALLOCATE &&
			 check(PQprepare(c[i], STMT_NAME, STMT_QUERY, 1, NULL), PGRES_COMMAND_OK))
			w->failed = 1;
	}
	if (!c)
		w->failed = 1;
	if (!w->failed)
		w->bad += timed_calls(w->cs, c, w->nconns, w->warmup);
	pthread_barrier_wait(&barrier);
	if (!w->failed) {
		vcsw0 = vcsw_now();
		cpu0 = bench_ns(CLOCK_THREAD_CPUTIME_ID);
		w->t0 = bench_ns(CLOCK_MONOTONIC);
		w->bad += timed_calls(w->cs, c, w->nconns, w->iters);
		w->t1 = bench_ns(CLOCK_MONOTONIC);
		w->cpu = bench_ns(CLOCK_THREAD_CPUTIME_ID) - cpu0;
		w->vcsw = vcsw_now() - vcsw0;
	}
	for (int i = 0; c && i < w->nconns; i++)
		PQfinish(c[i]);
	free(c);
	return NULL;
}

int main(int argc, char **argv)
{
	const char *name = bench_opt(argc, argv, "--case", "list");
	long threads = bench_long(argc, argv, "--threads", 1);
	long calls = bench_long(argc, argv, "--calls", 2000000);
	long warmup = bench_long(argc, argv, "--warmup", -1);
	long nconns = bench_long(argc, argv, "--conns", 0);
	int cs = -1, cpus = bench_cpus(), active;
	struct worker *w;
	int64_t start = INT64_MAX, end = 0, cpu = 0;
	long bad = 0, vcsw = 0;

	for (int i = 0; i < C_COUNT; i++)
		if (strcmp(name, case_names[i]) == 0)
			cs = i;
	if (cs < 0) {
		for (int i = 0; i < C_COUNT; i++)
			printf("%s\n", case_names[i]);
		return strcmp(name, "list") == 0 ? 0 : 2;
	}
	if (threads < 1 || threads > 1024 || calls < threads) {
		fprintf(stderr, "percall: need 1 <= threads <= 1024 and calls >= threads\n");
		return 2;
	}
	if (warmup < 0)
		warmup = calls / threads / 10 + 1;
	if (nconns < 1 || nconns > 100000)
		nconns = cs == C_EXEC_RR ? 16 : 1;
	big_sql = make_big_sql();
	w = calloc((size_t)threads, sizeof(*w));
	if (!big_sql || !w || pthread_barrier_init(&barrier, NULL, (unsigned)threads) != 0) {
		fprintf(stderr, "percall: out of memory\n");
		return 2;
	}
	for (long i = 0; i < threads; i++) {
		w[i].cs = (enum case_id)cs;
		w[i].nconns = (int)nconns;
		w[i].warmup = warmup;
		w[i].iters = calls / threads;
		if (pthread_create(&w[i].th, NULL, worker_main, &w[i]) != 0) {
			fprintf(stderr, "percall: cannot start thread %ld\n", i);
			return 2;
		}
	}
	for (long i = 0; i < threads; i++) {
		pthread_join(w[i].th, NULL);
		if (w[i].failed) {
			fprintf(stderr, "percall: thread %ld could not connect or prepare\n", i);
			return 2;
		}
		start = w[i].t0 < start ? w[i].t0 : start;
		end = w[i].t1 > end ? w[i].t1 : end;
		cpu += w[i].cpu;
		bad += w[i].bad;
		vcsw += w[i].vcsw;
	}
	calls = calls / threads * threads;
	active = threads < cpus ? (int)threads : cpus;
	printf("RESULT case=%s threads=%ld conns=%ld calls=%ld ns=%.2f cpu_ns=%.2f vcsw=%ld bad=%ld "
	       "sql_bytes=%zu\n",
	       name, threads, nconns, calls, (double)(end - start) * active / (double)calls,
	       (double)cpu / (double)calls, vcsw, bad,
	       cs == C_EXEC_10K ? strlen(big_sql) : (size_t)0);
	return 0;
}
