/*
 * The server's own 26000 ("prepared statement \"x\" does not exist") for a
 * name the app does not hold, in the modes where the name must not reach a
 * statement on the server (route.h's ROUTE_MISSING): it could be another
 * client's statement of that name on a shared server connection, and a
 * pooler that tracks statements closes the connection over it.
 *
 * How: a Describe of the name, which runs nothing and changes nothing, and
 * gives the genuine error where nobody holds that name, as is almost always
 * so; where someone does (its description is not the app's business), or
 * where a Describe may not go (in the app's pipeline it could not be taken
 * back; behind a tracking pooler it would close the connection), a DO block
 * raises the same SQLSTATE and message. Either way the error is the
 * server's, at the moment the server would give it. What differs from the
 * server's own 26000: the fields only PQresultErrorField shows (CONTEXT is
 * the DO block's, PG_DIAG_SOURCE_* are PL/pgSQL's; the message libpq formats
 * leaves CONTEXT out, except in the app's pipeline, where results ahead are
 * formatted later), and in an aborted block the DO block's 25P02, where the
 * server would say 26000 for a Bind or Describe.
 */
#ifndef PQSHIM_MISSING_H
#define PQSHIM_MISSING_H

#include "conn/conn.h"

/* The blocking call's answer. */
PGresult *missing_sync(struct conn_state *cs, const char *name);
/* The asynchronous one: PQsend*'s return value. */
int missing_send(struct conn_state *cs, const char *name);
/* The pump: a non-NULL result for op (OP_MISSING); true when the app gets *out. */
bool missing_feed(struct conn_state *cs, struct op *op, PGresult *r, PGresult **out);
/* The pump: op's Describe found someone's statement: the DO block instead. */
bool missing_retry(struct conn_state *cs, struct op *op);

#endif
