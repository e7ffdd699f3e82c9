/*
 * What the shim knows about one PGconn, and what may change it outside the
 * statement table (stmts.h) and the block state (block.h).
 *
 * Invariants:
 * - A state's contents are touched only by the thread currently using that
 *   PGconn (libpq's rule), so they need no lock (the registry's map has one).
 * - mode is never MODE_AUTO: it is what the connection runs in now, decided
 *   from `configured` and what is in front (pooler.h): until that is known,
 *   auto and pooled mode run as unnamed mode (safe behind anything).
 *   auto_pooled: deduping in auto mode, still watching for a pooler's signs
 *   (then conn_switch_pooled makes it MODE_POOLED for good).
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
#include "counters.h"
#include "pooler.h"
#include "stmt_table.h"
#include "uthash_safe.h"

#define CONN_MAX_LEFT 8

struct conn_state {
	PGconn *conn;
	UT_hash_handle hh;     /* the registry's map */
	enum shim_mode mode;   /* MODE_AUTO is never here: see auto_pooled */
	enum shim_mode configured; /* as configured (MODE_AUTO included) */
	enum pooler_kind pooler;   /* what is in front, once known */
	bool decided;          /* mode follows from what is in front (or needs no knowing) */
	bool tracking;         /* behind a pooler that tracks statements: never Bind, Describe or
				  Parse again a name it would punish (it closes the connection) */
	bool auto_pooled;      /* auto mode: switch to pooled at the first sign of a pooler */
	struct pooler_probe probe; /* while the connection is made (ops/detect.h) */
	bool private_pipeline; /* in a pipeline the shim entered for itself, not the app's */
	struct stmt_table stmts;
	struct content_table contents; /* pooled mode */
	struct block block;            /* pooled mode in a transaction block (block.h) */
	struct pending q;
	PGresult *stash;  /* a result the pump read early (PQisBusy), for the app */
	bool has_stash;
	PGresult *bundle_error; /* the error of a hidden command, owed to the app's one */
	char *err_msg; /* PQerrorMessage's text that libpq dropped in the shim's pipeline */
	bool ctx_hidden; /* a DO block of ops/missing.h in flight: the app's setting is ctx_saved */
	bool row_mode_left; /* single-row or chunked mode was set on a command of the app's; libpq
			       resets it only when it starts another command (ops/prepare.c) */
	PGContextVisibility ctx_saved;
	int series;              /* its counters' series (base/stats.h), for series_mode */
	enum shim_mode series_mode;
	bool series_known;       /* series is for this session, configured mode and series_mode */
	bool session_uncounted;  /* a session is up; counted once the mode is decided */
	/* throwaway names an EXECUTE that failed in a block left on its server connection,
	   dropped with the app's statement that leaves or rolls back the block (sql_plan_ride) */
	int n_left;
	char left[CONN_MAX_LEFT][SERVER_NAME_BUF];
};

/* A state for conn in the configured mode; NULL on no memory. */
struct conn_state *conn_new(PGconn *conn);
void conn_free(struct conn_state *cs);
/* A new session on the same PGconn (connect, reset): forget statements and pending ops. */
void conn_reset(struct conn_state *cs);

/*
 * The error messages libpq formats meanwhile leave out CONTEXT lines (the
 * DO block of ops/missing.h: its error reads as the server's own), until
 * conn_show_context gives the app's setting back (also on reset).
 */
void conn_hide_context(struct conn_state *cs);
void conn_show_context(struct conn_state *cs);

/* Keeps msg (copied) as the connection's error message for PQerrorMessage; NULL forgets it. */
void conn_keep_error(struct conn_state *cs, const char *msg);

/*
 * Sets a connection's configured mode. Auto and pooled mode then run as
 * unnamed mode until conn_decide says what is in front.
 */
void conn_set_mode(struct conn_state *cs, enum shim_mode mode);
/* What is in front of cs is known: its mode from now on (pooler.h). */
void conn_decide(struct conn_state *cs, enum pooler_kind kind);

/*
 * Auto mode saw a transaction pooler on this connection: pooled mode from
 * now on (the statements it knows become recorded texts); logs once with
 * the evidence. No-op unless the connection is in auto mode.
 */
void conn_switch_pooled(struct conn_state *cs, const char *evidence, const char *name);

/* Counts id for the connection: its series follows its target and modes. */
void conn_count(struct conn_state *cs, enum stat_id id);

/*
 * A session is up (connect, reset): counted, under the mode it runs in (after
 * conn_decide when that is still to come); starts the live statistics file.
 */
void conn_session_up(struct conn_state *cs);

/*
 * A command of the app's is in progress, run by the shim in a pipeline of its
 * own: a new one is refused (returns 0), as libpq refuses it outside pipeline
 * mode ("another command is already in progress").
 */
int conn_refuse_busy(struct conn_state *cs);

#endif
