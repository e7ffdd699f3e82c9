/*
 * Closing a statement through the protocol (PQclosePrepared,
 * PQsendClosePrepared, libpq 17+): the app's name becomes what the server
 * holds for it, and the name is forgotten once the server has closed it.
 * A recorded text in unnamed and pooled mode is not on the server: closing a
 * name that is not there succeeds without touching anything (and never
 * another client's statement of the app's name).
 */
#ifndef PQSHIM_CLOSE_H
#define PQSHIM_CLOSE_H

#include "conn/conn.h"
#include "policy.h"

/* The name to send in the Close for the app's `name`. */
const char *close_name(struct conn_state *cs, const char *name, char buf[SERVER_NAME_BUF]);
/* The blocking call's result r: the app's name is forgotten when it succeeded. */
void close_done(struct conn_state *cs, const char *name, const char *server, const PGresult *r);
/* The asynchronous call: PQsendClosePrepared's return value. */
int close_async(struct conn_state *cs, const char *name);
/* The pump: a non-NULL result for op (OP_CLOSE); the app always gets it. */
void close_feed(struct conn_state *cs, const struct op *op, const PGresult *r);

#endif
