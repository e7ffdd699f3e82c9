/* Connections: reset, reconnect, threads, and a libpq loaded with RTLD_LOCAL. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cases.h"

static bool prep_exec(PGconn *c, const char *name, const char *sql, const char *want)
{
	PGresult *r = PQprepare(c, name, sql, 0, NULL);
	bool ok = pqt_status(r, PGRES_COMMAND_OK);

	PQclear(r);
	if (!ok)
		return false;
	r = PQexecPrepared(c, name, 0, NULL, NULL, NULL, 0);
	ok = pqt_status(r, PGRES_TUPLES_OK) && strcmp(pqt_value(r), want) == 0;
	if (!ok && r)
		fprintf(stderr, "  %s: got '%s', expected '%s'\n", name, pqt_value(r), want);
	PQclear(r);
	return ok;
}

PQT_CASE(reset_forgets, true,
	 "after PQreset and PQresetStart/Poll the statements are gone and are prepared again for real");
static int reset_forgets(void)
{
	PGconn *c = pqt_connect(false);
	PostgresPollingStatusType st;

	CHECK(c, "connect");
	CHECK(prep_exec(c, "r1", "select 'r'", "r"), "prepare");
	CHECK(prep_exec(c, "r1", "select 'r'", "r"), "identical re-prepare");
	PQreset(c);
	CHECK(PQstatus(c) == CONNECTION_OK, "reset");
	CHECK(pqt_server_statements(c) == 0, "new session");
	CHECK(prep_exec(c, "r1", "select 'r'", "r"), "prepare after reset");
	CHECK(PQresetStart(c), "reset start");
	do {
		st = PQresetPoll(c);
	} while (st != PGRES_POLLING_OK && st != PGRES_POLLING_FAILED &&
		 (usleep(1000), 1));
	CHECK(st == PGRES_POLLING_OK, "reset poll");
	CHECK(prep_exec(c, "r1", "select 'r'", "r"), "prepare after async reset");
	PQfinish(c);
	return 0;
}

PQT_CASE(reconnect_fresh, true,
	 "a new connection (often at a freed one's address) starts with no statements");
static int reconnect_fresh(void)
{
	for (int i = 0; i < 20; i++) {
		PGconn *c = pqt_connect(false);

		CHECK(c, "connect %d", i);
		CHECK(prep_exec(c, "c1", "select 'c'", "c"), "prepare on connection %d", i);
		CHECK(prep_exec(c, "c1", "select 'c'", "c"), "re-prepare on connection %d", i);
		PQfinish(c);
	}
	return 0;
}

#define THREADS 8
#define ROUNDS 150

static void *worker(void *arg)
{
	long id = (long)arg;
	PGconn *c = pqt_connect(false);
	char sql[64], want[32];

	if (!c)
		return (void *)1;
	for (int i = 0; i < ROUNDS; i++) {
		/* the same name with the same text, then with a new text every 10 rounds */
		snprintf(sql, sizeof(sql), "select '%ld-%d'", id, i / 10);
		snprintf(want, sizeof(want), "%ld-%d", id, i / 10);
		if (!prep_exec(c, "t", sql, want)) {
			PQfinish(c);
			return (void *)1;
		}
	}
	PQfinish(c);
	return NULL;
}

PQT_CASE(threads_own_connections, true,
	 "8 threads, each with its own connection, re-prepare and execute concurrently");
static int threads_own_connections(void)
{
	pthread_t t[THREADS];
	void *ret;
	int failed = 0;

	for (long i = 0; i < THREADS; i++)
		CHECK(pthread_create(&t[i], NULL, worker, (void *)i) == 0, "thread");
	for (int i = 0; i < THREADS; i++) {
		pthread_join(t[i], &ret);
		failed += ret != NULL;
	}
	CHECK(failed == 0, "%d threads saw a wrong result or an error", failed);
	return 0;
}

PQT_CASE(rtld_local_load, true,
	 "an extension that loads libpq with RTLD_LOCAL (psycopg2, DBD::Pg) is covered");
static int rtld_local_load(void)
{
	pqt_exec_prog("rtld_main", NULL);
	CHECK(0, "exec rtld_main");
	return 1;
}

PQT_CASE(deepbind_load, true,
	 "an extension loaded with RTLD_DEEPBIND (PHP's pdo_pgsql) is covered");
static int deepbind_load(void)
{
	pqt_exec_prog("rtld_main", "deepbind");
	CHECK(0, "exec rtld_main deepbind");
	return 1;
}

const struct pqt_case *const cases_conn_list[] = {
	&deepbind_load_case,
	&reset_forgets_case, &threads_own_connections_case, &reconnect_fresh_case,
	&rtld_local_load_case, NULL,
};
