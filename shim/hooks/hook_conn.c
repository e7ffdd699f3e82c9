/*
 * Connections: the shim's own parameters come out of the connection string
 * before libpq sees them (libpq rejects unknown ones) and choose the
 * connection's mode; in auto and pooled mode what is in front is found out
 * before the app's first command (detect.h); a new or reset session starts
 * with no statements; the state goes before the real PQfinish frees the PGconn.
 */
#include <stdlib.h>
#include <string.h>

#include "conn/cancels.h"
#include "conninfo.h"
#include "ops/detect.h"
#include "hook.h"
#include "base/log.h"

/* A PGconn fresh from libpq: whatever was known at that address is stale. */
static PGconn *fresh(PGconn *conn, const struct conninfo_opts *o)
{
	struct conn_state *cs;

	if (!conn || guard_active() || !(cs = registry_get(conn)))
		return conn;
	conn_reset(cs);
	if (o->mode_set) {
		conn_set_mode(cs, o->mode);
		log_msg(LOG_INFO, "connection in %s mode (connection string parameter %s)",
			config_mode_name(o->mode), o->mode_source);
	} else {
		conn_set_mode(cs, config_get()->mode);
	}
	if (o->dropped[0])
		log_msg(LOG_INFO, "removed from the connection string before libpq saw it: %s",
			o->dropped);
	if (o->bad[0])
		log_msg(LOG_WARN, "ignoring connection string parameter(s) with a value that is not "
				  "valid: %s",
			o->bad);
	if (real.PQstatus(conn) == CONNECTION_OK) { /* a blocking connect: up already */
		conn_session_up(cs);
		detect_sync(cs);
	}
	return conn;
}

/* The string libpq gets: without the shim's parameters (rw, to free) or as it was. */
static const char *rewrite(const char *conninfo, char **rw, struct conninfo_opts *o)
{
	*rw = NULL;
	if (guard_active() || !conninfo) {
		memset(o, 0, sizeof(*o));
		return conninfo;
	}
	*rw = conninfo_rewrite(conninfo, o);
	return *rw ? *rw : conninfo;
}

PQSHIM_EXPORT PGconn *PQconnectdb(const char *conninfo)
{
	struct conninfo_opts o;
	char *rw;
	PGconn *conn;

	if (!real_ready())
		return NULL;
	conninfo = rewrite(conninfo, &rw, &o); /* before CALL_REAL: it checks the guard */
	conn = CALL_REAL(real.PQconnectdb(conninfo));
	free(rw);
	return fresh(conn, &o);
}

PQSHIM_EXPORT PGconn *PQconnectStart(const char *conninfo)
{
	struct conninfo_opts o;
	char *rw;
	PGconn *conn;

	if (!real_ready())
		return NULL;
	conninfo = rewrite(conninfo, &rw, &o); /* before CALL_REAL: it checks the guard */
	conn = CALL_REAL(real.PQconnectStart(conninfo));
	free(rw);
	return fresh(conn, &o);
}

/* PQconnectdbParams and PQconnectStartParams share the arrays' rewriting. */
static PGconn *connect_params(PGconn *(*fn)(const char *const *, const char *const *, int),
			      const char *const *keywords, const char *const *values,
			      int expand_dbname)
{
	struct conninfo_opts o;
	struct conninfo_params p;
	PGconn *conn;

	if (guard_active() || !keywords || !values ||
	    !conninfo_rewrite_params(keywords, values, expand_dbname, &p, &o)) {
		if (guard_active() || !keywords || !values)
			memset(&o, 0, sizeof(o));
		return fresh(CALL_REAL(fn(keywords, values, expand_dbname)), &o);
	}
	conn = CALL_REAL(fn(p.keywords, p.values, expand_dbname));
	conninfo_params_release(&p);
	return fresh(conn, &o);
}

PQSHIM_EXPORT PGconn *PQconnectdbParams(const char *const *keywords, const char *const *values,
					int expand_dbname)
{
	if (!real_ready())
		return NULL;
	return connect_params(real.PQconnectdbParams, keywords, values, expand_dbname);
}

PQSHIM_EXPORT PGconn *PQconnectStartParams(const char *const *keywords,
					   const char *const *values, int expand_dbname)
{
	if (!real_ready())
		return NULL;
	return connect_params(real.PQconnectStartParams, keywords, values, expand_dbname);
}

PQSHIM_EXPORT PGconn *PQsetdbLogin(const char *host, const char *port, const char *options,
				   const char *tty, const char *db, const char *user,
				   const char *password)
{
	struct conninfo_opts o;
	char *rw = NULL;
	PGconn *conn;

	if (!real_ready())
		return NULL;
	memset(&o, 0, sizeof(o));
	/* libpq reads a dbName that looks like a connection string as one */
	if (db && conninfo_is_connstr(db))
		db = rewrite(db, &rw, &o);
	conn = CALL_REAL(real.PQsetdbLogin(host, port, options, tty, db, user, password));
	free(rw);
	return fresh(conn, &o);
}

/*
 * PQconnectPoll and PQresetPoll: a completed connection is a new session.
 * Polling a connection that is already up returns OK at once: same session.
 */
static PostgresPollingStatusType poll_conn(PostgresPollingStatusType (*fn)(PGconn *),
					   PGconn *conn)
{
	bool was_up;
	PostgresPollingStatusType st;

	struct conn_state *cs;

	if (guard_active())
		return fn(conn);
	if ((cs = registry_find(conn)) && cs->probe.running)
		return detect_poll(cs);
	was_up = real.PQstatus(conn) == CONNECTION_OK;
	st = CALL_REAL(fn(conn));
	if (st == PGRES_POLLING_OK && !was_up) {
		registry_new_session(conn);
		if (cs)
			conn_session_up(cs);
		if (cs && !cs->decided)
			return detect_poll(cs); /* READING until the probe is read */
	}
	return st;
}

PQSHIM_EXPORT PostgresPollingStatusType PQconnectPoll(PGconn *conn)
{
	if (!real_ready())
		return PGRES_POLLING_FAILED;
	return poll_conn(real.PQconnectPoll, conn);
}

PQSHIM_EXPORT void PQreset(PGconn *conn)
{
	if (!real_ready())
		return;
	struct conn_state *cs;

	if (!guard_active())
		registry_new_session(conn);
	CALL_REAL_VOID(real.PQreset(conn));
	if (!guard_active() && (cs = registry_find(conn))) {
		if (real.PQstatus(conn) == CONNECTION_OK)
			conn_session_up(cs);
		detect_sync(cs); /* decided already, unless the target was never known */
	}
}

PQSHIM_EXPORT int PQresetStart(PGconn *conn)
{
	if (!real_ready())
		return 0;
	if (!guard_active())
		registry_new_session(conn);
	return CALL_REAL(real.PQresetStart(conn));
}

PQSHIM_EXPORT PostgresPollingStatusType PQresetPoll(PGconn *conn)
{
	if (!real_ready())
		return PGRES_POLLING_FAILED;
	return poll_conn(real.PQresetPoll, conn);
}

PQSHIM_EXPORT void PQfinish(PGconn *conn)
{
	if (!real_ready())
		return;
	if (!guard_active()) {
		registry_drop(conn);
		cancels_forget_conn(conn);
	}
	CALL_REAL_VOID(real.PQfinish(conn));
}
