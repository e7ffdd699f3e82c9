/*
 * Threads against the shim's registry (one map, a per-thread lookup cache and
 * an epoch that invalidates it). Every result value is checked.
 *
 *   r_threads own [ROUNDS]   16 threads, each with 3 connections of its own:
 *                            connect, re-prepare (identical and conflicting,
 *                            sync, async and SQL), execute, PQreset,
 *                            PQresetStart/Poll, PQfinish and reconnect
 *   r_threads pool [USES]    4 connections handed between 16 threads
 *                            (mutex-protected checkout/checkin); each use
 *                            re-prepares and executes with value checks
 *
 * Both modes also run 2 churn threads that connect, prepare and finish in a
 * loop, so the registry changes (and every cache is invalidated) all the time.
 * Prints "ops N" (checked operations) and exits 0, or 1 on any failure.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "rutil.c"

#define THREADS 16
#define OWN_CONNS 3
#define POOL 4
#define CHURN 2

static atomic_long ops;
static atomic_int failures;
static atomic_bool stop_churn;

static void failed(void)
{
	atomic_fetch_add(&failures, 1);
}

/* Prepares name as sql (1 parameter), executes it with arg and checks the value. */
static bool prep_exec(PGconn *c, const char *name, const char *sql, const char *arg,
		      const char *want, const char *who)
{
	const char *vals[1] = { arg };
	char what[512];

	snprintf(what, sizeof(what), "%s prepare %s (%s)", who, name, sql);
	if (!r_ok(PQprepare(c, name, sql, 1, NULL), PGRES_COMMAND_OK, what))
		return false;
	snprintf(what, sizeof(what), "%s exec %s (%s)", who, name, sql);
	if (!r_value(PQexecPrepared(c, name, 1, vals, NULL, NULL, 0), want, what))
		return false;
	atomic_fetch_add(&ops, 2);
	return true;
}

/* The same through PQsendPrepare / PQsendQueryPrepared and an event loop. */
static bool prep_exec_async(PGconn *c, const char *name, const char *sql, const char *arg,
			    const char *want, const char *who)
{
	const char *vals[1] = { arg };
	char what[512];

	snprintf(what, sizeof(what), "%s send prepare %s (%s)", who, name, sql);
	if (!PQsendPrepare(c, name, sql, 1, NULL)) {
		r_fail("%s: %s", what, PQerrorMessage(c));
		return false;
	}
	if (!r_ok(r_async_one(c), PGRES_COMMAND_OK, what))
		return false;
	snprintf(what, sizeof(what), "%s send exec %s (%s)", who, name, sql);
	if (!PQsendQueryPrepared(c, name, 1, vals, NULL, NULL, 0)) {
		r_fail("%s: %s", what, PQerrorMessage(c));
		return false;
	}
	if (!r_value(r_async_one(c), want, what))
		return false;
	atomic_fetch_add(&ops, 2);
	return true;
}

/* SQL PREPARE + EXECUTE through PQexec. */
static bool sql_prep_exec(PGconn *c, const char *name, int ver, const char *who)
{
	char sql[160], want[32], what[512];

	snprintf(sql, sizeof(sql), "PREPARE %s AS SELECT 'sql%d'", name, ver);
	snprintf(what, sizeof(what), "%s %s", who, sql);
	if (!r_ok(PQexec(c, sql), PGRES_COMMAND_OK, what))
		return false;
	snprintf(sql, sizeof(sql), "EXECUTE %s", name);
	snprintf(want, sizeof(want), "sql%d", ver);
	snprintf(what, sizeof(what), "%s %s", who, sql);
	if (!r_value(PQexec(c, sql), want, what))
		return false;
	atomic_fetch_add(&ops, 2);
	return true;
}

/* A reset session has no statements, and the shim must not map a stale name. */
static bool check_fresh(PGconn *c, const char *who)
{
	const char *vals[1] = { "1" };
	PGresult *r;
	int n;

	if (PQstatus(c) != CONNECTION_OK) {
		r_fail("%s: connection not OK after reset: %s", who, PQerrorMessage(c));
		return false;
	}
	n = pqt_server_statements(c);
	if (n != 0) {
		r_fail("%s: %d statements on a fresh session", who, n);
		return false;
	}
	r = PQexecPrepared(c, "s", 1, vals, NULL, NULL, 0);
	if (strcmp(pqt_sqlstate(r), "26000") != 0) {
		r_fail("%s: exec of a statement a reset dropped: expected 26000, got %s %s", who,
		       r ? PQresStatus(PQresultStatus(r)) : "NULL", pqt_sqlstate(r));
		PQclear(r);
		return false;
	}
	PQclear(r);
	atomic_fetch_add(&ops, 2);
	return true;
}

static bool reset_async(PGconn *c, const char *who)
{
	PostgresPollingStatusType st = PGRES_POLLING_WRITING;
	struct timespec pause = { 0, 200000 };

	if (!PQresetStart(c)) {
		r_fail("%s: PQresetStart: %s", who, PQerrorMessage(c));
		return false;
	}
	for (int i = 0; i < 50000 && st != PGRES_POLLING_OK && st != PGRES_POLLING_FAILED; i++) {
		st = PQresetPoll(c);
		if (st != PGRES_POLLING_OK)
			nanosleep(&pause, NULL);
	}
	if (st != PGRES_POLLING_OK) {
		r_fail("%s: PQresetPoll: %s", who, PQerrorMessage(c));
		return false;
	}
	return true;
}

struct own {
	int id;
	int rounds;
};

static void *own_worker(void *arg)
{
	const struct own *w = arg;
	PGconn *c[OWN_CONNS] = { NULL };
	int uses[OWN_CONNS] = { 0 };
	char sql[160], want[96], val[32], who[64];
	bool ok = true;

	for (int k = 0; k < OWN_CONNS && ok; k++)
		ok = (c[k] = r_connect()) != NULL;
	for (int i = 0; i < w->rounds && ok; i++) {
		int k = i % OWN_CONNS, u = uses[k]++;
		int ver = u / 3;       /* the same text 3 times, then a new one */
		int alt = u % 2;       /* two texts in turn: every prepare conflicts */

		snprintf(who, sizeof(who), "thread %d conn %d round %d", w->id, k, i);
		snprintf(val, sizeof(val), "%d", i);
		snprintf(sql, sizeof(sql), "SELECT 't%dc%dv%d:' || $1::text", w->id, k, ver);
		snprintf(want, sizeof(want), "t%dc%dv%d:%d", w->id, k, ver, i);
		ok = prep_exec(c[k], "s", sql, val, want, who);
		if (ok) {
			snprintf(sql, sizeof(sql), "SELECT $1::int + %d", 1000 * (alt + 1));
			snprintf(want, sizeof(want), "%d", i + 1000 * (alt + 1));
			ok = prep_exec_async(c[k], "a", sql, val, want, who);
		}
		if (ok && u % 5 == 0)
			ok = sql_prep_exec(c[k], "q", u / 10, who);
		if (ok && i % 17 == 16) {
			PQreset(c[k]);
			ok = check_fresh(c[k], who);
		} else if (ok && i % 19 == 18) {
			ok = reset_async(c[k], who) && check_fresh(c[k], who);
		} else if (ok && i % 23 == 22) {
			PQfinish(c[k]);
			ok = (c[k] = r_connect()) != NULL;
			atomic_fetch_add(&ops, 1);
		}
	}
	for (int k = 0; k < OWN_CONNS; k++)
		PQfinish(c[k]);
	if (!ok)
		failed();
	return NULL;
}

static void *churn_worker(void *arg)
{
	long id = (long)arg;
	char who[64], want[32];
	int n = 0;

	while (!atomic_load(&stop_churn)) {
		PGconn *c = r_connect();

		snprintf(who, sizeof(who), "churn %ld #%d", id, n);
		snprintf(want, sizeof(want), "churn:%d", n);
		if (!c || !prep_exec(c, "s", "SELECT 'churn:' || $1::text", want + 6, want, who) ||
		    !prep_exec(c, "s", "SELECT 'churn:' || $1::text", want + 6, want, who)) {
			PQfinish(c);
			failed();
			return NULL;
		}
		PQfinish(c);
		n++;
	}
	return NULL;
}

/* ---- pool ---- */

static struct {
	pthread_mutex_t lock;
	pthread_cond_t freed;
	PGconn *conn[POOL];
	bool busy[POOL];
} pool = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, { NULL }, { false } };

static int checkout(void)
{
	int got = -1;

	pthread_mutex_lock(&pool.lock);
	while (got < 0) {
		for (int i = 0; i < POOL && got < 0; i++)
			if (!pool.busy[i])
				got = i;
		if (got < 0)
			pthread_cond_wait(&pool.freed, &pool.lock);
	}
	pool.busy[got] = true;
	pthread_mutex_unlock(&pool.lock);
	return got;
}

static void checkin(int i)
{
	pthread_mutex_lock(&pool.lock);
	pool.busy[i] = false;
	pthread_cond_signal(&pool.freed);
	pthread_mutex_unlock(&pool.lock);
}

static void *pool_worker(void *arg)
{
	const struct own *w = arg;
	unsigned seed = (unsigned)w->id * 7919u + 17u;
	char sql[160], want[96], val[32], who[80], name[8];
	bool ok = true;

	for (int u = 0; u < w->rounds && ok; u++) {
		int j = checkout();
		PGconn *c = pool.conn[j];
		int ver = rand_r(&seed) % 3, n = rand_r(&seed) % 4, what = rand_r(&seed) % 40;

		snprintf(who, sizeof(who), "pool thread %d use %d conn %d", w->id, u, j);
		snprintf(val, sizeof(val), "%d", u);
		/* texts shared by all threads: often identical to what the connection holds */
		snprintf(sql, sizeof(sql), "SELECT 'p%d:' || $1::text", ver);
		snprintf(want, sizeof(want), "p%d:%d", ver, u);
		ok = prep_exec(c, "p", sql, val, want, who);
		if (ok) {
			snprintf(name, sizeof(name), "n%d", n);
			snprintf(sql, sizeof(sql), "SELECT $1::int * %d", ver + 2);
			snprintf(want, sizeof(want), "%d", u * (ver + 2));
			ok = what % 4 == 0 ? prep_exec_async(c, name, sql, val, want, who)
					   : prep_exec(c, name, sql, val, want, who);
		}
		if (ok && what == 0) {
			PQreset(c);
			ok = check_fresh(c, who);
		} else if (ok && what == 1) {
			ok = sql_prep_exec(c, "pq", ver, who);
		}
		checkin(j);
	}
	if (!ok)
		failed();
	return NULL;
}

int main(int argc, char **argv)
{
	bool is_pool = argc >= 2 && strcmp(argv[1], "pool") == 0;
	int rounds = argc >= 3 ? atoi(argv[2]) : 300;
	pthread_t t[THREADS], churn[CHURN];
	struct own w[THREADS];

	if (argc < 2 || (!is_pool && strcmp(argv[1], "own") != 0) || rounds <= 0) {
		fprintf(stderr, "usage: r_threads own|pool [ROUNDS]\n");
		return 2;
	}
	r_watchdog(600);
	if (is_pool)
		for (int i = 0; i < POOL; i++)
			if (!(pool.conn[i] = r_connect()))
				return 1;
	for (long i = 0; i < CHURN; i++)
		if (pthread_create(&churn[i], NULL, churn_worker, (void *)i) != 0)
			return 1;
	for (int i = 0; i < THREADS; i++) {
		w[i].id = i;
		w[i].rounds = rounds;
		if (pthread_create(&t[i], NULL, is_pool ? pool_worker : own_worker, &w[i]) != 0)
			return 1;
	}
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	atomic_store(&stop_churn, true);
	for (int i = 0; i < CHURN; i++)
		pthread_join(churn[i], NULL);
	if (is_pool)
		for (int i = 0; i < POOL; i++)
			PQfinish(pool.conn[i]);
	printf("ops %ld\n", atomic_load(&ops));
	if (atomic_load(&failures)) {
		fprintf(stderr, "%d thread(s) failed\n", atomic_load(&failures));
		return 1;
	}
	return 0;
}
