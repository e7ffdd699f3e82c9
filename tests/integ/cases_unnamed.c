/*
 * Unnamed mode (prepared_statements=false) behind PgBouncer in transaction
 * mode with two server connections. A second client pins one server
 * connection in an open transaction while the app takes a step, then lets it
 * go: PgBouncer reuses the most recently released server connection, so the
 * app's next step lands on the other one. Named statements cannot survive that.
 */
#include <stdlib.h>
#include <string.h>

#include "cases.h"

struct pair {
	PGconn *app, *pin;
};

static bool pin(struct pair *p);
static bool unpin(struct pair *p);

static bool pair_open(struct pair *p)
{
	/* the shim reads its environment at the first call: before any connection */
	setenv("PQSHIM_MODE", "unnamed", 1);
	p->pin = pqt_connect_to("PQT_BOUNCER2_DSN");
	p->app = pqt_connect_to("PQT_BOUNCER2_DSN");
	/* both server connections start empty, whatever earlier runs left there */
	return p->pin && p->app && pin(p) && pqt_exec_ok(p->app, "DEALLOCATE ALL") &&
	       pqt_exec_ok(p->pin, "DEALLOCATE ALL") && unpin(p);
}

static void pair_close(struct pair *p)
{
	PQfinish(p->app);
	PQfinish(p->pin);
}

static bool pin(struct pair *p)
{
	return pqt_exec_ok(p->pin, "BEGIN") && pqt_exec_ok(p->pin, "SELECT 1");
}

static bool unpin(struct pair *p)
{
	return pqt_exec_ok(p->pin, "COMMIT");
}



PQT_CASE(unnamed_sync_across_servers, true,
	 "unnamed mode: prepare, exec, describe, re-prepare, DEALLOCATE each on another server connection");
static int unnamed_sync_across_servers(void)
{
	struct pair p;
	Oid int4 = 23;
	const char *v[2] = { "21", "x" };
	PGresult *r;

	CHECK(pair_open(&p), "connect");
	CHECK(pin(&p), "pin");
	CHECK(pqt_ok(PQprepare(p.app, "s0", "select $1 * 2 as doubled", 1, &int4)), "prepare");
	CHECK(unpin(&p), "unpin");
	CHECK(pqt_value_of(PQexecPrepared(p.app, "s0", 1, v, NULL, NULL, 0), "42"), "exec elsewhere");
	CHECK(pin(&p), "pin");
	r = PQdescribePrepared(p.app, "s0");
	CHECK(pqt_status(r, PGRES_COMMAND_OK), "describe elsewhere");
	CHECK(PQnparams(r) == 1 && PQparamtype(r, 0) == 23, "describe: one int4 parameter");
	CHECK(PQnfields(r) == 1 && strcmp(PQfname(r, 0), "doubled") == 0, "describe: field doubled");
	PQclear(r);
	CHECK(unpin(&p), "unpin");
	CHECK(pqt_ok(PQprepare(p.app, "s0", "select $1::text || $2::text", 2, NULL)),
	      "re-prepare with another text: no 42P05");
	CHECK(pin(&p), "pin");
	CHECK(pqt_value_of(PQexecPrepared(p.app, "s0", 2, v, NULL, NULL, 0), "21x"), "exec new text");
	CHECK(unpin(&p), "unpin");
	r = PQexec(p.app, "DEALLOCATE s0");
	CHECK(pqt_status(r, PGRES_COMMAND_OK) && strcmp(PQcmdStatus(r), "DEALLOCATE") == 0,
	      "DEALLOCATE: the server's own result");
	PQclear(r);
	r = PQexecPrepared(p.app, "s0", 0, NULL, NULL, NULL, 0);
	CHECK(strcmp(pqt_sqlstate(r), "26000") == 0, "gone after DEALLOCATE: '%s'", pqt_sqlstate(r));
	PQclear(r);
	CHECK(pqt_server_statements(p.app) == 0, "no named statement on the server");
	pair_close(&p);
	return 0;
}

/* The next result of an async command, the way an event loop reads it. */
static PGresult *next(PGconn *c)
{
	return pqt_async_result(c);
}

PQT_CASE(unnamed_async_across_servers, true,
	 "unnamed mode, async API (ruby-pg, psycopg 3): each step on another server connection");
static int unnamed_async_across_servers(void)
{
	struct pair p;
	const char *v[1] = { "5" };
	PGresult *r;

	CHECK(pair_open(&p), "connect");
	CHECK(pin(&p), "pin");
	CHECK(PQsendPrepare(p.app, "_pg3_0", "select $1::int + 1 as plus", 0, NULL), "send prepare");
	CHECK(pqt_ok(next(p.app)) && pqt_async_end(p.app), "prepare");
	CHECK(unpin(&p), "unpin");
	CHECK(PQsendQueryPrepared(p.app, "_pg3_0", 1, v, NULL, NULL, 0), "send exec");
	CHECK(pqt_value_of(next(p.app), "6") && pqt_async_end(p.app), "exec");
	CHECK(pin(&p), "pin");
	CHECK(PQsendDescribePrepared(p.app, "_pg3_0"), "send describe");
	r = next(p.app);
	CHECK(pqt_status(r, PGRES_COMMAND_OK) && PQnfields(r) == 1 &&
		      strcmp(PQfname(r, 0), "plus") == 0,
	      "describe");
	PQclear(r);
	CHECK(pqt_async_end(p.app), "describe end");
	CHECK(unpin(&p), "unpin");
	CHECK(PQsendQueryParams(p.app, "DEALLOCATE _pg3_0", 0, NULL, NULL, NULL, NULL, 0),
	      "send DEALLOCATE (psycopg 3 style)");
	r = next(p.app);
	CHECK(pqt_status(r, PGRES_COMMAND_OK) && strcmp(PQcmdStatus(r), "DEALLOCATE") == 0,
	      "DEALLOCATE result");
	PQclear(r);
	CHECK(pqt_async_end(p.app), "DEALLOCATE end");
	CHECK(PQsendQueryParams(p.app, "DEALLOCATE ALL", 0, NULL, NULL, NULL, NULL, 0), "send ALL");
	CHECK(pqt_ok(next(p.app)) && pqt_async_end(p.app), "DEALLOCATE ALL");
	CHECK(PQsendQuery(p.app, "select 'still in step'"), "a plain query afterwards");
	CHECK(pqt_value_of(next(p.app), "still in step") && pqt_async_end(p.app), "plain query");
	CHECK(pqt_server_statements(p.app) == 0, "no named statement on the server");
	pair_close(&p);
	return 0;
}

PQT_CASE(unnamed_pipeline, true,
	 "unnamed mode in pipeline mode: prepare, exec, describe, re-prepare, exec under one sync");
static int unnamed_pipeline(void)
{
	struct pair p;
	const char *v[1] = { "3" };
	PGresult *r;

	CHECK(pair_open(&p), "connect");
	CHECK(pin(&p) && unpin(&p), "warm both server connections");
	CHECK(PQenterPipelineMode(p.app), "enter");
	CHECK(PQsendPrepare(p.app, "p", "select $1::int * 10 as ten", 0, NULL), "prepare");
	CHECK(PQsendQueryPrepared(p.app, "p", 1, v, NULL, NULL, 0), "exec");
	CHECK(PQsendDescribePrepared(p.app, "p"), "describe");
	CHECK(PQsendPrepare(p.app, "p", "select $1::int * 100", 0, NULL), "re-prepare");
	CHECK(PQsendQueryPrepared(p.app, "p", 1, v, NULL, NULL, 0), "exec again");
	CHECK(PQpipelineSync(p.app), "sync");
	CHECK(pqt_ok(next(p.app)) && pqt_async_end(p.app), "prepare result");
	CHECK(pqt_value_of(next(p.app), "30") && pqt_async_end(p.app), "exec result");
	r = next(p.app);
	CHECK(pqt_status(r, PGRES_COMMAND_OK) && PQnfields(r) == 1 && strcmp(PQfname(r, 0), "ten") == 0,
	      "describe result");
	PQclear(r);
	CHECK(pqt_async_end(p.app), "describe end");
	CHECK(pqt_ok(next(p.app)) && pqt_async_end(p.app), "re-prepare result");
	CHECK(pqt_value_of(next(p.app), "300") && pqt_async_end(p.app), "exec again result");
	r = next(p.app);
	CHECK(pqt_status(r, PGRES_PIPELINE_SYNC), "sync result");
	PQclear(r);
	CHECK(PQexitPipelineMode(p.app), "exit");
	CHECK(pin(&p), "pin");
	CHECK(pqt_value_of(PQexecPrepared(p.app, "p", 1, v, NULL, NULL, 0), "300"), "exec after");
	CHECK(unpin(&p), "unpin");
	pair_close(&p);
	return 0;
}

PQT_CASE(unnamed_gdesc, true,
	 "psql's \\gdesc: PQprepare(\"\") then PQdescribePrepared(\"\") on another server connection");
static int unnamed_gdesc(void)
{
	struct pair p;
	PGresult *r;

	CHECK(pair_open(&p), "connect");
	CHECK(pin(&p), "pin");
	CHECK(pqt_ok(PQprepare(p.app, "", "select 1 as one, 'two'::text as two", 0, NULL)),
	      "prepare ''");
	CHECK(unpin(&p), "unpin");
	r = PQdescribePrepared(p.app, "");
	CHECK(pqt_status(r, PGRES_COMMAND_OK), "describe ''");
	CHECK(PQnfields(r) == 2 && PQftype(r, 1) == 25, "two fields, the second text");
	PQclear(r);
	pair_close(&p);
	return 0;
}

PQT_CASE(unnamed_errors_at_prepare, false,
	 "unnamed mode: a bad prepare gets the server's error at prepare time and is not recorded");
static int unnamed_errors_at_prepare(void)
{
	struct pair p;
	PGresult *r;

	CHECK(pair_open(&p), "connect");
	r = PQprepare(p.app, "bad", "select * from no_such_table", 0, NULL);
	CHECK(strcmp(pqt_sqlstate(r), "42P01") == 0, "undefined table at prepare: '%s'",
	      pqt_sqlstate(r));
	PQclear(r);
	r = PQexecPrepared(p.app, "bad", 0, NULL, NULL, NULL, 0);
	CHECK(strcmp(pqt_sqlstate(r), "26000") == 0, "not recorded: '%s'", pqt_sqlstate(r));
	PQclear(r);
	pair_close(&p);
	return 0;
}

/* SQL text about names in unnamed mode, on both server connections of the pooler. */
PQT_CASE(unnamed_sql_names, true,
	 "unnamed mode: SQL EXECUTE of a protocol-prepared name runs its text; DEALLOCATE of a name not held, or twice, is the server's 26000; SQL PREPARE over another client's leftover works");
static int unnamed_sql_names(void)
{
	struct pair p;
	PGresult *r;
	int n = 0;

	CHECK(pair_open(&p), "connect and clean");
	CHECK(unpin(&p) && pqt_exec_ok(p.pin, "BEGIN"), "begin");
	PQfinish(p.app);
	/* PgBouncer with one server connection: the other client's statements are the app's too */
	p.app = pqt_connect_to("PQT_BOUNCER_DSN");
	CHECK(p.app, "connect to the one-server pooler");
	{
		PGconn *other = pqt_connect_to("PQT_BOUNCER_DSN");

		CHECK(other && pqt_exec_ok(other, "DEALLOCATE ALL"), "clean the server connection");
		CHECK(pqt_exec_ok(other, "PREPARE q AS SELECT 'other'"), "another client's q");
		CHECK(pqt_exec_ok(other, "PREPARE u AS SELECT 'other'"), "another client's u");
		PQfinish(other);
	}
	CHECK(pqt_ok(PQprepare(p.app, "s0", "select 7 * 6", 0, NULL)), "protocol prepare s0");
	CHECK(pqt_value_of(PQexec(p.app, "EXECUTE s0"), "42"), "SQL EXECUTE of it runs its text");
	CHECK(pqt_value_of(PQexec(p.app, "select 1; EXECUTE s0"), "42"),
	      "in a text of several statements too");
	r = PQexec(p.app, "DEALLOCATE u");
	CHECK(strcmp(pqt_sqlstate(r), "26000") == 0, "DEALLOCATE of a name the app never held: %s",
	      pqt_sqlstate(r));
	PQclear(r);
	CHECK(pqt_ok(PQprepare(p.app, "u", "select 1", 0, NULL)), "prepare u");
	CHECK(PQsendQuery(p.app, "DEALLOCATE u; DEALLOCATE u"), "send the double DEALLOCATE");
	while ((r = PQgetResult(p.app))) {
		fprintf(stderr, "  result %d: %s %s\n", n, PQresStatus(PQresultStatus(r)),
			pqt_sqlstate(r));
		CHECK(n != 0 || PQresultStatus(r) == PGRES_COMMAND_OK, "the first succeeds");
		CHECK(n != 1 || strcmp(pqt_sqlstate(r), "26000") == 0, "the second is 26000");
		PQclear(r);
		n++;
	}
	CHECK(n == 2, "two results, got %d", n);
	CHECK(pqt_exec_ok(p.app, "PREPARE q AS SELECT 'mine'"), "SQL PREPARE over the leftover q");
	CHECK(pqt_value_of(PQexec(p.app, "EXECUTE q"), "mine"), "EXECUTE q runs the app's text");
	CHECK(pqt_exec_ok(p.app, "DEALLOCATE ALL"), "clean up");
	CHECK(unpin(&p), "unpin");
	pair_close(&p);
	return 0;
}

const struct pqt_case *const cases_unnamed_list[] = {
	&unnamed_sync_across_servers_case, &unnamed_async_across_servers_case,
	&unnamed_pipeline_case, &unnamed_gdesc_case, &unnamed_errors_at_prepare_case,
	&unnamed_sql_names_case, NULL,
};
