/*
 * The result pump: the app's PQgetResult and PQisBusy go through here
 * whenever a connection has pending ops. It matches results to ops, applies
 * effects once the server accepted them, hides what the shim sent for
 * itself, replaces stand-in results, and sends retries, keeping the app's
 * results complete and in order.
 *
 * Invariants:
 * - PQisBusy returns 0 only when the next pump_get_result will not block.
 * - When results stop matching the queue (a command the shim did not see),
 *   the queue is dropped, logged once, and results pass through as is.
 */
#ifndef PQSHIM_PUMP_H
#define PQSHIM_PUMP_H

#include "conn/conn.h"

#define SQLSTATE_DUPLICATE_PSTATEMENT "42P05"
#define SQLSTATE_UNDEFINED_PSTATEMENT "26000"

PGresult *pump_get_result(struct conn_state *cs);
int pump_is_busy(struct conn_state *cs);
/* After sending a synchronous call's command(s): every result, the last one kept. */
PGresult *pump_exec_finish(struct conn_state *cs);
/*
 * Before a synchronous call: read and discard what is pending, as libpq's
 * PQexecStart would. False when a COPY is in progress: the call must then
 * pass through untouched, so libpq ends or refuses it in its own words.
 */
bool pump_drain(struct conn_state *cs);
/* True when the pump must see this connection's results. */
static inline bool pump_active(const struct conn_state *cs)
{
	return cs->q.head || cs->has_stash;
}

/*
 * The server accepted a protocol prepare of `key` as `server` (NULL: only its
 * text is recorded, as in unnamed and pooled mode): record it, or on no
 * memory forget the name rather than leave it pointing at its old statement.
 */
void pump_record_prepare(struct conn_state *cs, const char *key, const char *server,
			 const char *query, int nparams, const Oid *types);

/* Helpers shared with the hooks. */
bool conn_in_pipeline(PGconn *conn);
void pump_clear_result(PGresult *r);
/* A result exactly like the server's for a successful Parse (or Close). */
PGresult *pump_make_ok(PGconn *conn);
bool result_has_sqlstate(const PGresult *r, const char *sqlstate);

#endif
