/*
 * Helpers shared by the robustness programs. Each program includes this file
 * (`#include "rutil.c"`) and links tests/integ/util.c for the pqt_* helpers;
 * everything here is static, so a program carries only what it uses.
 */
#include <dlfcn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pqtest.h"

#define R_UNUSED __attribute__((unused))

/* Prints a failure line (with a prefix naming the program) to stderr. */
R_UNUSED __attribute__((format(printf, 1, 2))) static void r_fail(const char *fmt, ...)
{
	char line[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	fprintf(stderr, "  FAIL: %s\n", line);
}

/* The connection string of the PostgreSQL under test (PQT_DSN), or exits 2. */
R_UNUSED static const char *r_dsn(void)
{
	const char *dsn = getenv("PQT_DSN");

	if (!dsn || !*dsn) {
		fprintf(stderr, "PQT_DSN is not set\n");
		exit(2);
	}
	return dsn;
}

/* A new connection to PQT_DSN, or NULL (with a message). */
R_UNUSED static PGconn *r_connect(void)
{
	PGconn *c = PQconnectdb(r_dsn());

	if (PQstatus(c) != CONNECTION_OK) {
		r_fail("connect: %s", PQerrorMessage(c));
		PQfinish(c);
		return NULL;
	}
	return c;
}

/* Consumes r: true when its status is want (else prints what came instead). */
R_UNUSED static bool r_ok(PGresult *r, ExecStatusType want, const char *what)
{
	ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
	bool ok = st == want;

	if (!ok)
		r_fail("%s: expected %s, got %s: %s", what, PQresStatus(want),
		       r ? PQresStatus(st) : "no result", r ? PQresultErrorMessage(r) : "");
	PQclear(r);
	return ok;
}

/* Consumes r: true when it is one row whose first value is want. */
R_UNUSED static bool r_value(PGresult *r, const char *want, const char *what)
{
	bool ok = r && PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 &&
		  PQnfields(r) >= 1 && strcmp(PQgetvalue(r, 0, 0), want) == 0;

	if (!ok)
		r_fail("%s: expected '%s', got %s '%s' %s", what, want,
		       r ? PQresStatus(PQresultStatus(r)) : "no result",
		       r && PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0 ?
			       PQgetvalue(r, 0, 0) :
			       "",
		       r ? PQresultErrorMessage(r) : "");
	PQclear(r);
	return ok;
}

/* Reads the one result of an async command and its end (NULL), event-loop style. */
R_UNUSED static PGresult *r_async_one(PGconn *c)
{
	PGresult *r = pqt_async_result(c);
	PGresult *extra;

	if (!r)
		return NULL;
	extra = pqt_async_result(c);
	if (extra) {
		r_fail("async: a second result (%s) where the command should end",
		       PQresStatus(PQresultStatus(extra)));
		PQclear(extra);
		PQclear(r);
		return NULL;
	}
	return r;
}

/* True when this process's PQprepare is the shim's (it is preloaded). */
R_UNUSED static bool r_shim_loaded(void)
{
	Dl_info info;
	void *p = dlsym(RTLD_DEFAULT, "PQprepare");

	return p && dladdr(p, &info) && info.dli_fname && strstr(info.dli_fname, "pqshim");
}

/* Resident set size in KiB (from /proc/self/statm), or -1. */
R_UNUSED static long r_rss_kb(void)
{
	long pages_total, pages_rss;
	FILE *f = fopen("/proc/self/statm", "r");
	int n;

	if (!f)
		return -1;
	n = fscanf(f, "%ld %ld", &pages_total, &pages_rss);
	fclose(f);
	return n == 2 ? pages_rss * (sysconf(_SC_PAGESIZE) / 1024) : -1;
}

/* A program-wide watchdog: a stuck test ends with SIGALRM, never hangs a CI job. */
R_UNUSED static void r_watchdog(unsigned seconds)
{
	const char *env = getenv("R_TIMEOUT");

	if (env && atoi(env) > 0)
		seconds = (unsigned)atoi(env);
	alarm(seconds);
}
