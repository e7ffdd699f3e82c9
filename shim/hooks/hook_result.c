/* Reading results: PQgetResult, PQisBusy, PQerrorMessage, PQsetSingleRowMode. */
#include "hook.h"
#include "ops/exec.h"

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

/* Single-row mode applies to the command just sent: a retry of it asks again. */
PQSHIM_EXPORT int PQsetSingleRowMode(PGconn *conn)
{
	struct conn_state *cs;
	int ok;

	if (!real_ready())
		return 0;
	if ((cs = pumped(conn)) && cs->q.tail && cs->q.tail->kind == OP_EXEC &&
	    !cs->q.tail->x.delivered && exec_single_row(cs->q.tail) > 0)
		return 1;
	ok = CALL_REAL(real.PQsetSingleRowMode(conn));
	if (!ok && cs && cs->q.tail && cs->q.tail->kind == OP_EXEC)
		cs->q.tail->x.single_row = false; /* libpq said no: nothing to ask again */
	return ok;
}
