/* Reading results: PQgetResult, PQisBusy, and the pipeline's sync points. */
#include "ops/exec_op.h"
#include "hook.h"
#include "base/log.h"

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
 * libpq forgets a command's error when its pipeline moves on to the next
 * command: after the shim's own pipeline (a bundle) the app gets the message
 * it would have had, kept by the pump, until its next command.
 */
PQSHIM_EXPORT char *PQerrorMessage(const PGconn *conn)
{
	struct conn_state *cs;
	char *msg;

	if (!real_ready())
		return (char *)"libpq not found by pqshim\n";
	msg = real.PQerrorMessage(conn);
	if ((!msg || !msg[0]) && !guard_active() && conn && (cs = registry_find((PGconn *)conn)) &&
	    cs->err_msg)
		return cs->err_msg;
	return msg;
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
	if ((cs = pumped(conn)) && cs->q.tail && cs->q.tail->kind == OP_EXEC &&
	    !cs->q.tail->x.delivered && exec_op_single_row(cs->q.tail) > 0)
		return 1;
	ok = CALL_REAL(real.PQsetSingleRowMode(conn));
	if (!ok && cs && cs->q.tail && cs->q.tail->kind == OP_EXEC)
		cs->q.tail->x.single_row = false; /* libpq said no: nothing to ask again */
	return ok;
}

int hook_refuse_busy(struct conn_state *cs)
{
	conn_keep_error(cs, "another command is already in progress\n");
	log_once(LOG_ONCE_BUSY, LOG_WARN,
		 "a command was sent while the previous one's results were still being read; "
		 "refused, as libpq refuses it");
	return 0;
}

/* The app's pipeline calls, while the shim's own pipeline is on: as if it were off. */
static struct conn_state *in_private_pipeline(PGconn *conn)
{
	struct conn_state *cs = pumped(conn);

	return cs && cs->private_pipeline ? cs : NULL;
}

PQSHIM_EXPORT int PQenterPipelineMode(PGconn *conn)
{
	struct conn_state *cs;

	if (!real_ready() || !real.PQenterPipelineMode)
		return 0;
	if ((cs = in_private_pipeline(conn)))
		return hook_refuse_busy(cs); /* libpq: the connection is not idle */
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
	if (in_private_pipeline(conn))
		return 0; /* libpq: not in pipeline mode */
	return track_sync(conn, CALL_REAL(real.PQpipelineSync(conn)));
}

PQSHIM_EXPORT int PQsendPipelineSync(PGconn *conn)
{
	if (!real_ready() || !real.PQsendPipelineSync)
		return 0;
	if (guard_active())
		return real.PQsendPipelineSync(conn);
	if (in_private_pipeline(conn))
		return 0;
	return track_sync(conn, CALL_REAL(real.PQsendPipelineSync(conn)));
}
