/* Reading results: PQgetResult, PQisBusy, PQerrorMessage, PQsetSingleRowMode. */
#include "hook.h"
#include "ops/exec.h"
#include "ops/sql_content.h"

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
 * Single-row and chunked-rows mode apply to the command just sent: when it is
 * an exec op of the shim's, a retry of it asks again, and while a command of
 * the shim's is ahead of the app's Execute the shim asks when its turn comes.
 * -1 when the mode is not the shim's business: ask libpq.
 */
static int row_mode(PGconn *conn, int mode)
{
	struct conn_state *cs = pumped(conn);
	struct op *op = cs ? cs->q.tail : NULL;

	if (op && op->kind == OP_SQL) {
		sqlc_row_mode(op, mode); /* the app's text is sent: libpq applies it, kept for a retry */
		return -1;
	}
	if (!op || op->kind != OP_EXEC || op->x.delivered)
		return -1;
	return exec_row_mode(op, mode) > 0 ? 1 : -1;
}

/*
 * libpq said no: nothing to ask again. libpq said yes to a command of the
 * app's own: libpq keeps the mode until it starts its next command, so a
 * re-prepare the shim would answer without libpq must not come next
 * (conn.h: row_mode_left).
 */
static int refused(PGconn *conn, int ok)
{
	struct conn_state *cs;

	if (!ok && (cs = pumped(conn)) && cs->q.tail &&
	    (cs->q.tail->kind == OP_EXEC || cs->q.tail->kind == OP_SQL))
		cs->q.tail->x.row_mode = 0;
	if (ok && !guard_active() && conn && (cs = registry_find(conn)))
		cs->row_mode_left = true;
	return ok;
}

PQSHIM_EXPORT int PQsetSingleRowMode(PGconn *conn)
{
	if (!real_ready())
		return 0;
	if (row_mode(conn, EXEC_SINGLE_ROW) > 0)
		return 1;
	return refused(conn, CALL_REAL(real.PQsetSingleRowMode(conn)));
}

/* libpq 17+ */
PQSHIM_EXPORT int PQsetChunkedRowsMode(PGconn *conn, int chunk_size)
{
	if (!real_ready() || !real.PQsetChunkedRowsMode)
		return 0; /* what libpq 17 answers when it cannot */
	if (chunk_size > 0 && row_mode(conn, chunk_size) > 0)
		return 1;
	return refused(conn, CALL_REAL(real.PQsetChunkedRowsMode(conn, chunk_size)));
}
