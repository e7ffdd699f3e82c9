/*
 * A bundle: several real commands under one Sync, of which the app sees the
 * result of exactly one. Behind a transaction pooler only commands under one
 * Sync are sure to reach the same server connection, so unnamed mode sends
 * "Parse the unnamed statement + Describe it" or "a throwaway PREPARE + its
 * DEALLOCATE" this way.
 *
 * Outside pipeline mode the bundle enters a pipeline of its own and leaves it
 * when its Sync is read, before the app sees the end (NULL) of its command.
 * Inside the app's pipeline the commands simply join it (the app's Sync
 * comes later). If a hidden command fails, the app's command is aborted by
 * the server, and the app gets the hidden command's error in its place.
 */
#ifndef PQSHIM_BUNDLE_H
#define PQSHIM_BUNDLE_H

#include "conn/conn.h"

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

#endif
