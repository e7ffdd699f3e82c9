/*
 * The registry: PGconn* -> the shim's state for it (conn.h).
 *
 * Invariants:
 * - The map is guarded by one mutex; each thread caches its last lookups,
 *   and any change to the map bumps a global epoch that invalidates every
 *   cache, so a cached state is never a freed one.
 * - The entry is removed before the real PQfinish runs, so a new PGconn at
 *   the same address never inherits stale names.
 * - After fork the child's map is consistent (the lock is held across it)
 *   and the child gets new generated names.
 */
#ifndef PQSHIM_REGISTRY_H
#define PQSHIM_REGISTRY_H

#include "conn.h"

/* The state for conn, or NULL when the shim never saw it. */
struct conn_state *registry_find(PGconn *conn);
/* The state for conn, created when missing; NULL only on no memory. */
struct conn_state *registry_get(PGconn *conn);
/* A new session on conn (connect, reset): forget statements and pending ops. */
void registry_new_session(PGconn *conn);
/* conn is about to be freed. */
void registry_drop(PGconn *conn);

#endif
