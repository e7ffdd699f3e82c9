/*
 * The demo's pooled workload: WORKERS processes (separate apps, as Puma or
 * php-fpm workers are) share one PgBouncer in transaction mode.  Each
 * prepares a statement named "q" that returns its own worker number, then
 * executes it by name for SECONDS, as an app does that prepares once per
 * connection.  When an execution fails with 26000 (the statement is not on
 * the server connection this transaction landed on) the worker prepares it
 * again, as ORMs do.  It counts
 *   errors  results that were errors (42P05 on a prepare, 26000, ...)
 *   wrong   executions that returned another worker's number: another
 *           client's statement of the same name ran, silently
 *   tps     executions that returned the worker's own row, per second
 * and prints one line: "errors wrong tps" summed over the workers, then the
 * first error message seen, if any.
 *
 * usage: workers CONNINFO SECONDS [WORKERS]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <libpq-fe.h>

struct tally {
	long errors, wrong, right;
	char first_error[160];
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void note_error(struct tally *t, PGresult *r)
{
	t->errors++;
	if (t->first_error[0] == '\0') {
		snprintf(t->first_error, sizeof(t->first_error), "%s", PQresultErrorMessage(r));
		t->first_error[strcspn(t->first_error, "\n")] = '\0';
	}
}

static int is_state(PGresult *r, const char *state)
{
	const char *s = PQresultErrorField(r, PG_DIAG_SQLSTATE);

	return s && strcmp(s, state) == 0;
}

/*
 * A statement with some planning to do (two catalogs joined), so keeping
 * its plan matters a little, as it does for an app's real queries.
 */
static void prepare(PGconn *c, int id, struct tally *t)
{
	char sql[300];
	PGresult *r;

	snprintf(sql, sizeof(sql),
		 "SELECT %d AS worker FROM pg_catalog.pg_class c"
		 " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
		 " WHERE c.relname = $1 AND n.nspname = 'pg_catalog'", id);
	r = PQprepare(c, "q", sql, 0, NULL);
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		note_error(t, r);
	PQclear(r);
}

static void work(const char *conninfo, double seconds, int id, struct tally *t)
{
	const char *param[1] = {"pg_class"};
	PGconn *c = PQconnectdb(conninfo);
	double end;

	if (PQstatus(c) != CONNECTION_OK) {
		t->errors++;
		snprintf(t->first_error, sizeof(t->first_error), "cannot connect: %s",
			 PQerrorMessage(c));
		t->first_error[strcspn(t->first_error, "\n")] = '\0';
		PQfinish(c);
		return;
	}
	prepare(c, id, t);
	end = now() + seconds;
	while (now() < end) {
		PGresult *r = PQexecPrepared(c, "q", 1, param, NULL, NULL, 0);

		if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1) {
			if (atoi(PQgetvalue(r, 0, 0)) == id)
				t->right++;
			else
				t->wrong++;
		} else {
			note_error(t, r);
			if (is_state(r, "26000"))
				prepare(c, id, t);
			else if (PQstatus(c) != CONNECTION_OK) {
				PQclear(r);
				break;
			}
		}
		PQclear(r);
	}
	PQfinish(c);
}

int main(int argc, char **argv)
{
	struct tally sum = {0};
	double seconds;
	int workers, i;
	int fds[64];
	pid_t pids[64];

	if (argc < 3) {
		fprintf(stderr, "usage: workers CONNINFO SECONDS [WORKERS]\n");
		return 2;
	}
	seconds = atof(argv[2]);
	workers = argc > 3 ? atoi(argv[3]) : 4;
	if (seconds <= 0 || workers < 1 || workers > 64) {
		fprintf(stderr, "workers: SECONDS > 0, 1 <= WORKERS <= 64\n");
		return 2;
	}
	for (i = 0; i < workers; i++) {
		int p[2];

		if (pipe(p) != 0) {
			perror("pipe");
			return 2;
		}
		pids[i] = fork();
		if (pids[i] < 0) {
			perror("fork");
			return 2;
		}
		if (pids[i] == 0) {
			struct tally t = {0};
			ssize_t n;

			close(p[0]);
			work(argv[1], seconds, i + 1, &t);
			n = write(p[1], &t, sizeof(t));
			_exit(n == (ssize_t)sizeof(t) ? 0 : 3);
		}
		close(p[1]);
		fds[i] = p[0];
	}
	for (i = 0; i < workers; i++) {
		struct tally t;
		ssize_t n;

		do
			n = read(fds[i], &t, sizeof(t));
		while (n < 0 && errno == EINTR);
		close(fds[i]);
		waitpid(pids[i], NULL, 0);
		if (n != (ssize_t)sizeof(t)) {
			fprintf(stderr, "workers: worker %d reported nothing\n", i + 1);
			return 2;
		}
		sum.errors += t.errors;
		sum.wrong += t.wrong;
		sum.right += t.right;
		if (sum.first_error[0] == '\0')
			memcpy(sum.first_error, t.first_error, sizeof(sum.first_error));
	}
	printf("%ld %ld %.0f\n", sum.errors, sum.wrong, (double)sum.right / seconds);
	if (sum.first_error[0] != '\0')
		printf("%s\n", sum.first_error);
	return 0;
}
