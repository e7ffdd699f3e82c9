/*
 * PQexecPrepared and PQsendQueryPrepared: the route of the execution
 * (route.h) is decided once, then applied here. Nothing else about the call
 * changes.
 */
#include <stdlib.h>

#include "conn/cancels.h"
#include "conn/stmts.h"
#include "hook.h"
#include "ops/exec.h"
#include "ops/missing.h"
#include "ops/sql.h"
#include "ops/track.h"
#include "real/result.h"

/* The recorded text through the unnamed statement: Parse + Bind + Execute under one Sync. */
static PGresult *unnamed_sync(struct conn_state *cs, const struct prep_inflight *t,
			      const struct params *p)
{
	struct types_buf tb;
	PGresult *r;

	conn_count(cs, ST_UNNAMED);
	r = CALL_REAL(real.PQexecParams(cs->conn, t->query, p->n,
					params_pad_types(t->types, t->nparams, p->n, &tb), p->values,
					p->lengths, p->formats, p->result_format));
	free(tb.heap);
	return r;
}

static int unnamed_async(struct conn_state *cs, const struct prep_inflight *t,
			 const struct params *p)
{
	struct types_buf tb;
	int sent;

	conn_count(cs, ST_UNNAMED);
	sent = CALL_REAL(real.PQsendQueryParams(cs->conn, t->query, p->n,
						params_pad_types(t->types, t->nparams, p->n, &tb),
						p->values, p->lengths, p->formats,
						p->result_format));
	free(tb.heap);
	return track_pass(cs, real_in_pipeline(cs->conn), sent);
}

static PGresult *run_sync(struct conn_state *cs, const struct route *rt, const char *name,
			  struct params *p)
{
	unsigned long cancel_seq;
	PGresult *r;
	int sent;

	switch (rt->kind) {
	case ROUTE_CONTENT:
	case ROUTE_BLOCK_LOOKUP:
	case ROUTE_BLOCK_NAME:
	case ROUTE_BLOCK_CREATE:
		if ((sent = exec_send(cs, rt, name, p, false)) >= 0)
			return sent ? pump_exec_finish(cs) : NULL;
		return unnamed_sync(cs, &rt->text, p);
	case ROUTE_UNNAMED:
		return unnamed_sync(cs, &rt->text, p);
	case ROUTE_MISSING:
		return missing_sync(cs, name);
	case ROUTE_AS_SQL:
		if (sql_statement_sync(cs, &rt->sql, p, &sent))
			return sent ? pump_exec_finish(cs) : NULL;
		break;
	case ROUTE_DIRECT:
	case ROUTE_WATCHED:
		break;
	}
	cancel_seq = rt->watch ? cancels_seq() : 0;
	r = CALL_REAL(real.PQexecPrepared(cs->conn, rt->server, p->n, p->values, p->lengths,
					  p->formats, p->result_format));
	/*
	 * The cheap way first: an op only when the call failed. The failures the
	 * shim retries (26000, 0A000) come before the statement runs, so they
	 * leave the connection idle exactly when it was idle before: outside a
	 * block (in pipeline mode libpq refuses the call, r is NULL).
	 */
	if (rt->watch && r && real.PQresultStatus(r) == PGRES_FATAL_ERROR &&
	    real.PQtransactionStatus(cs->conn) == PQTRANS_IDLE) {
		sent = exec_recover(cs, rt, name, p, r, cancel_seq);
		if (sent > 0)
			return pump_exec_finish(cs);
		if (sent == 0)
			return r;
	}
	stmts_check_lost(cs, name, r);
	return r;
}

static int run_async(struct conn_state *cs, const struct route *rt, const char *name,
		     struct params *p)
{
	int sent;

	switch (rt->kind) {
	case ROUTE_CONTENT:
	case ROUTE_BLOCK_LOOKUP:
	case ROUTE_BLOCK_NAME:
	case ROUTE_BLOCK_CREATE:
		if ((sent = exec_send(cs, rt, name, p, true)) >= 0)
			return sent;
		return unnamed_async(cs, &rt->text, p);
	case ROUTE_UNNAMED:
		return unnamed_async(cs, &rt->text, p);
	case ROUTE_MISSING:
		return missing_send(cs, name);
	case ROUTE_AS_SQL:
		if ((sent = sql_statement_async(cs, &rt->sql, p)) >= 0)
			return sent;
		break;
	case ROUTE_WATCHED: /* a copy of the parameters on every call costs: auto mode only */
		if ((sent = exec_send(cs, rt, name, p, true)) >= 0)
			return sent;
		break;
	case ROUTE_DIRECT:
		break;
	}
	return track_pass(cs, real_in_pipeline(cs->conn),
			  CALL_REAL(real.PQsendQueryPrepared(cs->conn, rt->server, p->n, p->values,
							     p->lengths, p->formats,
							     p->result_format)));
}

PQSHIM_EXPORT PGresult *PQexecPrepared(PGconn *conn, const char *name, int n,
				       const char *const *values, const int *lengths,
				       const int *formats, int result_format)
{
	struct params p = { n, NULL, values, lengths, formats, result_format, NULL };
	struct conn_state *cs;
	struct route rt;

	if (!real_ready())
		return NULL;
	if (!(cs = hook_sync_state(conn)))
		return CALL_REAL(real.PQexecPrepared(conn, name, n, values, lengths, formats,
						     result_format));
	exec_decide(cs, name, true, &rt);
	return run_sync(cs, &rt, name, &p);
}

PQSHIM_EXPORT int PQsendQueryPrepared(PGconn *conn, const char *name, int n,
				      const char *const *values, const int *lengths,
				      const int *formats, int result_format)
{
	struct params p = { n, NULL, values, lengths, formats, result_format, NULL };
	struct conn_state *cs;
	struct route rt;

	if (!real_ready())
		return 0;
	if (!(cs = hook_state(conn)))
		return CALL_REAL(real.PQsendQueryPrepared(conn, name, n, values, lengths, formats,
							  result_format));
	if (cs->private_pipeline)
		return conn_refuse_busy(cs);
	exec_decide(cs, name, false, &rt);
	return run_async(cs, &rt, name, &p);
}
