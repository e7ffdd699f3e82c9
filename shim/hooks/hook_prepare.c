/* PQprepare and PQsendPrepare: skip identical re-prepares, rename conflicting ones. */
#include <string.h>

#include "hook.h"
#include "base/log.h"
#include "base/stats.h"

/* A re-prepare can be answered without the server only where libpq would send it. */
static bool can_answer_locally(PGconn *conn)
{
	PGTransactionStatusType ts = real.PQtransactionStatus(conn);

	return real.PQstatus(conn) == CONNECTION_OK && !conn_in_pipeline(conn) &&
	       (ts == PQTRANS_IDLE || ts == PQTRANS_INTRANS);
}

static void count(enum prep_action action)
{
	static const int what[] = { [PREP_PASS] = -1, [PREP_SEND] = -1, [PREP_DUP] = ST_LOCAL,
				    [PREP_RENAME] = ST_RENAMED, [PREP_UNNAMED] = ST_UNNAMED };

	if (action == PREP_PASS)
		return;
	stats_add(ST_PREPARES);
	if (what[action] >= 0)
		stats_add((enum stat_id)what[action]);
}

static void hint_in_block(const char *name)
{
	stats_add(ST_PASSED);
	log_once(LOG_ONCE_IN_BLOCK_HINT, LOG_WARN,
		 "statement \"%s\" already exists on the server connection, inside a transaction "
		 "block where the shim cannot retry; if a pooler shares server connections, see "
		 "the README (unnamed mode)",
		 name);
}

static PGresult *prepare_sync(struct conn_state *cs, const char *name, const char *query,
			      int nparams, const Oid *types)
{
	PGconn *conn = cs->conn;
	struct prep_plan plan;
	PGresult *r;
	enum prep_action action = policy_prepare(&cs->stmts, cs->mode, name, query, nparams, types,
						 hook_idle(conn, conn_in_pipeline(conn)), NULL,
						 &plan);

	count(action);
	switch (action) {
	case PREP_PASS:
		return CALL_REAL(real.PQprepare(conn, name, query, nparams, types));
	case PREP_DUP:
		if (can_answer_locally(conn) && (r = pump_make_ok(conn)))
			return r;
		/* the server answers what it would have (25P02 in an aborted block) */
		return CALL_REAL(real.PQprepare(conn, prep_wire_name(&plan, name), query, nparams,
						types));
	case PREP_UNNAMED:
		/* the same text through the unnamed statement: the same answer, nothing left behind */
		r = CALL_REAL(real.PQprepare(conn, "", query, nparams, types));
		if (real.PQresultStatus(r) == PGRES_COMMAND_OK)
			pump_record_prepare(cs, name, NULL, query, nparams, types);
		return r;
	case PREP_SEND:
	case PREP_RENAME:
		break;
	}
	r = CALL_REAL(real.PQprepare(conn, prep_wire_name(&plan, name), query, nparams, types));
	if (real.PQresultStatus(r) == PGRES_COMMAND_OK) {
		pump_record_prepare(cs, name, plan.server_name, query, nparams, types);
	} else if (result_has_sqlstate(r, SQLSTATE_DUPLICATE_PSTATEMENT)) {
		stmt_table_mark_taken(&cs->stmts, plan.server_name);
		if (cs->auto_pooled && action == PREP_SEND) {
			/* a name the shim never prepared here is there: a transaction pooler */
			conn_switch_pooled(cs, "\"already exists\" (42P05)", name);
			if (plan.retry_on_dup) {
				pump_clear_result(r);
				stats_add(ST_RETRIED);
				return prepare_sync(cs, name, query, nparams, types);
			}
		}
		if (!plan.retry_on_dup) {
			hint_in_block(name);
			return r;
		}
		if (!policy_new_name(&cs->stmts, plan.server_name))
			return r;
		pump_clear_result(r);
		stats_add(ST_RETRIED);
		stats_add(ST_RENAMED);
		log_msg(LOG_INFO, "statement \"%s\" already exists on the server: prepared as \"%s\"",
			name, plan.server_name);
		r = CALL_REAL(real.PQprepare(conn, plan.server_name, query, nparams, types));
		if (real.PQresultStatus(r) == PGRES_COMMAND_OK)
			pump_record_prepare(cs, name, plan.server_name, query, nparams, types);
	}
	return r;
}

static int prepare_async(struct conn_state *cs, const char *name, const char *query, int nparams,
			 const Oid *types)
{
	PGconn *conn = cs->conn;
	bool pipeline = conn_in_pipeline(conn);
	struct prep_inflight inflight;
	bool in_flight = pipeline && hook_inflight(cs, name, &inflight);
	struct prep_plan plan;
	struct op *op;
	int sent;

	enum prep_action action = policy_prepare(&cs->stmts, cs->mode, name, query, nparams, types,
						 hook_idle(conn, pipeline),
						 in_flight ? &inflight : NULL, &plan);

	count(action);
	switch (action) {
	case PREP_PASS:
		return hook_track_pass(cs, pipeline,
				       CALL_REAL(real.PQsendPrepare(conn, name, query, nparams, types)));
	case PREP_DUP:
		op = op_new(OP_STANDIN);
		break;
	default:
		op = op_new(OP_PREPARE);
		break;
	}
	if (!op || !op_set_statement(op, query, nparams, types)) {
		op_free(op, pump_clear_result);
		log_once(LOG_ONCE_NO_MEMORY, LOG_WARN, "out of memory: passing calls through untouched");
		return hook_track_pass(cs, pipeline,
				       CALL_REAL(real.PQsendPrepare(conn, name, query, nparams, types)));
	}
	snprintf(op->key, sizeof(op->key), "%.*s", (int)names_server_len(name), name);
	strcpy(op->server, plan.server_name);
	op->virtual_record = plan.action == PREP_UNNAMED;
	if (op->kind == OP_STANDIN) {
		/*
		 * An event loop may wait for the socket before it reads: a Describe
		 * of the statement already there gives it a real answer with the same
		 * status, and never touches the app's unnamed statement.
		 */
		op->retry_ok = hook_idle(conn, pipeline);
		sent = CALL_REAL(real.PQsendDescribePrepared(conn, prep_wire_name(&plan, name)));
	} else {
		op->retry_ok = plan.retry_on_dup;
		sent = CALL_REAL(real.PQsendPrepare(conn, op->virtual_record ? ""
								    : prep_wire_name(&plan, name),
						    query, nparams, types));
	}
	if (sent)
		pending_push(&cs->q, op);
	else
		op_free(op, pump_clear_result);
	return sent;
}

PQSHIM_EXPORT PGresult *PQprepare(PGconn *conn, const char *name, const char *query, int nparams,
				  const Oid *types)
{
	struct conn_state *cs;

	if (!real_ready())
		return NULL;
	if (!(cs = hook_sync_state(conn)))
		return CALL_REAL(real.PQprepare(conn, name, query, nparams, types));
	return prepare_sync(cs, name, query, nparams, types);
}

PQSHIM_EXPORT int PQsendPrepare(PGconn *conn, const char *name, const char *query, int nparams,
				const Oid *types)
{
	struct conn_state *cs;

	if (!real_ready())
		return 0;
	if (!(cs = hook_state(conn)))
		return CALL_REAL(real.PQsendPrepare(conn, name, query, nparams, types));
	if (cs->private_pipeline)
		return hook_refuse_busy(cs);
	return prepare_async(cs, name, query, nparams, types);
}
