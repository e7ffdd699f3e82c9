/* Reading results: PQgetResult, PQisBusy, and the pipeline's sync points. */
#include "hook.h"
#include "log.h"

static struct conn_state *pumped(PGconn *conn)
{
	struct conn_state *cs;

	if (guard_active() || !conn || !(cs = registry_find(conn)))
		return NULL;
	return pump_active(cs) ? cs : NULL;
}

PQSHIM_EXPORT PGresult *PQgetResult(PGconn *conn)
{
	struct conn_state *cs;

	if (!real_ready())
		return NULL;
	if (!(cs = pumped(conn)))
		return CALL_REAL(real.PQgetResult(conn));
	return pump_get_result(cs);
}

PQSHIM_EXPORT int PQisBusy(PGconn *conn)
{
	struct conn_state *cs;

	if (!real_ready())
		return 0;
	if (!(cs = pumped(conn)))
		return CALL_REAL(real.PQisBusy(conn));
	return pump_is_busy(cs);
}

/*
 * The shim's own pipeline (a bundle sent for one command of the app's) is not
 * the app's: apps that look (pgbench does after each send) see what they set.
 */
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

/* Single-row mode applies to the command just sent: a retry of it asks again. */
PQSHIM_EXPORT int PQsetSingleRowMode(PGconn *conn)
{
	struct conn_state *cs;
	int ok;

	if (!real_ready())
		return 0;
	ok = CALL_REAL(real.PQsetSingleRowMode(conn));
	if (ok && (cs = pumped(conn)) && cs->q.tail && cs->q.tail->kind == OP_EXEC)
		cs->q.tail->x.single_row = true;
	return ok;
}

static int track_sync(PGconn *conn, int sent)
{
	struct conn_state *cs;
	struct op *op;

	if (!sent || !(cs = hook_state(conn)))
		return sent;
	op = op_new(OP_SYNC);
	if (op)
		pending_push(&cs->q, op);
	else
		log_once(LOG_ONCE_NO_MEMORY, LOG_WARN, "out of memory: pipeline results not tracked");
	return sent;
}

PQSHIM_EXPORT int PQpipelineSync(PGconn *conn)
{
	if (!real_ready() || !real.PQpipelineSync)
		return 0;
	if (guard_active())
		return real.PQpipelineSync(conn);
	return track_sync(conn, CALL_REAL(real.PQpipelineSync(conn)));
}

PQSHIM_EXPORT int PQsendPipelineSync(PGconn *conn)
{
	if (!real_ready() || !real.PQsendPipelineSync)
		return 0;
	if (guard_active())
		return real.PQsendPipelineSync(conn);
	return track_sync(conn, CALL_REAL(real.PQsendPipelineSync(conn)));
}
