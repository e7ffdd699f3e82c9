/*
 * Pooled mode's SQL EXECUTE by content name (also auto and pooled mode
 * behind a pooler that tracks statements: sqlc_applies): a simple query whose one
 * statement is an EXECUTE (or EXPLAIN EXECUTE, CREATE TABLE AS EXECUTE) of
 * a name the app prepared (through the protocol or with SQL PREPARE, recorded
 * as a text) goes by the statement's content name (names.h) once its text has
 * earned one (route_sql_execute), so SQL-level and protocol-level uses of one
 * statement share one server-side plan. The stages, as for protocol
 * executions (exec.h):
 *
 *   NAME     the app's text with the content name. Outside a block a 26000
 *            naming it (this server connection lacks it; the text is that one
 *            statement, so nothing ran) -> CREATE; 0A000 "cached plan must
 *            not change result type" -> HEAL.
 *   CREATE   "PREPARE <content> AS <statement>\n; " + NAME's text in one
 *            query, the PREPARE's result hidden. A 42P05 naming it (made
 *            meanwhile; the EXECUTE was skipped) -> NAME again; after
 *            EXEC_MAX_TRIES -> UNNAMED.
 *   HEAL     "DEALLOCATE <content>; " + CREATE's text, two results hidden;
 *            26000 on the DEALLOCATE -> CREATE.
 *   UNNAMED  the throwaway text sql_plan made (unnamed mode's way).
 *   CANCELLED instead of any retry when the app cancelled since the first
 *            attempt went: a query that cancels itself, so the app gets the
 *            server's own 57014 (the first error if the cancel does not take).
 *
 * In a block: NAME where the block's server connection holds it, CREATE
 * where it lacks it (block.h), and nothing retried: any error is the app's.
 * Any other failure of a hidden statement is the app's answer (the text no
 * longer parses or plans: the throwaway text would say the same).
 */
#ifndef PQSHIM_SQL_CONTENT_H
#define PQSHIM_SQL_CONTENT_H

#include "conn/conn.h"

/*
 * Pooled mode, and auto or pooled mode behind a pooler that tracks statements
 * (they run as dedupe there, but it tracks protocol statements only: SQL text
 * passes through it, so content names made with SQL are safe there too).
 */
bool sqlc_applies(const struct conn_state *cs);
/* op (OP_SQL, planned for a simple query outside the app's pipeline): go by content name? */
void sqlc_choose(struct conn_state *cs, struct op *op, const char *sql);
/* op goes by content name: the text of its current stage. */
bool sqlc_on(const struct op *op);
const char *sqlc_text(const struct op *op);
/* A result for op (sqlc_on): true when the app gets *out; -1 when sql.c's fx rules apply. */
int sqlc_feed(struct conn_state *cs, struct op *op, PGresult *r, PGresult **out);
/* op holds an error: sends the next stage; false when the app gets the held error. */
bool sqlc_retry(struct conn_state *cs, struct op *op);
/* A result still to come may be hidden or held (PQisBusy must read ahead). */
bool sqlc_may_hide(const struct op *op);
/* The app asked for single-row (-1) or chunked-rows mode for op: asked again for a retry. */
void sqlc_row_mode(struct op *op, int mode);

#endif
