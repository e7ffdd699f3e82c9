/*
 * fork() while other threads are inside the shim.
 *
 * The main thread holds connections with statements prepared (one renamed
 * by a conflicting re-prepare). A busy thread executes in a tight loop over
 * 10 connections (more than the shim's 8 per-thread cache slots, so lookups
 * often take the registry lock), and a churn thread connects, prepares and
 * finishes in a loop (every change of the registry invalidates all caches, so
 * every thread takes the lock). Meanwhile the main thread forks, FORKS times:
 *
 *   child:  finishes the inherited main connections (with the socket first
 *           pointed at /dev/null, so the Terminate message does not end the
 *           parent's sessions), opens new connections, prepares (the same
 *           names, identical and conflicting, sync and async, SQL) and
 *           executes with value checks; exits 0, or 1 on a failed check.
 *           A watchdog (alarm) ends a child that deadlocks.
 *   parent: waits for the child (a time limit, then SIGKILL: a deadlock),
 *           then keeps using its own connections, with value checks.
 *
 * Usage: r_fork [FORKS]   (default 50). Exit 0 when everything held.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/wait.h>
#include <time.h>

#include "rutil.c"

#define MAIN_CONNS 3
#define BUSY_CONNS 10
#define CHILD_LIMIT_MS 30000

static atomic_bool stop;
static atomic_long busy_ops, churn_ops;
static atomic_int thread_failures;

static bool prep(PGconn *c, const char *name, const char *sql, const char *what)
{
	return r_ok(PQprepare(c, name, sql, 1, NULL), PGRES_COMMAND_OK, what);
}

static bool exec_val(PGconn *c, const char *name, const char *arg, const char *want,
		     const char *what)
{
	const char *vals[1] = { arg };

	return r_value(PQexecPrepared(c, name, 1, vals, NULL, NULL, 0), want, what);
}

static void *busy_thread(void *arg)
{
	PGconn *c[BUSY_CONNS] = { NULL };
	char want[32], val[32];
	bool ok = true;

	(void)arg;
	for (int i = 0; i < BUSY_CONNS && ok; i++)
		ok = (c[i] = r_connect()) && prep(c[i], "b", "SELECT 'b' || $1::text", "busy prepare");
	for (long n = 0; ok && !atomic_load(&stop); n++) {
		PGconn *k = c[n % BUSY_CONNS];

		snprintf(val, sizeof(val), "%ld", n);
		snprintf(want, sizeof(want), "b%ld", n);
		if (n % 3 == 0) {
			const char *vals[1] = { val };

			ok = PQsendQueryPrepared(k, "b", 1, vals, NULL, NULL, 0) &&
			     r_value(r_async_one(k), want, "busy async exec");
		} else if (n % 7 == 0) {
			ok = prep(k, "b", "SELECT 'b' || $1::text", "busy identical re-prepare") &&
			     exec_val(k, "b", val, want, "busy exec");
		} else {
			ok = exec_val(k, "b", val, want, "busy exec");
		}
		atomic_fetch_add(&busy_ops, 1);
	}
	for (int i = 0; i < BUSY_CONNS; i++)
		PQfinish(c[i]);
	if (!ok)
		atomic_fetch_add(&thread_failures, 1);
	return NULL;
}

static void *churn_thread(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop)) {
		PGconn *c = r_connect();
		bool ok = c && prep(c, "c", "SELECT 'c' || $1::text", "churn prepare") &&
			  exec_val(c, "c", "1", "c1", "churn exec");

		PQfinish(c);
		if (!ok) {
			atomic_fetch_add(&thread_failures, 1);
			return NULL;
		}
		atomic_fetch_add(&churn_ops, 1);
	}
	return NULL;
}

/* Finishes an inherited connection without touching the parent's session. */
static void finish_inherited(PGconn *c)
{
	int sock = PQsocket(c);
	int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

	if (sock >= 0 && null >= 0)
		dup2(null, sock);
	if (null >= 0)
		close(null);
	PQfinish(c);
}

static int child(PGconn **inherited, int round)
{
	char want[64], val[32], sql[96];
	PGconn *c[2];

	alarm(20);
	for (int i = 0; i < MAIN_CONNS; i++)
		finish_inherited(inherited[i]);
	for (int i = 0; i < 2; i++) {
		if (!(c[i] = r_connect()))
			return 1;
		snprintf(val, sizeof(val), "%d", round);
		/* the parent's names, on a new session: prepared for real */
		snprintf(want, sizeof(want), "m%d", round);
		if (!prep(c[i], "m", "SELECT 'm' || $1::text", "child prepare") ||
		    !exec_val(c[i], "m", val, want, "child exec") ||
		    !prep(c[i], "m", "SELECT 'm' || $1::text", "child identical re-prepare") ||
		    !exec_val(c[i], "m", val, want, "child exec after identical re-prepare"))
			return 1;
		/* a conflicting re-prepare: a generated name from the child's new tag */
		snprintf(sql, sizeof(sql), "SELECT 'child%d:' || $1::text", i);
		snprintf(want, sizeof(want), "child%d:%d", i, round);
		if (!prep(c[i], "m", sql, "child conflicting re-prepare") ||
		    !exec_val(c[i], "m", val, want, "child exec after conflicting re-prepare"))
			return 1;
		if (!PQsendPrepare(c[i], "a", "SELECT 'a' || $1::text", 1, NULL) ||
		    !r_ok(r_async_one(c[i]), PGRES_COMMAND_OK, "child async prepare") ||
		    !r_ok(PQexec(c[i], "PREPARE q AS SELECT 'q'"), PGRES_COMMAND_OK,
			  "child SQL PREPARE") ||
		    !r_ok(PQexec(c[i], "PREPARE q AS SELECT 'q'"), PGRES_COMMAND_OK,
			  "child identical SQL PREPARE") ||
		    !r_value(PQexec(c[i], "EXECUTE q"), "q", "child EXECUTE"))
			return 1;
	}
	for (int i = 0; i < 2; i++)
		PQfinish(c[i]);
	return 0;
}

/* Waits for pid up to limit_ms; -1 (after SIGKILL) when it did not end. */
static int wait_child(pid_t pid, int limit_ms, int *status)
{
	struct timespec pause = { 0, 2000000 };

	for (int waited = 0; waited < limit_ms; waited += 2) {
		pid_t r = waitpid(pid, status, WNOHANG);

		if (r == pid)
			return 0;
		if (r < 0 && errno != EINTR)
			return -1;
		nanosleep(&pause, NULL);
	}
	kill(pid, SIGKILL);
	waitpid(pid, status, 0);
	return -1;
}

int main(int argc, char **argv)
{
	int forks = argc >= 2 ? atoi(argv[1]) : 50;
	PGconn *m[MAIN_CONNS];
	pthread_t busy, churn;
	char want[64], wantk[64], val[32];
	int bad = 0;

	r_watchdog(300);
	for (int i = 0; i < MAIN_CONNS; i++) {
		if (!(m[i] = r_connect()) ||
		    !prep(m[i], "m", "SELECT 'old' || $1::text", "main prepare") ||
		    !prep(m[i], "m", "SELECT 'main' || $1::text", "main conflicting re-prepare") ||
		    !prep(m[i], "k", "SELECT 'k' || $1::text", "main prepare"))
			return 1;
	}
	if (pthread_create(&busy, NULL, busy_thread, NULL) != 0 ||
	    pthread_create(&churn, NULL, churn_thread, NULL) != 0)
		return 1;
	for (int f = 0; f < forks && !bad; f++) {
		struct timespec jitter = { 0, (f % 5) * 300000 };
		int status = 0;
		pid_t pid;

		nanosleep(&jitter, NULL);
		fflush(NULL);
		pid = fork();
		if (pid < 0) {
			r_fail("fork: %s", strerror(errno));
			bad++;
			break;
		}
		if (pid == 0)
			_exit(child(m, f));
		if (wait_child(pid, CHILD_LIMIT_MS, &status) < 0) {
			r_fail("fork %d: the child did not finish within %d ms (deadlock?)", f,
			       CHILD_LIMIT_MS);
			bad++;
		} else if (WIFSIGNALED(status)) {
			r_fail("fork %d: the child died of signal %d%s", f, WTERMSIG(status),
			       WTERMSIG(status) == SIGALRM ? " (its watchdog: a deadlock)" : "");
			bad++;
		} else if (WEXITSTATUS(status) != 0) {
			r_fail("fork %d: the child failed a check (exit %d)", f, WEXITSTATUS(status));
			bad++;
		}
		for (int i = 0; i < MAIN_CONNS && !bad; i++) {
			snprintf(val, sizeof(val), "%d", f);
			snprintf(want, sizeof(want), "main%d", f);
			snprintf(wantk, sizeof(wantk), "k%d", f);
			if (!exec_val(m[i], "m", val, want, "parent exec after fork") ||
			    !prep(m[i], "m", "SELECT 'main' || $1::text",
				  "parent identical re-prepare after fork") ||
			    !exec_val(m[i], "k", val, wantk, "parent exec after fork"))
				bad++;
		}
		if (atomic_load(&thread_failures))
			break;
	}
	atomic_store(&stop, true);
	pthread_join(busy, NULL);
	pthread_join(churn, NULL);
	for (int i = 0; i < MAIN_CONNS; i++)
		PQfinish(m[i]);
	printf("forks %d, busy ops %ld, churn connections %ld\n", forks, atomic_load(&busy_ops),
	       atomic_load(&churn_ops));
	if (atomic_load(&thread_failures)) {
		r_fail("%d thread(s) failed a check", atomic_load(&thread_failures));
		bad++;
	}
	return bad ? 1 : 0;
}
