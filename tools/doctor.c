/*
 * pqshim-doctor: tells whether named prepared statements survive from one
 * transaction to the next on a connection (they do not behind a transaction
 * or statement pooler) and which shim mode to use. Run it as
 * `pqshim doctor [CONNINFO]`: the wrapper preloads the shim, so Prisma-style
 * URLs (pgbouncer=true, connection_limit) are accepted.
 *
 * The probe is empirical. A probe connection prepares a uniquely named
 * statement, then runs autocommit statements (each its own transaction)
 * that report the backend pid and whether the statement is still in the
 * server session. Every other statement, a second connection (the holder)
 * keeps a server connection busy meanwhile, so a pooler cannot hand the
 * probe the server connection it just had: behind a pooler the probe moves
 * to another backend, loses its statement, or runs on a backend the holder
 * used; on a direct connection none of this can happen. The probe and the
 * holder run with pqshim_mode=off after the user's string (the shim takes
 * the last value, and pqshim_mode beats prepared_statements and pgbouncer),
 * so the shim's unnamed mode cannot make the statement virtual.
 *
 * Exit status: 0 nothing to fix (no pooling, a pooler that prepares
 * statements itself, or pooling and a mode that is safe behind it: auto,
 * pooled or unnamed); 1 problems found (pooling with a mode that is not
 * safe there, statements left in the server session by earlier clients, or
 * a probe step failed); 2 cannot connect, or bad usage.
 *
 * Never prints the connection string: only PQhost/PQport/PQdb/PQuser, and
 * libpq's messages with any password from the string cut out.
 */
#include <dlfcn.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "config.h"
#include "conninfo.h"
#include "pooler.h"

#define PROBE_STATEMENTS 20
#define MAX_PIDS (PROBE_STATEMENTS + 16)
/* DEALLOCATE attempts behind a pooler: first alternating with the holder (a LIFO pool
 * hands out the same idle server connection until one is busy), then without it (a
 * round-robin pool hands out each idle one in turn) */
#define CLEANUP_ALTERNATING 6
#define CLEANUP_TRIES 24
/* How long the holder may take to get a server connection (a pooler may have to open one). */
#define HOLD_WAIT_MS 2000
/* How long the probe waits while the holder is busy before assuming it waits for the
 * holder's server connection (a pool of one): then the holder is cancelled to free it. */
#define BLOCKED_WAIT_MS 1500
/* Any single statement; generous, as only a dead server takes this long. */
#define STEP_WAIT_MS 30000

#define HOLD_TAG "pqshim-doctor holding "
/*
 * The holder's statement: announces its backend and the statements of others
 * in that session, then sleeps until cancelled. set_config(..., true): the
 * notice must get through whatever client_min_messages the role has; it is
 * local to this statement's transaction, so nothing stays in a pooled session.
 * A snprintf format: %s is the probe statement's name, [a-z0-9_] only. A
 * tracking pooler's own names (its and others' statements) are no leftovers.
 */
#define HOLD_SQL \
	"DO $pqshim_doctor$BEGIN " \
	"PERFORM set_config('client_min_messages', 'notice', true); " \
	"RAISE NOTICE '" HOLD_TAG "%% %%', pg_backend_pid(), " \
	"(SELECT count(*) FROM pg_prepared_statements WHERE name <> '%s' AND name NOT LIKE '" \
	POOLER_TRACKING_PREFIX "%%'); " \
	"PERFORM pg_sleep(10); END$pqshim_doctor$"

/*
 * $1 the probe statement's name, $2 its text (unique too). A pooler that
 * prepares statements itself (PgBouncer 1.21+ with max_prepared_statements
 * > 0) keeps the text under a name of its own (PGBOUNCER_<n>): the fourth
 * column. Its names are not leftovers of earlier clients (it manages them).
 * The fifth: statements made with SQL PREPARE (Qt's QPSQL and others), which
 * no pooler tracks.
 */
#define PROBE_SQL \
	"SELECT pg_backend_pid(), count(*) FILTER (WHERE name = $1), " \
	"count(*) FILTER (WHERE name <> $1 AND statement <> $2 AND name NOT LIKE '" \
	POOLER_TRACKING_PREFIX "%'), " \
	"count(*) FILTER (WHERE statement = $2 AND name LIKE '" POOLER_TRACKING_PREFIX "%'), " \
	"count(*) FILTER (WHERE from_sql AND name <> $1) " \
	"FROM pg_prepared_statements"

/* ---- never print a password ---- */

#define MAX_SECRETS 4
static char *secrets[MAX_SECRETS];
static int n_secrets;

static void add_secret(const char *s, size_t n)
{
	if (n == 0 || n_secrets >= MAX_SECRETS)
		return;
	for (int i = 0; i < n_secrets; i++)
		if (strlen(secrets[i]) == n && memcmp(secrets[i], s, n) == 0)
			return;
	secrets[n_secrets] = strndup(s, n);
	if (secrets[n_secrets])
		n_secrets++;
}

/*
 * The password as written in the string: libpq echoes a malformed URI whole
 * in some messages ("unexpected character ... in URI"), before it has
 * parsed anything we could ask PQconninfo about.
 */
static void collect_secrets(const char *s)
{
	static const char *const schemes[] = { "postgresql://", "postgres://" };

	for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
		size_t n = strlen(schemes[i]), at;

		if (strncmp(s, schemes[i], n) != 0)
			continue;
		/* user:password@ only when an '@' comes before any '/', as libpq reads it */
		at = n + strcspn(s + n, "@/");
		if (s[at] == '@') {
			const char *colon = memchr(s + n, ':', at - n);

			if (colon)
				add_secret(colon + 1, (size_t)(s + at - colon - 1));
		}
		return;
	}
	/* key/value: every password = value, quoted or not */
	for (const char *p = s; (p = strstr(p, "password")) != NULL;) {
		const char *v = p + strlen("password");

		p = v;
		while (*v == ' ' || *v == '\t' || *v == '\n' || *v == '\r')
			v++;
		if (*v++ != '=')
			continue;
		while (*v == ' ' || *v == '\t' || *v == '\n' || *v == '\r')
			v++;
		if (*v == '\'') {
			const char *e = ++v;

			while (*e && *e != '\'')
				e += e[0] == '\\' && e[1] ? 2 : 1;
			add_secret(v, (size_t)(e - v));
		} else {
			add_secret(v, strcspn(v, " \t\n\r"));
		}
	}
}

/* The password libpq ended up with, decoded (%-escapes, quotes), when it got that far. */
static void collect_conn_secret(PGconn *c)
{
	PQconninfoOption *opts = c ? PQconninfo(c) : NULL;

	for (PQconninfoOption *o = opts; o && o->keyword; o++)
		if (strcmp(o->keyword, "password") == 0 && o->val)
			add_secret(o->val, strlen(o->val));
	PQconninfoFree(opts);
}

/* msg (libpq's or the server's) with every known password replaced, and no trailing newline. */
static void scrub(const char *msg, char *out, size_t size)
{
	size_t o = 0;

	for (size_t i = 0; msg[i] && o + 1 < size;) {
		int hit = -1;

		for (int k = 0; k < n_secrets && hit < 0; k++)
			if (strncmp(msg + i, secrets[k], strlen(secrets[k])) == 0)
				hit = k;
		if (hit >= 0) {
			for (const char *m = "***"; *m && o + 1 < size; m++)
				out[o++] = *m;
			i += strlen(secrets[hit]);
		} else {
			out[o++] = msg[i++];
		}
	}
	while (o > 0 && (out[o - 1] == '\n' || out[o - 1] == ' '))
		o--;
	out[o] = '\0';
}

static const char *nz(const char *s)
{
	return s ? s : "?";
}

/* One line of the report: a label in a column of its own, then the text. */
__attribute__((format(printf, 2, 3))) static void say(const char *label, const char *fmt, ...)
{
	va_list ap;

	printf("%-18s", label);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* ---- libpq helpers ---- */

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Reads from c until its command is done or *flag (set by a notice receiver)
 * turns true. 1: done or flagged; 0: timed out; -1: the connection broke.
 */
static int wait_conn(PGconn *c, int timeout_ms, const bool *flag)
{
	long long deadline = now_ms() + timeout_ms;

	for (;;) {
		bool busy;
		long long left;
		struct pollfd pfd = { .fd = PQsocket(c), .events = POLLIN };

		if (!PQconsumeInput(c))
			return -1;
		busy = PQisBusy(c) != 0; /* parses what arrived: runs the notice receiver */
		if (!busy || (flag && *flag))
			return 1;
		left = deadline - now_ms();
		if (left <= 0)
			return 0;
		if (poll(&pfd, 1, (int)left) < 0 && errno != EINTR)
			return -1;
	}
}

/* Every result of the finished command: the first error, or else the last result. */
static PGresult *drain(PGconn *c)
{
	PGresult *keep = NULL, *r;

	while ((r = PQgetResult(c)) != NULL) {
		if (keep && PQresultStatus(keep) == PGRES_FATAL_ERROR) {
			PQclear(r);
			continue;
		}
		PQclear(keep);
		keep = r;
	}
	return keep;
}

static bool res_ok(const PGresult *r)
{
	ExecStatusType s = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;

	return s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
}

static const char *res_state(const PGresult *r)
{
	const char *s = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;

	return s ? s : "";
}

/* The error of r, or else of c. */
static const char *res_error(PGconn *c, const PGresult *r)
{
	const char *m = r ? PQresultErrorMessage(r) : "";

	return *m ? m : PQerrorMessage(c);
}

static void quiet_notices(void *arg, const PGresult *r)
{
	(void)arg;
	(void)r;
}

/*
 * The arguments of PQconnectdbParams: the user's string as the dbname
 * (expand_dbname), so it may be a URI, key/value pairs, or a bare database
 * name, as psql takes it; "" leaves everything to the PG* variables.
 * Entries after dbname override the string's, so pqshim_mode=off wins over
 * any pqshim_mode, prepared_statements or pgbouncer in it.
 */
static void conn_arrays(const char *conninfo, bool mode_off, const char *kw[4], const char *val[4])
{
	kw[0] = "fallback_application_name";
	val[0] = "pqshim-doctor";
	kw[1] = "dbname";
	val[1] = conninfo;
	kw[2] = mode_off ? "pqshim_mode" : NULL;
	val[2] = mode_off ? "off" : NULL;
	kw[3] = val[3] = NULL;
}

static PGconn *connect_to(const char *conninfo, bool mode_off)
{
	const char *kw[4], *val[4];
	PGconn *c;

	conn_arrays(conninfo, mode_off, kw, val);
	c = PQconnectdbParams(kw, val, 1);
	collect_conn_secret(c);
	if (c && PQstatus(c) == CONNECTION_OK)
		PQsetNoticeReceiver(c, quiet_notices, NULL);
	return c;
}

/*
 * The shim is preloaded when PQprepare comes from another object than the
 * rest of libpq (PQlibVersion, which the shim does not define). Returns
 * that object's path, or NULL.
 */
static const char *shim_path(void)
{
	Dl_info shim, lib;

	if (!dladdr((const void *)PQprepare, &shim) || !dladdr((const void *)PQlibVersion, &lib))
		return NULL;
	if (!shim.dli_fname || !lib.dli_fname || strcmp(shim.dli_fname, lib.dli_fname) == 0)
		return NULL;
	return shim.dli_fname;
}

/*
 * The mode the shim gives a connection opened with these arrays, and why:
 * computed by the shim's own code (libcore: conninfo, config), so the answer
 * cannot drift from what the shim does, and no statement is needed (a
 * statement pooler would refuse the transaction an empirical test needs).
 */
static const char *planned_mode(const char *const *kw, const char *const *val, char *why,
				size_t size)
{
	struct conninfo_params out;
	struct conninfo_opts opts;
	const struct config *cfg;

	if (conninfo_rewrite_params(kw, val, 1, &out, &opts)) {
		conninfo_params_release(&out);
		if (opts.mode_set) {
			snprintf(why, size, "from %s in the connection string", opts.mode_source);
			return config_mode_name(opts.mode);
		}
	}
	cfg = config_get();
	if (strcmp(cfg->mode_source, "default") == 0)
		snprintf(why, size, "the default");
	else
		snprintf(why, size, "from the environment variable %s", cfg->mode_source);
	return config_mode_name(cfg->mode);
}

/* ---- the probe ---- */

struct holder {
	PGconn *c;
	bool usable;
	bool holding; /* its statement runs on a server connection right now */
	int pid;      /* that server connection's backend */
	long others;  /* statements of others in that session */
	char sql[512];
	char note[400];
};

static void holder_notice(void *arg, const PGresult *r)
{
	struct holder *h = arg;
	const char *m = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);

	if (m && strncmp(m, HOLD_TAG, strlen(HOLD_TAG)) == 0) {
		char *end;

		h->pid = (int)strtol(m + strlen(HOLD_TAG), &end, 10);
		h->others = strtol(end, NULL, 10);
		h->holding = true;
	}
}

static void holder_drop(struct holder *h, const char *why, const char *msg)
{
	snprintf(h->note, sizeof(h->note), "%s%s", why, msg ? msg : "");
	if (h->c)
		PQfinish(h->c);
	h->c = NULL;
	h->usable = false;
	h->holding = false;
}

struct probe {
	PGconn *c;
	struct holder h;
	char name[64];
	char text[96];                  /* the statement's text: SELECT 1 AS <name> */
	int pids[MAX_PIDS], n_pids;     /* backends the probe ran on, in order of first use */
	int hpids[MAX_PIDS], n_hpids;   /* backends the holder kept busy */
	int steps;                      /* probe statements after the prepare */
	int missing;                    /* ... that did not find the statement */
	long leftovers;                 /* most statements of others seen in one session
					 * (the probe's or the holder's) */
	int blocked;                    /* probe statements that waited for the holder */
	bool tracked;                   /* seen under a pooler's own name (PGBOUNCER_<n>) */
	long from_sql;                  /* most statements made with SQL PREPARE in one session */
};

static void add_pid(int *set, int *n, int pid)
{
	for (int i = 0; i < *n; i++)
		if (set[i] == pid)
			return;
	if (*n < MAX_PIDS)
		set[(*n)++] = pid;
}

/* The holder starts keeping a server connection busy; false when it cannot. */
static bool hold_begin(struct holder *h)
{
	int rc;
	PGresult *r;

	if (!h->usable)
		return false;
	h->holding = false;
	if (!PQsendQuery(h->c, h->sql)) {
		holder_drop(h, "the second connection broke: ", PQerrorMessage(h->c));
		return false;
	}
	rc = wait_conn(h->c, HOLD_WAIT_MS, &h->holding);
	if (h->holding)
		return true;
	if (rc == 1) { /* done without the notice: an error, e.g. no plpgsql */
		r = drain(h->c);
		holder_drop(h, "the second connection could not stay busy: ", res_error(h->c, r));
		PQclear(r);
	} else if (rc == 0) {
		holder_drop(h, "the second connection got no server connection within 2 s "
			       "(a full pool?)", NULL);
	} else {
		holder_drop(h, "the second connection broke: ", PQerrorMessage(h->c));
	}
	return false;
}

static void hold_end(struct holder *h)
{
	PGcancel *k;
	char buf[256];
	PGresult *r;

	if (!h->holding)
		return;
	k = PQgetCancel(h->c);
	if (k) {
		PQcancel(k, buf, sizeof(buf));
		PQfreeCancel(k);
	}
	/* canceled at once, or at worst when its pg_sleep(10) ends */
	if (wait_conn(h->c, STEP_WAIT_MS, NULL) != 1) {
		holder_drop(h, "the second connection did not finish its statement", NULL);
		return;
	}
	r = drain(h->c); /* 57014, canceling statement due to user request: expected */
	PQclear(r);
	h->holding = false;
}

/*
 * Runs sql (one parameter, or none) on the probe connection, while the
 * holder is busy when hold is true. Returns the result, or NULL with err set.
 */
static PGresult *probe_step(struct probe *p, bool hold, const char *sql, bool params, char *err,
			    size_t size)
{
	bool held = hold && hold_begin(&p->h);
	const char *values[2] = { p->name, p->text };
	int rc;

	if (held) {
		add_pid(p->hpids, &p->n_hpids, p->h.pid);
		if (p->h.others > p->leftovers)
			p->leftovers = p->h.others;
	}
	if (!PQsendQueryParams(p->c, sql, params ? 2 : 0, NULL, params ? values : NULL, NULL, NULL,
			       0)) {
		snprintf(err, size, "%s", PQerrorMessage(p->c));
		hold_end(&p->h);
		return NULL;
	}
	rc = wait_conn(p->c, held ? BLOCKED_WAIT_MS : STEP_WAIT_MS, NULL);
	if (rc == 0 && held) {
		/* it waits for the server connection the holder has: free it */
		p->blocked++;
		hold_end(&p->h);
		rc = wait_conn(p->c, STEP_WAIT_MS, NULL);
	}
	hold_end(&p->h);
	if (rc != 1) {
		snprintf(err, size, "%s", rc == 0 ? "no answer within 30 s" : PQerrorMessage(p->c));
		return NULL;
	}
	return drain(p->c);
}

/* One PROBE_SQL step; false (err set) when it failed. */
static bool probe_look(struct probe *p, bool hold, bool count, char *err, size_t size)
{
	PGresult *r = probe_step(p, hold, PROBE_SQL, true, err, size);
	long others;

	if (!r)
		return false;
	if (!res_ok(r) || PQntuples(r) != 1 || PQnfields(r) != 5) {
		snprintf(err, size, "%s", res_error(p->c, r));
		PQclear(r);
		return false;
	}
	add_pid(p->pids, &p->n_pids, atoi(PQgetvalue(r, 0, 0)));
	others = strtol(PQgetvalue(r, 0, 2), NULL, 10);
	if (others > p->leftovers)
		p->leftovers = others;
	if (strtol(PQgetvalue(r, 0, 3), NULL, 10) > 0)
		p->tracked = true;
	others = strtol(PQgetvalue(r, 0, 4), NULL, 10);
	if (others > p->from_sql)
		p->from_sql = others;
	if (count) {
		p->steps++;
		if (strtol(PQgetvalue(r, 0, 1), NULL, 10) == 0)
			p->missing++;
	}
	PQclear(r);
	return true;
}

static bool pooled(const struct probe *p)
{
	if (p->n_pids > 1 || p->missing > 0)
		return true;
	for (int i = 0; i < p->n_pids; i++)
		for (int j = 0; j < p->n_hpids; j++)
			if (p->pids[i] == p->hpids[j])
				return true;
	return false;
}

/*
 * Removes the probe statement. Behind a pooler it lives on one server
 * connection among several: DEALLOCATE until one lands there (26000
 * elsewhere), moving between them as CLEANUP_ALTERNATING says.
 */
static bool probe_cleanup(struct probe *p, char *err, size_t size)
{
	char sql[128];
	int tries = pooled(p) ? CLEANUP_TRIES : 1;

	snprintf(sql, sizeof(sql), "DEALLOCATE %s", p->name);
	snprintf(err, size, "it was not found");
	for (int i = 0; i < tries; i++) {
		bool hold = i < CLEANUP_ALTERNATING && i % 2 == 1 && !p->blocked;
		PGresult *r = probe_step(p, hold, sql, false, err, size);
		bool ok = res_ok(r);

		if (!ok && r)
			snprintf(err, size, "%s", res_error(p->c, r));
		if (ok || !r || strcmp(res_state(r), "26000") != 0) {
			PQclear(r);
			return ok;
		}
		PQclear(r);
	}
	return false;
}

/* ---- main ---- */

static void usage(FILE *f)
{
	fprintf(f, "Usage: pqshim-doctor [CONNINFO]\n"
		   "Connects (a connection string, a postgresql:// URL or a database name;\n"
		   "default: the PG* environment variables) and tells whether named prepared\n"
		   "statements survive from one transaction to the next, i.e. whether a\n"
		   "transaction or statement pooler is in the way, and which pqshim mode to use.\n"
		   "Run it as `pqshim doctor [CONNINFO]`, with the shim preloaded.\n"
		   "Exit status: 0 nothing to fix, 1 problems found, 2 cannot connect.\n");
}

static void random_suffix(char *out, size_t size)
{
	unsigned char b[4];

	if (getentropy(b, sizeof(b)) != 0) {
		unsigned long t = (unsigned long)now_ms() ^ ((unsigned long)getpid() << 16);

		memcpy(b, &t, sizeof(b));
	}
	snprintf(out, size, "%02x%02x%02x%02x", b[0], b[1], b[2], b[3]);
}

/* Everything one run of the doctor finds out. */
struct doctor {
	const char *conninfo;
	const char *shim; /* the preloaded shim's path, or NULL */
	bool unnamed;     /* the user's connection is in unnamed mode */
	bool safe_behind_pooler; /* ... or in auto or pooled mode, which keep statements apart */
	char mode[16];    /* that connection's mode */
	enum pooler_kind reported; /* what PgBouncer 1.26+ reports at login (ParameterStatus) */
	char suffix[16];
	struct probe p;
	bool probe_ok, is_pooled;
	bool tracking;    /* the pooler prepares named statements itself */
	char err[1024];
};

/* The connection string from the arguments; -1 to go on, else the exit status. */
static int parse_args(int argc, char **argv, const char **conninfo)
{
	int argi = 1;
	bool bad_usage = false;

	if (argi < argc && (strcmp(argv[argi], "-h") == 0 || strcmp(argv[argi], "--help") == 0)) {
		usage(stdout);
		return 0;
	}
	if (argi < argc && strcmp(argv[argi], "--") == 0)
		argi++;
	else if (argi < argc && argv[argi][0] == '-')
		bad_usage = true; /* no other options; a connection string never starts with '-' */
	if (bad_usage || argc - argi > 1) {
		usage(stderr);
		return 2;
	}
	*conninfo = argi < argc ? argv[argi] : "";
	return -1;
}

/* Step 1: the user's own connection, exactly as the app would open it; 0, or 2. */
static int check_connection(struct doctor *d)
{
	char msg[1200], why[128];
	const char *kw[4], *val[4], *mode;
	PGconn *c = connect_to(d->conninfo, false);

	if (!c || PQstatus(c) != CONNECTION_OK) {
		scrub(c ? PQerrorMessage(c) : "out of memory", msg, sizeof(msg));
		fprintf(stderr, "pqshim doctor: cannot connect: %s\n", msg);
		if (!shim_path() && strstr(d->conninfo, "pgbouncer"))
			fprintf(stderr, "pqshim doctor: run it as `pqshim doctor`, with the shim "
					"preloaded, for pgbouncer=true and the like\n");
		PQfinish(c);
		return 2;
	}
	say("connection:", "host=%s port=%s dbname=%s user=%s", nz(PQhost(c)), nz(PQport(c)),
	    nz(PQdb(c)), nz(PQuser(c)));
	say("server:", "PostgreSQL %s (%d)", nz(PQparameterStatus(c, "server_version")),
	    PQserverVersion(c));
	d->shim = shim_path();
	conn_arrays(d->conninfo, false, kw, val);
	mode = planned_mode(kw, val, why, sizeof(why));
	if (d->shim)
		say("shim:", "preloaded (%s); this connection's mode: %s (%s)", d->shim, mode, why);
	else
		say("shim:", "not preloaded (run the doctor as `pqshim doctor`); with it this "
			     "connection's mode would be %s (%s)", mode, why);
	d->unnamed = strcmp(mode, "unnamed") == 0;
	d->safe_behind_pooler = d->unnamed || strcmp(mode, "auto") == 0 || strcmp(mode, "pooled") == 0;
	snprintf(d->mode, sizeof(d->mode), "%s", mode);
	d->reported = pooler_from_params(PQparameterStatus(c, "pgbouncer.pool_mode"),
					 PQparameterStatus(c, "pgbouncer.max_prepared_statements"));
	if (d->reported != POOLER_UNKNOWN)
		say("pooler:", "reports pool_mode=%s, max_prepared_statements=%s",
		    nz(PQparameterStatus(c, "pgbouncer.pool_mode")),
		    nz(PQparameterStatus(c, "pgbouncer.max_prepared_statements")));
	/* a session pooler with a pool of one would keep the probe waiting for this one */
	PQfinish(c);
	return 0;
}

/* Step 2: the probe and the holder, both with the shim off; 0, or 2. */
static int open_probe(struct doctor *d)
{
	struct probe *p = &d->p;
	char msg[1200];

	memset(p, 0, sizeof(*p));
	random_suffix(d->suffix, sizeof(d->suffix));
	snprintf(p->name, sizeof(p->name), "pqshim_doctor_%ld_%s", (long)getpid(), d->suffix);
	snprintf(p->text, sizeof(p->text), "SELECT 1 AS %s", p->name);
	p->c = connect_to(d->conninfo, d->shim != NULL);
	if (!p->c || PQstatus(p->c) != CONNECTION_OK) {
		scrub(p->c ? PQerrorMessage(p->c) : "out of memory", msg, sizeof(msg));
		fprintf(stderr, "pqshim doctor: cannot open the probe connection: %s\n", msg);
		PQfinish(p->c);
		return 2;
	}
	p->h.c = connect_to(d->conninfo, d->shim != NULL);
	if (p->h.c && PQstatus(p->h.c) == CONNECTION_OK) {
		p->h.usable = true;
		snprintf(p->h.sql, sizeof(p->h.sql), HOLD_SQL, p->name);
		PQsetNoticeReceiver(p->h.c, holder_notice, &p->h);
	} else {
		holder_drop(&p->h, "no second connection: ",
			    p->h.c ? PQerrorMessage(p->h.c) : "out of memory");
	}
	return 0;
}

/* Step 3: the session as found, then the statement, then autocommit statements. */
static void run_probe(struct doctor *d)
{
	struct probe *p = &d->p;
	PGresult *r;

	d->probe_ok = probe_look(p, false, false, d->err, sizeof(d->err));
	if (d->probe_ok) {
		r = PQprepare(p->c, p->name, p->text, 0, NULL);
		d->probe_ok = res_ok(r);
		if (!d->probe_ok)
			snprintf(d->err, sizeof(d->err), "could not prepare %s: %s", p->name,
				 res_error(p->c, r));
		PQclear(r);
	}
	/* once the probe had to wait for the holder (a pool of one), that is proof enough:
	 * holding again would only make every other statement wait as long */
	for (int i = 0; d->probe_ok && i < PROBE_STATEMENTS; i++)
		d->probe_ok = probe_look(p, i % 2 == 1 && !p->blocked, true, d->err, sizeof(d->err));
	d->is_pooled = pooled(p);
	d->tracking = p->tracked || d->reported == POOLER_TRACKING;
}

/* Step 4: what the probe saw. */
static void report_probe(const struct doctor *d)
{
	const struct probe *p = &d->p;
	char msg[1200];

	if (p->n_pids == 0)
		say("backend pid:", "unknown");
	else if (p->n_pids > 1)
		say("backend pid:", "changed: %d backends in %d autocommit statements", p->n_pids,
		    p->steps + 1);
	else
		say("backend pid:", "the same (%d) in %d autocommit statements%s", p->pids[0],
		    p->steps + 1, d->is_pooled ? ", but shared with another client connection" : "");
	if (p->blocked)
		say("", "%d statement(s) waited for another client connection's statement to end: "
			"they share server connections", p->blocked);
	if (d->tracking)
		say("named statement:", "prepared by the pooler itself (under names of its own, "
					"%s<n>), on each server connection as needed",
		    POOLER_TRACKING_PREFIX);
	else if (p->steps == 0)
		say("named statement:", "not probed");
	else if (p->missing == 0)
		say("named statement:", "survived all %d transactions", p->steps);
	else
		say("named statement:", "missing in %d of %d transactions", p->missing, p->steps);
	say("leftovers:", "%ld prepared statement(s) of earlier clients in a server session",
	    p->leftovers);
	if (p->from_sql > 0)
		say("sql prepare:", "%ld statement(s) in a server session made with SQL PREPARE "
				    "(as Qt's QPSQL driver writes them)", p->from_sql);
	if (p->h.note[0]) {
		scrub(p->h.note, msg, sizeof(msg));
		say("note:", "%s; the probe ran without it", msg);
	}
	if (!d->probe_ok) {
		scrub(d->err, msg, sizeof(msg));
		say("probe failed:", "%s", msg);
	}
}

/* Step 5: the probe's statement goes, and its connections. */
static void clean_up(struct doctor *d)
{
	struct probe *p = &d->p;
	char msg[1200];

	/* a tracking pooler does not pass a SQL DEALLOCATE on: it drops the name with the connection */
	if (p->steps > 0 && !d->tracking && !probe_cleanup(p, d->err, sizeof(d->err))) {
		scrub(d->err, msg, sizeof(msg));
		say("note:", "could not deallocate %s (%s): it stays in one server session until "
			     "that ends", p->name, msg);
	}
	if (p->h.c)
		PQfinish(p->h.c);
	PQfinish(p->c);
}

/* Step 6: the verdict and the advice; the exit status. */
static int recommend(const struct doctor *d)
{
	bool is_auto = strcmp(d->mode, "auto") == 0;

	if (d->tracking) {
		say("pooling:", "a pooler that prepares named statements itself (PgBouncer 1.21+ "
				"with max_prepared_statements > 0): they are safe behind it");
		say("recommendation:", "the default (auto mode, which runs dedupe here) is enough; "
				       "unnamed mode would only lose the server's plan cache");
		say("", "pooled mode recognises this pooler too and acts as dedupe");
	} else if (d->is_pooled) {
		say("pooling:", "detected: client connections share server connections from one "
				"transaction to the next, so named prepared statements are not safe");
		if (is_auto)
			say("recommendation:", "the default (auto mode) is right: it runs pooled mode "
					       "here (statements under content names, plan cache kept)");
		else if (d->safe_behind_pooler)
			say("recommendation:", "%s mode, as this connection already runs, is safe here; "
					       "the default (auto mode) would run pooled mode",
			    d->mode);
		else
			say("recommendation:", "the default (auto mode: pooled here), or use "
					       "prepared_statements=false (unnamed mode); this connection "
					       "runs %s mode, which is not safe here",
			    d->mode);
		if (!d->safe_behind_pooler)
			say("", "e.g. drop PQSHIM_MODE / pqshim_mode, or pqshim --unnamed your-app, or "
				"pgbouncer=true or prepared_statements=false in its connection string");
	} else {
		say("pooling:", "%s", d->probe_ok ? "none seen" : "unknown");
		if (d->probe_ok)
			say("recommendation:", "the default (auto mode, which runs dedupe here) is enough");
		else
			say("recommendation:", "none: the probe did not complete");
	}
	if (d->p.from_sql > 0 && (d->tracking || d->is_pooled))
		say("", "no pooler tracks SQL PREPARE; the shim records such statements in auto, "
			"unnamed and pooled mode here, so they neither collide nor go missing");
	if (d->p.leftovers > 0)
		say("", "statements left by earlier clients can collide with the app's names "
			"(42P05); a session pooler needs server_reset_query = DISCARD ALL");
	return (d->is_pooled && !d->tracking && !d->safe_behind_pooler) || d->p.leftovers > 0 ||
			       !d->probe_ok
		       ? 1
		       : 0;
}

int main(int argc, char **argv)
{
	struct doctor d;
	int rc;

	memset(&d, 0, sizeof(d));
	if ((rc = parse_args(argc, argv, &d.conninfo)) >= 0)
		return rc;
	collect_secrets(d.conninfo);
	/* a diagnostic must not hang on a host that drops packets; the string's own
	 * connect_timeout, or the caller's PGCONNECT_TIMEOUT, still wins */
	setenv("PGCONNECT_TIMEOUT", "10", 0);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if ((rc = check_connection(&d)) != 0 || (rc = open_probe(&d)) != 0)
		goto out;
	run_probe(&d);
	report_probe(&d);
	clean_up(&d);
	rc = recommend(&d);
out:
	for (int i = 0; i < n_secrets; i++)
		free(secrets[i]);
	return rc;
}
