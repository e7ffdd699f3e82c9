/*
 * What is in front of a connection, and the mode that follows from it.
 *
 * Signals, cheapest first:
 * - PgBouncer 1.26 and later report ParameterStatus pgbouncer.pool_mode and
 *   pgbouncer.max_prepared_statements at login: free.
 * - Otherwise one probe under one Sync, at connection time: a Parse of a
 *   named statement of the shim's (unique name, unique text), a query of
 *   pg_backend_pid() and of the name pg_prepared_statements shows for that
 *   text, then DEALLOCATE of the name (POOLER_PROBE_*). A pooler that moves
 *   clients between server connections fakes the BackendKeyData, so its
 *   PQbackendPID() differs from the server's pid; a pooler that tracks
 *   prepared statements itself (PgBouncer 1.21+ with max_prepared_statements
 *   > 0) renames the statement on the server (PGBOUNCER_<n>).
 *
 * Invariants: pure (no libpq, no logging); an inconclusive probe is
 * POOLER_UNKNOWN, never a guess that would let a named statement reach a
 * server connection another client shares.
 */
#ifndef PQSHIM_POOLER_H
#define PQSHIM_POOLER_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

enum pooler_kind {
	POOLER_UNKNOWN = 0, /* not probed, or the probe was inconclusive */
	POOLER_NONE,        /* directly on PostgreSQL (or a pooler that keeps one server connection per client) */
	POOLER_SESSION,     /* a pooler in session mode: the server connection is the client's for its session */
	POOLER_SHARED,      /* a pooler that shares server connections and leaves statements alone */
	POOLER_TRACKING,    /* a pooler that prepares statements itself (PgBouncer 1.21+ with
			       max_prepared_statements > 0): it renames them and closes a client
			       connection that Binds or Describes a name it never Parsed there */
};

/* What PgBouncer 1.26+'s ParameterStatus say (NULL: not reported): UNKNOWN when absent. */
enum pooler_kind pooler_from_params(const char *pool_mode, const char *max_prepared);

/*
 * What the probe saw: the client's PQbackendPID(), the server's
 * pg_backend_pid(), the name the shim parsed, and the name
 * pg_prepared_statements lists for its text (NULL: none).
 */
enum pooler_kind pooler_from_probe(int client_pid, int server_pid, const char *parsed,
				   const char *seen);

/* Configured modes that depend on what is in front: auto and pooled. */
bool pooler_needed(enum shim_mode configured);

/*
 * The mode a connection configured as `configured` runs in behind `kind`
 * (never MODE_AUTO); *watch: auto mode keeps watching for a pooler's signs
 * (a 42P05 or 26000 that only a sharing pooler explains; not directly
 * connected, where a 26000 the app caused itself, say by an untracked
 * DEALLOCATE, is owed to it).
 *   auto:   none -> dedupe; session -> dedupe (watching: a RELOAD may make
 *           PgBouncer share); tracking -> dedupe (the pooler prepares; the
 *           shim answers what it would punish);
 *           shared -> pooled; unknown -> unnamed (safe behind anything)
 *   pooled: tracking -> dedupe; anything else -> pooled
 *   others: themselves
 */
enum shim_mode pooler_mode(enum shim_mode configured, enum pooler_kind kind, bool *watch);

const char *pooler_kind_name(enum pooler_kind kind);

/* The probe: its statement's name and text for a tag (hex digits), and the query. */
#define POOLER_PROBE_NAME_MAX 48
void pooler_probe_name(char out[POOLER_PROBE_NAME_MAX], unsigned long tag);
void pooler_probe_text(char out[POOLER_PROBE_NAME_MAX + 16], const char *name);
#define POOLER_PROBE_QUERY \
	"SELECT pg_catalog.pg_backend_pid(), (SELECT name FROM pg_catalog.pg_prepared_statements " \
	"WHERE statement = $1 LIMIT 1)"
#define POOLER_TRACKING_PREFIX "PGBOUNCER_"

/* One probe in flight: what it sent and what it has read so far. */
struct pooler_probe {
	bool running;   /* sent; the connection is in the shim's own pipeline meanwhile */
	bool flushing;  /* not all of it sent yet (a non-blocking connection) */
	bool got_row;   /* the query's row was read */
	int server_pid;
	char name[POOLER_PROBE_NAME_MAX];
	char seen[64];  /* "" with got_row: pg_prepared_statements lists nothing for the text */
};

#endif
