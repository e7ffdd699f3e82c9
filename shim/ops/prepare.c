/* Protocol prepares; see prepare.h. */
#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "conn/stmts.h"
#include "prepare.h"
#include "real/guard.h"
#include "real/real.h"
#include "real/result.h"
#include "sqlscan.h"
#include "track.h"

/* Not in a transaction block and not in a pipeline: a failed command has no side effect. */
static bool idle(PGconn *conn, bool pipeline)
{
	return !pipeline && real.PQtransactionStatus(conn) == PQTRANS_IDLE;
}

/* A re-prepare can be answered without the server only where libpq would send it. */
static bool can_answer_locally(PGconn *conn)
{
	PGTransactionStatusType ts = real.PQtransactionStatus(conn);

	return real.PQstatus(conn) == CONNECTION_OK && !real_in_pipeline(conn) &&
	       (ts == PQTRANS_IDLE || ts == PQTRANS_INTRANS);
}

static void count(struct conn_state *cs, enum prep_action action)
{
	static const int what[] = { [PREP_PASS] = -1, [PREP_SEND] = -1, [PREP_DUP] = ST_LOCAL,
				    [PREP_RENAME] = ST_RENAMED, [PREP_UNNAMED] = ST_UNNAMED };

	if (action == PREP_PASS)
		return;
	conn_count(cs, ST_PREPARES);
	if (what[action] >= 0)
		conn_count(cs, (enum stat_id)what[action]);
}

static void hint_in_block(struct conn_state *cs, const char *name)
{
	conn_count(cs, ST_PASSED);
	log_once(LOG_ONCE_IN_BLOCK_HINT, LOG_WARN,
		 "statement \"%s\" already exists on the server connection, inside a transaction "
		 "block where the shim cannot retry; if a pooler shares server connections, see "
		 "the README (unnamed mode)",
		 name);
}

static void log_renamed(const char *name, const char *server)
{
	log_msg(LOG_INFO, "statement \"%s\" already exists on the server: prepared as \"%s\"", name,
		server);
}

PGresult *prepare_sync(struct conn_state *cs, const char *name, const char *query, int nparams,
		       const Oid *types)
{
	PGconn *conn = cs->conn;
	struct prep_plan plan;
	PGresult *r;
	enum prep_action action = policy_prepare(&cs->stmts, cs->mode, name, query, nparams, types,
						 idle(conn, real_in_pipeline(conn)), NULL, &plan);

	count(cs, action);
	switch (action) {
	case PREP_PASS:
		return CALL_REAL(real.PQprepare(conn, name, query, nparams, types));
	case PREP_DUP:
		if (can_answer_locally(conn) && cs->row_mode_left) {
			/* libpq must start a command to leave the last one's row mode: a Describe
			   of the statement stands in, as for PQsendPrepare */
			cs->row_mode_left = false;
			r = CALL_REAL(real.PQdescribePrepared(conn, prep_wire_name(&plan, name)));
			if (result_has_sqlstate(r, SQLSTATE_UNDEFINED_PSTATEMENT)) {
				/* the server lost it behind our back: prepare it for real */
				result_clear(r);
				stmt_table_remove(&cs->stmts, name);
				return prepare_sync(cs, name, query, nparams, types);
			}
			if (real.PQresultStatus(r) != PGRES_COMMAND_OK)
				return r;
			result_clear(r);
		}
		if (can_answer_locally(conn) && (r = result_make_ok(conn)))
			return r;
		/* the server answers what it would have (25P02 in an aborted block) */
		return CALL_REAL(real.PQprepare(conn, prep_wire_name(&plan, name), query, nparams,
						types));
	case PREP_UNNAMED:
		/* the same text through the unnamed statement: the same answer, nothing left behind */
		r = CALL_REAL(real.PQprepare(conn, "", query, nparams, types));
		if (real.PQresultStatus(r) == PGRES_COMMAND_OK)
			stmts_record_prepare(cs, name, NULL, query, nparams, types);
		return r;
	case PREP_SEND:
	case PREP_RENAME:
		break;
	}
	r = CALL_REAL(real.PQprepare(conn, prep_wire_name(&plan, name), query, nparams, types));
	if (real.PQresultStatus(r) == PGRES_COMMAND_OK) {
		stmts_record_prepare(cs, name, plan.server_name, query, nparams, types);
	} else if (cs->tracking) {
		/* the pooler keeps the name even though the server refused it: never Parse it again */
		stmt_table_mark_taken(&cs->stmts, plan.server_name);
	} else if (result_has_sqlstate(r, SQLSTATE_DUPLICATE_PSTATEMENT)) {
		stmt_table_mark_taken(&cs->stmts, plan.server_name);
		if (cs->auto_pooled && action == PREP_SEND) {
			/* a name the shim never prepared here is there: a transaction pooler */
			conn_switch_pooled(cs, "\"already exists\" (42P05)", name);
			if (plan.retry_on_dup) {
				result_clear(r);
				conn_count(cs, ST_RETRIED);
				return prepare_sync(cs, name, query, nparams, types);
			}
		}
		if (!plan.retry_on_dup) {
			hint_in_block(cs, name);
			return r;
		}
		if (!policy_new_name(&cs->stmts, plan.server_name))
			return r;
		result_clear(r);
		conn_count(cs, ST_RETRIED);
		conn_count(cs, ST_RENAMED);
		log_renamed(name, plan.server_name);
		r = CALL_REAL(real.PQprepare(conn, plan.server_name, query, nparams, types));
		if (real.PQresultStatus(r) == PGRES_COMMAND_OK)
			stmts_record_prepare(cs, name, plan.server_name, query, nparams, types);
	}
	return r;
}

/* A command of the shim's in the app's pipeline whose results the app never sees. */
static void send_hidden(struct conn_state *cs, struct op *h, int sent)
{
	if (sent) {
		h->hide = true;
		pending_push(&cs->q, h);
	} else {
		op_free(h, result_clear);
	}
}

/*
 * A conflicting re-prepare in the app's pipeline (dedupe mode). The app's
 * Parse goes under a generated name (op->server), as outside pipelines; right
 * behind it, hidden, the name's old server statement is deallocated and made
 * again with the new text, and the generated one deallocated. An error aborts
 * the rest of the pipeline up to its Sync, so they run only if the app's Parse
 * succeeded: either way the name keeps its one server name, and what it
 * means after a Sync is what the server really holds (a failed re-prepare
 * leaves the old statement, as it leaves the server). No-op (the generated
 * name stays) when the ops or the quoted names do not fit.
 */
static void replace_behind(struct conn_state *cs, struct op *op, const char *old_server)
{
	char q_old[SERVER_NAME_BUF * 2 + 3], q_gen[SERVER_NAME_BUF * 2 + 3];
	char sql_old[SERVER_NAME_BUF * 2 + 16], sql_gen[SERVER_NAME_BUF * 2 + 16];
	struct op *h[3];
	PGconn *conn = cs->conn;

	if (!sqlscan_quote_ident(old_server, q_old, sizeof(q_old)) ||
	    !sqlscan_quote_ident(op->server, q_gen, sizeof(q_gen)))
		return;
	for (int i = 0; i < 3; i++)
		h[i] = op_new(OP_PASS);
	if (!h[0] || !h[1] || !h[2]) {
		for (int i = 0; i < 3; i++)
			op_free(h[i], result_clear);
		return;
	}
	snprintf(sql_old, sizeof(sql_old), "DEALLOCATE %s", q_old);
	snprintf(sql_gen, sizeof(sql_gen), "DEALLOCATE %s", q_gen);
	send_hidden(cs, h[0], CALL_REAL(real.PQsendQueryParams(conn, sql_old, 0, NULL, NULL, NULL,
							       NULL, 0)));
	send_hidden(cs, h[1], CALL_REAL(real.PQsendPrepare(conn, old_server, op->query,
							   op->nparams, op->types)));
	send_hidden(cs, h[2], CALL_REAL(real.PQsendQueryParams(conn, sql_gen, 0, NULL, NULL, NULL,
							       NULL, 0)));
	names_copy_server(op->server, old_server); /* recorded under it when the Parse succeeds */
}

int prepare_async(struct conn_state *cs, const char *name, const char *query, int nparams,
		  const Oid *types)
{
	PGconn *conn = cs->conn;
	bool pipeline = real_in_pipeline(conn);
	struct prep_inflight in;
	struct prep_plan plan;
	struct op *op;
	int sent;
	const struct prep_inflight *inflight = pipeline ? track_inflight(cs, name, &in) : NULL;
	enum prep_action action = policy_prepare(&cs->stmts, cs->mode, name, query, nparams, types,
						 idle(conn, pipeline), inflight, &plan);
	const struct stmt *old = action == PREP_RENAME && pipeline && !inflight && !cs->tracking
					 ? stmt_table_find(&cs->stmts, name)
					 : NULL;
	char old_server[SERVER_NAME_BUF] = "";

	count(cs, action);
	if (action == PREP_PASS)
		return track_pass(cs, pipeline,
				  CALL_REAL(real.PQsendPrepare(conn, name, query, nparams, types)));
	if (action == PREP_DUP && !pipeline && real.PQtransactionStatus(conn) == PQTRANS_INERROR)
		/* an aborted block refuses any Parse (25P02), where a Describe of a statement
		   without rows would succeed: the server answers the Parse itself */
		return CALL_REAL(real.PQsendPrepare(conn, prep_wire_name(&plan, name), query, nparams,
						    types));
	op = op_new(action == PREP_DUP ? OP_STANDIN : OP_PREPARE);
	if (!op || !op_set_statement(op, query, nparams, types)) {
		op_free(op, result_clear);
		log_once(LOG_ONCE_NO_MEMORY_PASS, LOG_WARN,
			 "out of memory: passing calls through untouched");
		return track_pass(cs, pipeline,
				  CALL_REAL(real.PQsendPrepare(conn, name, query, nparams, types)));
	}
	names_copy_server(op->key, name);
	strcpy(op->server, plan.server_name);
	op->virtual_record = plan.action == PREP_UNNAMED;
	if (op->kind == OP_STANDIN) {
		/*
		 * An event loop may wait for the socket before it reads: a Describe
		 * of the statement already there gives it a real answer with the same
		 * status, and never touches the app's unnamed statement.
		 */
		op->retry_ok = idle(conn, pipeline);
		sent = CALL_REAL(real.PQsendDescribePrepared(conn, prep_wire_name(&plan, name)));
	} else {
		op->retry_ok = plan.retry_on_dup;
		sent = CALL_REAL(real.PQsendPrepare(conn, op->virtual_record ? ""
								    : prep_wire_name(&plan, name),
						    query, nparams, types));
	}
	if (old && stmt_server_name(old))
		names_copy_server(old_server, stmt_server_name(old));
	if (sent) {
		pending_push(&cs->q, op);
		if (old_server[0] && op->kind == OP_PREPARE && !op->virtual_record)
			replace_behind(cs, op, old_server);
	} else {
		op_free(op, result_clear);
	}
	return sent;
}

bool prepare_feed(struct conn_state *cs, struct op *op, PGresult *r, PGresult **out)
{
	ExecStatusType st = real.PQresultStatus(r);

	if (op->kind == OP_STANDIN) {
		if (st == PGRES_COMMAND_OK) {
			PGresult *ok = result_make_ok(cs->conn);

			if (ok) {
				result_clear(r);
				*out = ok;
			}
		} else if (result_has_sqlstate(r, SQLSTATE_UNDEFINED_PSTATEMENT)) {
			/* the server lost it behind our back: forget it, and prepare it for real */
			stmt_table_remove(&cs->stmts, op->key);
			conn_switch_pooled(cs, "\"does not exist\" (26000)", op->key);
			if (op->retry_ok && !op->retried) {
				op->held = r;
				return false;
			}
		}
		return true;
	}
	if (st == PGRES_COMMAND_OK) {
		stmts_record_prepare(cs, op->key, op->virtual_record ? NULL : op->server, op->query,
				     op->nparams, op->types);
	} else if (!op->virtual_record && cs->tracking) {
		stmt_table_mark_taken(&cs->stmts, op->server); /* the pooler keeps it: never again */
	} else if (!op->virtual_record && result_has_sqlstate(r, SQLSTATE_DUPLICATE_PSTATEMENT)) {
		/* another client's statement of that name is on this server session */
		stmt_table_mark_taken(&cs->stmts, op->server);
		conn_switch_pooled(cs, "\"already exists\" (42P05)", op->key);
		if (op->retry_ok && !op->retried) {
			op->held = r;
			return false;
		}
		conn_count(cs, ST_PASSED);
	}
	return true;
}

bool prepare_retry(struct conn_state *cs, struct op *op)
{
	PGconn *conn = cs->conn;
	char gen[SERVER_NAME_BUF];

	op->retried = true;
	if (mode_records_text(cs->mode)) {
		/* auto mode switched to pooled meanwhile: checked through "", the text recorded */
		op->kind = OP_PREPARE;
		op->virtual_record = true;
		return CALL_REAL(real.PQsendPrepare(conn, "", op->query, op->nparams, op->types));
	}
	if (op->kind == OP_STANDIN) {
		op->kind = OP_PREPARE;
		return CALL_REAL(real.PQsendPrepare(conn, op->server, op->query, op->nparams,
						    op->types));
	}
	if (!policy_new_name(&cs->stmts, gen) ||
	    !CALL_REAL(real.PQsendPrepare(conn, gen, op->query, op->nparams, op->types)))
		return false;
	log_renamed(op->key, gen);
	strcpy(op->server, gen);
	return true;
}
