/*
 * A bundle: several real commands under one Sync, of which the app sees the
 * result of exactly one. Behind a transaction pooler only commands under one
 * Sync are sure to reach the same server connection, so the shim sends
 * "Parse the unnamed statement + Describe it", "a throwaway PREPARE + its
 * DEALLOCATE", or "Parse a content name + Bind/Execute it" this way.
 *
 * Outside pipeline mode a bundle enters a pipeline of the shim's own
 * (conn->private_pipeline) and leaves it through bundle_leave, the one way
 * out, once its Sync is read (or the connection failed), before the app sees
 * the end (NULL) of its command. Inside the app's pipeline the commands
 * simply join it (the app's Sync comes later). If a hidden command fails,
 * the server aborts the app's command, and the app gets the hidden command's
 * error in its place.
 *
 * Two ways to read a bundle's results: one op per command (bundle_begin,
 * bundle_add, bundle_end: the pump hides the shim's commands), or one op
 * that reads them all itself (bundle_open, bundle_sync: exec.h's stages).
 */
#ifndef PQSHIM_BUNDLE_H
#define PQSHIM_BUNDLE_H

#include "conn/conn.h"

/* Enters the shim's own pipeline; false when this libpq has none (or libpq refused). */
bool bundle_open(struct conn_state *cs);
/* Sends the Sync of the shim's own pipeline; false when it did not go (bundle_leave then). */
bool bundle_sync(struct conn_state *cs);
/* Leaves the shim's own pipeline (no-op outside one). */
void bundle_leave(struct conn_state *cs);

struct bundle {
	struct conn_state *cs;
	bool private_pipeline;
	bool failed;
};

/* False when no bundle can be made here (no pipeline support in this libpq). */
bool bundle_begin(struct bundle *b, struct conn_state *cs);
/* Queues op for a command just sent (sent = the PQsend* return value). */
void bundle_add(struct bundle *b, struct op *op, bool hidden, int sent);
/* Ends the bundle; returns 1 when every command went out, else 0. */
int bundle_end(struct bundle *b);
/*
 * The private Sync at the head of the queue was read: the bundle is over, the
 * app's command ends (its NULL) now.
 */
void bundle_done(struct conn_state *cs, PGresult *sync);

#endif
