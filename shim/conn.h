/*
 * What the shim knows about one PGconn, and the registry that finds it.
 *
 * Invariants:
 * - The registry map (PGconn* -> state) is guarded by one mutex; a state's
 *   contents are touched only by the thread currently using that PGconn
 *   (libpq's own rule), so they need no lock.
 * - The entry is removed before the real PQfinish runs, so a new PGconn at
 *   the same address never inherits stale names.
 * - Each thread caches its last lookup; any change to the map bumps a global
 *   epoch that invalidates every cache, so a cached state is never a freed one.
 */
#ifndef PQSHIM_CONN_H
#define PQSHIM_CONN_H

#include <stdbool.h>
#include <libpq-fe.h>

#include "config.h"
#include "pending.h"
#include "stmt_table.h"
#include "uthash_safe.h"

struct conn_state {
	PGconn *conn;
	UT_hash_handle hh;
	enum shim_mode mode;
	struct stmt_table stmts;
	struct pending q;
	PGresult *stash;  /* a result the pump read early (PQisBusy), for the app */
	bool has_stash;
	PGresult *bundle_error; /* the error of a hidden command, owed to the app's one */
};

/* The state for conn, or NULL when the shim never saw it. */
struct conn_state *registry_find(PGconn *conn);
/* The state for conn, created when missing; NULL only on no memory. */
struct conn_state *registry_get(PGconn *conn);
/* A new session on conn (connect, reset): forget statements and pending ops. */
void registry_new_session(PGconn *conn);
/* conn is about to be freed. */
void registry_drop(PGconn *conn);

/* Forgets statements and pending ops of one state (the caller owns it). */
void conn_state_reset(struct conn_state *cs);

#endif
