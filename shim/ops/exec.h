/*
 * Executing a prepared statement through an op of the shim's (the routes
 * ROUTE_CONTENT, ROUTE_BLOCK_* and ROUTE_WATCHED of route.h, and a blocking
 * ROUTE_DIRECT that failed before it ran), in stages:
 *
 *   NAME     Bind/Execute by name. 26000 (this server connection lacks the
 *            statement) -> CREATE; 0A000 "cached plan must not change result
 *            type" -> HEAL; in auto mode a 26000 for a statement the shim made
 *            is the sign of a transaction pooler: pooled mode, then CREATE.
 *   CREATE   Parse(name) + Bind/Execute(name) under one Sync. A 42P05 on the
 *            Parse (made meanwhile by someone else; the Execute was aborted,
 *            nothing ran) -> NAME again; after EXEC_MAX_TRIES -> UNNAMED.
 *   HEAL     DEALLOCATE name + Parse(name) + Bind/Execute(name) under one
 *            Sync. 26000 on the DEALLOCATE (this server connection lacks it)
 *            -> CREATE.
 *   REPLAN   HEAL behind a pooler that tracks statements (it would close the
 *            connection over a second Parse of a name, and keeps one server
 *            statement per text): Parse of a generated name with the text and
 *            a comment naming it (a text of its own, so a fresh plan) +
 *            Bind/Execute under one Sync; the app's name maps to it after.
 *   UNNAMED  Parse("") + Bind/Execute under one Sync: always possible.
 *   LOOKUP   (in a block) the look-up of the block's server connection's
 *            content names, then Parse("") + Bind/Execute, under one Sync.
 *   CANCELLED instead of any retry, when the app asked to cancel the
 *            execution since it was sent (the server, idle after the first
 *            attempt's error, dropped that cancel): a query that cancels
 *            itself, so the app gets the server's own 57014; its first
 *            attempt's error if the cancel does not take.
 *
 * Outside a block and outside pipeline mode a failure before execution has
 * no side effect, so the shim tries again without the app noticing. Inside
 * the app's transaction block nothing may fail that would not fail anyway:
 * no trial, the route chose a stage that cannot fail for the shim's reasons.
 * Any other failure of a command the shim added is the app's answer (the
 * text no longer parses or plans: the unnamed statement would say the same).
 * The app sees one command: the results of the attempt that ran it, then NULL.
 * An Execute is never placed after a Parse that might fail in the same Sync
 * with work of the app's before it: each attempt is its own implicit transaction.
 */
#ifndef PQSHIM_EXEC_H
#define PQSHIM_EXEC_H

#include "conn/conn.h"
#include "params.h"
#include "route.h"

enum exec_stage { EXEC_NAME, EXEC_CREATE, EXEC_HEAL, EXEC_UNNAMED, EXEC_LOOKUP, EXEC_CANCELLED,
		  EXEC_REPLAN };

#define EXEC_MAX_TRIES 4

/* A query that cancels itself: the server's own 57014, on whichever server connection it lands. */
#define EXEC_SELF_CANCEL_SQL \
	"SELECT pg_catalog.pg_cancel_backend(pg_catalog.pg_backend_pid()), pg_catalog.pg_sleep(5)"

/* The connection's transaction status, as route.h needs it. */
enum route_txn exec_txn(PGconn *conn);

/* The route of an execution of the app's `name` (gathers the facts, asks route_exec). */
void exec_decide(struct conn_state *cs, const char *name, bool sync, struct route *out);

/*
 * Sends the op for a route that has one (copy: the parameters, for an
 * asynchronous call): 1 sent (queued), 0 failed (the connection is failing),
 * -1 no op could be made (no memory, arguments libpq refuses): take the
 * route's fallback.
 */
int exec_send(struct conn_state *cs, const struct route *rt, const char *name,
	      const struct params *p, bool copy);

/*
 * A blocking ROUTE_DIRECT with `watch` failed with r outside a block: 1 when
 * the next attempt is on its way (r freed; read it with pump_exec_finish),
 * 0 when r is the app's answer, -1 when no op could be made (no memory).
 * cancel_seq: cancels_seq() from before the first attempt was sent.
 */
int exec_recover(struct conn_state *cs, const struct route *rt, const char *name,
		 const struct params *p, PGresult *r, unsigned long cancel_seq);

#define EXEC_SINGLE_ROW (-1) /* a row mode: PQsetSingleRowMode; > 0: PQsetChunkedRowsMode's size */
/* Asks libpq again for the app's row mode (EXEC_SINGLE_ROW, a chunk size; 0: none) for the
   command just sent; logs once when libpq says no. */
void exec_row_mode_again(struct conn_state *cs, int mode);

/*
 * The app asked for single-row or chunked-rows mode (row_mode) after sending
 * op: 1 when the shim asks for it when op's Execute comes up (a command of
 * the shim's is ahead of it), -1 when libpq is to be asked now. Either way a
 * retry asks again.
 */
int exec_row_mode(struct op *op, int row_mode);

/* The pump's step for an OP_EXEC at the head: true when *out goes to the app. */
bool exec_step(struct conn_state *cs, struct op *op, PGresult *r, PGresult **out);

#endif
