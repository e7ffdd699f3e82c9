/*
 * Decisions for protocol prepares and for the names an app's calls refer to
 * (execute, describe, close), as pure functions of the statement table and
 * the call: no libpq, no I/O, no logging. SQL text is sql_plan.h's.
 *
 * Invariants:
 * - A plan never names a statement the table says is someone else's.
 * - Generated names come only from names.h and are never taken on the
 *   session at the time of the decision.
 * - When a plan cannot be made (no memory, a name not representable), the
 *   answer is "pass through untouched": the app gets what libpq gives.
 */
#ifndef PQSHIM_POLICY_H
#define PQSHIM_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <postgres_ext.h>

#include "config.h"
#include "names.h"
#include "stmt_table.h"

#define SERVER_NAME_BUF (STMT_NAME_MAX + 1)

enum prep_action {
	PREP_PASS,   /* untouched, not tracked (unnamed "", bad arguments, mode off) */
	PREP_SEND,   /* send under server_name (the app's own), record on success */
	PREP_DUP,    /* identical to what server_name already holds: no new Parse */
	PREP_RENAME, /* send under the generated server_name, record on success */
	PREP_UNNAMED, /* unnamed mode: validate as the unnamed statement, record the text */
};

struct prep_plan {
	enum prep_action action;
	bool retry_on_dup; /* PREP_SEND: a 42P05 may be retried under a generated name */
	bool as_written;   /* the server name is the app's own: send the app's string, so
			      the server's messages (and its 63-byte cut) are its own */
	char server_name[SERVER_NAME_BUF];
};

/* The name to put on the wire for a prepare plan. */
static inline const char *prep_wire_name(const struct prep_plan *p, const char *app_name)
{
	return p->as_written ? app_name : p->server_name;
}

/*
 * A statement's text as the shim knows it. Also used for a prepare of the
 * same name already sent in this pipeline but not answered yet: later
 * commands of the pipeline run after it, so it counts as there.
 */
struct prep_inflight {
	bool changed; /* a DEALLOCATE, DISCARD ALL, Close or SQL PREPARE of the name is in
			 flight instead: its text is not known here */
	bool gone;    /* changed by a DEALLOCATE, DISCARD ALL or Close: the app will not
			 hold the name (within a Sync exact: an error aborts the rest) */
	const char *server; /* changed by a SQL PREPARE: the name it is prepared under */
	const char *query;
	int nparams;
	const Oid *types;
};

/*
 * Protocol prepare (PQprepare / PQsendPrepare). idle: the connection is not
 * in a transaction block and not in pipeline mode, so a failed Parse has no
 * side effect and can be retried. inflight may be NULL.
 */
enum prep_action policy_prepare(const struct stmt_table *t, enum shim_mode mode, const char *name,
				const char *query, int nparams, const Oid *types, bool idle,
				const struct prep_inflight *inflight, struct prep_plan *out);

/* A fresh generated name not taken in t (false if none could be made). */
bool policy_new_name(const struct stmt_table *t, char out[SERVER_NAME_BUF]);

/* A statement whose own text names prepared statements (see policy_map_name). */
struct stmt_sql {
	const char *text;
	int nparams;
	const Oid *types;
};

/*
 * The name to send for an app's reference to a statement (exec, describe,
 * close): the server name when the table maps it, else the name itself cut
 * to the 63 bytes the server would keep (buf holds the cut copy). For an
 * execute in dedupe mode, sql (when not NULL) gets the statement's text when
 * that text itself names prepared statements (PDO prepares "EXECUTE q(3)",
 * psycopg 3 a "PREPARE"): it must run as SQL, so names map when it runs.
 * entry (when not NULL) gets the table's entry for the name, or NULL.
 * One table lookup either way; whether a text names statements is worked
 * out once per statement.
 */
const char *policy_map_name(struct stmt_table *t, enum shim_mode mode, const char *name,
			    const struct prep_inflight *inflight, char buf[SERVER_NAME_BUF],
			    struct stmt_sql *sql, struct stmt **entry);

/*
 * Unnamed mode: the text recorded for an app's statement name (inflight
 * first), or false when the shim has none (the call then goes to the server
 * as the app wrote it).
 */
bool policy_unnamed_text(const struct stmt_table *t, const char *name,
			 const struct prep_inflight *inflight, struct prep_inflight *out);

/*
 * Does a statement's own text name prepared statements (PDO's "EXECUTE
 * q(3)")? Either string rule counts; worked out once per statement.
 */
bool policy_names_statements(struct stmt *s);

/*
 * The statement of a SQL PREPARE's body " AS <statement>" (its text after
 * the name), or NULL when the body is not of that form (a type list).
 */
const char *policy_sql_body_query(const char *body);
/*
 * The same for a body that may start with a parameter type list,
 * " (int, text) AS <statement>": *typed says whether it did.
 */
const char *policy_sql_body_statement(const char *body, bool *typed);

/* A command in flight makes the name a text recorded only (its server name is ""). */
bool policy_inflight_text_only(const struct prep_inflight *inflight);

/*
 * A reference (execute, describe) to a name the app does not hold, in a mode
 * where such a name must not reach the server (unnamed, pooled, or behind a
 * pooler that tracks statements): nothing recorded, nothing in flight, and
 * no SQL text of the session that may have made names the shim does not
 * follow (stmt_table.sql_names). The unnamed statement "" is never missing:
 * it goes as it is; nor is a name that is not UTF-8 (the server rejects it,
 * 22021, before looking for a statement, as for a prepare of it). A name
 * the app deallocated while the shim ran it under another name (stale: the
 * server may still hold an old statement under it) is answered the same way
 * in every mode, from policy_map_name's NAMES_GONE (route_exec, track_missing),
 * so the lookup costs nothing more on the hot path. A name deallocated or
 * closed by a command in flight ahead (inflight->gone) is missing too.
 */
/*
 * The name to send for one the shim does not know: as the app wrote it (the
 * server's own "does not exist" names it), unless it is so long that the
 * server would drop the connection over a Describe or Close of it: then its
 * first 63 bytes in buf, cut on a character boundary so the message stays valid.
 */
const char *policy_unknown_name(const char *name, char buf[SERVER_NAME_BUF]);

bool policy_missing(const struct stmt_table *t, enum shim_mode mode, bool tracking,
		    const char *name, const struct prep_inflight *inflight);

#endif
