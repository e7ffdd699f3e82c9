/* Matching results to pending ops; see pump.h. */
#include <stdlib.h>
#include <string.h>

#include "real/guard.h"
#include "exec_op.h"
#include "base/log.h"
#include "pump.h"
#include "real/real.h"
#include "base/stats.h"

void pump_clear_result(PGresult *r)
{
	if (r)
		CALL_REAL_VOID(real.PQclear(r));
}

bool conn_in_pipeline(PGconn *conn)
{
	return real.PQpipelineStatus && real.PQpipelineStatus(conn) != PQ_PIPELINE_OFF;
}

bool result_has_sqlstate(const PGresult *r, const char *sqlstate)
{
	const char *s;

	if (!r || real.PQresultStatus(r) != PGRES_FATAL_ERROR)
		return false;
	s = real.PQresultErrorField(r, PG_DIAG_SQLSTATE);
	return s && strcmp(s, sqlstate) == 0;
}

PGresult *pump_make_ok(PGconn *conn)
{
	PGresult *r = CALL_REAL(real.PQmakeEmptyPGresult(conn, PGRES_COMMAND_OK));

	/* a result from PQgetResult has been through RESULTCREATE events: so must ours */
	if (r && !CALL_REAL(real.PQfireResultCreateEvents(conn, r))) {
		pump_clear_result(r);
		r = NULL;
	}
	return r;
}

static void lost_track(struct conn_state *cs, const char *why)
{
	log_once(LOG_ONCE_QUEUE_LOST, LOG_WARN,
		 "results no longer match the commands sent (%s); passing results through", why);
	pending_clear(&cs->q, pump_clear_result);
}

void pump_record_prepare(struct conn_state *cs, const char *key, const char *server,
			 const char *query, int nparams, const Oid *types)
{
	if (mode_records_text(cs->mode))
		server = NULL; /* unnamed or pooled (auto mode may have switched meanwhile) */
	if (!stmt_table_put(&cs->stmts, key, server, STMT_PROTOCOL, query, strlen(query), nparams,
			    types)) {
		/* never leave the name pointing at what it meant before */
		stmt_table_forget(&cs->stmts, key);
		log_once(LOG_ONCE_NO_MEMORY, LOG_WARN,
			 "out of memory: statement \"%.63s\" not recorded", key);
	} else {
		log_msg(LOG_DEBUG, "prepared \"%.63s\" as \"%s\"", key, server ? server : "");
	}
}

static const char *fx_tag(enum sql_fx_kind kind)
{
	switch (kind) {
	case FX_PREPARE:
		return "PREPARE";
	case FX_DEALLOCATE:
		return "DEALLOCATE";
	case FX_DEALLOCATE_ALL:
		return "DEALLOCATE ALL";
	case FX_DISCARD_ALL:
		return "DISCARD ALL";
	}
	return "";
}

static void apply_fx(struct conn_state *cs, const struct sql_fx *fx)
{
	if (fx->no_effect)
		return;
	switch (fx->kind) {
	case FX_PREPARE:
		if (!stmt_table_put(&cs->stmts, fx->key, fx->server, STMT_SQL, fx->body,
				    fx->body_len, 0, NULL)) {
			stmt_table_forget(&cs->stmts, fx->key);
			log_once(LOG_ONCE_NO_MEMORY, LOG_WARN,
				 "out of memory: statement \"%s\" not recorded", fx->key);
		}
		break;
	case FX_DEALLOCATE:
		if (fx->known)
			stmt_table_remove(&cs->stmts, fx->key);
		else
			stmt_table_release(&cs->stmts, fx->server);
		break;
	case FX_DEALLOCATE_ALL:
	case FX_DISCARD_ALL:
		stmt_table_clear(&cs->stmts);
		break;
	}
}

/* The effect a SQL result completes, if its tag is the next one expected. */
static const struct sql_fx *next_fx(struct op *op, PGresult *r)
{
	const struct sql_fx *fx;
	ExecStatusType st = real.PQresultStatus(r);

	if (op->fx_pos >= op->plan->n_fx || (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK))
		return NULL;
	fx = &op->plan->fx[op->fx_pos];
	if (strcmp(real.PQcmdStatus(r), fx_tag(fx->kind)) != 0)
		return NULL;
	op->fx_pos++;
	return fx;
}

/* Feeds one non-NULL result to the head op: true when it goes to the app as *out. */
static bool feed(struct conn_state *cs, struct op *op, PGresult *r, PGresult **out)
{
	const struct sql_fx *fx;
	ExecStatusType st = real.PQresultStatus(r);

	*out = r;
	if (op->hide) {
		/* the app's command after it is aborted: the app gets this error instead */
		if (st == PGRES_FATAL_ERROR && !cs->bundle_error)
			cs->bundle_error = r;
		else
			pump_clear_result(r);
		return false;
	}
	if (st == PGRES_PIPELINE_ABORTED && cs->bundle_error) {
		pump_clear_result(r);
		*out = cs->bundle_error;
		cs->bundle_error = NULL;
		return true;
	}
	switch (op->kind) {
	case OP_PASS:
	case OP_SYNC:
	case OP_EXEC: /* exec_op_step */
		return true;
	case OP_PREPARE:
		if (st == PGRES_COMMAND_OK) {
			pump_record_prepare(cs, op->key, op->virtual_record ? NULL : op->server,
					    op->query, op->nparams, op->types);
		} else if (!op->virtual_record &&
			   result_has_sqlstate(r, SQLSTATE_DUPLICATE_PSTATEMENT)) {
			/* another client's statement of that name is on this server session */
			stmt_table_mark_taken(&cs->stmts, op->server);
			conn_switch_pooled(cs, "\"already exists\" (42P05)", op->key);
			if (op->retry_ok && !op->retried) {
				op->held = r;
				return false;
			}
			stats_add(ST_PASSED);
		}
		return true;
	case OP_STANDIN:
		if (st == PGRES_COMMAND_OK) {
			PGresult *ok = pump_make_ok(cs->conn);

			if (ok) {
				pump_clear_result(r);
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
	case OP_CLOSE:
		if (st == PGRES_COMMAND_OK) {
			if (stmt_table_find(&cs->stmts, op->key))
				stmt_table_remove(&cs->stmts, op->key);
			else
				stmt_table_release(&cs->stmts, op->server);
		}
		return true;
	case OP_SQL:
		fx = next_fx(op, r);
		if (fx) {
			apply_fx(cs, fx);
			if (fx->hide) {
				pump_clear_result(r);
				return false;
			}
		} else if (op->fx_pos == 0 && op->retry_ok && !op->retried &&
			   result_has_sqlstate(r, SQLSTATE_DUPLICATE_PSTATEMENT)) {
			stmt_table_mark_taken(&cs->stmts, op->plan->fx[0].server);
			conn_switch_pooled(cs, "\"already exists\" (42P05)", op->plan->fx[0].key);
			op->held = r;
			return false;
		}
		return true;
	}
	return true;
}

/* Sends the second attempt for op; true when it is on its way. */
static bool send_retry(struct conn_state *cs, struct op *op)
{
	PGconn *conn = cs->conn;
	char gen[SERVER_NAME_BUF];
	char *text;
	size_t len;
	int ok;

	op->retried = true;
	if ((op->kind == OP_STANDIN || op->kind == OP_PREPARE) && mode_records_text(cs->mode)) {
		/* auto mode switched to pooled meanwhile: checked through "", the text recorded */
		op->kind = OP_PREPARE;
		op->virtual_record = true;
		return CALL_REAL(real.PQsendPrepare(conn, "", op->query, op->nparams, op->types));
	}
	switch (op->kind) {
	case OP_STANDIN:
		op->kind = OP_PREPARE;
		return CALL_REAL(real.PQsendPrepare(conn, op->server, op->query, op->nparams,
						    op->types));
	case OP_PREPARE:
		if (!policy_new_name(&cs->stmts, gen))
			return false;
		if (!CALL_REAL(real.PQsendPrepare(conn, gen, op->query, op->nparams, op->types)))
			return false;
		log_msg(LOG_INFO, "statement \"%s\" already exists on the server: prepared as \"%s\"",
			op->key, gen);
		strcpy(op->server, gen);
		return true;
	case OP_SQL:
		if (!policy_new_name(&cs->stmts, gen))
			return false;
		text = policy_sql_retry_text(op->plan, op->sql, gen, &len);
		if (!text)
			return false;
		ok = CALL_REAL(real.PQsendQuery(conn, text));
		free(text);
		if (ok) {
			log_msg(LOG_INFO, "statement \"%s\" already exists on the server: prepared as \"%s\"",
				op->plan->fx[0].key, gen);
			strcpy(op->plan->fx[0].server, gen);
		}
		return ok;
	default:
		return false;
	}
}

static bool may_hide(const struct op *op)
{
	if (op->held || op->end_pending || (op->retry_ok && !op->retried) || op->hide ||
	    op->defer_end || op->private_sync || op->kind == OP_EXEC)
		return true;
	if (op->kind != OP_SQL)
		return false;
	for (int i = op->fx_pos; i < op->plan->n_fx; i++)
		if (op->plan->fx[i].hide)
			return true;
	return false;
}

/*
 * The Sync the shim added after a bundle of its own: the pipeline it entered
 * for the bundle ends here, and the app's command gets its end (NULL) now.
 */
static bool end_bundle(struct conn_state *cs, PGresult *sync, PGresult **out)
{
	pump_clear_result(sync);
	pending_pop(&cs->q, pump_clear_result);
	pump_clear_result(cs->bundle_error);
	cs->bundle_error = NULL;
	cs->private_pipeline = false;
	if (!real.PQexitPipelineMode || !CALL_REAL(real.PQexitPipelineMode(cs->conn)))
		log_once(LOG_ONCE_QUEUE_LOST, LOG_WARN, "could not leave the shim's own pipeline");
	*out = NULL;
	return true;
}

/*
 * Reads one real result (blocking if libpq would) for the head op. True when
 * the app gets *out (NULL included); false when the shim kept it.
 */
static bool step(struct conn_state *cs, PGresult **out)
{
	struct op *op = cs->q.head;
	PGresult *r;

	if (op && op->end_pending) {
		pending_pop(&cs->q, pump_clear_result);
		*out = NULL;
		return true;
	}
	r = CALL_REAL(real.PQgetResult(cs->conn));
	if (!op) {
		*out = r;
		return true;
	}
	if (op->kind == OP_EXEC)
		return exec_op_step(cs, op, r, out);
	if (op->kind == OP_SYNC || (r && real.PQresultStatus(r) == PGRES_PIPELINE_SYNC)) {
		if (op->kind == OP_SYNC && r && real.PQresultStatus(r) == PGRES_PIPELINE_SYNC) {
			if (op->private_sync)
				return end_bundle(cs, r, out);
			pending_pop(&cs->q, pump_clear_result);
		} else {
			lost_track(cs, r ? "unexpected sync" : "sync missing");
		}
		*out = r;
		return true;
	}
	if (r)
		return feed(cs, op, r, out);
	if (op->hide || op->defer_end) {
		pending_pop(&cs->q, pump_clear_result);
		return false;
	}
	if (op->held) {
		if (send_retry(cs, op)) {
			stats_add(ST_RETRIED);
			pump_clear_result(op->held);
			op->held = NULL;
			return false;
		}
		/* no retry: the app gets the first attempt's error, then this NULL */
		*out = op->held;
		op->held = NULL;
		op->end_pending = true;
		return true;
	}
	pending_pop(&cs->q, pump_clear_result);
	if (cs->bundle_error) { /* the app's command succeeded: nobody is owed it */
		pump_clear_result(cs->bundle_error);
		cs->bundle_error = NULL;
	}
	*out = NULL;
	return true;
}

PGresult *pump_exec_finish(struct conn_state *cs)
{
	PGresult *r, *last = NULL;
	ExecStatusType st;

	/* libpq's PQexecFinish, reading through the pump */
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

/* An error read in the shim's pipeline: libpq forgets its message when the pipeline moves on. */
static void keep_error(struct conn_state *cs, const PGresult *r, bool private)
{
	if (r && (private || cs->private_pipeline) && real.PQresultStatus(r) == PGRES_FATAL_ERROR)
		conn_keep_error(cs, real.PQresultErrorMessage(r));
}

PGresult *pump_get_result(struct conn_state *cs)
{
	PGresult *r;

	if (cs->has_stash) {
		cs->has_stash = false;
		r = cs->stash;
		cs->stash = NULL;
		return r;
	}
	bool private = cs->private_pipeline;

	while (!step(cs, &r))
		private |= cs->private_pipeline;
	keep_error(cs, r, private);
	return r;
}

int pump_is_busy(struct conn_state *cs)
{
	PGresult *r;
	bool private;

	if (cs->has_stash)
		return 0;
	while (cs->q.head) {
		if (!cs->q.head->end_pending && CALL_REAL(real.PQisBusy(cs->conn)))
			return 1;
		if (!may_hide(cs->q.head))
			return 0;
		private = cs->private_pipeline;
		if (step(cs, &r)) {
			keep_error(cs, r, private);
			/*
			 * Outside pipeline mode libpq is idle once a command has ended and
			 * gives its own NULL; keeping ours would hand it to the app's next
			 * command instead.
			 */
			if (!r && !conn_in_pipeline(cs->conn))
				return CALL_REAL(real.PQisBusy(cs->conn));
			cs->stash = r;
			cs->has_stash = true;
			return 0;
		}
	}
	return CALL_REAL(real.PQisBusy(cs->conn));
}

/*
 * A COPY the app left open, ended as libpq's PQexecStart ends it: COPY IN
 * fails with libpq's own message, COPY OUT data is dropped on the floor.
 * False for COPY BOTH (replication), which libpq refuses: pass through then.
 */
static bool leave_copy(struct conn_state *cs, ExecStatusType st)
{
	char *buf;
	int n;

	if (st == PGRES_COPY_IN)
		return CALL_REAL(real.PQputCopyEnd(cs->conn, "COPY terminated by new PQexec")) >= 0;
	if (st == PGRES_COPY_OUT) {
		while ((n = CALL_REAL(real.PQgetCopyData(cs->conn, &buf, 0))) > 0)
			real.PQfreemem(buf);
		return true;
	}
	return st != PGRES_COPY_BOTH;
}

bool pump_drain(struct conn_state *cs)
{
	PGresult *r;
	ExecStatusType st;

	if (conn_in_pipeline(cs->conn) && !cs->private_pipeline)
		return true; /* libpq refuses synchronous calls there, with its own error */
	while (pump_active(cs)) {
		r = pump_get_result(cs);
		if (!r)
			continue;
		st = real.PQresultStatus(r);
		pump_clear_result(r);
		if (!leave_copy(cs, st)) {
			pending_clear(&cs->q, pump_clear_result);
			return false;
		}
		if (real.PQstatus(cs->conn) == CONNECTION_BAD)
			break;
	}
	/* whatever is left, libpq finishes on its own: its effects are unknown */
	pending_clear(&cs->q, pump_clear_result);
	/* results of commands the shim did not queue: discarded, as PQexecStart does */
	while (real.PQtransactionStatus(cs->conn) == PQTRANS_ACTIVE) {
		r = CALL_REAL(real.PQgetResult(cs->conn));
		if (!r)
			break;
		st = real.PQresultStatus(r);
		pump_clear_result(r);
		if (!leave_copy(cs, st))
			return false;
		if (real.PQstatus(cs->conn) == CONNECTION_BAD)
			break;
	}
	return true;
}
