/*
 * SQL text: PQexec, PQsendQuery, PQexecParams, PQsendQueryParams. Texts
 * without PREPARE / EXECUTE / DEALLOCATE / DISCARD ALL go straight through.
 * Others are sent as planned (names rewritten, identical re-PREPAREs made
 * harmless), and their effects reach the table as their results arrive.
 * The synchronous calls are run as libpq runs them (send, then read every
 * result, keep the last) so each statement's result is seen.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "ops/bundle.h"
#include "hook.h"
#include "base/log.h"
#include "base/stats.h"

static bool std_strings(PGconn *conn)
{
	const char *v = real.PQparameterStatus(conn, "standard_conforming_strings");

	return !v || strcmp(v, "off") != 0;
}

/*
 * A queued op for text, or NULL: pass through untouched, unless *refuse says
 * the text as written would reach a statement the app's name no longer means
 * and no plan could be made (no memory): then the call fails the way libpq
 * fails without memory, rather than run the wrong statement.
 */
static struct op *plan_sql(struct conn_state *cs, const char *sql, bool simple, bool pipeline,
			   bool *refuse)
{
	static __thread struct sql_plan scratch; /* most texts need no plan: no allocation for them */
	struct sql_plan *plan;
	struct op *op;

	*refuse = false;
	if (!policy_sql(&cs->stmts, cs->mode, sql, std_strings(cs->conn), simple,
			hook_idle(cs->conn, pipeline), &scratch)) {
		if (scratch.untracked)
			log_once(LOG_ONCE_SQL_OVERFLOW, LOG_WARN,
				 "a SQL text with too many statement references passed through untracked");
		*refuse = scratch.unsafe;
		return NULL;
	}
	*refuse = scratch.text != NULL || scratch.bundle;
	plan = shim_malloc(sizeof(*plan));
	if (!plan) {
		sql_plan_release(&scratch);
		return NULL;
	}
	memcpy(plan, &scratch, sizeof(*plan));
	op = op_new(OP_SQL);
	if (op && plan->retry_on_dup && !(op->sql = shim_strdup(sql))) {
		op_free(op, NULL);
		op = NULL;
	}
	if (!op) {
		sql_plan_release(plan);
		free(plan);
		log_once(LOG_ONCE_NO_MEMORY, LOG_WARN, "out of memory: passing calls through untouched");
		return NULL;
	}
	*refuse = false;
	op->plan = plan;
	op->retry_ok = plan->retry_on_dup;
	if (plan->text || plan->bundle)
		stats_add(ST_SQL_REWRITTEN);
	return op;
}

static const char *text_of(const struct op *op, const char *sql)
{
	return op->plan->text ? op->plan->text : sql;
}


/*
 * One extended-protocol statement that needs another in front of it (see
 * sql_plan.bundle): both go under one Sync, and the app sees only its own.
 */
static int send_bundle(struct conn_state *cs, struct op *op, const char *sql,
		       const struct params *p)
{
	struct bundle b;

	if (!bundle_begin(&b, cs)) {
		op_free(op, pump_clear_result);
		return -1;
	}
	bundle_add(&b, op_new(OP_PASS), true,
		   CALL_REAL(real.PQsendQueryParams(cs->conn, op->plan->bundle_hidden, 0, NULL, NULL,
						    NULL, NULL, 0)));
	bundle_add(&b, op, false,
		   CALL_REAL(real.PQsendQueryParams(cs->conn, text_of(op, sql), p->n, p->types,
						    p->values, p->lengths, p->formats,
						    p->result_format)));
	return bundle_end(&b);
}

/* Sends the planned text (p: extended protocol, NULL: simple) and queues op. */
static int send_planned(struct conn_state *cs, struct op *op, const char *sql,
			const struct params *p)
{
	int sent;

	if (op->plan->bundle && p) {
		sent = send_bundle(cs, op, sql, p);
		if (sent >= 0)
			return sent;
		/* no pipelines in this libpq: the server answers the app's own text */
		return p ? CALL_REAL(real.PQsendQueryParams(cs->conn, sql, p->n, p->types, p->values,
							    p->lengths, p->formats,
							    p->result_format))
			 : CALL_REAL(real.PQsendQuery(cs->conn, sql));
	}
	if (p)
		sent = CALL_REAL(real.PQsendQueryParams(cs->conn, text_of(op, sql), p->n, p->types,
							p->values, p->lengths, p->formats,
							p->result_format));
	else
		sent = CALL_REAL(real.PQsendQuery(cs->conn, text_of(op, sql)));
	if (sent)
		pending_push(&cs->q, op);
	else
		op_free(op, pump_clear_result);
	return sent;
}

/* The planned op for the app's statement run as its SQL text, or NULL. */
static struct op *plan_statement(struct conn_state *cs, const struct stmt_sql *sql,
				 struct params *p, bool *refuse)
{
	*refuse = false;
	if (!sql->text)
		return NULL;
	p->types = p->n <= sql->nparams ? sql->types : NULL; /* the types it was prepared with */
	return plan_sql(cs, sql->text, false, conn_in_pipeline(cs->conn), refuse);
}

bool hook_sql_exec_statement(struct conn_state *cs, const struct stmt_sql *sql,
			     struct params *p, PGresult **out)
{
	bool refuse = false;
	struct op *op;

	if (!sql->text)
		return false; /* the common case: a plain statement, run as is */
	op = conn_in_pipeline(cs->conn) ? NULL : plan_statement(cs, sql, p, &refuse);

	if (!op && refuse)
		*out = NULL; /* as libpq without memory */
	else if (op)
		*out = send_planned(cs, op, sql->text, p) ? pump_exec_finish(cs) : NULL;
	return op || refuse;
}

int hook_sql_send_statement(struct conn_state *cs, const struct stmt_sql *sql, struct params *p)
{
	bool refuse;
	struct op *op = plan_statement(cs, sql, p, &refuse);

	if (!op)
		return refuse ? 0 : -1;
	return send_planned(cs, op, sql->text, p);
}

PQSHIM_EXPORT PGresult *PQexec(PGconn *conn, const char *sql)
{
	struct conn_state *cs;
	struct op *op;
	bool refuse = false;

	if (!real_ready())
		return NULL;
	if (!(cs = hook_sync_state(conn)))
		return CALL_REAL(real.PQexec(conn, sql));
	cs->block_known = false; /* SQL text may end the app's transaction block */
	if (conn_in_pipeline(conn) || !(op = plan_sql(cs, sql, true, false, &refuse)))
		return refuse ? NULL : CALL_REAL(real.PQexec(conn, sql));
	if (!send_planned(cs, op, sql, NULL))
		return NULL; /* as PQexec: the error is in PQerrorMessage */
	return pump_exec_finish(cs);
}

PQSHIM_EXPORT int PQsendQuery(PGconn *conn, const char *sql)
{
	struct conn_state *cs;
	bool pipeline;
	struct op *op;
	bool refuse = false;

	if (!real_ready())
		return 0;
	if (!(cs = hook_state(conn)))
		return CALL_REAL(real.PQsendQuery(conn, sql));
	if (cs->private_pipeline)
		return hook_refuse_busy(cs);
	cs->block_known = false; /* SQL text may end the app's transaction block */
	pipeline = conn_in_pipeline(conn);
	/* libpq 15 refuses PQsendQuery in pipeline mode: it says so in its own words */
	if (pipeline || !(op = plan_sql(cs, sql, true, false, &refuse)))
		return refuse ? 0 : hook_track_pass(cs, pipeline, CALL_REAL(real.PQsendQuery(conn, sql)));
	return send_planned(cs, op, sql, NULL);
}

PQSHIM_EXPORT PGresult *PQexecParams(PGconn *conn, const char *sql, int n, const Oid *types,
				     const char *const *values, const int *lengths,
				     const int *formats, int result_format)
{
	struct conn_state *cs;
	struct op *op;
	bool refuse = false;

	if (!real_ready())
		return NULL;
	if (!(cs = hook_sync_state(conn)))
		return CALL_REAL(real.PQexecParams(conn, sql, n, types, values, lengths, formats,
						   result_format));
	cs->block_known = false; /* SQL text may end the app's transaction block */
	struct params p = { n, types, values, lengths, formats, result_format };

	if (conn_in_pipeline(conn) || !(op = plan_sql(cs, sql, false, false, &refuse)))
		return refuse ? NULL
			      : CALL_REAL(real.PQexecParams(conn, sql, n, types, values, lengths,
							    formats, result_format));
	if (!send_planned(cs, op, sql, &p))
		return NULL;
	return pump_exec_finish(cs);
}

PQSHIM_EXPORT int PQsendQueryParams(PGconn *conn, const char *sql, int n, const Oid *types,
				    const char *const *values, const int *lengths,
				    const int *formats, int result_format)
{
	struct conn_state *cs;
	bool pipeline;
	struct op *op;
	bool refuse = false;

	if (!real_ready())
		return 0;
	if (!(cs = hook_state(conn)))
		return CALL_REAL(real.PQsendQueryParams(conn, sql, n, types, values, lengths, formats,
							result_format));
	if (cs->private_pipeline)
		return hook_refuse_busy(cs);
	cs->block_known = false; /* SQL text may end the app's transaction block */
	struct params p = { n, types, values, lengths, formats, result_format };

	pipeline = conn_in_pipeline(conn);
	if (!(op = plan_sql(cs, sql, false, pipeline, &refuse)))
		return refuse ? 0 : hook_track_pass(cs, pipeline,
				       CALL_REAL(real.PQsendQueryParams(conn, sql, n, types, values,
									lengths, formats,
									result_format)));
	return send_planned(cs, op, sql, &p);
}
