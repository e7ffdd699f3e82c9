/*
 * What the shim knows about one PGconn, and what may change it outside the
 * statement table (stmts.h) and the block state (block.h).
 *
 * Invariants:
 * - A state's contents are touched only by the thread currently using that
 *   PGconn (libpq's rule), so they need no lock (the registry's map has one).
 * - mode is never MODE_AUTO: auto mode is MODE_DEDUPE with auto_pooled set,
 *   until conn_switch_pooled makes it MODE_POOLED for good.
 * - private_pipeline is true exactly while a bundle of the shim's own
 *   (bundle.h) holds libpq in pipeline mode for one command of the app's.
 */
#ifndef PQSHIM_CONN_H
#define PQSHIM_CONN_H

#include <stdbool.h>
#include <libpq-fe.h>

#include "block.h"
#include "config.h"
#include "content.h"
#include "pending.h"
#include "stmt_table.h"
#include "uthash_safe.h"

struct conn_state {
	PGconn *conn;
	UT_hash_handle hh;     /* the registry's map */
	enum shim_mode mode;   /* MODE_AUTO is never here: see auto_pooled */
	bool auto_pooled;      /* auto mode: switch to pooled at the first sign of a pooler */
	bool private_pipeline; /* in a pipeline the shim entered for itself, not the app's */
	struct stmt_table stmts;
	struct content_table contents; /* pooled mode */
	struct block block;            /* pooled mode in a transaction block (block.h) */
	struct pending q;
	PGresult *stash;  /* a result the pump read early (PQisBusy), for the app */
	bool has_stash;
	PGresult *bundle_error; /* the error of a hidden command, owed to the app's one */
	char *err_msg; /* PQerrorMessage's text that libpq dropped in the shim's pipeline */
};

/* A state for conn in the configured mode; NULL on no memory. */
struct conn_state *conn_new(PGconn *conn);
void conn_free(struct conn_state *cs);
/* A new session on the same PGconn (connect, reset): forget statements and pending ops. */
void conn_reset(struct conn_state *cs);

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

/*
 * A command of the app's is in progress, run by the shim in a pipeline of its
 * own: a new one is refused (returns 0), as libpq refuses it outside pipeline
 * mode ("another command is already in progress").
 */
int conn_refuse_busy(struct conn_state *cs);

#endif
