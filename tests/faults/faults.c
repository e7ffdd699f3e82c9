/*
 * Server-fault scenarios for pqshim: a client that uses libpq the way an app
 * does, while the server (or the network) fails under it.  tests/faults/run.sh
 * runs each scenario once without the shim and once with it, and compares the
 * "cmp" lines of the two transcripts (result status, SQLSTATE, connection
 * status and values, step by step).  "info" lines are printed but not compared:
 * steps where the shim changes the result on purpose (re-prepares that fail with
 * 42P05 without it).  The program also checks, in both runs, that after the
 * fault and PQreset every re-prepared name runs its newest text; it exits 1 when
 * such a check fails, 3 on a hang (watchdog), 2 on a usage/setup error.
 *
 *   faults SCENARIO
 *     pg-restart          PostgreSQL restarted (pg_ctl restart -m fast), idle client
 *     term-idle           backend terminated between calls
 *     term-async-new      ... while PQsendPrepare of a new name is in flight
 *     term-async-diff     ... while a different-text re-prepare (renamed by the shim) is in flight
 *     term-async-same     ... while an identical re-prepare is in flight (info only)
 *     term-pipeline       ... while a pipeline of prepares and executes is queued
 *     bouncer-restart     PgBouncer killed and started again, idle client
 *     net-drop            shutdown(PQsocket) in the middle of a pipeline
 *     net-drop-async      shutdown(PQsocket) with PQsendQueryPrepared in flight
 *
 * In pooled mode (run.sh: PQSHIM_POOLED_THRESHOLD=1) the executions go by
 * content names, so the faults hit the shim's retries: net-drop-async's
 * execution is the first of s7, so its socket goes down while the Parse +
 * Execute made after the 26000 waits on the lock.
 *
 * Environment: PQF_DSN (the client's connection string), PQF_PG_DSN (direct,
 * for the admin connections), PQF_HOOK (a program run as `$PQF_HOOK --hook ACTION`,
 * without LD_PRELOAD, for restart-pg / restart-bouncer; run.sh is the hook).
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

static bool g_shim;     /* the shim is preloaded */
static bool g_unnamed;  /* ... in unnamed mode */
static bool g_pooled;   /* ... in pooled mode (no app name reaches the server either) */
static bool g_tracking; /* through a transaction pooler that tracks statements (PQF_TRACKING=1) */
static int g_failures;
static char g_step[160] = "start";
static int g_seq;

__attribute__((format(printf, 1, 2))) static void set_step(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(g_step, sizeof g_step, fmt, ap);
	va_end(ap);
}

static void on_alarm(int sig)
{
	static const char a[] = "HANG: watchdog fired during step: ";
	(void)sig;
	if (write(2, a, sizeof a - 1) < 0 || write(2, g_step, strlen(g_step)) < 0 ||
	    write(2, "\n", 1) < 0) {
		/* nothing more to do */
	}
	if (write(1, "HANG\n", 5) < 0) {
		/* idem */
	}
	_exit(3);
}

__attribute__((format(printf, 1, 2))) static void fail(const char *fmt, ...)
{
	va_list ap;

	g_failures++;
	fprintf(stderr, "CHECK FAILED [%s]: ", g_step);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
}

static const char *conn_word(PGconn *c)
{
	return PQstatus(c) == CONNECTION_OK ? "ok" : "bad";
}

static const char *sqlstate(const PGresult *r)
{
	const char *s = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;

	return s && *s ? s : "-";
}

static const char *value(const PGresult *r)
{
	if (!r || PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) < 1 || PQnfields(r) < 1)
		return NULL;
	return PQgetvalue(r, 0, 0);
}

/* Prints one transcript line for result r (may be NULL) of step `what`. */
static void rec(const char *kind, const char *what, PGconn *c, const PGresult *r)
{
	const char *v = value(r);
	char msg[200] = "";

	g_seq++;
	if (r && PQresultErrorMessage(r)[0]) {
		snprintf(msg, sizeof msg, "%s", PQresultErrorMessage(r));
		msg[strcspn(msg, "\n")] = '\0';
	}
	printf("%s %s: %s %s conn=%s%s%s\n", kind, what,
	       r ? PQresStatus(PQresultStatus(r)) : "NULL", sqlstate(r), conn_word(c),
	       v ? " val=" : "", v ? v : "");
	fflush(stdout);
	if (msg[0])
		fprintf(stderr, "  %s %s: %s\n", kind, what, msg);
}

static ExecStatusType st(const PGresult *r)
{
	return r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
}

/* ---- helpers used by both the app connection and the admin connection ---- */

static PGconn *connect_env(const char *env)
{
	const char *dsn = getenv(env);
	PGconn *c;

	if (!dsn) {
		fprintf(stderr, "%s is not set\n", env);
		exit(2);
	}
	c = PQconnectdb(dsn);
	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "cannot connect (%s): %s", env, PQerrorMessage(c));
		exit(2);
	}
	return c;
}

static bool admin_exec(PGconn *a, const char *sql)
{
	PGresult *r = PQexec(a, sql);
	bool ok = st(r) == PGRES_COMMAND_OK || st(r) == PGRES_TUPLES_OK;

	if (!ok)
		fprintf(stderr, "admin: %s: %s", sql, PQresultErrorMessage(r));
	PQclear(r);
	return ok;
}

/* The admin connection's single value of sql, as an int (-1 on error). */
static int admin_int(PGconn *a, const char *sql)
{
	PGresult *r = PQexec(a, sql);
	int v = value(r) ? atoi(value(r)) : -1;

	if (!value(r))
		fprintf(stderr, "admin: %s: %s", sql, PQresultErrorMessage(r));
	PQclear(r);
	return v;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Runs `$PQF_HOOK action` without the shim, waits for it (the watchdog bounds it). */
static bool run_hook(const char *action)
{
	const char *hook = getenv("PQF_HOOK");
	pid_t pid;
	int status;

	if (!hook) {
		fprintf(stderr, "PQF_HOOK is not set\n");
		exit(2);
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return false;
	if (pid == 0) {
		/* servers started by the hook must not keep our pipes or sockets open */
		for (int fd = 3; fd < 1024; fd++)
			close(fd);
		unsetenv("LD_PRELOAD");
		execl(hook, hook, "--hook", action, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return false;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "hook %s failed (status %d)\n", action, status);
		return false;
	}
	return true;
}

/* ---- the app's calls, each recorded ---- */

static ExecStatusType prep(const char *kind, PGconn *c, const char *name, const char *sql,
			   int nparams)
{
	char what[120];
	PGresult *r;
	ExecStatusType s;

	snprintf(what, sizeof what, "prepare %s [%s]", name, sql);
	set_step("%s", what);
	r = PQprepare(c, name, sql, nparams, NULL);
	rec(kind, what, c, r);
	s = st(r);
	PQclear(r);
	return s;
}

/* PQexecPrepared with at most one text parameter; returns the value (static) or NULL. */
static const char *execp(const char *kind, PGconn *c, const char *name, const char *param)
{
	static char buf[128];
	char what[120];
	const char *vals[1] = { param };
	PGresult *r;
	const char *v;

	snprintf(what, sizeof what, "exec %s(%s)", name, param ? param : "");
	set_step("%s", what);
	r = PQexecPrepared(c, name, param ? 1 : 0, param ? vals : NULL, NULL, NULL, 0);
	rec(kind, what, c, r);
	v = value(r);
	if (v) {
		snprintf(buf, sizeof buf, "%s", v);
		v = buf;
	}
	PQclear(r);
	return v;
}

static void want_value(const char *name, const char *got, const char *want)
{
	if (!got || strcmp(got, want) != 0)
		fail("%s gave %s, want %s", name, got ? got : "(no value)", want);
}

/* Reads results (blocking, as an app does) until `max` calls or two NULLs in a row
 * outside a pipeline / the end of a pipeline; records each. */
static void drain(const char *what, PGconn *c, int max, bool pipeline)
{
	int nulls = 0;

	for (int i = 0; i < max; i++) {
		char w[120];
		PGresult *r;

		snprintf(w, sizeof w, "%s getResult#%d", what, i + 1);
		set_step("%s", w);
		r = PQgetResult(c);
		rec("cmp", w, c, r);
		if (!r) {
			nulls++;
			/* outside a pipeline one NULL ends the command; in a (broken)
			 * pipeline, two NULLs in a row mean nothing more will come */
			if (!pipeline || nulls >= 2 || PQstatus(c) != CONNECTION_OK)
				break;
		} else {
			nulls = 0;
			if (PQresultStatus(r) == PGRES_PIPELINE_SYNC) {
				PQclear(r);
				break;
			}
		}
		PQclear(r);
	}
}

/* ---- scenario building blocks ---- */

static void fresh_table(void)
{
	PGconn *a = connect_env("PQF_PG_DSN");

	set_step("create table");
	if (!admin_exec(a, "drop table if exists pqf_t") ||
	    !admin_exec(a, "create table pqf_t (id int primary key, v text)") ||
	    !admin_exec(a, "insert into pqf_t values (1, 'one'), (2, 'two')"))
		exit(2);
	PQfinish(a);
}

/* Before the fault: s1 and s2 prepared and run, s3 prepared and then renamed by the
 * shim (a different text under the same name), s1 re-prepared identically. */
static void setup(PGconn *c)
{
	ExecStatusType s;
	const char *v;

	prep("cmp", c, "s1", "select $1::int + 1", 1);
	want_value("s1", execp("cmp", c, "s1", "41"), "42");
	prep("cmp", c, "s2", "select 'old-s2'::text", 0);
	want_value("s2", execp("cmp", c, "s2", NULL), "old-s2");
	prep("cmp", c, "s3", "select 10", 0);
	/* without the shim 42P05; with it, renamed: s3 now means "select 30" */
	s = prep("info", c, "s3", "select 30", 0);
	v = execp("info", c, "s3", NULL);
	if (g_shim) {
		if (s != PGRES_COMMAND_OK)
			fail("re-prepare of s3 with a new text: %s", PQresStatus(s));
		want_value("s3 (renamed)", v, "30");
	} else {
		want_value("s3", v, "10");
	}
	s = prep("info", c, "s1", "select $1::int + 1", 1);
	if (g_shim && s != PGRES_COMMAND_OK)
		fail("identical re-prepare of s1: %s", PQresStatus(s));
	if (!g_shim && s != PGRES_FATAL_ERROR)
		fail("identical re-prepare of s1 without the shim: %s", PQresStatus(s));
}

/* How many statements named `name` the server session of c holds. */
static int server_has(PGconn *c, const char *name)
{
	const char *vals[1] = { name };
	PGresult *r = PQexecParams(c, "select count(*) from pg_prepared_statements where name = $1",
				   1, NULL, vals, NULL, NULL, 0);
	int n = value(r) ? atoi(value(r)) : -1;

	PQclear(r);
	return n;
}

/* How many content names (_pqsh_...) the server session of c holds. */
static int server_has_content(PGconn *c)
{
	PGresult *r = PQexec(c, "select count(*) from pg_prepared_statements "
				"where left(name, 6) = '_pqsh_'");
	int n = value(r) ? atoi(value(r)) : -1;

	PQclear(r);
	return n;
}

/* After the fault and PQreset: the same names again, identical and different texts. */
static void recover(PGconn *c, const char *extra_name, const char *extra_sql,
		    const char *extra_param, const char *extra_want)
{
	ExecStatusType s;
	int n;

	set_step("status after reset");
	printf("cmp status after reset: conn=%s pipeline=%d\n", conn_word(c),
	       (int)PQpipelineStatus(c));
	if (PQstatus(c) != CONNECTION_OK) {
		fail("PQreset did not reconnect: %s", PQerrorMessage(c));
		return;
	}
	/* identical text: must really be prepared on the new session */
	if (prep("cmp", c, "s1", "select $1::int + 1", 1) != PGRES_COMMAND_OK)
		fail("identical re-prepare of s1 on the new session failed");
	want_value("s1 on the new session", execp("cmp", c, "s1", "5"), "6");
	set_step("server holds s1");
	n = server_has(c, "s1");
	printf("info server holds s1: %d\n", n);
	/* a pooler that tracks statements keeps them under its own names (PGBOUNCER_<n>) */
	if (n != ((g_shim && (g_unnamed || g_pooled)) || g_tracking ? 0 : 1))
		fail("the server session holds %d statements named s1", n);
	if (g_shim && g_pooled && g_tracking) {
		/* behind it pooled mode runs as dedupe: no content names */
		n = server_has_content(c);
		printf("info server holds content names: %d\n", n);
		if (n != 0)
			fail("pooled mode behind a tracking pooler made %d content names", n);
	} else if (g_shim && g_pooled) {
		/* PQSHIM_POOLED_THRESHOLD=1 (run.sh): s1 ran by its content name */
		n = server_has_content(c);
		printf("info server holds content names: %d\n", n);
		if (n < 1)
			fail("pooled mode: the new session holds %d content names after s1 ran", n);
	}
	/* a different text than before the fault */
	if (prep("cmp", c, "s2", "select v from pqf_t where id = $1", 1) != PGRES_COMMAND_OK)
		fail("prepare of s2 with a new text failed");
	want_value("s2 on the new session", execp("cmp", c, "s2", "2"), "two");
	/* s3 was renamed before the fault: its newest text, prepared again */
	if (prep("cmp", c, "s3", "select 30", 0) != PGRES_COMMAND_OK)
		fail("prepare of s3 on the new session failed");
	want_value("s3 on the new session", execp("cmp", c, "s3", NULL), "30");
	if (extra_name) {
		if (prep("cmp", c, extra_name, extra_sql, extra_param ? 1 : 0) != PGRES_COMMAND_OK)
			fail("prepare of %s on the new session failed", extra_name);
		want_value(extra_name, execp("cmp", c, extra_name, extra_param), extra_want);
	}
	/* the shim's own behaviour on the new session: a different text renames, an
	 * identical one is answered; both must run the right text */
	s = prep("info", c, "s3", "select 10", 0);
	if (g_shim) {
		if (s != PGRES_COMMAND_OK)
			fail("re-prepare of s3 with its old text on the new session: %s",
			     PQresStatus(s));
		want_value("s3 renamed on the new session", execp("info", c, "s3", NULL), "10");
		s = prep("info", c, "s1", "select $1::int + 1", 1);
		if (s != PGRES_COMMAND_OK)
			fail("identical re-prepare of s1 on the new session: %s", PQresStatus(s));
		want_value("s1 again", execp("info", c, "s1", "7"), "8");
	}
	/* the table is intact and the session usable for plain SQL */
	set_step("plain query");
	{
		PGresult *r = PQexec(c, "select count(*) from pqf_t");

		rec("cmp", "select count(*) from pqf_t", c, r);
		want_value("count", value(r), "2");
		PQclear(r);
	}
}

static void after_fault_exec_and_reset(PGconn *c)
{
	/* the app's next call notices the broken connection */
	execp("cmp", c, "s1", "1");
	set_step("status after fault");
	printf("cmp status after fault: conn=%s\n", conn_word(c));
	if (PQstatus(c) == CONNECTION_OK)
		fail("the connection still looks fine after the fault");
	set_step("PQreset");
	PQreset(c);
}

/* Holds an ACCESS EXCLUSIVE lock on pqf_t in an open transaction, so that any
 * statement of the app touching the table waits on the server (in flight). */
static PGconn *lock_table(void)
{
	PGconn *l = connect_env("PQF_PG_DSN");

	set_step("lock table");
	if (!admin_exec(l, "begin") || !admin_exec(l, "lock table pqf_t in access exclusive mode"))
		exit(2);
	return l;
}

static void unlock_table(PGconn *l)
{
	set_step("unlock table");
	admin_exec(l, "rollback");
	PQfinish(l);
}

/*
 * Waits (bounded) until backend pid waits on a lock. With drive, the app's
 * connection is read meanwhile, as an event loop does (PQconsumeInput +
 * PQisBusy): the shim sends a retry only when it reads the first attempt's
 * answer (pooled mode: the Parse + Execute after a 26000).
 */
static bool wait_blocked(int pid, PGconn *drive)
{
	PGconn *a = connect_env("PQF_PG_DSN");
	char sql[200];
	bool ok = false;

	set_step("wait for backend %d to block", pid);
	snprintf(sql, sizeof sql,
		 "select count(*) from pg_stat_activity where pid = %d and wait_event_type = 'Lock'",
		 pid);
	for (int i = 0; i < 100 && !ok; i++) {
		if (drive && (!PQconsumeInput(drive) || !PQisBusy(drive)))
			break; /* the command failed or ended: it is not waiting */
		ok = admin_int(a, sql) == 1;
		if (!ok)
			sleep_ms(50);
	}
	PQfinish(a);
	if (!ok)
		fail("backend %d never waited on the lock", pid);
	return ok;
}

/* pg_terminate_backend(pid) from another connection, waiting until it is gone. */
static void terminate(int pid)
{
	PGconn *a = connect_env("PQF_PG_DSN");
	char sql[120];

	set_step("terminate backend %d", pid);
	snprintf(sql, sizeof sql, "select pg_terminate_backend(%d, 5000)::int", pid);
	if (admin_int(a, sql) != 1)
		fail("pg_terminate_backend(%d) did not report success", pid);
	PQfinish(a);
}

/* ---- the scenarios ---- */

/* A server restarted by run.sh's hook (restart-pg, restart-bouncer) between two calls. */
static int sc_restart(const char *step, const char *hook)
{
	PGconn *c = connect_env("PQF_DSN");

	setup(c);
	set_step("%s", step);
	if (!run_hook(hook))
		fail("%s failed", hook);
	after_fault_exec_and_reset(c);
	recover(c, NULL, NULL, NULL, NULL);
	PQfinish(c);
	return 0;
}

static int sc_term_idle(void)
{
	PGconn *c = connect_env("PQF_DSN");

	setup(c);
	terminate(PQbackendPID(c));
	after_fault_exec_and_reset(c);
	recover(c, NULL, NULL, NULL, NULL);
	PQfinish(c);
	return 0;
}

/* which: "new" (a name never prepared), "diff" (s3 with a third text: the shim renames
 * it; without the shim the server would say 42P05, after the lock wait), "same" (s1
 * identically: the shim answers it itself, so its result is info only). */
static int sc_term_async(const char *which)
{
	PGconn *c = connect_env("PQF_DSN");
	PGconn *l;
	const char *name, *sql;
	int nparams = 1, pid = PQbackendPID(c);
	bool same = strcmp(which, "same") == 0;

	setup(c);
	if (strcmp(which, "new") == 0) {
		name = "s5";
		sql = "select v from pqf_t where id = $1";
	} else if (strcmp(which, "diff") == 0) {
		name = "s3";
		sql = "select v || '-diff' from pqf_t where id = $1";
	} else if (same) {
		/* s1 is "select $1::int + 1": does not touch the table, so make the
		 * identical text one that does */
		name = "s6";
		sql = "select v from pqf_t where id = $1";
		prep("cmp", c, name, sql, 1);
	} else {
		fprintf(stderr, "unknown variant %s\n", which);
		return 2;
	}
	l = lock_table();
	set_step("PQsendPrepare %s", name);
	printf("cmp sendPrepare %s: %d\n", name, PQsendPrepare(c, name, sql, nparams, NULL));
	fflush(stdout);
	if (!same)
		wait_blocked(pid, NULL);
	else
		sleep_ms(300); /* without the shim the Parse blocks; with it, maybe not */
	terminate(pid);
	unlock_table(l);
	/* read the in-flight prepare's results, as an app would */
	{
		int nulls = 0;

		for (int i = 0; i < 6 && nulls < 1; i++) {
			char w[80];
			PGresult *r;

			snprintf(w, sizeof w, "in-flight prepare getResult#%d", i + 1);
			set_step("%s", w);
			r = PQgetResult(c);
			rec(same ? "info" : "cmp", w, c, r);
			if (!r)
				nulls++;
			PQclear(r);
		}
	}
	after_fault_exec_and_reset(c);
	/* "diff": the renamed prepare never reached the server's catalog: s3's newest
	 * accepted text is "select 30", which recover() checks */
	if (strcmp(which, "diff") == 0)
		recover(c, NULL, NULL, NULL, NULL);
	else
		recover(c, name, sql, "1", "one");
	PQfinish(c);
	return 0;
}

static void send_or_fail(const char *what, int ok, PGconn *c)
{
	printf("cmp queue %s: %d conn=%s\n", what, ok, conn_word(c));
	fflush(stdout);
	if (!ok)
		fprintf(stderr, "  queue %s: %s", what, PQerrorMessage(c));
}

/* A pipeline: a query that waits on the lock, then prepares and executes queued
 * behind it (p1 new, s3 renamed by the shim, s2 with a new text), then a sync. */
static void queue_pipeline(PGconn *c)
{
	const char *one[1] = { "1" };

	set_step("queue pipeline");
	send_or_fail("enter", PQenterPipelineMode(c), c);
	send_or_fail("query pqf_t", PQsendQueryParams(c, "select v from pqf_t where id = 1", 0,
						      NULL, NULL, NULL, NULL, 0), c);
	send_or_fail("prepare p1", PQsendPrepare(c, "p1", "select $1::int + 1000", 1, NULL), c);
	send_or_fail("exec p1", PQsendQueryPrepared(c, "p1", 1, one, NULL, NULL, 0), c);
	send_or_fail("prepare s3", PQsendPrepare(c, "s3", "select 33", 0, NULL), c);
	send_or_fail("exec s3", PQsendQueryPrepared(c, "s3", 0, NULL, NULL, NULL, 0), c);
	send_or_fail("sync", PQpipelineSync(c), c);
	send_or_fail("flush", PQflush(c) == 0, c);
}

static void leave_pipeline_and_reset(PGconn *c)
{
	set_step("exit pipeline mode");
	printf("cmp exitPipelineMode: %d pipeline=%d conn=%s\n", PQexitPipelineMode(c),
	       (int)PQpipelineStatus(c), conn_word(c));
	fflush(stdout);
	set_step("status after fault");
	printf("cmp status after fault: conn=%s\n", conn_word(c));
	if (PQstatus(c) == CONNECTION_OK)
		fail("the connection still looks fine after the fault");
	set_step("PQreset");
	PQreset(c);
}

static int sc_term_pipeline(void)
{
	PGconn *c = connect_env("PQF_DSN");
	PGconn *l;
	int pid = PQbackendPID(c);

	setup(c);
	l = lock_table();
	queue_pipeline(c);
	wait_blocked(pid, NULL);
	terminate(pid);
	unlock_table(l);
	drain("pipeline", c, 20, true);
	leave_pipeline_and_reset(c);
	recover(c, "p1", "select $1::int + 1000", "1", "1001");
	PQfinish(c);
	return 0;
}

static int sc_net_drop(void)
{
	PGconn *c = connect_env("PQF_DSN");
	PGconn *l;
	int pid = PQbackendPID(c);

	setup(c);
	/* the first queued query waits on the lock, so no result is on its way when
	 * the socket goes down (the transcript does not depend on timing) */
	l = lock_table();
	queue_pipeline(c);
	wait_blocked(pid, NULL);
	set_step("shutdown socket");
	printf("cmp shutdown: %d\n", shutdown(PQsocket(c), SHUT_RDWR));
	drain("pipeline", c, 20, true);
	leave_pipeline_and_reset(c);
	unlock_table(l);
	recover(c, "p1", "select $1::int + 1000", "1", "1001");
	PQfinish(c);
	return 0;
}

static int sc_net_drop_async(void)
{
	PGconn *c = connect_env("PQF_DSN");
	PGconn *l;
	int pid = PQbackendPID(c);

	setup(c);
	prep("cmp", c, "s7", "select v from pqf_t where id = $1", 1);
	l = lock_table();
	{
		const char *one[1] = { "1" };

		set_step("send exec s7");
		send_or_fail("exec s7", PQsendQueryPrepared(c, "s7", 1, one, NULL, NULL, 0), c);
	}
	wait_blocked(pid, c);
	set_step("shutdown socket");
	printf("cmp shutdown: %d\n", shutdown(PQsocket(c), SHUT_RDWR));
	drain("async exec", c, 6, false);
	after_fault_exec_and_reset(c);
	unlock_table(l);
	recover(c, "s7", "select v from pqf_t where id = $1", "2", "two");
	PQfinish(c);
	return 0;
}

int main(int argc, char **argv)
{
	const char *pre = getenv("LD_PRELOAD");
	const char *mode = getenv("PQSHIM_MODE");
	const char *sc = argc > 1 ? argv[1] : "";
	int rc;

	g_shim = pre && strstr(pre, "pqshim");
	g_unnamed = mode && strcmp(mode, "unnamed") == 0;
	g_pooled = mode && strcmp(mode, "pooled") == 0;
	g_tracking = getenv("PQF_TRACKING") && strcmp(getenv("PQF_TRACKING"), "1") == 0;
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGALRM, on_alarm);
	signal(SIGPIPE, SIG_IGN);
	alarm((unsigned)(getenv("PQF_WATCHDOG") ? atoi(getenv("PQF_WATCHDOG")) : 25));

	fresh_table();
	if (strcmp(sc, "pg-restart") == 0)
		rc = sc_restart("restart PostgreSQL", "restart-pg");
	else if (strcmp(sc, "bouncer-restart") == 0)
		rc = sc_restart("restart PgBouncer", "restart-bouncer");
	else if (strcmp(sc, "term-idle") == 0)
		rc = sc_term_idle();
	else if (strncmp(sc, "term-async-", 11) == 0)
		rc = sc_term_async(sc + 11);
	else if (strcmp(sc, "term-pipeline") == 0)
		rc = sc_term_pipeline();
	else if (strcmp(sc, "net-drop") == 0)
		rc = sc_net_drop();
	else if (strcmp(sc, "net-drop-async") == 0)
		rc = sc_net_drop_async();
	else {
		fprintf(stderr, "unknown scenario '%s'\n", sc);
		return 2;
	}
	alarm(0);
	if (rc)
		return rc;
	printf("end: %d failed checks, %d steps\n", g_failures, g_seq);
	return g_failures ? 1 : 0;
}
