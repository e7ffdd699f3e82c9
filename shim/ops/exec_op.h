/*
 * Executing a prepared statement by name outside a transaction block and
 * outside pipeline mode, where a failure before execution has no side effect,
 * so the shim may try again without the app noticing. One op, in stages:
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
 *   UNNAMED  Parse("") + Bind/Execute under one Sync: always possible.
 *
 * Inside the app's transaction block (pooled mode) nothing may fail that
 * would not fail anyway, so there is no trial: the first execution of a block
 * is LOOKUP, a look at pg_prepared_statements for content names under the
 * same Sync as the app's Execute through the unnamed statement; later ones
 * go by name when the block's server connection has the statement, else
 * CREATE it there (it cannot be there: the block keeps that connection).
 *
 * Any other failure of a command the shim added is the app's answer (the
 * text no longer parses or plans: the unnamed statement would say the same).
 * The app sees one command: the results of the attempt that ran it, then NULL.
 * An Execute is never placed after a Parse that might fail in the same Sync
 * with work of the app's before it: each attempt is its own implicit transaction.
 */
#ifndef PQSHIM_EXEC_OP_H
#define PQSHIM_EXEC_OP_H

#include "hooks/hook.h"

enum exec_stage { EXEC_NAME, EXEC_CREATE, EXEC_HEAL, EXEC_UNNAMED, EXEC_LOOKUP };

#define EXEC_MAX_TRIES 4

/*
 * A new OP_EXEC for the app's statement `key`, sent as `server` (copied;
 * NULL when it does not fit), with the statement's text (borrowed from its
 * table entry) and the app's parameters (borrowed: see exec_op_own_params).
 */
struct op *exec_op_new(const char *key, const char *server, bool pooled, const char *text,
		       int nparams, const Oid *types, const struct params *p);
/* Copies the parameters into op, for an asynchronous call; false on no memory. */
bool exec_op_own_params(struct op *op);
/* Sends the first attempt (stage op->x.stage) and queues op (freed when not sent). */
int exec_op_send(struct conn_state *cs, struct op *op);
/*
 * A synchronous execution by name that ran without an op (the cheap way) and
 * failed with r: the next attempt when the first one may be retried (op is
 * then used), else r. Frees op when it is not used.
 */
PGresult *exec_op_recover(struct conn_state *cs, struct op *op, PGresult *r);
/*
 * The app asked for single-row mode after sending op: 1 when the shim asks
 * for it when op's Execute comes up (a command of the shim's is ahead of it),
 * -1 when libpq is to be asked now. Either way a retry asks again.
 */
int exec_op_single_row(struct op *op);
/* The pump's step for an OP_EXEC at the head: true when *out goes to the app. */
bool exec_op_step(struct conn_state *cs, struct op *op, PGresult *r, PGresult **out);

/* exec_route.c: the op for an execution of the app's `name`, or NULL (the plain way). */
struct op *exec_route_pooled(struct conn_state *cs, const char *name, const struct params *p);
struct op *exec_route_dedupe(struct conn_state *cs, const char *name, const char *server,
			     const struct params *p);
/* Sends op (copy: the parameters, for an asynchronous call); -1 when op is NULL or no memory. */
int exec_route_send(struct conn_state *cs, struct op *op, bool copy);

#endif
