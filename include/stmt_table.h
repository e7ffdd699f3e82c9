/*
 * The prepared statements of one server session, as the shim knows them.
 *
 * Two views of one session:
 * - by app name: what the app calls a statement ("s0"), keyed as the server
 *   would key it (first 63 bytes), with the server-side name it really has
 *   (the same, or a generated one after a rename) and its content (query
 *   text, parameter types, origin) so identical re-prepares can be told apart
 *   from conflicting ones exactly, not by hash alone;
 * - by server name: every name known to be in use on the server session:
 *   ours, ones we renamed away from, and ones another client left there
 *   (learned from 42P05). A Parse of such a name would fail.
 *
 * Invariants: an entry is added only after the server accepted it; every app
 * entry's server name is in the server view; no function here calls libpq or
 * logs. Out of memory reports false and may forget an entry (the next
 * prepare then goes to the server), never leaves a dangling one.
 * Not thread-safe: a table belongs to one connection, used by one thread at
 * a time (libpq's rule).
 */
#ifndef PQSHIM_STMT_TABLE_H
#define PQSHIM_STMT_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <postgres_ext.h>

enum stmt_origin {
	STMT_PROTOCOL = 1, /* PQprepare / PQsendPrepare: text = the query */
	STMT_SQL = 2,      /* SQL PREPARE: text = everything after the name */
};

struct stmt;
struct srv_name;
struct content;

struct stmt_table {
	struct stmt *by_app;
	struct srv_name *by_server;
	/*
	 * SQL text of this session may have made server-side names the table
	 * does not hold (a SQL PREPARE sent as written, or a text with more
	 * references than the shim follows): a name not found may exist.
	 * Cleared with the table.
	 */
	bool sql_names;
};

void stmt_table_init(struct stmt_table *t);
/* Forget everything (new session, DEALLOCATE ALL, DISCARD ALL). */
void stmt_table_clear(struct stmt_table *t);
unsigned stmt_table_count(const struct stmt_table *t);

/* The entry for an app name (compared on its first 63 bytes), or NULL. */
struct stmt *stmt_table_find(const struct stmt_table *t, const char *name);

/* The name to send to the server for an app name known to the table; NULL
 * for a virtual entry (unnamed mode: recorded, never created on the server). */
const char *stmt_server_name(const struct stmt *s);
bool stmt_is_renamed(const struct stmt *s);
const char *stmt_query(const struct stmt *s);
int stmt_nparams(const struct stmt *s);
const Oid *stmt_types(const struct stmt *s); /* NULL when all unspecified */
enum stmt_origin stmt_origin(const struct stmt *s);
/* Whether the text itself names prepared statements (EXECUTE q...): 1, 0, or -1 unknown yet. */
int stmt_sql_refs(const struct stmt *s);
void stmt_set_sql_refs(struct stmt *s, bool refs);

/* Pooled mode: the entry of its text in the connection's content table (content.h). */
struct content *stmt_content(const struct stmt *s);
void stmt_set_content(struct stmt *s, struct content *c);

/*
 * Every statement prepared through the protocol becomes a recorded text only
 * (as in unnamed mode); the server keeps what it has, now reached by nobody.
 * For a connection found to be behind a transaction pooler (auto mode).
 */
void stmt_table_make_virtual(struct stmt_table *t);

/* Same origin, text and parameter types (NULL types == all zero). */
bool stmt_same(const struct stmt *s, enum stmt_origin origin, const char *text, size_t len,
	       int nparams, const Oid *types);

/* True when server_name (first 63 bytes) is in use on the server session. */
bool stmt_table_taken(const struct stmt_table *t, const char *server_name);

/*
 * Records that the server accepted server_name for app name `name`. An
 * earlier entry for the name is replaced; its server name stays taken
 * (it is still on the server). server_name NULL records a virtual entry.
 * Returns false on out of memory.
 */
bool stmt_table_put(struct stmt_table *t, const char *name, const char *server_name,
		    enum stmt_origin origin, const char *text, size_t len, int nparams,
		    const Oid *types);

/*
 * The shim could not record what `name` means now (out of memory): the app's
 * name must reach neither its old statement nor anything else. The entry goes;
 * server names it had stay taken, so references to `name` get "does not exist".
 */
void stmt_table_forget(struct stmt_table *t, const char *name);

/* The server dropped the app's statement `name` (DEALLOCATE, Close). */
void stmt_table_remove(struct stmt_table *t, const char *name);

/* server_name is in use on the server, by nobody the table knows. */
bool stmt_table_mark_taken(struct stmt_table *t, const char *server_name);

/*
 * True when `name` is not the app's statement any more but the server still
 * holds a statement of that name that the shim renamed away from: the app's
 * name must not reach it (the app would run its old text instead of getting
 * "does not exist").
 */
bool stmt_table_is_stale(const struct stmt_table *t, const char *name);

/* The server dropped server_name itself (DEALLOCATE of a name no entry has). */
void stmt_table_release(struct stmt_table *t, const char *server_name);

/* Content hash used to compare quickly before comparing exactly. */
uint64_t stmt_hash(enum stmt_origin origin, const char *text, size_t len, int nparams,
		   const Oid *types);

#endif
