/*
 * Connections: a new or reset session starts with no statements, and the
 * state goes before the real PQfinish frees the PGconn.
 */
#include "hook.h"

/* A PGconn fresh from libpq: whatever was known at that address is stale. */
static PGconn *fresh(PGconn *conn)
{
	if (conn && !guard_active() && registry_get(conn))
		registry_new_session(conn);
	return conn;
}

PQSHIM_EXPORT PGconn *PQconnectdb(const char *conninfo)
{
	if (!real_ready())
		return NULL;
	return fresh(CALL_REAL(real.PQconnectdb(conninfo)));
}

PQSHIM_EXPORT PGconn *PQconnectdbParams(const char *const *keywords, const char *const *values,
					int expand_dbname)
{
	if (!real_ready())
		return NULL;
	return fresh(CALL_REAL(real.PQconnectdbParams(keywords, values, expand_dbname)));
}

PQSHIM_EXPORT PGconn *PQconnectStart(const char *conninfo)
{
	if (!real_ready())
		return NULL;
	return fresh(CALL_REAL(real.PQconnectStart(conninfo)));
}

PQSHIM_EXPORT PGconn *PQconnectStartParams(const char *const *keywords,
					   const char *const *values, int expand_dbname)
{
	if (!real_ready())
		return NULL;
	return fresh(CALL_REAL(real.PQconnectStartParams(keywords, values, expand_dbname)));
}

PQSHIM_EXPORT PGconn *PQsetdbLogin(const char *host, const char *port, const char *options,
				   const char *tty, const char *db, const char *user,
				   const char *password)
{
	if (!real_ready())
		return NULL;
	return fresh(CALL_REAL(real.PQsetdbLogin(host, port, options, tty, db, user, password)));
}

PQSHIM_EXPORT PostgresPollingStatusType PQconnectPoll(PGconn *conn)
{
	PostgresPollingStatusType st;

	if (!real_ready())
		return PGRES_POLLING_FAILED;
	if (guard_active())
		return real.PQconnectPoll(conn);
	st = CALL_REAL(real.PQconnectPoll(conn));
	if (st == PGRES_POLLING_OK)
		registry_new_session(conn);
	return st;
}

PQSHIM_EXPORT void PQreset(PGconn *conn)
{
	if (!real_ready())
		return;
	if (!guard_active())
		registry_new_session(conn);
	CALL_REAL_VOID(real.PQreset(conn));
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
	PostgresPollingStatusType st;

	if (!real_ready())
		return PGRES_POLLING_FAILED;
	if (guard_active())
		return real.PQresetPoll(conn);
	st = CALL_REAL(real.PQresetPoll(conn));
	if (st == PGRES_POLLING_OK)
		registry_new_session(conn);
	return st;
}

PQSHIM_EXPORT void PQfinish(PGconn *conn)
{
	if (!real_ready())
		return;
	if (!guard_active())
		registry_drop(conn);
	CALL_REAL_VOID(real.PQfinish(conn));
}
