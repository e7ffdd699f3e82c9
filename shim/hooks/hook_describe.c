/*
 * PQdescribePrepared, PQsendDescribePrepared, PQsendDescribePortal: the
 * app's name becomes the server's name, or a recorded text is described
 * through the unnamed statement (describe.h).
 */
#include "conn/stmts.h"
#include "hook.h"
#include "ops/describe.h"
#include "ops/missing.h"
#include "ops/track.h"

PQSHIM_EXPORT PGresult *PQdescribePrepared(PGconn *conn, const char *name)
{
	struct conn_state *cs;
	char buf[SERVER_NAME_BUF];
	struct prep_inflight t;
	const char *server = name;
	PGresult *r;
	int sent;

	if (!real_ready())
		return NULL;
	if ((cs = hook_sync_state(conn))) {
		if (track_missing(cs, name))
			return missing_sync(cs, name);
		if (!real_in_pipeline(conn) && track_unnamed_text(cs, name, &t)) {
			sent = describe_send_unnamed(cs, &t);
			if (sent >= 0)
				return sent ? pump_exec_finish(cs) : NULL;
			/* a libpq without pipelines: two round trips, as near as it gets */
			return describe_unnamed_twice(cs, &t);
		}
		server = track_map(cs, name, buf, NULL);
	}
	r = CALL_REAL(real.PQdescribePrepared(conn, server));
	stmts_check_lost(cs, name, r);
	return r;
}

PQSHIM_EXPORT int PQsendDescribePrepared(PGconn *conn, const char *name)
{
	struct conn_state *cs;
	char buf[SERVER_NAME_BUF];
	struct prep_inflight t;
	int sent;

	if (!real_ready())
		return 0;
	if (!(cs = hook_state(conn)))
		return CALL_REAL(real.PQsendDescribePrepared(conn, name));
	if (cs->private_pipeline)
		return conn_refuse_busy(cs);
	if (track_missing(cs, name))
		return missing_send(cs, name);
	if (track_unnamed_text(cs, name, &t) && (sent = describe_send_unnamed(cs, &t)) >= 0)
		return sent;
	return track_pass(cs, real_in_pipeline(conn),
			  CALL_REAL(real.PQsendDescribePrepared(conn, track_map(cs, name, buf, NULL))));
}

PQSHIM_EXPORT int PQsendDescribePortal(PGconn *conn, const char *portal)
{
	struct conn_state *cs;

	if (!real_ready())
		return 0;
	if (!(cs = hook_state(conn)))
		return CALL_REAL(real.PQsendDescribePortal(conn, portal));
	if (cs->private_pipeline)
		return conn_refuse_busy(cs);
	return track_pass(cs, real_in_pipeline(conn),
			  CALL_REAL(real.PQsendDescribePortal(conn, portal)));
}
