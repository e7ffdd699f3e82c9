/*
 * The app's pipeline calls. The shim's own pipeline (a bundle sent for one
 * command of the app's) is not the app's: while it is on, the app sees
 * pipeline mode off, as it set it (pgbench checks after each send).
 */
#include "hook.h"
#include "ops/track.h"

/* The state when the shim's own pipeline is on and results are pending, else NULL. */
static struct conn_state *in_private_pipeline(PGconn *conn)
{
	struct conn_state *cs;

	if (guard_active() || !conn || !(cs = registry_find(conn)))
		return NULL;
	return pump_active(cs) && cs->private_pipeline ? cs : NULL;
}

PQSHIM_EXPORT PGpipelineStatus PQpipelineStatus(const PGconn *conn)
{
	struct conn_state *cs;
	PGpipelineStatus st;

	if (!real_ready() || !real.PQpipelineStatus)
		return PQ_PIPELINE_OFF;
	st = real.PQpipelineStatus(conn);
	if (st != PQ_PIPELINE_OFF && !guard_active() && conn &&
	    (cs = registry_find((PGconn *)conn)) && cs->private_pipeline)
		return PQ_PIPELINE_OFF;
	return st;
}

PQSHIM_EXPORT int PQenterPipelineMode(PGconn *conn)
{
	struct conn_state *cs;

	if (!real_ready() || !real.PQenterPipelineMode)
		return 0;
	if ((cs = in_private_pipeline(conn)))
		return conn_refuse_busy(cs); /* libpq: the connection is not idle */
	return CALL_REAL(real.PQenterPipelineMode(conn));
}

PQSHIM_EXPORT int PQexitPipelineMode(PGconn *conn)
{
	if (!real_ready() || !real.PQexitPipelineMode)
		return 0;
	if (in_private_pipeline(conn))
		return 1; /* the app is not in pipeline mode: already out */
	return CALL_REAL(real.PQexitPipelineMode(conn));
}

/* A sync point the app sent: queued, so results stay matched to commands. */
static int app_sync(PGconn *conn, int sent)
{
	struct conn_state *cs = sent ? hook_state(conn) : NULL;

	return cs ? track_sync(cs, sent) : sent;
}

PQSHIM_EXPORT int PQpipelineSync(PGconn *conn)
{
	if (!real_ready() || !real.PQpipelineSync)
		return 0;
	if (guard_active())
		return real.PQpipelineSync(conn);
	if (in_private_pipeline(conn))
		return 0; /* libpq: not in pipeline mode */
	return app_sync(conn, CALL_REAL(real.PQpipelineSync(conn)));
}

PQSHIM_EXPORT int PQsendPipelineSync(PGconn *conn)
{
	if (!real_ready() || !real.PQsendPipelineSync)
		return 0;
	if (guard_active())
		return real.PQsendPipelineSync(conn);
	if (in_private_pipeline(conn))
		return 0;
	return app_sync(conn, CALL_REAL(real.PQsendPipelineSync(conn)));
}
