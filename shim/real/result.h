/*
 * Small helpers on results, through the real libpq: what an error says
 * (SQLSTATE, the server function that raised it), and results the shim
 * makes in the server's place.
 *
 * Invariants: a made result has been through libpq's RESULTCREATE events, as
 * every result PQgetResult hands out has; every function accepts NULL.
 */
#ifndef PQSHIM_RESULT_H
#define PQSHIM_RESULT_H

#include <stdbool.h>
#include <libpq-fe.h>

#define SQLSTATE_DUPLICATE_PSTATEMENT "42P05"
#define SQLSTATE_UNDEFINED_PSTATEMENT "26000"
#define SQLSTATE_FEATURE_NOT_SUPPORTED "0A000"

/* PQclear through the guard (libpq's own PQclear is not one of the shim's hooks). */
void result_clear(PGresult *r);
/* A result exactly like the server's for a successful Parse (or Close); NULL on no memory. */
PGresult *result_make_ok(PGconn *conn);
/* An error result with libpq's current message (what libpq makes when it has nothing else). */
PGresult *result_make_error(PGconn *conn);
/* r is an error with this SQLSTATE. */
bool result_has_sqlstate(const PGresult *r, const char *sqlstate);
/*
 * "cached plan must not change result type" (0A000), raised while a prepared
 * statement is revalidated, before it runs. Told apart from other 0A000
 * errors by the server function that raises it (messages may be translated).
 */
bool result_plan_changed(const PGresult *r);
/*
 * r's primary message names the statement `name` in double quotes, as the
 * server's English "prepared statement \"%s\" does not exist" does (a
 * translated message may quote otherwise: then false).
 */
bool result_names_statement(const PGresult *r, const char *name);

#endif
