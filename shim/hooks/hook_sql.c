/*
 * SQL text: PQexec, PQsendQuery, PQexecParams, PQsendQueryParams. Texts
 * without PREPARE / EXECUTE / DEALLOCATE / DISCARD ALL go straight through;
 * others are sent as planned (sql.h). The synchronous calls are run as libpq
 * runs them (send, then read every result, keep the last) so each
 * statement's result is seen.
 */
#include "hook.h"
#include "ops/sql.h"
#include "ops/track.h"

PQSHIM_EXPORT PGresult *PQexec(PGconn *conn, const char *sql)
{
	struct conn_state *cs;
	struct op *op;
	bool refuse;

	if (!real_ready())
		return NULL;
	if (!(cs = hook_sync_state(conn)))
		return CALL_REAL(real.PQexec(conn, sql));
	if (!(op = sql_plan_op(cs, sql, NULL, true, real_in_pipeline(conn), &refuse)))
		return refuse ? NULL : CALL_REAL(real.PQexec(conn, sql));
	/* NULL when it did not go, as PQexec: the error is in PQerrorMessage */
	return sql_send(cs, op, sql, NULL) ? pump_exec_finish(cs) : NULL;
}

PQSHIM_EXPORT int PQsendQuery(PGconn *conn, const char *sql)
{
	struct conn_state *cs;
	bool pipeline, refuse;
	struct op *op;

	if (!real_ready())
		return 0;
	if (!(cs = hook_state(conn)))
		return CALL_REAL(real.PQsendQuery(conn, sql));
	if (cs->private_pipeline)
		return conn_refuse_busy(cs);
	pipeline = real_in_pipeline(conn);
	if (!(op = sql_plan_op(cs, sql, NULL, false, pipeline, &refuse)))
		return refuse ? 0 : track_pass(cs, pipeline, CALL_REAL(real.PQsendQuery(conn, sql)));
	return sql_send(cs, op, sql, NULL);
}

PQSHIM_EXPORT PGresult *PQexecParams(PGconn *conn, const char *sql, int n, const Oid *types,
				     const char *const *values, const int *lengths,
				     const int *formats, int result_format)
{
	struct params p = { n, types, values, lengths, formats, result_format, NULL };
	struct conn_state *cs;
	struct op *op;
	bool refuse;

	if (!real_ready())
		return NULL;
	if (!(cs = hook_sync_state(conn)))
		return CALL_REAL(real.PQexecParams(conn, sql, n, types, values, lengths, formats,
						   result_format));
	if (!(op = sql_plan_op(cs, sql, &p, true, real_in_pipeline(conn), &refuse)))
		return refuse ? NULL
			      : CALL_REAL(real.PQexecParams(conn, sql, n, types, values, lengths,
							    formats, result_format));
	return sql_send(cs, op, sql, &p) ? pump_exec_finish(cs) : NULL;
}

PQSHIM_EXPORT int PQsendQueryParams(PGconn *conn, const char *sql, int n, const Oid *types,
				    const char *const *values, const int *lengths,
				    const int *formats, int result_format)
{
	struct params p = { n, types, values, lengths, formats, result_format, NULL };
	struct conn_state *cs;
	bool pipeline, refuse;
	struct op *op;

	if (!real_ready())
		return 0;
	if (!(cs = hook_state(conn)))
		return CALL_REAL(real.PQsendQueryParams(conn, sql, n, types, values, lengths, formats,
							result_format));
	if (cs->private_pipeline)
		return conn_refuse_busy(cs);
	pipeline = real_in_pipeline(conn);
	if (!(op = sql_plan_op(cs, sql, &p, false, pipeline, &refuse)))
		return refuse ? 0
			      : track_pass(cs, pipeline,
					   CALL_REAL(real.PQsendQueryParams(conn, sql, n, types, values,
									    lengths, formats,
									    result_format)));
	return sql_send(cs, op, sql, &p);
}
