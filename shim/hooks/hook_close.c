/* PQclosePrepared, PQsendClosePrepared, PQsendClosePortal (libpq 17+; close.h). */
#include "hook.h"
#include "ops/close.h"
#include "ops/track.h"

PQSHIM_EXPORT PGresult *PQclosePrepared(PGconn *conn, const char *name)
{
	struct conn_state *cs;
	char buf[SERVER_NAME_BUF];
	const char *server = name;
	PGresult *r;

	if (!real_ready() || !real.PQclosePrepared)
		return NULL; /* what libpq 17 returns when it cannot send */
	if ((cs = hook_sync_state(conn)))
		server = close_name(cs, name, buf);
	r = CALL_REAL(real.PQclosePrepared(conn, server));
	if (cs)
		close_done(cs, name, server, r);
	return r;
}

PQSHIM_EXPORT int PQsendClosePrepared(PGconn *conn, const char *name)
{
	struct conn_state *cs;

	if (!real_ready() || !real.PQsendClosePrepared)
		return 0;
	if (!(cs = hook_state(conn)))
		return CALL_REAL(real.PQsendClosePrepared(conn, name));
	if (cs->private_pipeline)
		return conn_refuse_busy(cs);
	return close_async(cs, name);
}

PQSHIM_EXPORT int PQsendClosePortal(PGconn *conn, const char *portal)
{
	struct conn_state *cs;

	if (!real_ready() || !real.PQsendClosePortal)
		return 0;
	if (!(cs = hook_state(conn)))
		return CALL_REAL(real.PQsendClosePortal(conn, portal));
	if (cs->private_pipeline)
		return conn_refuse_busy(cs);
	return track_pass(cs, real_in_pipeline(conn),
			  CALL_REAL(real.PQsendClosePortal(conn, portal)));
}
