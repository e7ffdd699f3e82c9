/* Helpers shared by the integration cases. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pqtest.h"

PGconn *pqt_connect(bool via_bouncer)
{
	return pqt_connect_to(via_bouncer ? "PQT_BOUNCER_DSN" : "PQT_DSN");
}

PGconn *pqt_connect_to(const char *env)
{
	const char *dsn = getenv(env);
	PGconn *conn;

	if (!dsn) {
		fprintf(stderr, "  %s is not set\n", env);
		return NULL;
	}
	conn = PQconnectdb(dsn);
	if (PQstatus(conn) != CONNECTION_OK) {
		fprintf(stderr, "  cannot connect: %s", PQerrorMessage(conn));
		PQfinish(conn);
		return NULL;
	}
	return conn;
}

bool pqt_status(PGresult *r, ExecStatusType want)
{
	ExecStatusType got = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;

	if (got == want)
		return true;
	fprintf(stderr, "  expected %s, got %s: %s", PQresStatus(want), PQresStatus(got),
		r ? PQresultErrorMessage(r) : "(no result)\n");
	return false;
}

const char *pqt_sqlstate(const PGresult *r)
{
	const char *s = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;

	return s ? s : "";
}

const char *pqt_value(const PGresult *r)
{
	if (!r || PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) < 1 || PQnfields(r) < 1)
		return "";
	return PQgetvalue(r, 0, 0);
}

bool pqt_exec_ok(PGconn *conn, const char *sql)
{
	PGresult *r = PQexec(conn, sql);
	ExecStatusType st = PQresultStatus(r);
	bool ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;

	if (!ok)
		fprintf(stderr, "  %s: %s", sql, r ? PQresultErrorMessage(r) : PQerrorMessage(conn));
	PQclear(r);
	return ok;
}

bool pqt_scalar(PGconn *conn, const char *sql, char *buf, size_t size)
{
	PGresult *r = PQexec(conn, sql);
	bool ok = pqt_status(r, PGRES_TUPLES_OK);

	snprintf(buf, size, "%s", pqt_value(r));
	PQclear(r);
	return ok;
}

bool pqt_wait_readable(PGconn *conn)
{
	struct pollfd p = { .fd = PQsocket(conn), .events = POLLIN };

	if (poll(&p, 1, 10000) != 1) {
		fprintf(stderr, "  no answer within 10 s (a hung event loop)\n");
		return false;
	}
	return PQconsumeInput(conn) == 1;
}

PGresult *pqt_async_result(PGconn *conn)
{
	while (PQisBusy(conn))
		if (!pqt_wait_readable(conn))
			return NULL;
	return PQgetResult(conn);
}

bool pqt_async_end(PGconn *conn)
{
	PGresult *r = pqt_async_result(conn);

	if (!r)
		return true;
	fprintf(stderr, "  expected the end of the command, got %s\n",
		PQresStatus(PQresultStatus(r)));
	PQclear(r);
	return false;
}

int pqt_server_statements(PGconn *conn)
{
	char buf[32];

	if (!pqt_scalar(conn, "select count(*) from pg_prepared_statements", buf, sizeof(buf)))
		return -1;
	return atoi(buf);
}

bool pqt_ok(PGresult *r)
{
	bool ok = pqt_status(r, PGRES_COMMAND_OK);

	PQclear(r);
	return ok;
}

bool pqt_value_of(PGresult *r, const char *want)
{
	bool ok = pqt_status(r, PGRES_TUPLES_OK) && strcmp(pqt_value(r), want) == 0;

	if (!ok && r && PQresultStatus(r) == PGRES_TUPLES_OK)
		fprintf(stderr, "  got '%s', expected '%s'\n", pqt_value(r), want);
	PQclear(r);
	return ok;
}

void pqt_exec_prog(const char *prog, const char *arg)
{
	const char *dir = getenv("PQT_BIN_DIR"), *emu = getenv("PQT_EMULATOR");
	const char *preload = getenv("LD_PRELOAD");
	char path[1024], words[1024], opt[1100], *argv[16];
	int n = 0;

	if (!dir) {
		fprintf(stderr, "  PQT_BIN_DIR is not set\n");
		return;
	}
	snprintf(path, sizeof(path), "%s/%s", dir, prog);
	if (emu && emu[0]) {
		snprintf(words, sizeof(words), "%s", emu);
		for (char *w = strtok(words, " "); w && n < 10; w = strtok(NULL, " "))
			argv[n++] = w;
		if (preload) {
			snprintf(opt, sizeof(opt), "LD_PRELOAD=%s", preload);
			argv[n++] = "-E";
			argv[n++] = opt;
			unsetenv("LD_PRELOAD"); /* the emulator is a host program */
		}
	}
	argv[n++] = path;
	if (arg)
		argv[n++] = (char *)arg;
	argv[n] = NULL;
	execvp(argv[0], argv);
	fprintf(stderr, "  exec %s: %s\n", argv[0], strerror(errno));
}

double pqt_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
