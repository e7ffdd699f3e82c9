/*
 * Auto mode (PQSHIM_MODE=auto): behind a transaction pooler it switches a
 * connection to pooled mode at the first sign (26000 or 42P05), with the
 * blocking and the asynchronous API; directly it stays in dedupe mode.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "trio.h"

PQT_CASE(auto_switches_behind_pooler, true,
	 "auto mode behind PgBouncer: the first exec on another server connection switches to pooled mode and is retried");
static int auto_switches_behind_pooler(void)
{
	struct trio t;
	const char *v[1] = { "21" };
	PGresult *r;

	CHECK(trio_open(&t, "auto", "1", NULL), "connect and clean");
	AT(&t, PINNED);
	CHECK(prepared(PQprepare(t.app, "s0", "select $1::int * 2", 0, NULL)), "prepare s0");
	AT(&t, UNPINNED);
	CHECK(pqt_value_of(PQexecPrepared(t.app, "s0", 1, v, NULL, NULL, 0), "42"),
	      "exec on the other server: switched to pooled mode and retried");
	AT(&t, PINNED);
	CHECK(execs(t.app, "s0", 2, 5, 2), "exec back on the first server");
	AT(&t, UNPINNED);
	r = PQdescribePrepared(t.app, "s0");
	CHECK(pqt_status(r, PGRES_COMMAND_OK), "describe");
	CHECK(PQnparams(r) == 1 && PQparamtype(r, 0) == 23, "describe: one int4 parameter");
	CHECK(PQnfields(r) == 1 && strcmp(PQfname(r, 0), "?column?") == 0, "describe: one field");
	PQclear(r);
	AT(&t, PINNED);
	CHECK(prepared(PQprepare(t.app, "s0", "select $1::int * 3", 0, NULL)),
	      "re-prepare s0 with another text");
	AT(&t, UNPINNED);
	CHECK(execs(t.app, "s0", 2, 21, 3), "exec runs the new text");
	AT(&t, PINNED);
	CHECK(execs(t.app, "s0", 2, 1, 3), "and on the other server");
	AT(&t, UNPINNED);
	CHECK(pqt_exec_ok(t.app, "BEGIN") && execs(t.app, "s0", 1, 7, 3) &&
		      pqt_exec_ok(t.app, "COMMIT"),
	      "exec inside a block");
	trio_close(&t);
	return 0;
}

PQT_CASE(auto_stays_dedupe_direct, false,
	 "auto mode directly on PostgreSQL stays in dedupe mode: the server holds s0 as the app named it");
static int auto_stays_dedupe_direct(void)
{
	PGconn *c;
	struct held h;

	setenv("PQSHIM_MODE", "auto", 1);
	setenv("PQSHIM_POOLED_THRESHOLD", "1", 1);
	c = pqt_connect(false);
	CHECK(c, "connect");
	CHECK(prepared(PQprepare(c, "s0", "select $1::int * 2", 0, NULL)), "prepare");
	CHECK(execs(c, "s0", 3, 20, 2), "exec");
	CHECK(prepared(PQprepare(c, "s0", "select $1::int * 2", 0, NULL)), "identical re-prepare");
	CHECK(execs(c, "s0", 3, 30, 2), "exec again");
	CHECK(look(c, NULL, &h), "read pg_prepared_statements");
	fprintf(stderr, "  the server holds [%s]\n", h.list);
	CHECK(h.s0 && h.total == 1, "s0, as the app named it, and nothing else");
	CHECK(h.pooled == 0, "no _pqsh_ name");
	PQfinish(c);
	return 0;
}

/*
 * Auto mode, the other sign: behind PgBouncer with one server connection,
 * another client left its own "s0" there. The app's prepare of "s0" meets
 * 42P05 for a name the shim never prepared: the connection switches to
 * pooled mode, the prepare is retried, and "s0" runs the app's own text,
 * never the leftover.
 */
PQT_CASE(auto_switches_on_leftover, PQT_FIX_UNTRACKED,
	 "auto mode: another client's s0 on the server connection (42P05) switches to pooled mode; the app's s0 runs its own text");
static int auto_switches_on_leftover(void)
{
	PGconn *other, *app;
	const char *v[1] = { "21" };

	setenv("PQSHIM_MODE", "auto", 1);
	setenv("PQSHIM_POOLED_THRESHOLD", "1", 1);
	other = connect_raw("PQT_BOUNCER_DSN");
	app = pqt_connect_to("PQT_BOUNCER_DSN");
	CHECK(other && app, "connect");
	CHECK(pqt_exec_ok(other, "DEALLOCATE ALL"), "clean the server connection");
	CHECK(pqt_ok(PQprepare(other, "s0", "select 'leftover'::text", 0, NULL)),
	      "another client leaves s0 behind");
	CHECK(pqt_ok(PQprepare(app, "s0", "select $1::int * 2", 0, NULL)),
	      "the app's prepare of s0 succeeds");
	for (int i = 0; i < 3; i++)
		CHECK(pqt_value_of(PQexecPrepared(app, "s0", 1, v, NULL, NULL, 0), "42"),
		      "s0 runs the app's text (run %d)", i + 1);
	CHECK(pqt_value_of(PQexecPrepared(other, "s0", 0, NULL, NULL, NULL, 0), "leftover"),
	      "the other client's s0 is untouched");
	CHECK(pqt_exec_ok(other, "DEALLOCATE ALL"), "clean up");
	PQfinish(app);
	PQfinish(other);
	return 0;
}


/* ==== 6. auto mode switching with the asynchronous API ==== */

PQT_CASE(auto_async_switch, true,
	 "auto mode, async API: PQsendQueryPrepared on the other server connection switches to pooled mode and is retried; more steps after");
static int auto_async_switch(void)
{
	struct trio t;
	struct held x, y;
	PGresult *r;

	CHECK(trio_open(&t, "auto", "1", NULL), "connect and clean");
	AT(&t, PINNED);
	CHECK(prepared(do_prepare(t.app, true, "s0", "select $1::int * 2 as pqt_auto")),
	      "async prepare s0 on Y");
	CHECK(exec_is(t.app, true, "s0", 4, 8), "async exec s0 on Y, where it was prepared");
	AT(&t, UNPINNED);
	CHECK(exec_is(t.app, true, "s0", 21, 42),
	      "async exec on X: switched to pooled mode and retried");
	AT(&t, PINNED);
	CHECK(exec_is(t.app, true, "s0", 5, 10), "async exec back on Y");
	CHECK(look_both(&t, "pqt_auto", &x, &y), "look");
	fprintf(stderr, "  X holds [%s], Y holds [%s]\n", x.list, y.list);
	CHECK(x.pooled == 1 && y.pooled == 1, "the content name on both sides after the switch");
	AT(&t, UNPINNED);
	CHECK(exec_is(t.app, true, "s0", 6, 12), "async exec on X, by name");
	/* a statement prepared after the switch */
	CHECK(prepared(do_prepare(t.app, true, "s1", "select $1::int + 7 as pqt_auto")),
	      "async prepare s1 on X");
	AT(&t, PINNED);
	CHECK(exec_is(t.app, true, "s1", 1, 8), "async exec s1 on Y");
	AT(&t, UNPINNED);
	CHECK(exec_is(t.app, true, "s1", 2, 9), "async exec s1 on X");
	/* re-prepare with another text */
	AT(&t, PINNED);
	CHECK(prepared(do_prepare(t.app, true, "s0", "select $1::int * 3 as pqt_auto")),
	      "async re-prepare s0 with another text on Y");
	AT(&t, UNPINNED);
	CHECK(exec_is(t.app, true, "s0", 21, 63), "the new text on X");
	AT(&t, PINNED);
	CHECK(exec_is(t.app, true, "s0", 2, 6), "the new text on Y");
	/* describe */
	AT(&t, UNPINNED);
	r = async_take(t.app, PQsendDescribePrepared(t.app, "s0"));
	CHECK(pqt_status(r, PGRES_COMMAND_OK), "async describe on X");
	CHECK(PQnparams(r) == 1 && PQparamtype(r, 0) == 23 && PQnfields(r) == 1 &&
		      strcmp(PQfname(r, 0), "pqt_auto") == 0,
	      "describe: one int4 parameter, field pqt_auto");
	PQclear(r);
	/* in a block, on each side */
	AT(&t, PINNED);
	CHECK(pqt_ok(do_sql(t.app, true, "BEGIN")) && exec_is(t.app, true, "s0", 3, 9) &&
		      exec_is(t.app, true, "s1", 3, 10) && exec_is(t.app, true, "s0", 4, 12) &&
		      pqt_ok(do_sql(t.app, true, "COMMIT")),
	      "async block on Y");
	AT(&t, UNPINNED);
	CHECK(pqt_ok(do_sql(t.app, true, "BEGIN")) && exec_is(t.app, true, "s1", 3, 10) &&
		      exec_is(t.app, true, "s0", 5, 15) && pqt_ok(do_sql(t.app, true, "COMMIT")),
	      "async block on X");
	/* blocking calls still right */
	AT(&t, PINNED);
	CHECK(exec_is(t.app, false, "s0", 7, 21) && exec_is(t.app, false, "s1", 7, 14),
	      "blocking execs on Y");
	trio_close(&t);
	return 0;
}


const struct pqt_case *const cases_auto_list[] = {
	&auto_switches_behind_pooler_case,
	&auto_stays_dedupe_direct_case,
	&auto_switches_on_leftover_case,
	&auto_async_switch_case,
	NULL,
};
