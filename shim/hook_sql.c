/*
 * SQL text: PQexec, PQsendQuery, PQexecParams, PQsendQueryParams. Texts
 * without PREPARE / EXECUTE / DEALLOCATE / DISCARD ALL go straight through.
 * Others are sent as planned (names rewritten, identical re-PREPAREs made
 * harmless), and their effects reach the table as their results arrive.
 * The synchronous calls are run as libpq runs them (send, then read every
 * result, keep the last) so each statement's result is seen.
 */
#include <stdlib.h>
#include <string.h>

#include "hook.h"
#include "log.h"

static bool std_strings(PGconn *conn)
{
	const char *v = real.PQparameterStatus(conn, "standard_conforming_strings");

	return !v || strcmp(v, "off") != 0;
}

/* A queued op for text, or NULL: pass through untouched. */
static struct op *plan_sql(struct conn_state *cs, const char *sql, bool simple, bool pipeline)
{
	static __thread struct sql_plan scratch; /* most texts need no plan: no allocation for them */
	struct sql_plan *plan;
	struct op *op;

	if (!policy_sql(&cs->stmts, cs->mode, sql, std_strings(cs->conn), simple,
			hook_idle(cs->conn, pipeline), &scratch)) {
		if (scratch.untracked)
			log_once(LOG_ONCE_SQL_OVERFLOW, LOG_WARN,
				 "a SQL text with too many statement references passed through untracked");
		return NULL;
	}
	plan = malloc(sizeof(*plan));
	if (!plan) {
		sql_plan_release(&scratch);
		return NULL;
	}
	memcpy(plan, &scratch, sizeof(*plan));
	op = op_new(OP_SQL);
	if (op && plan->retry_on_dup && !(op->sql = strdup(sql))) {
		op_free(op, NULL);
		op = NULL;
	}
	if (!op) {
		sql_plan_release(plan);
		free(plan);
		return NULL;
	}
	op->plan = plan;
	op->retry_ok = plan->retry_on_dup;
	return op;
}

static const char *text_of(const struct op *op, const char *sql)
{
	return op->plan->text ? op->plan->text : sql;
}

/* libpq's PQexecFinish, reading through the pump. */
static PGresult *exec_finish(struct conn_state *cs)
{
	PGresult *r, *last = NULL;
	ExecStatusType st;

	while ((r = pump_get_result(cs)) != NULL) {
		pump_clear_result(last);
		last = r;
		st = real.PQresultStatus(r);
		if (st == PGRES_COPY_IN || st == PGRES_COPY_OUT || st == PGRES_COPY_BOTH ||
		    real.PQstatus(cs->conn) == CONNECTION_BAD)
			break;
	}
	return last;
}

PQSHIM_EXPORT PGresult *PQexec(PGconn *conn, const char *sql)
{
	struct conn_state *cs;
	struct op *op;

	if (!real_ready())
		return NULL;
	if (!(cs = hook_state(conn)))
		return CALL_REAL(real.PQexec(conn, sql));
	hook_sync_start(cs);
	if (conn_in_pipeline(conn) || !(op = plan_sql(cs, sql, true, false)))
		return CALL_REAL(real.PQexec(conn, sql));
	if (!CALL_REAL(real.PQsendQuery(conn, text_of(op, sql)))) {
		op_free(op, pump_clear_result);
		return NULL; /* as PQexec: the error is in PQerrorMessage */
	}
	pending_push(&cs->q, op);
	return exec_finish(cs);
}

PQSHIM_EXPORT int PQsendQuery(PGconn *conn, const char *sql)
{
	struct conn_state *cs;
	bool pipeline;
	struct op *op;

	if (!real_ready())
		return 0;
	if (!(cs = hook_state(conn)))
		return CALL_REAL(real.PQsendQuery(conn, sql));
	pipeline = conn_in_pipeline(conn);
	/* in pipeline mode libpq sends it with the extended protocol: one statement */
	if (!(op = plan_sql(cs, sql, !pipeline, pipeline)))
		return hook_track_pass(cs, pipeline, CALL_REAL(real.PQsendQuery(conn, sql)));
	if (!CALL_REAL(real.PQsendQuery(conn, text_of(op, sql)))) {
		op_free(op, pump_clear_result);
		return 0;
	}
	pending_push(&cs->q, op);
	return 1;
}

PQSHIM_EXPORT PGresult *PQexecParams(PGconn *conn, const char *sql, int n, const Oid *types,
				     const char *const *values, const int *lengths,
				     const int *formats, int result_format)
{
	struct conn_state *cs;
	struct op *op;

	if (!real_ready())
		return NULL;
	if (!(cs = hook_state(conn)))
		return CALL_REAL(real.PQexecParams(conn, sql, n, types, values, lengths, formats,
						   result_format));
	hook_sync_start(cs);
	if (conn_in_pipeline(conn) || !(op = plan_sql(cs, sql, false, false)))
		return CALL_REAL(real.PQexecParams(conn, sql, n, types, values, lengths, formats,
						   result_format));
	if (!CALL_REAL(real.PQsendQueryParams(conn, text_of(op, sql), n, types, values, lengths,
					      formats, result_format))) {
		op_free(op, pump_clear_result);
		return NULL;
	}
	pending_push(&cs->q, op);
	return exec_finish(cs);
}

PQSHIM_EXPORT int PQsendQueryParams(PGconn *conn, const char *sql, int n, const Oid *types,
				    const char *const *values, const int *lengths,
				    const int *formats, int result_format)
{
	struct conn_state *cs;
	bool pipeline;
	struct op *op;

	if (!real_ready())
		return 0;
	if (!(cs = hook_state(conn)))
		return CALL_REAL(real.PQsendQueryParams(conn, sql, n, types, values, lengths, formats,
							result_format));
	pipeline = conn_in_pipeline(conn);
	if (!(op = plan_sql(cs, sql, false, pipeline)))
		return hook_track_pass(cs, pipeline,
				       CALL_REAL(real.PQsendQueryParams(conn, sql, n, types, values,
									lengths, formats,
									result_format)));
	if (!CALL_REAL(real.PQsendQueryParams(conn, text_of(op, sql), n, types, values, lengths,
					      formats, result_format))) {
		op_free(op, pump_clear_result);
		return 0;
	}
	pending_push(&cs->q, op);
	return 1;
}
