/*
 * The result pump: the app's PQgetResult and PQisBusy go through here
 * whenever a connection has pending ops. It matches results to ops, hands
 * each to its kind's code (prepare.h, sql.h, close.h, exec.h), hides what
 * the shim sent for itself, replaces stand-in results, and sends retries,
 * keeping the app's results complete and in order.
 *
 * Invariants:
 * - PQisBusy returns 0 only when the next pump_get_result will not block.
 * - When results stop matching the queue (a command the shim did not see),
 *   the queue is dropped, logged once, and results pass through as is.
 */
#ifndef PQSHIM_PUMP_H
#define PQSHIM_PUMP_H

#include "conn/conn.h"

PGresult *pump_get_result(struct conn_state *cs);
int pump_is_busy(struct conn_state *cs);
/* After sending a synchronous call's command(s): every result, the last one kept. */
PGresult *pump_exec_finish(struct conn_state *cs);
/* True when the pump must see this connection's results. */
static inline bool pump_active(const struct conn_state *cs)
{
	return cs->q.head || cs->has_stash;
}

#endif
