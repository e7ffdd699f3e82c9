/* PQexecStart's drain and COPY rules; see drain.h. */
#include "drain.h"
#include "pump.h"
#include "real/guard.h"
#include "real/real.h"
#include "real/result.h"

/*
 * A COPY the app left open, ended as libpq's PQexecStart ends it: COPY IN
 * fails with libpq's own message, COPY OUT data is dropped on the floor.
 * False for COPY BOTH (replication), which libpq refuses: pass through then.
 */
static bool leave_copy(struct conn_state *cs, ExecStatusType st)
{
	char *buf;
	int n;

	if (st == PGRES_COPY_IN)
		return CALL_REAL(real.PQputCopyEnd(cs->conn, "COPY terminated by new PQexec")) >= 0;
	if (st == PGRES_COPY_OUT) {
		while ((n = CALL_REAL(real.PQgetCopyData(cs->conn, &buf, 0))) > 0)
			real.PQfreemem(buf);
		return true;
	}
	return st != PGRES_COPY_BOTH;
}

bool drain_pending(struct conn_state *cs)
{
	PGresult *r;
	ExecStatusType st;

	if (real_in_pipeline(cs->conn) && !cs->private_pipeline)
		return true; /* libpq refuses synchronous calls there, with its own error */
	while (pump_active(cs)) {
		r = pump_get_result(cs);
		if (!r)
			continue;
		st = real.PQresultStatus(r);
		result_clear(r);
		if (!leave_copy(cs, st)) {
			pending_clear(&cs->q, result_clear);
			return false;
		}
		if (real.PQstatus(cs->conn) == CONNECTION_BAD)
			break;
	}
	/* whatever is left, libpq finishes on its own: its effects are unknown */
	pending_clear(&cs->q, result_clear);
	/* results of commands the shim did not queue: discarded, as PQexecStart does */
	while (real.PQtransactionStatus(cs->conn) == PQTRANS_ACTIVE) {
		r = CALL_REAL(real.PQgetResult(cs->conn));
		if (!r)
			break;
		st = real.PQresultStatus(r);
		result_clear(r);
		if (!leave_copy(cs, st))
			return false;
		if (real.PQstatus(cs->conn) == CONNECTION_BAD)
			break;
	}
	return true;
}
