/*
 * Pooled mode (PQSHIM_MODE=pooled) and auto mode behind PgBouncer in
 * transaction mode with two server connections, and plan-cache healing.
 *
 * Steps taken alternately pinned and unpinned run on alternate server
 * connections: the technique (the pin, the observer) is in trio.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "trio.h"

/* ---- one API for the sync and async flows ---- */

static PGresult *do_describe(PGconn *c, bool async, const char *name)
{
	return async ? async_take(c, PQsendDescribePrepared(c, name)) : PQdescribePrepared(c, name);
}

/* r failed with SQLSTATE want; clears r. */
static bool failed_with(PGresult *r, const char *want)
{
	bool ok = strcmp(pqt_sqlstate(r), want) == 0;

	if (!ok)
		fprintf(stderr, "  expected SQLSTATE %s, got '%s' (%s)\n", want, pqt_sqlstate(r),
			r ? PQresStatus(PQresultStatus(r)) : "no result");
	PQclear(r);
	return ok;
}

/* DEALLOCATE's result is the server's own: COMMAND_OK, tag DEALLOCATE. */
static bool deallocated(PGresult *r)
{
	bool ok = pqt_status(r, PGRES_COMMAND_OK) && strcmp(PQcmdStatus(r), "DEALLOCATE") == 0;

	if (r && PQresultStatus(r) == PGRES_COMMAND_OK && !ok)
		fprintf(stderr, "  tag '%s', expected DEALLOCATE\n", PQcmdStatus(r));
	PQclear(r);
	return ok;
}

/* Every step of prepare/exec/describe/re-prepare/DEALLOCATE on the other server connection. */
static int across_servers(bool async)
{
	struct trio t;
	PGresult *r;

	CHECK(trio_open(&t, "pooled", "1", NULL), "connect and clean");
	AT(&t, PINNED);
	CHECK(prepared(do_prepare(t.app, async, "s0", "select $1::int * 2")), "prepare s0");
	AT(&t, UNPINNED);
	CHECK(pqt_value_of(do_exec(t.app, async, "s0", "21"), "42"), "exec on the other server");
	AT(&t, PINNED);
	CHECK(pqt_value_of(do_exec(t.app, async, "s0", "21"), "42"), "exec again, back");
	AT(&t, UNPINNED);
	CHECK(pqt_value_of(do_exec(t.app, async, "s0", "5"), "10"), "exec again (by name)");
	AT(&t, PINNED);
	CHECK(pqt_ok(do_sql(t.app, async, "BEGIN")), "begin");
	CHECK(pqt_value_of(do_exec(t.app, async, "s0", "7"), "14"), "exec inside a block");
	CHECK(pqt_ok(do_sql(t.app, async, "COMMIT")), "commit");
	AT(&t, UNPINNED);
	r = do_describe(t.app, async, "s0");
	CHECK(pqt_status(r, PGRES_COMMAND_OK), "describe on the other server");
	CHECK(PQnparams(r) == 1 && PQparamtype(r, 0) == 23, "describe: one int4 parameter (%d, %u)",
	      PQnparams(r), PQnparams(r) ? PQparamtype(r, 0) : 0);
	CHECK(PQnfields(r) == 1 && strcmp(PQfname(r, 0), "?column?") == 0 && PQftype(r, 0) == 23,
	      "describe: one int4 field ?column? (%d fields)", PQnfields(r));
	PQclear(r);
	AT(&t, PINNED);
	CHECK(prepared(do_prepare(t.app, async, "s0", "select $1::int * 3")),
	      "re-prepare s0 with another text");
	AT(&t, UNPINNED);
	CHECK(pqt_value_of(do_exec(t.app, async, "s0", "21"), "63"), "exec runs the new text");
	AT(&t, PINNED);
	CHECK(pqt_value_of(do_exec(t.app, async, "s0", "21"), "63"), "and on the other server");
	AT(&t, UNPINNED);
	CHECK(prepared(do_prepare(t.app, async, "s1", "select $1::int * 2")),
	      "prepare s1 with s0's first text");
	AT(&t, PINNED);
	CHECK(deallocated(do_sql(t.app, async, "DEALLOCATE s0")), "DEALLOCATE s0");
	AT(&t, UNPINNED);
	CHECK(failed_with(do_exec(t.app, async, "s0", "21"), "26000"), "s0 is gone after DEALLOCATE");
	AT(&t, PINNED);
	CHECK(pqt_value_of(do_exec(t.app, async, "s1", "21"), "42"), "s1 still works");
	AT(&t, UNPINNED);
	CHECK(pqt_value_of(do_exec(t.app, async, "s1", "4"), "8"), "s1 on the other server");
	trio_close(&t);
	return 0;
}

PQT_CASE(pooled_sync_across_servers, true,
	 "pooled mode: prepare, exec, exec in a block, describe, re-prepare, DEALLOCATE each on another server connection");
static int pooled_sync_across_servers(void)
{
	return across_servers(false);
}

PQT_CASE(pooled_async_across_servers, true,
	 "pooled mode, async API (PQsend* + PQisBusy loop): each step on another server connection");
static int pooled_async_across_servers(void)
{
	return across_servers(true);
}

/* The next pipeline result is one command's value, followed by the command's end. */
static bool pipe_value(PGconn *c, const char *want)
{
	return pqt_value_of(pqt_async_result(c), want) && pqt_async_end(c);
}

static bool pipe_sync(PGconn *c)
{
	PGresult *r = pqt_async_result(c);
	bool ok = pqt_status(r, PGRES_PIPELINE_SYNC);

	PQclear(r);
	return ok;
}

PQT_CASE(pooled_pipeline_across_servers, true,
	 "pooled mode in pipeline mode: prepare + exec under one sync, two execs under the next sync on the other server connection");
static int pooled_pipeline_across_servers(void)
{
	struct trio t;
	const char *v21[1] = { "21" }, *v4[1] = { "4" }, *v50[1] = { "50" }, *v6[1] = { "6" };

	CHECK(trio_open(&t, "pooled", "1", NULL), "connect and clean");
	AT(&t, PINNED);
	CHECK(PQenterPipelineMode(t.app), "enter pipeline mode");
	CHECK(PQsendPrepare(t.app, "s0", "select $1::int * 2", 0, NULL), "send prepare");
	CHECK(PQsendQueryPrepared(t.app, "s0", 1, v21, NULL, NULL, 0), "send exec");
	CHECK(PQpipelineSync(t.app), "sync");
	CHECK(prepared(pqt_async_result(t.app)) && pqt_async_end(t.app), "prepare result");
	CHECK(pipe_value(t.app, "42"), "exec result");
	CHECK(pipe_sync(t.app), "sync result");
	AT(&t, UNPINNED);
	CHECK(PQsendQueryPrepared(t.app, "s0", 1, v4, NULL, NULL, 0), "send exec 4");
	CHECK(PQsendQueryPrepared(t.app, "s0", 1, v50, NULL, NULL, 0), "send exec 50");
	CHECK(PQpipelineSync(t.app), "sync");
	CHECK(pipe_value(t.app, "8"), "first exec on the other server");
	CHECK(pipe_value(t.app, "100"), "second exec, in order");
	CHECK(pipe_sync(t.app), "sync result");
	AT(&t, PINNED);
	CHECK(PQsendQueryPrepared(t.app, "s0", 1, v6, NULL, NULL, 0), "send exec 6");
	CHECK(PQsendQueryPrepared(t.app, "s0", 1, v21, NULL, NULL, 0), "send exec 21");
	CHECK(PQpipelineSync(t.app), "sync");
	CHECK(pipe_value(t.app, "12"), "back on the first server (by name)");
	CHECK(pipe_value(t.app, "42"), "second exec, in order");
	CHECK(pipe_sync(t.app), "sync result");
	CHECK(PQexitPipelineMode(t.app), "exit pipeline mode: %s", PQerrorMessage(t.app));
	AT(&t, UNPINNED);
	CHECK(pqt_value_of(PQexecPrepared(t.app, "s0", 1, v50, NULL, NULL, 0), "100"),
	      "a plain exec after the pipeline");
	trio_close(&t);
	return 0;
}

/* n executions of name with parameter base, base+1, ...; the value is param * mul. */
static bool execs(PGconn *c, const char *name, int n, int base, int mul)
{
	for (int i = 0; i < n; i++) {
		char p[16], want[16];
		const char *v[1] = { p };

		snprintf(p, sizeof(p), "%d", base + i);
		snprintf(want, sizeof(want), "%d", (base + i) * mul);
		if (!pqt_value_of(PQexecPrepared(c, name, 1, v, NULL, NULL, 0), want))
			return false;
	}
	return true;
}

PQT_CASE(pooled_server_names, true,
	 "pooled mode: servers hold only content-addressed _pqsh_<32 hex> names, never the app's; the same text elsewhere adds none");
static int pooled_server_names(void)
{
	struct trio t;
	struct held x, y, before, after;
	PGconn *other;

	CHECK(trio_open(&t, "pooled", "1", NULL), "connect and clean");
	AT(&t, PINNED);
	CHECK(prepared(PQprepare(t.app, "s0", "select $1::int * 2 as pqt_names", 0, NULL)), "prepare s0");
	CHECK(prepared(PQprepare(t.app, "s1", "select $1::int * 5 as pqt_names", 0, NULL)), "prepare s1");
	CHECK(execs(t.app, "s0", 3, 1, 2) && execs(t.app, "s1", 3, 1, 5), "executions on Y");
	AT(&t, UNPINNED);
	CHECK(execs(t.app, "s0", 3, 10, 2) && execs(t.app, "s1", 3, 10, 5), "executions on X");
	AT(&t, PINNED);
	CHECK(look(t.pin, NULL, &x) && look(t.obs, NULL, &y), "read pg_prepared_statements");
	fprintf(stderr, "  X holds [%s], Y holds [%s]\n", x.list, y.list);
	CHECK(!x.s0 && !y.s0, "the app's name s0 never reaches a server");
	CHECK(x.pooled == x.total && y.pooled == y.total, "only _pqsh_ names on the servers");
	CHECK(x.pooled >= 1 && y.pooled >= 1, "both server connections executed by name");
	CHECK(x.pooled <= 2 && y.pooled <= 2, "at most one name per statement text");
	/* another PGconn, same text under another name, on Y (the pin holds X) */
	CHECK(look(t.obs, NULL, &before), "Y before");
	other = pqt_connect_to("PQT_BOUNCER2_DSN");
	CHECK(other, "connect other");
	CHECK(prepared(PQprepare(other, "other", "select $1::int * 2 as pqt_names", 0, NULL)),
	      "prepare other");
	CHECK(execs(other, "other", 3, 100, 2), "execute other");
	CHECK(look(t.obs, NULL, &after), "Y after");
	fprintf(stderr, "  Y after the other connection: [%s]\n", after.list);
	CHECK(!strstr(after.list, "other"), "the name other never reaches the server");
	CHECK(after.pooled == before.pooled && strcmp(after.list, before.list) == 0,
	      "the same text is the same name: no new name ([%s] then [%s])", before.list, after.list);
	PQfinish(other);
	AT(&t, UNPINNED);
	trio_close(&t);
	return 0;
}

PQT_CASE(pooled_threshold, true,
	 "pooled mode, PQSHIM_POOLED_THRESHOLD=3: no server-side name after 2 executions, one after 5 more");
static int pooled_threshold(void)
{
	static const char marker[] = "pqt_threshold";
	struct trio t;
	struct held x, y;

	CHECK(trio_open(&t, "pooled", "3", NULL), "connect and clean");
	AT(&t, PINNED);
	CHECK(prepared(PQprepare(t.app, "s0", "select $1::int * 4 as pqt_threshold", 0, NULL)),
	      "prepare");
	for (int i = 0; i < 7; i++) {
		if (i == 2) {
			/* still pinned from the second execution: the pin sees X, obs sees Y */
			CHECK(look(t.pin, marker, &x) && look(t.obs, marker, &y), "look");
			CHECK(x.total == 0 && y.total == 0,
			      "after 2 executions nothing is prepared on the servers (X [%s], Y [%s])",
			      x.list, y.list);
		}
		AT(&t, i % 2 ? PINNED : UNPINNED);
		CHECK(execs(t.app, "s0", 1, i, 4), "execution %d", i + 1);
	}
	AT(&t, PINNED);
	CHECK(look(t.pin, marker, &x) && look(t.obs, marker, &y), "look");
	fprintf(stderr, "  after 7 executions X holds [%s], Y holds [%s]\n", x.list, y.list);
	/* executions 4 to 7 alternate, so each server connection ran it by name */
	CHECK(x.total == 1 && x.pooled == 1, "one _pqsh_ name on X");
	CHECK(y.total == 1 && y.pooled == 1, "one _pqsh_ name on Y");
	CHECK(strcmp(x.list, y.list) == 0, "the same name on both");
	AT(&t, UNPINNED);
	trio_close(&t);
	return 0;
}

/*
 * One of the processes of pooled_processes: waits for the start (the pipe
 * closes), then prepares and executes 50 times on its own connection.
 */
static int child(int i, int go)
{
	static const char *const names[] = { "a", "b", "s0", "s0" };
	static const char *const texts[] = { "select $1::int * 7", "select $1::int * 7", "select 2",
					     "select 3" };
	PGconn *c;
	char b;

	while (read(go, &b, 1) < 0 && errno == EINTR)
		;
	close(go);
	c = pqt_connect_to("PQT_BOUNCER2_DSN");
	CHECK(c, "process %d: connect", i);
	CHECK(prepared(PQprepare(c, names[i], texts[i], 0, NULL)), "process %d: prepare %s", i,
	      names[i]);
	for (int k = 0; k < 50; k++) {
		if (i < 2)
			CHECK(execs(c, names[i], 1, i * 1000 + k, 7), "process %d: execution %d", i, k);
		else
			CHECK(pqt_value_of(PQexecPrepared(c, names[i], 0, NULL, NULL, NULL, 0),
					   i == 2 ? "2" : "3"),
			      "process %d: execution %d gets its own statement's value", i, k);
	}
	PQfinish(c);
	return 0;
}

/* Empties both server connections from a process that uses no other connection. */
static bool clean_servers(void)
{
	struct trio t = { 0 };
	bool ok;

	t.pin = connect_raw("PQT_BOUNCER2_DSN");
	t.obs = connect_raw("PQT_BOUNCER2_DSN");
	ok = t.pin && t.obs && trio_clean_servers(&t);
	trio_close(&t);
	return ok;
}

PQT_CASE(pooled_processes, true,
	 "pooled mode, 4 processes on 2 server connections: one text under two names, two texts under one name");
static int pooled_processes(void)
{
	pid_t pids[4];
	int go[2], failed = 0, started = 0, fork_errno = 0;
	bool clean;

	setenv("PQSHIM_MODE", "pooled", 1);
	setenv("PQSHIM_POOLED_THRESHOLD", "1", 1);
	fflush(NULL);
	CHECK(pipe(go) == 0, "pipe");
	/* fork before any libpq call in this process */
	for (; started < 4; started++) {
		pids[started] = fork();
		if (pids[started] < 0) {
			fork_errno = errno;
			break;
		}
		if (pids[started] == 0) {
			close(go[1]);
			exit(child(started, go[0]) == 0 ? 0 : 1);
		}
	}
	close(go[0]);
	clean = started == 4 && clean_servers();
	close(go[1]); /* start */
	for (int i = 0; i < started; i++) {
		int status = 0;

		if (waitpid(pids[i], &status, 0) != pids[i] || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0) {
			fprintf(stderr, "  process %d failed (status %#x)\n", i, status);
			failed++;
		}
	}
	CHECK(started == 4, "fork: %s", strerror(fork_errno));
	CHECK(clean, "clean both server connections first");
	CHECK(failed == 0, "%d of 4 processes failed", failed);
	return 0;
}

static PGresult *exec0(PGconn *c)
{
	return PQexecPrepared(c, "s0", 0, NULL, NULL, NULL, 0);
}

PQT_CASE(heal_alter_table_dedupe, true,
	 "default mode, direct: after ALTER TABLE ADD COLUMN a prepared SELECT * runs with the new columns; in a block 0A000 passes through");
static int heal_alter_table_dedupe(void)
{
	PGconn *c;

	unsetenv("PQSHIM_MODE");
	c = pqt_connect(false);
	CHECK(c, "connect");
	CHECK(pqt_exec_ok(c, "create temp table pqt_heal (a int)") &&
		      pqt_exec_ok(c, "insert into pqt_heal values (1)"),
	      "create the table");
	CHECK(prepared(PQprepare(c, "s0", "select * from pqt_heal", 0, NULL)), "prepare");
	CHECK(heal_row(exec0(c), 1), "exec");
	CHECK(pqt_exec_ok(c, "alter table pqt_heal add column b int default 2"), "alter");
	CHECK(heal_row(exec0(c), 2), "after ALTER TABLE the statement returns the new column");
	CHECK(heal_row(exec0(c), 2), "and again");
	CHECK(pqt_exec_ok(c, "alter table pqt_heal add column c text default 'three'"), "alter again");
	CHECK(pqt_exec_ok(c, "BEGIN"), "begin");
	CHECK(failed_with(exec0(c), "0A000"), "inside a block the error passes through");
	CHECK(pqt_exec_ok(c, "ROLLBACK"), "rollback");
	CHECK(heal_row(exec0(c), 3), "outside the block again the statement returns 3 columns");
	CHECK(pqt_exec_ok(c, "drop table pqt_heal"), "drop the table");
	PQfinish(c);
	return 0;
}

PQT_CASE(heal_alter_table_pooled, true,
	 "pooled mode: ALTER TABLE ADD COLUMN on one server connection, a prepared SELECT * on the others returns the new columns, in a block too");
static int heal_alter_table_pooled(void)
{
	struct trio t;
	char table[64], select[128];

	snprintf(table, sizeof(table), "pqt_heal_%ld", (long)getpid());
	snprintf(select, sizeof(select), "select * from %s", table);
	CHECK(trio_open(&t, "pooled", "1", NULL), "connect and clean");
	/* a table left by an earlier run with the same pid goes, without a notice */
	PQsetNoticeProcessor(t.obs, quiet, NULL);
	CHECK(exec_table(t.obs, "drop table if exists ", table, "") &&
		      exec_table(t.app, "create table ", table, " (a int)") &&
		      exec_table(t.app, "insert into ", table, " values (1)"),
	      "create the table");
	AT(&t, PINNED);
	CHECK(prepared(PQprepare(t.app, "s0", select, 0, NULL)), "prepare");
	for (int i = 0; i < 4; i++) {
		AT(&t, i % 2 ? PINNED : UNPINNED);
		CHECK(heal_row(exec0(t.app), 1), "execution %d", i + 1);
	}
	AT(&t, UNPINNED);
	CHECK(exec_table(t.app, "alter table ", table, " add column b int default 2"), "alter on X");
	AT(&t, PINNED);
	CHECK(heal_row(exec0(t.app), 2), "on Y after ALTER TABLE: the new column");
	AT(&t, UNPINNED);
	CHECK(heal_row(exec0(t.app), 2), "on X after ALTER TABLE: the new column");
	AT(&t, PINNED);
	CHECK(exec_table(t.app, "alter table ", table, " add column c text default 'three'"),
	      "alter again on Y");
	AT(&t, UNPINNED);
	CHECK(pqt_exec_ok(t.app, "BEGIN"), "begin on X");
	CHECK(heal_row(exec0(t.app), 3), "inside a block on X: the new column");
	CHECK(pqt_exec_ok(t.app, "COMMIT"), "commit");
	AT(&t, PINNED);
	CHECK(pqt_exec_ok(t.app, "BEGIN"), "begin on Y");
	CHECK(heal_row(exec0(t.app), 3), "inside a block on Y: the new column");
	CHECK(pqt_exec_ok(t.app, "COMMIT"), "commit");
	AT(&t, UNPINNED);
	CHECK(heal_row(exec0(t.app), 3), "outside a block on X");
	AT(&t, PINNED);
	CHECK(heal_row(exec0(t.app), 3), "outside a block on Y");
	AT(&t, UNPINNED);
	CHECK(exec_table(t.app, "drop table ", table, ""), "drop the table");
	trio_close(&t);
	return 0;
}

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
PQT_CASE(auto_switches_on_leftover, true,
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

const struct pqt_case *const cases_pooled_list[] = {
	&pooled_sync_across_servers_case,
	&pooled_async_across_servers_case,
	&pooled_pipeline_across_servers_case,
	&pooled_server_names_case,
	&pooled_threshold_case,
	&pooled_processes_case,
	&heal_alter_table_dedupe_case,
	&heal_alter_table_pooled_case,
	&auto_switches_behind_pooler_case,
	&auto_stays_dedupe_direct_case,
	&auto_switches_on_leftover_case,
	NULL,
};
