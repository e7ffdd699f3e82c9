/*
 * Protocol prepares (PQprepare, PQsendPrepare) as policy_prepare plans them:
 * an identical re-prepare answered without a new statement, a conflicting
 * one sent under a generated name, a name another client holds on the
 * server connection retried under a generated one (outside blocks and
 * pipelines, where a failed Parse has no side effect), unnamed and pooled
 * mode checked through the unnamed statement. Also their results, read by
 * the pump (OP_PREPARE, OP_STANDIN).
 */
#ifndef PQSHIM_PREPARE_H
#define PQSHIM_PREPARE_H

#include "conn/conn.h"

/* The blocking call, after drain. */
PGresult *prepare_sync(struct conn_state *cs, const char *name, const char *query, int nparams,
		       const Oid *types);
/* The asynchronous call: PQsendPrepare's return value. */
int prepare_async(struct conn_state *cs, const char *name, const char *query, int nparams,
		  const Oid *types);

/* The pump: a non-NULL result r for op (OP_PREPARE, OP_STANDIN); true when the app gets *out. */
bool prepare_feed(struct conn_state *cs, struct op *op, PGresult *r, PGresult **out);
/* The pump: op's first attempt was held back; sends the second; true when it is on its way. */
bool prepare_retry(struct conn_state *cs, struct op *op);

#endif
