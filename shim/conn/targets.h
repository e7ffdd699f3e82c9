/*
 * What each target (host, port, database and user of a connection) was found
 * to have in front (pooler.h), remembered for the whole process, so only its
 * first connection to a target pays for the probe.
 *
 * Invariants: no lock (entries are claimed with a compare-and-swap and never
 * freed), so a fork never leaves one held; at most TARGETS_MAX targets are
 * remembered, later ones are probed on every connection.
 */
#ifndef PQSHIM_TARGETS_H
#define PQSHIM_TARGETS_H

#include <libpq-fe.h>

#include "pooler.h"

#define TARGETS_MAX 64
#define TARGETS_KEY_MAX 512

/* The target of a connection that is up, as a key; false when it does not fit. */
bool targets_key(PGconn *conn, char out[TARGETS_KEY_MAX]);
enum pooler_kind targets_get(const char *key);
void targets_put(const char *key, enum pooler_kind kind);

#endif
