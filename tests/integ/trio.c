/* The pin technique and helpers shared by the pooled-mode cases; see trio.h. */
#include <stdlib.h>
#include <string.h>

#include "trio.h"

/* A connection to the DSN in env that the shim leaves alone. */
PGconn *connect_raw(const char *env)
{
	const char *dsn = getenv(env);
	char buf[1024];
	PGconn *c;

	if (!dsn) {
		fprintf(stderr, "  %s is not set\n", env);
		return NULL;
	}
	snprintf(buf, sizeof(buf), "%s pqshim_mode=off", dsn);
	c = PQconnectdb(buf);
	if (PQstatus(c) == CONNECTION_OK)
		return c;
	if (!strstr(PQerrorMessage(c), "pqshim_mode")) {
		fprintf(stderr, "  cannot connect: %s", PQerrorMessage(c));
		PQfinish(c);
		return NULL;
	}
	PQfinish(c); /* no shim: libpq does not know the parameter */
	return pqt_connect_to(env);
}

/* Pins (the app's next step lands on Y) or unpins (it lands on X). */
bool trio_on(struct trio *t, bool pinned)
{
	bool ok = true;

	if (pinned && !t->pinned)
		ok = pqt_exec_ok(t->pin, "BEGIN") && pqt_exec_ok(t->pin, "SELECT 1");
	else if (!pinned && t->pinned)
		ok = pqt_exec_ok(t->pin, "COMMIT");
	if (ok)
		t->pinned = pinned;
	return ok;
}

/* Empties both server connections (the pin cleans X, obs Y); the app's statements stay its own. */
bool trio_clean_servers(struct trio *t)
{
	bool was = t->pinned;

	return trio_on(t, PINNED) && pqt_exec_ok(t->pin, "DEALLOCATE ALL") &&
	       pqt_exec_ok(t->obs, "DEALLOCATE ALL") && trio_on(t, was);
}

/* The shim reads its environment at the first call: set it before connecting (max NULL: default). */
bool trio_open(struct trio *t, const char *mode, const char *threshold, const char *max)
{
	if (pqt_tracking() && strcmp(mode, "pooled") == 0)
		fprintf(stderr, "  note: PgBouncer tracks prepared statements itself here; pooled mode "
				"leaves them to it (dedupe), so checks of its own mechanism do not apply\n");
	setenv("PQSHIM_MODE", mode, 1);
	setenv("PQSHIM_POOLED_THRESHOLD", threshold, 1);
	if (max)
		setenv("PQSHIM_POOLED_MAX", max, 1);
	else
		unsetenv("PQSHIM_POOLED_MAX");
	t->pinned = false;
	t->pin = connect_raw("PQT_BOUNCER2_DSN");
	t->obs = connect_raw("PQT_BOUNCER2_DSN");
	t->app = pqt_connect_to("PQT_BOUNCER2_DSN");
	return t->pin && t->obs && t->app && trio_clean_servers(t) && trio_on(t, PINNED) &&
	       pqt_exec_ok(t->app, "DEALLOCATE ALL") && trio_on(t, UNPINNED);
}

void trio_close(struct trio *t)
{
	PQfinish(t->app);
	PQfinish(t->pin);
	PQfinish(t->obs);
}

/* _pqsh_ followed by 32 lower-case hex digits */
bool is_pooled_name(const char *s)
{
	/* behind a pooler that tracks statements, pooled mode leaves the names to it */
	if (pqt_tracking() && strncmp(s, "PGBOUNCER_", 10) == 0)
		return true;
	if (strncmp(s, "_pqsh_", 6) != 0 || strlen(s) != 6 + 32)
		return false;
	for (s += 6; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return false;
	return true;
}

bool look(PGconn *c, const char *marker, struct held *h)
{
	const char *v[1] = { marker ? marker : "" };
	PGresult *r = PQexecParams(c,
				   "select name from pg_prepared_statements "
				   "where strpos(statement, $1) > 0 order by name",
				   1, NULL, v, NULL, NULL, 0);
	size_t used = 0;

	memset(h, 0, sizeof(*h));
	if (!pqt_status(r, PGRES_TUPLES_OK)) {
		PQclear(r);
		return false;
	}
	h->total = PQntuples(r);
	for (int i = 0; i < h->total; i++) {
		const char *name = PQgetvalue(r, i, 0);

		h->pooled += is_pooled_name(name);
		h->s0 |= strcmp(name, "s0") == 0;
		if (used < sizeof(h->list))
			used += (size_t)snprintf(h->list + used, sizeof(h->list) - used, "%s%s",
						 i ? "," : "", name);
	}
	PQclear(r);
	return true;
}

/* Pinned: what X (the pin's) and Y (obs's) hold of marker. */
bool look_both(struct trio *t, const char *marker, struct held *x, struct held *y)
{
	if (!t->pinned) {
		fprintf(stderr, "  look_both needs the pin\n");
		return false;
	}
	return look(t->pin, marker, x) && look(t->obs, marker, y);
}

/* The result of a command sent with PQsend* (sent: what that returned), then its end. */
PGresult *async_take(PGconn *c, int sent)
{
	PGresult *r;

	if (!sent) {
		fprintf(stderr, "  send failed: %s", PQerrorMessage(c));
		return NULL;
	}
	r = pqt_async_result(c);
	if (r && !pqt_async_end(c)) {
		PQclear(r);
		return NULL;
	}
	return r;
}

PGresult *do_prepare(PGconn *c, bool async, const char *name, const char *sql)
{
	return async ? async_take(c, PQsendPrepare(c, name, sql, 0, NULL))
		     : PQprepare(c, name, sql, 0, NULL);
}

PGresult *do_exec(PGconn *c, bool async, const char *name, const char *param)
{
	const char *v[1] = { param };
	int n = param ? 1 : 0;

	return async ? async_take(c, PQsendQueryPrepared(c, name, n, v, NULL, NULL, 0))
		     : PQexecPrepared(c, name, n, v, NULL, NULL, 0);
}

PGresult *do_sql(PGconn *c, bool async, const char *sql)
{
	return async ? async_take(c, PQsendQuery(c, sql)) : PQexec(c, sql);
}

/* A prepare's result: COMMAND_OK with nothing in it, as the server gives it. */
bool prepared(PGresult *r)
{
	bool ok = pqt_status(r, PGRES_COMMAND_OK) && PQnfields(r) == 0 && PQnparams(r) == 0;

	PQclear(r);
	return ok;
}

/* r is the one row of the table with its first n columns (a=1, b=2, c=three); clears r. */
bool heal_row(PGresult *r, int n)
{
	static const char *const names[] = { "a", "b", "c" };
	static const char *const values[] = { "1", "2", "three" };
	bool ok = pqt_status(r, PGRES_TUPLES_OK);

	if (ok && (PQntuples(r) != 1 || PQnfields(r) != n)) {
		fprintf(stderr, "  %d rows of %d fields, expected 1 of %d\n", PQntuples(r),
			PQnfields(r), n);
		ok = false;
	}
	for (int i = 0; ok && i < n; i++) {
		ok = strcmp(PQfname(r, i), names[i]) == 0 && strcmp(PQgetvalue(r, 0, i), values[i]) == 0;
		if (!ok)
			fprintf(stderr, "  field %d is %s = '%s'\n", i, PQfname(r, i), PQgetvalue(r, 0, i));
	}
	PQclear(r);
	return ok;
}

/* Runs before, the table's name, after (on c). */
bool exec_table(PGconn *c, const char *before, const char *table, const char *after)
{
	char sql[256];

	snprintf(sql, sizeof(sql), "%s%s%s", before, table, after);
	return pqt_exec_ok(c, sql);
}

void quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

PGresult *do_describe(PGconn *c, bool async, const char *name)
{
	return async ? async_take(c, PQsendDescribePrepared(c, name)) : PQdescribePrepared(c, name);
}

/* r failed with SQLSTATE want; clears r. */
bool failed_with(PGresult *r, const char *want)
{
	bool ok = strcmp(pqt_sqlstate(r), want) == 0;

	if (!ok)
		fprintf(stderr, "  expected SQLSTATE %s, got '%s' (%s)\n", want, pqt_sqlstate(r),
			r ? PQresStatus(PQresultStatus(r)) : "no result");
	PQclear(r);
	return ok;
}

/* DEALLOCATE's result is the server's own: COMMAND_OK, tag DEALLOCATE. */
bool deallocated(PGresult *r)
{
	bool ok = pqt_status(r, PGRES_COMMAND_OK) && strcmp(PQcmdStatus(r), "DEALLOCATE") == 0;

	if (r && PQresultStatus(r) == PGRES_COMMAND_OK && !ok)
		fprintf(stderr, "  tag '%s', expected DEALLOCATE\n", PQcmdStatus(r));
	PQclear(r);
	return ok;
}


/* A command's result with the tag want (BEGIN, COMMIT, ...); clears r. */
bool tagged(PGresult *r, const char *want)
{
	bool ok = pqt_status(r, PGRES_COMMAND_OK) && strcmp(PQcmdStatus(r), want) == 0;

	if (r && PQresultStatus(r) == PGRES_COMMAND_OK && !ok)
		fprintf(stderr, "  tag '%s', expected %s\n", PQcmdStatus(r), want);
	PQclear(r);
	return ok;
}

/* How often needle occurs in hay. */
int occurrences(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* The value of exec name(param) is want (sync or async). */
bool exec_is(PGconn *c, bool async, const char *name, int param, int want)
{
	char p[16], w[16];

	snprintf(p, sizeof(p), "%d", param);
	snprintf(w, sizeof(w), "%d", want);
	return pqt_value_of(do_exec(c, async, name, p), w);
}

/* n executions of name with parameter base, base+1, ...; the value is param * mul. */
bool execs(PGconn *c, const char *name, int n, int base, int mul)
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

/* The app's transaction status is want. */
bool tx_is(PGconn *c, PGTransactionStatusType want)
{
	PGTransactionStatusType got = PQtransactionStatus(c);

	if (got != want)
		fprintf(stderr, "  transaction status %d, expected %d\n", (int)got, (int)want);
	return got == want;
}
