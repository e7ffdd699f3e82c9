/*
 * The pin technique of the pooled-mode cases (cases_pooled*.c), behind
 * PgBouncer in transaction mode with two server connections: a "pin"
 * connection holds one server connection (X) in an open transaction while the
 * app takes a step, which therefore lands on the other one (Y); after the pin
 * commits, X is the most recently released server connection and PgBouncer
 * hands it to the app's next step. While pinned, the pin sees X and the
 * observer "obs" sees Y. Pin and observer are opened with pqshim_mode=off:
 * what they clean and see of pg_prepared_statements is the server's, whatever
 * the app's mode does with DEALLOCATE ALL. Without the shim libpq rejects
 * that parameter and they are plain connections. Plus the small helpers the
 * cases share.
 */
#ifndef PQTEST_TRIO_H
#define PQTEST_TRIO_H

#include "cases.h"

#define PINNED true
#define UNPINNED false

struct trio {
	PGconn *app, *pin, *obs;
	bool pinned;
};

/* A connection to the DSN in env that the shim leaves alone. */
PGconn *connect_raw(const char *env);
/* Pins (the app's next step lands on Y) or unpins (it lands on X). */
bool trio_on(struct trio *t, bool pinned);
#define AT(t, where) CHECK(trio_on(t, where), "switch server connection")
/* Empties both server connections (the pin cleans X, obs Y), back to the pin state it found. */
bool trio_clean_servers(struct trio *t);
/*
 * Sets the shim's environment (it is read at the first call: before
 * connecting; max NULL: the default), connects pin, obs and app to
 * PQT_BOUNCER2_DSN and empties both server connections.
 */
bool trio_open(struct trio *t, const char *mode, const char *threshold, const char *max);
void trio_close(struct trio *t);

/*
 * A check of pooled mode's own mechanism (content names made on demand, the
 * threshold, the cap): behind a PgBouncer that tracks prepared statements
 * itself, pooled mode leaves statements to it (it runs as dedupe), so such a
 * check does not apply there; trio_open says so once, and the values the app
 * gets are still checked.
 */
#define MECHANISM(cond, ...) CHECK(pqt_tracking() || (cond), __VA_ARGS__)

/* _pqsh_ followed by 32 lower-case hex digits (behind a tracking pooler: its PGBOUNCER_<n>) */
bool is_pooled_name(const char *s);

/* What one server connection holds (all of it, or the statements whose text contains marker). */
struct held {
	int total, pooled; /* names, and those of the _pqsh_ form */
	bool s0;	   /* the app's own name "s0" is there */
	char list[2048];   /* the names, sorted, comma-separated */
};
/* What c's server connection holds (marker NULL: all, else statements whose text contains it). */
bool look(PGconn *c, const char *marker, struct held *h);
/* Pinned: what X (the pin's) and Y (obs's) hold of marker. */
bool look_both(struct trio *t, const char *marker, struct held *x, struct held *y);

/* The result of a command sent with PQsend* (sent: what that returned), then its end. */
PGresult *async_take(PGconn *c, int sent);
/* The same call, blocking or through PQsend* + an event loop. */
PGresult *do_prepare(PGconn *c, bool async, const char *name, const char *sql);
PGresult *do_exec(PGconn *c, bool async, const char *name, const char *param);
PGresult *do_sql(PGconn *c, bool async, const char *sql);
/* A prepare's result: COMMAND_OK with nothing in it, as the server gives it; clears r. */
bool prepared(PGresult *r);
/* r is the one row of the healing table with its first n columns (a=1, b=2, c=three); clears r. */
bool heal_row(PGresult *r, int n);
/* Runs before, the table's name, after (on c). */
bool exec_table(PGconn *c, const char *before, const char *table, const char *after);
/* Describe, blocking or through PQsend* + an event loop. */
PGresult *do_describe(PGconn *c, bool async, const char *name);
/* r failed with SQLSTATE want; clears r. */
bool failed_with(PGresult *r, const char *want);
/* DEALLOCATE's result is the server's own: COMMAND_OK, tag DEALLOCATE; clears r. */
bool deallocated(PGresult *r);
/* A command's result with the tag want (BEGIN, COMMIT, ...); clears r. */
bool tagged(PGresult *r, const char *want);
/* How often needle occurs in hay. */
int occurrences(const char *hay, const char *needle);
/* The value of exec name(param) is want (sync or async). */
bool exec_is(PGconn *c, bool async, const char *name, int param, int want);
/* n executions of name with parameter base, base+1, ...; the value is param * mul. */
bool execs(PGconn *c, const char *name, int n, int base, int mul);
/* The app's transaction status is want. */
bool tx_is(PGconn *c, PGTransactionStatusType want);
/* A notice receiver that drops notices. */
void quiet(void *arg, const char *message);

#endif
