/*
 * A tiny harness for integration cases: C programs that use libpq exactly
 * like an app would, run by tests/run-integ.sh once without the shim and once
 * with it. A case returns 0 when everything it checked held, 1 when a check
 * failed (the runner expects 1 without the shim for cases that prove a fix).
 */
#ifndef PQTEST_H
#define PQTEST_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libpq-fe.h>

/* What a case proves: PQT_FIX must fail without the shim (exit 1) and pass with it. */
enum pqt_kind {
	PQT_KEEP = 0,     /* passes both ways: the shim must not break it */
	PQT_FIX = 1,      /* proves a fix */
	PQT_FIX_UNTRACKED /* proves a fix, except behind a pooler that tracks prepared statements
			     itself (PQT_BOUNCER_TRACKS=1): that pooler answers it alone, and the
			     case checks what it answers both ways */
};

struct pqt_case {
	const char *name;
	int (*run)(void);
	int fails_without_shim; /* enum pqt_kind */
	const char *doc;
};

/* The PgBouncer under test tracks prepared statements itself (1.21+, max_prepared_statements > 0). */
static inline bool pqt_tracking(void)
{
	const char *v = getenv("PQT_BOUNCER_TRACKS");

	return v && strcmp(v, "1") == 0;
}

/* How a case lists itself for tests/lib/cases.sh: "fix", "keep" or "tracked". */
static inline const char *pqt_kind_name(int kind)
{
	if (kind == PQT_FIX_UNTRACKED)
		return pqt_tracking() ? "tracked" : "fix";
	return kind ? "fix" : "keep";
}

#define CHECK(cond, ...) \
	do { \
		if (!(cond)) { \
			fprintf(stderr, "  check failed at %s:%d: %s: ", __FILE__, __LINE__, #cond); \
			fprintf(stderr, __VA_ARGS__); \
			fputc('\n', stderr); \
			return 1; \
		} \
	} while (0)

/* Connects to PQT_DSN (direct PostgreSQL) or, with via_bouncer, PQT_BOUNCER_DSN. */
PGconn *pqt_connect(bool via_bouncer);
/* Connects to the connection string in the environment variable env. */
PGconn *pqt_connect_to(const char *env);
/* Status check that prints the server's message when it does not match. */
bool pqt_status(PGresult *r, ExecStatusType want);
/* The SQLSTATE of r ("" when none). */
const char *pqt_sqlstate(const PGresult *r);
/* The one value of a one-row, one-column result, as text ("" when absent). */
const char *pqt_value(const PGresult *r);
/* r is COMMAND_OK (message otherwise); clears r. */
bool pqt_ok(PGresult *r);
/* r is TUPLES_OK with the single value want (message otherwise); clears r. */
bool pqt_value_of(PGresult *r, const char *want);
/* PQexec + check status + clear; returns false (with a message) on mismatch. */
bool pqt_exec_ok(PGconn *conn, const char *sql);
/* Runs sql and returns its single value in buf. */
bool pqt_scalar(PGconn *conn, const char *sql, char *buf, size_t size);
/* Waits with poll() until the socket is readable, then PQconsumeInput; false on error. */
bool pqt_wait_readable(PGconn *conn);
/* Reads every result of one command the way an event loop does (PQisBusy first). */
PGresult *pqt_async_result(PGconn *conn);
/* Expects PQgetResult to report the end of a command (NULL). */
bool pqt_async_end(PGconn *conn);
/* Seconds on the monotonic clock. */
double pqt_now(void);
/* How many prepared statements the server session holds. */
int pqt_server_statements(PGconn *conn);
/*
 * Replaces the process with $PQT_BIN_DIR/prog [arg], which keeps the
 * environment (LD_PRELOAD included). Under an emulator (PQT_EMULATOR, make
 * test-arm64) the host cannot exec the program itself: it runs under the
 * emulator, LD_PRELOAD handed to it with -E. Returns only on failure.
 */
void pqt_exec_prog(const char *prog, const char *arg);


#endif
