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
#include "content.h"
#include "pending.h"
#include "stmt_table.h"
#include "uthash_safe.h"

struct conn_state {
	PGconn *conn;
	UT_hash_handle hh;
	enum shim_mode mode;   /* MODE_AUTO is never here: see auto_pooled */
	bool auto_pooled;      /* auto mode: switch to pooled at the first sign of a pooler */
	bool private_pipeline; /* in a pipeline the shim entered for itself, not the app's */
	struct stmt_table stmts;
	struct content_table contents; /* pooled mode */
	/*
	 * Pooled mode in a transaction block: the pooler keeps one server connection
	 * for the block, whose content names the shim looked up at the block's first
	 * execution. Valid only while nothing could have ended the block: any SQL
	 * text the app sends, and any sight of a status other than "in a block",
	 * makes it unknown again.
	 */
	bool block_known;
	uint32_t block_epoch; /* contents present on the block's server connection carry it */
	uint32_t block_known_upto; /* contents made before the look-up (seq below) were looked up */
	struct pending q;
	PGresult *stash;  /* a result the pump read early (PQisBusy), for the app */
	bool has_stash;
	PGresult *bundle_error; /* the error of a hidden command, owed to the app's one */
	char *err_msg; /* PQerrorMessage's text that libpq dropped in the shim's pipeline */
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

/* Keeps msg (copied) as the connection's error message for PQerrorMessage; NULL forgets it. */
void conn_keep_error(struct conn_state *cs, const char *msg);

/* Sets a connection's mode as configured (auto: dedupe, watching for a pooler). */
void conn_set_mode(struct conn_state *cs, enum shim_mode mode);

/*
 * Auto mode saw a transaction pooler on this connection: pooled mode from
 * now on (the statements it knows become recorded texts); logs once with
 * the evidence. No-op unless the connection is in auto mode.
 */
void conn_switch_pooled(struct conn_state *cs, const char *evidence, const char *name);

#endif
