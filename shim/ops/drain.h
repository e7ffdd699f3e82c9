/*
 * Before a blocking call, what libpq's PQexecStart does: read and discard
 * every result still pending (through the pump, so the shim's effects of
 * commands already answered are applied), and end a COPY the app left open
 * the way libpq ends it.
 */
#ifndef PQSHIM_DRAIN_H
#define PQSHIM_DRAIN_H

#include "conn/conn.h"

/*
 * Drains cs. False when a COPY BOTH (replication) is in progress: the call
 * must then pass through untouched, so libpq refuses it in its own words.
 */
bool drain_pending(struct conn_state *cs);

#endif
