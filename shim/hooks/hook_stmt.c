/*
 * The calls that name an existing statement: execute, describe, close. The
 * app's name becomes the server's name; nothing else about the call changes.
 */
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "ops/bundle.h"
#include "ops/exec_op.h"
#include "hook.h"
#include "base/log.h"
#include "base/stats.h"

int hook_track_pass(struct conn_state *cs, bool pipeline, int sent)
{
	struct op *op;

	if (!sent || !pipeline)
		return sent;
	op = op_new(OP_PASS);
	if (op)
		pending_push(&cs->q, op);
	else
		log_once(LOG_ONCE_NO_MEMORY, LOG_WARN, "out of memory: pipeline results not tracked");
	return sent;
}

/* True when op, sent earlier in this pipeline, changes what `name` means. */
static bool touches(const struct op *op, const char *name)
{
	const struct sql_fx *fx;

	if (op->kind == OP_CLOSE)
		return strncmp(op->key, name, STMT_NAME_MAX) == 0;
	if (op->kind != OP_SQL)
		return false;
	for (int i = 0; i < op->plan->n_fx; i++) {
		fx = &op->plan->fx[i];
		if (fx->kind == FX_DEALLOCATE_ALL || fx->kind == FX_DISCARD_ALL ||
		    (!fx->no_effect && strncmp(fx->key, name, STMT_NAME_MAX) == 0))
			return true;
	}
	return false;
}

bool hook_inflight(struct conn_state *cs, const char *name, struct prep_inflight *out)
{
	const struct op *found = NULL;

	if (!name)
		return false;
	for (const struct op *op = cs->q.head; op; op = op->next)
		if (((op->kind == OP_PREPARE || op->kind == OP_STANDIN) &&
		     strncmp(op->key, name, STMT_NAME_MAX) == 0) ||
		    touches(op, name))
			found = op;
	if (!found)
		return false;
	out->changed = found->kind != OP_PREPARE && found->kind != OP_STANDIN;
	out->server = found->server;
	out->query = found->query;
	out->nparams = found->nparams;
	out->types = found->types;
	return true;
}

/* Unnamed mode: the recorded text of the app's statement `name`, if any. */
static bool unnamed_text(struct conn_state *cs, const char *name, struct prep_inflight *out)
{
	struct prep_inflight inflight;
	bool in_flight;

	if (!mode_records_text(cs->mode))
		return false;
	in_flight = cs->q.head && conn_in_pipeline(cs->conn) && hook_inflight(cs, name, &inflight);
	if (!policy_unnamed_text(&cs->stmts, name, in_flight ? &inflight : NULL, out))
		return false;
	stats_add(ST_UNNAMED);
	return true;
}

const Oid *hook_pad_types(const Oid *types, int nparams, int n, struct types_buf *b)
{
	Oid *out;

	b->heap = NULL;
	if (!types || n <= nparams || n > 65535)
		return types; /* out of range: libpq refuses it before reading any type */
	out = n <= 32 ? b->small : (b->heap = shim_calloc((size_t)n, sizeof(Oid)));
	if (!out)
		return NULL; /* no memory: let the server infer every type */
	memset(out, 0, sizeof(Oid) * (size_t)n);
	memcpy(out, types, sizeof(Oid) * (size_t)nparams);
	return out;
}

/* Parse of the unnamed statement + Describe of it, under one Sync. */
static int send_describe_bundle(struct conn_state *cs, const struct prep_inflight *t)
{
	struct bundle b;

	if (!bundle_begin(&b, cs))
		return -1;
	bundle_add(&b, op_new(OP_PASS), true,
		   CALL_REAL(real.PQsendPrepare(cs->conn, "", t->query, t->nparams, t->types)));
	bundle_add(&b, op_new(OP_PASS), false, CALL_REAL(real.PQsendDescribePrepared(cs->conn, "")));
	return bundle_end(&b);
}

/*
 * The server says the app's statement is not there (a pooler or a function
 * dropped it): forget it, so the app's re-prepare really prepares it.
 */
static void forget_if_missing(struct conn_state *cs, const char *name, const PGresult *r)
{
	if (!cs || cs->mode != MODE_DEDUPE || !name || !result_has_sqlstate(r, SQLSTATE_UNDEFINED_PSTATEMENT) ||
	    !stmt_table_find(&cs->stmts, name))
		return;
	if (cs->auto_pooled) /* a statement the shim made is gone: a transaction pooler */
		conn_switch_pooled(cs, "\"does not exist\" (26000)", name);
	else
		stmt_table_remove(&cs->stmts, name);
}

/* The server's name for the app's statement name (see policy_map_name). */
static const char *map(struct conn_state *cs, const char *name, char buf[SERVER_NAME_BUF],
		       struct stmt_sql *sql)
{
	struct prep_inflight inflight;
	bool in_flight = cs->q.head && conn_in_pipeline(cs->conn) && hook_inflight(cs, name, &inflight);

	return policy_map_name(&cs->stmts, cs->mode, name, in_flight ? &inflight : NULL, buf, sql);
}

PQSHIM_EXPORT PGresult *PQexecPrepared(PGconn *conn, const char *name, int n,
				       const char *const *values, const int *lengths,
				       const int *formats, int result_format)
{
	struct conn_state *cs;
	char buf[SERVER_NAME_BUF];
	struct prep_inflight t;
	struct types_buf tb;
	const char *server = name;
	struct params p = { n, NULL, values, lengths, formats, result_format };
	struct stmt_sql sql;
	PGresult *r;
	struct op *op;
	int sent;

	if (!real_ready())
		return NULL;
	if ((cs = hook_sync_state(conn))) {
		if ((sent = exec_route_send(cs, exec_route_pooled(cs, name, &p), false)) >= 0)
			return sent ? pump_exec_finish(cs) : NULL;
		if (unnamed_text(cs, name, &t)) {
			/* Parse + Bind + Execute under one Sync: what every pooler carries */
			r = CALL_REAL(real.PQexecParams(conn, t.query, n,
							hook_pad_types(t.types, t.nparams, n, &tb),
							values, lengths, formats, result_format));
			free(tb.heap);
			return r;
		}
		server = map(cs, name, buf, &sql);
		if (hook_sql_exec_statement(cs, &sql, &p, &r))
			return r;
	}
	r = CALL_REAL(real.PQexecPrepared(conn, server, n, values, lengths, formats, result_format));
	/*
	 * The cheap way first: an op only when the call failed. The failures the
	 * shim retries (26000, 0A000) come before the statement runs, so they
	 * leave the connection idle exactly when it was idle before: outside a
	 * block (in pipeline mode libpq refuses the call, r is NULL).
	 */
	if (cs && cs->mode == MODE_DEDUPE && r && real.PQresultStatus(r) == PGRES_FATAL_ERROR &&
	    real.PQtransactionStatus(conn) == PQTRANS_IDLE &&
	    (op = exec_route_dedupe(cs, name, server, &p)))
		return exec_op_recover(cs, op, r);
	forget_if_missing(cs, name, r);
	return r;
}

PQSHIM_EXPORT int PQsendQueryPrepared(PGconn *conn, const char *name, int n,
				      const char *const *values, const int *lengths,
				      const int *formats, int result_format)
{
	struct conn_state *cs;
	char buf[SERVER_NAME_BUF];
	struct prep_inflight t;
	struct types_buf tb;
	struct params p = { n, NULL, values, lengths, formats, result_format };
	struct stmt_sql sql;
	const char *server;
	int sent;

	if (!real_ready())
		return 0;
	if (!(cs = hook_state(conn)))
		return CALL_REAL(real.PQsendQueryPrepared(conn, name, n, values, lengths, formats,
							  result_format));
	if (cs->private_pipeline)
		return hook_refuse_busy(cs);
	if ((sent = exec_route_send(cs, exec_route_pooled(cs, name, &p), true)) >= 0)
		return sent;
	if (unnamed_text(cs, name, &t)) {
		sent = CALL_REAL(real.PQsendQueryParams(conn, t.query, n, hook_pad_types(t.types, t.nparams, n, &tb),
							values, lengths, formats, result_format));
		free(tb.heap);
		return hook_track_pass(cs, conn_in_pipeline(conn), sent);
	}
	server = map(cs, name, buf, &sql);
	if ((sent = hook_sql_send_statement(cs, &sql, &p)) >= 0)
		return sent;
	/* watched only in auto mode: a copy of the parameters on every call costs */
	if (cs->auto_pooled && !conn_in_pipeline(conn) &&
	    real.PQtransactionStatus(conn) == PQTRANS_IDLE &&
	    (sent = exec_route_send(cs, exec_route_dedupe(cs, name, server, &p), true)) >= 0)
		return sent;
	return hook_track_pass(cs, conn_in_pipeline(conn),
			       CALL_REAL(real.PQsendQueryPrepared(conn, server, n, values, lengths,
								  formats, result_format)));
}

PQSHIM_EXPORT PGresult *PQdescribePrepared(PGconn *conn, const char *name)
{
	struct conn_state *cs;
	char buf[SERVER_NAME_BUF];
	struct prep_inflight t;
	const char *server = name;
	PGresult *r;
	int sent;

	if (!real_ready())
		return NULL;
	if ((cs = hook_sync_state(conn))) {
		if (!conn_in_pipeline(conn) && unnamed_text(cs, name, &t)) {
			sent = send_describe_bundle(cs, &t);
			if (sent >= 0)
				return sent ? pump_exec_finish(cs) : NULL;
			/* a libpq without pipelines: two round trips, as near as it gets */
			r = CALL_REAL(real.PQprepare(conn, "", t.query, t.nparams, t.types));
			if (real.PQresultStatus(r) != PGRES_COMMAND_OK)
				return r;
			pump_clear_result(r);
			return CALL_REAL(real.PQdescribePrepared(conn, ""));
		}
		server = map(cs, name, buf, NULL);
	}
	r = CALL_REAL(real.PQdescribePrepared(conn, server));
	forget_if_missing(cs, name, r);
	return r;
}

PQSHIM_EXPORT int PQsendDescribePrepared(PGconn *conn, const char *name)
{
	struct conn_state *cs;
	char buf[SERVER_NAME_BUF];

	if (!real_ready())
		return 0;
	struct prep_inflight t;
	int sent;

	if (!(cs = hook_state(conn)))
		return CALL_REAL(real.PQsendDescribePrepared(conn, name));
	if (cs->private_pipeline)
		return hook_refuse_busy(cs);
	if (unnamed_text(cs, name, &t) && (sent = send_describe_bundle(cs, &t)) >= 0)
		return sent;
	return hook_track_pass(cs, conn_in_pipeline(conn),
			       CALL_REAL(real.PQsendDescribePrepared(conn, map(cs, name, buf, NULL))));
}

PQSHIM_EXPORT int PQsendDescribePortal(PGconn *conn, const char *portal)
{
	struct conn_state *cs;

	if (!real_ready())
		return 0;
	if (!(cs = hook_state(conn)))
		return CALL_REAL(real.PQsendDescribePortal(conn, portal));
	if (cs->private_pipeline)
		return hook_refuse_busy(cs);
	return hook_track_pass(cs, conn_in_pipeline(conn),
			       CALL_REAL(real.PQsendDescribePortal(conn, portal)));
}

/*
 * What to close for the app's `name`. A recorded text in unnamed mode is not
 * on the server: closing a name that is not there succeeds without touching
 * anything (and never another client's statement of the app's name).
 */
static const char *close_name(struct conn_state *cs, const char *name, char buf[SERVER_NAME_BUF])
{
	struct prep_inflight t;

	if (unnamed_text(cs, name, &t))
		return NAMES_GONE;
	return map(cs, name, buf, NULL);
}

/* After the server closed `server` for the app's `name`. */
static void forget(struct conn_state *cs, const char *name, const char *server)
{
	if (stmt_table_find(&cs->stmts, name))
		stmt_table_remove(&cs->stmts, name);
	else
		stmt_table_release(&cs->stmts, server);
}

PQSHIM_EXPORT PGresult *PQclosePrepared(PGconn *conn, const char *name)
{
	struct conn_state *cs;
	char buf[SERVER_NAME_BUF];
	const char *server = name;
	PGresult *r;

	if (!real_ready() || !real.PQclosePrepared)
		return NULL; /* what libpq 17 returns when it cannot send */
	if ((cs = hook_sync_state(conn)))
		server = close_name(cs, name, buf);
	r = CALL_REAL(real.PQclosePrepared(conn, server));
	if (cs && name && name[0] && real.PQresultStatus(r) == PGRES_COMMAND_OK)
		forget(cs, name, server);
	return r;
}

PQSHIM_EXPORT int PQsendClosePrepared(PGconn *conn, const char *name)
{
	struct conn_state *cs;
	char buf[SERVER_NAME_BUF];
	const char *server;
	struct op *op;

	if (!real_ready() || !real.PQsendClosePrepared)
		return 0;
	if (!(cs = hook_state(conn)))
		return CALL_REAL(real.PQsendClosePrepared(conn, name));
	if (cs->private_pipeline)
		return hook_refuse_busy(cs);
	if (!name || !name[0])
		return hook_track_pass(cs, conn_in_pipeline(conn),
				       CALL_REAL(real.PQsendClosePrepared(conn, name)));
	server = close_name(cs, name, buf);
	op = op_new(OP_CLOSE);
	if (!op)
		return hook_track_pass(cs, conn_in_pipeline(conn),
				       CALL_REAL(real.PQsendClosePrepared(conn, server)));
	snprintf(op->key, sizeof(op->key), "%.*s", (int)names_server_len(name), name);
	snprintf(op->server, sizeof(op->server), "%s", server);
	if (!CALL_REAL(real.PQsendClosePrepared(conn, server))) {
		op_free(op, pump_clear_result);
		return 0;
	}
	pending_push(&cs->q, op);
	return 1;
}

PQSHIM_EXPORT int PQsendClosePortal(PGconn *conn, const char *portal)
{
	struct conn_state *cs;

	if (!real_ready() || !real.PQsendClosePortal)
		return 0;
	if (!(cs = hook_state(conn)))
		return CALL_REAL(real.PQsendClosePortal(conn, portal));
	if (cs->private_pipeline)
		return hook_refuse_busy(cs);
	return hook_track_pass(cs, conn_in_pipeline(conn),
			       CALL_REAL(real.PQsendClosePortal(conn, portal)));
}
