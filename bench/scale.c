/*
 * scale: how the shim's cost grows with statements and connections, against
 * the stub libpq (run without and with LD_PRELOAD=build/libpqshim.so).
 *
 *   scale lookup --stmts N --conns C [--calls K] [--warmup W] [--rr | --hot]
 *     opens C connections, prepares "s0".."s<N-1>" on the first (and "s0" on
 *     every other one), then times K PQexecPrepared calls: on the first
 *     connection over all N names in a scattered order (each name once per
 *     round: at 100,000 names every lookup misses the CPU caches), with --hot
 *     always on one name (the hash table's own cost), or with --rr on "s0"
 *     of every connection in turn. Prints
 *       RESULT mode=lookup stmts=N conns=C order=scatter|hot|rr calls=K cpu_ns=X ns=Y
 *     (cpu_ns: process CPU time per call; ns: wall time per call)
 *
 *   scale mem --stmts N      heap bytes for preparing N statements on one connection
 *   scale mem --conns C      heap bytes for opening C connections
 *     One warm-up connection (with one prepared and executed statement) is
 *     opened first, so one-time allocations are not counted. Heap use is read
 *     with mallinfo2() (uordblks + hblkhd: chunk headers included) before and
 *     after; every allocation made in between is also counted by size (this
 *     program interposes malloc/calloc/realloc/free). Prints
 *       RESULT mode=mem stmts=N conns=C heap_bytes=B text_bytes=T allocs=A
 *       SIZE usable=U count=K          (net live blocks by usable size, largest totals first)
 *     text_bytes: the bytes of the names and query texts themselves (strlen of
 *     each, no terminator), which any design has to keep.
 */
#include <malloc.h>
#include <stdbool.h>

#include <libpq-fe.h>

#include "bench_util.h"

/* Under valgrind --instr-atstart=no only the timed calls are instrumented (optional header). */
#if defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#endif
#endif
#ifndef CALLGRIND_START_INSTRUMENTATION
#define CALLGRIND_START_INSTRUMENTATION
#define CALLGRIND_STOP_INSTRUMENTATION
#endif

/* ---- counting allocator: forwards to glibc, counts while `counting` ---- */

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t size);
extern void __libc_free(void *p);

#define HIST_MAX 512

static bool counting;
static long n_allocs;
static struct hist {
	size_t usable;
	long live;
} hist[HIST_MAX];
static int n_hist;

static void note(void *p, int sign)
{
	size_t u = malloc_usable_size(p);
	int i;

	if (sign > 0)
		n_allocs++;
	for (i = 0; i < n_hist && hist[i].usable != u; i++)
		;
	if (i == n_hist) {
		if (n_hist == HIST_MAX || sign < 0)
			return; /* a block from before counting started, or too many sizes */
		hist[n_hist].usable = u;
		hist[n_hist++].live = 0;
	}
	hist[i].live += sign;
}

void *malloc(size_t size)
{
	void *p = __libc_malloc(size);

	if (p && counting)
		note(p, 1);
	return p;
}

void *calloc(size_t n, size_t size)
{
	void *p = __libc_calloc(n, size);

	if (p && counting)
		note(p, 1);
	return p;
}

void *realloc(void *p, size_t size)
{
	void *q;

	if (p && counting)
		note(p, -1);
	q = __libc_realloc(p, size);
	if (counting) {
		if (q)
			note(q, 1);
		else if (p && size)
			note(p, 1); /* failed: p is still there */
	}
	return q;
}

void free(void *p)
{
	if (p && counting)
		note(p, -1);
	__libc_free(p);
}

static long long heap_now(void)
{
	struct mallinfo2 mi = mallinfo2();

	return (long long)(mi.uordblks + mi.hblkhd);
}

static int by_total(const void *a, const void *b)
{
	const struct hist *x = a, *y = b;
	long long tx = (long long)x->usable * x->live, ty = (long long)y->usable * y->live;

	return tx < ty ? 1 : tx > ty ? -1 : 0;
}

/* ---- helpers ---- */

static PGconn *connect_one(void)
{
	PGconn *c = PQconnectdb("dbname=bench fake=lenient");

	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "scale: cannot connect (stub)\n");
		exit(2);
	}
	return c;
}

static void prepare(PGconn *c, const char *name, const char *query)
{
	PGresult *r = PQprepare(c, name, query, 1, NULL);

	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		fprintf(stderr, "scale: prepare %s failed\n", name);
		exit(2);
	}
	PQclear(r);
}

/* names "s%d" and short queries, built before anything is measured */
static void make_texts(long n, char ***names, char ***queries, long long *text_bytes)
{
	*names = malloc(sizeof(char *) * (size_t)n);
	*queries = malloc(sizeof(char *) * (size_t)n);
	*text_bytes = 0;
	if (!*names || !*queries) {
		fprintf(stderr, "scale: out of memory\n");
		exit(2);
	}
	for (long i = 0; i < n; i++) {
		char buf[96];

		snprintf(buf, sizeof(buf), "s%ld", i);
		(*names)[i] = strdup(buf);
		snprintf(buf, sizeof(buf), "SELECT $1::int + %ld", i);
		(*queries)[i] = strdup(buf);
		if (!(*names)[i] || !(*queries)[i]) {
			fprintf(stderr, "scale: out of memory\n");
			exit(2);
		}
		*text_bytes += (long long)(strlen((*names)[i]) + strlen((*queries)[i]));
	}
}

static long gcd(long a, long b)
{
	while (b) {
		long t = a % b;

		a = b;
		b = t;
	}
	return a;
}

/* The timed calls (its own function: `valgrind --toggle-collect=lookup_loop` counts only these). */
static __attribute__((noinline)) long lookup_loop(PGconn **c, long conns, const char **order,
						  long stmts, long n, bool rr)
{
	const char *vals[1] = { "42" };
	long bad = 0;

	for (long i = 0, k = 0; i < n; i++) {
		PGresult *r;

		if (rr) {
			r = PQexecPrepared(c[k], order[0], 1, vals, NULL, NULL, 0);
			if (++k == conns)
				k = 0;
		} else {
			r = PQexecPrepared(c[0], order[k], 1, vals, NULL, NULL, 0);
			if (++k == stmts)
				k = 0;
		}
		bad += PQresultStatus(r) != PGRES_TUPLES_OK;
		PQclear(r);
	}
	return bad;
}

static int run_lookup(long stmts, long conns, long calls, long warmup, bool rr, bool hot)
{
	PGconn **c = malloc(sizeof(*c) * (size_t)conns);
	const char **order;
	char **names, **queries;
	long long text_bytes;
	long bad = 0, step;
	int64_t t0, t1, cpu0, cpu1;

	make_texts(stmts, &names, &queries, &text_bytes);
	order = malloc(sizeof(*order) * (size_t)stmts);
	if (!c || !order)
		return 2;
	for (long i = 0; i < conns; i++) {
		c[i] = connect_one();
		prepare(c[i], names[0], queries[0]);
	}
	for (long i = 1; i < stmts; i++)
		prepare(c[0], names[i], queries[i]);
	/* a scattered order that visits every name once per round */
	step = 7919 % stmts;
	while (stmts > 1 && gcd(step, stmts) != 1)
		step++;
	for (long i = 0, j = 0; i < stmts; i++, j = (j + step) % stmts)
		order[i] = hot ? names[stmts / 2] : names[j];

	if (warmup < 0)
		warmup = calls / 10 + 1;
	bad += lookup_loop(c, conns, order, stmts, warmup, rr);
	CALLGRIND_START_INSTRUMENTATION;
	cpu0 = bench_ns(CLOCK_PROCESS_CPUTIME_ID);
	t0 = bench_ns(CLOCK_MONOTONIC);
	bad += lookup_loop(c, conns, order, stmts, calls, rr);
	t1 = bench_ns(CLOCK_MONOTONIC);
	cpu1 = bench_ns(CLOCK_PROCESS_CPUTIME_ID);
	CALLGRIND_STOP_INSTRUMENTATION;
	printf("RESULT mode=lookup stmts=%ld conns=%ld order=%s calls=%ld cpu_ns=%.2f ns=%.2f "
	       "bad=%ld\n",
	       stmts, conns, rr ? "rr" : hot ? "hot" : "scatter", calls,
	       (double)(cpu1 - cpu0) / (double)calls, (double)(t1 - t0) / (double)calls, bad);
	for (long i = 0; i < conns; i++)
		PQfinish(c[i]);
	return 0;
}

static int run_mem(long stmts, long conns)
{
	PGconn *warm, *c = NULL, **extra = NULL;
	char **names = NULL, **queries = NULL;
	long long text_bytes = 0, before, after;
	const char *vals[1] = { "1" };

	if (stmts > 0)
		make_texts(stmts, &names, &queries, &text_bytes);
	if (conns > 0 && !(extra = malloc(sizeof(*extra) * (size_t)conns)))
		return 2;
	warm = connect_one();
	prepare(warm, "warm", "SELECT $1::int");
	PQclear(PQexecPrepared(warm, "warm", 1, vals, NULL, NULL, 0));
	if (stmts > 0)
		c = connect_one();

	before = heap_now();
	counting = true;
	for (long i = 0; i < stmts; i++)
		prepare(c, names[i], queries[i]);
	for (long i = 0; i < conns; i++)
		extra[i] = connect_one();
	counting = false;
	after = heap_now();

	printf("RESULT mode=mem stmts=%ld conns=%ld heap_bytes=%lld text_bytes=%lld allocs=%ld\n",
	       stmts, conns, after - before, text_bytes, n_allocs);
	qsort(hist, (size_t)n_hist, sizeof(hist[0]), by_total);
	for (int i = 0; i < n_hist && i < 8; i++)
		if (hist[i].live > 0)
			printf("SIZE usable=%zu count=%ld\n", hist[i].usable, hist[i].live);
	for (long i = 0; i < conns; i++)
		PQfinish(extra[i]);
	if (c)
		PQfinish(c);
	PQfinish(warm);
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	long stmts = bench_long(argc, argv, "--stmts", 0);
	long conns = bench_long(argc, argv, "--conns", 0);

	if (strcmp(mode, "lookup") == 0) {
		if (stmts < 1)
			stmts = 1;
		if (conns < 1)
			conns = 1;
		return run_lookup(stmts, conns, bench_long(argc, argv, "--calls", 2000000),
				  bench_long(argc, argv, "--warmup", -1), bench_flag(argc, argv, "--rr"), bench_flag(argc, argv, "--hot"));
	}
	if (strcmp(mode, "mem") == 0)
		return run_mem(stmts, conns);
	fprintf(stderr, "usage: scale lookup --stmts N --conns C [--calls K] [--rr | --hot]\n"
			"       scale mem --stmts N | --conns C\n");
	return 2;
}
