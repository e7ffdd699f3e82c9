/*
 * Changes to a connection's statement table that the server's answers
 * cause: a prepare accepted, a SQL statement's effect completed, a Close
 * done, a statement found missing.
 *
 * Invariants: only what the server accepted is recorded; when the shim
 * cannot record what a name means now (no memory), the name is forgotten,
 * never left pointing at what it meant before.
 */
#ifndef PQSHIM_STMTS_H
#define PQSHIM_STMTS_H

#include "conn.h"
#include "sql_plan.h"

/*
 * The server accepted a protocol prepare of `key` as `server` (NULL: only its
 * text is recorded, as in unnamed and pooled mode): record it.
 */
void stmts_record_prepare(struct conn_state *cs, const char *key, const char *server,
			  const char *query, int nparams, const Oid *types);
/* A SQL statement's result completed its effect on the table. */
void stmts_apply_fx(struct conn_state *cs, const struct sql_fx *fx);

#define STMTS_MAX_TYPES 1024
/*
 * FX_TYPES: the parameter types (OIDs, comma-separated, as the server wrote
 * them) key's SQL type list resolved to; a SQL PREPARE recorded only then runs
 * and describes through the protocol with them. Anything else leaves it as is.
 */
void stmts_record_types(struct conn_state *cs, const char *key, const char *oids);
/* The server closed `server` for the app's `name` (a protocol Close). */
void stmts_closed(struct conn_state *cs, const char *name, const char *server);
/*
 * The server says the app's statement `name`, which the shim recorded, is gone
 * (26000): in auto mode the sign of a transaction pooler (pooled mode from
 * now on), else forgotten, so the app's re-prepare really prepares it.
 */
void stmts_lost(struct conn_state *cs, const char *name);
/*
 * r is the server's 26000 for the app's `name`, not for a statement the
 * statement's own text names (PDO's "EXECUTE n0": n0's 26000 says "n0").
 */
bool stmts_is_lost(struct conn_state *cs, const char *name, const PGresult *r);
/* Dedupe mode: stmts_lost when r is the server's 26000 for the app's `name`. */
void stmts_check_lost(struct conn_state *cs, const char *name, const PGresult *r);

#endif
