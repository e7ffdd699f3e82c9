/*
 * SQL text that touches prepared statements (PQexec, PQsendQuery,
 * PQexecParams, PQsendQueryParams, and a prepared statement whose own text
 * names statements): sent as sql_plan.h plans it (names rewritten, identical
 * re-PREPAREs made harmless, statements of the shim's added and hidden),
 * with each statement's effect applied when its result arrives (OP_SQL).
 * Texts that need no plan go through untouched.
 */
#ifndef PQSHIM_SQL_H
#define PQSHIM_SQL_H

#include "conn/conn.h"
#include "params.h"

/*
 * The op for the app's text, or NULL: pass it through untouched, unless
 * *refuse says the text as written would reach a statement the app's name
 * no longer means and no plan could be made (no memory): then the call fails
 * the way libpq fails without memory, rather than run the wrong statement.
 * Any SQL text may end the app's transaction block: the block's knowledge
 * (block.h) is dropped here. p: extended protocol (NULL: simple query);
 * sync: a blocking call. In the app's pipeline only PQsendQueryParams is
 * planned: libpq refuses the others there, in its own words.
 */
struct op *sql_plan_op(struct conn_state *cs, const char *sql, const struct params *p, bool sync,
		       bool pipeline, bool *refuse);
/* Sends op's text (p: extended protocol, NULL: simple) and queues op; PQsend*'s return. */
int sql_send(struct conn_state *cs, struct op *op, const char *sql, const struct params *p);

/*
 * Dedupe mode: the app's prepared statement run as its SQL text (see
 * policy_map_name). The sync form returns false when that does not apply
 * (the caller runs the statement); it sent the text (*sent) otherwise.
 * The async form returns -1 when it does not apply.
 */
bool sql_statement_sync(struct conn_state *cs, const struct stmt_sql *sql, struct params *p,
			int *sent);
int sql_statement_async(struct conn_state *cs, const struct stmt_sql *sql, struct params *p);

/* The pump: a non-NULL result r for op (OP_SQL); true when the app gets *out. */
bool sql_feed(struct conn_state *cs, struct op *op, PGresult *r, PGresult **out);
/* The pump: op's first attempt (a PREPARE) was held back; sends it renamed. */
bool sql_retry(struct conn_state *cs, struct op *op);
/*
 * The pump: op's results have ended (its NULL). Throwaway names its text
 * made and did not drop (an EXECUTE failed): a wrapped text's block is
 * aborted, so its clean-up goes now ("ROLLBACK; DEALLOCATE <tmp>", true:
 * sent, every result of it hidden, the app's NULL after it); in the app's
 * block they are kept for the statement that leaves it (sql_plan_ride).
 */
bool sql_end(struct conn_state *cs, struct op *op);
/* An effect still to come that hides its result (PQisBusy must read ahead). */
bool sql_may_hide(const struct op *op);

#endif
