/* Executions by name with invisible retries; the stages are in exec.h. */
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "base/log.h"
#include "bundle.h"
#include "conn/cancels.h"
#include "conn/stmts.h"
#include "exec.h"
#include "real/guard.h"
#include "real/real.h"
#include "real/result.h"
#include "track.h"

enum route_txn exec_txn(PGconn *conn)
{
	switch (real.PQtransactionStatus(conn)) {
	case PQTRANS_IDLE:
		return ROUTE_TXN_IDLE;
	case PQTRANS_INTRANS:
		return ROUTE_TXN_BLOCK;
	default:
		return ROUTE_TXN_OTHER;
	}
}

void exec_decide(struct conn_state *cs, const char *name, bool sync, struct route *out)
{
	/* behind a pooler that tracks statements, asynchronous executions are watched too: healed */
	struct route_facts f = { .mode = cs->mode, .auto_watch = cs->auto_pooled || cs->tracking,
				 .sync = sync };
	struct prep_inflight in;

	/* a blocking call in dedupe mode needs neither (the cheap way: asked after a failure) */
	if (!sync || cs->mode != MODE_DEDUPE || cs->q.head)
		f.pipeline = real_in_pipeline(cs->conn);
	if (cs->mode == MODE_POOLED || (!sync && f.auto_watch))
		f.txn = exec_txn(cs->conn);
	f.tracking = cs->tracking;
	if (cs->mode == MODE_POOLED) {
		const struct config *cfg = config_get();

		f.in_blocks = cfg->pooled_in_blocks;
		f.threshold = cfg->pooled_threshold;
		f.cap = cfg->pooled_max;
	}
	f.inflight = cs->q.head ? track_inflight(cs, name, &in) : NULL;
	route_exec(&f, &cs->stmts, &cs->contents, &cs->block, name, out);
}

/*
 * The shim's own commands ahead of the app's Execute in an attempt at stage
 * (a bundle under a Sync of the shim's when above 0).
 */
static int hidden_before(enum exec_stage stage)
{
	return stage == EXEC_HEAL ? 2
	       : stage == EXEC_CREATE || stage == EXEC_LOOKUP || stage == EXEC_REPLAN ? 1
										 : 0;
}

/*
 * A new op for the app's statement `key`, sent as `server`, with the
 * statement's text (borrowed from its table entry: nothing else runs
 * meanwhile) and the app's parameters (borrowed); NULL when it cannot be made.
 */
static struct op *new_op(const char *key, const char *server, bool pooled, const struct stmt *s,
			 const struct params *p)
{
	struct op *op;

	if (strlen(server) >= sizeof(op->server) || p->n < 0 || p->n > 65535)
		return NULL; /* a name that does not fit; what libpq refuses, it refuses itself */
	op = op_new(OP_EXEC);
	if (!op)
		return NULL;
	names_copy_server(op->key, key);
	strcpy(op->server, server);
	op->x.pooled = pooled;
	op->x.text = stmt_query(s);
	op->x.nparams = stmt_nparams(s);
	op->x.types = stmt_types(s);
	op->x.p = *p;
	op->x.p.owned = NULL;
	return op;
}

/* The op of a route that has one, in its first stage. */
static struct op *route_op(const struct route *rt, const char *name, const struct params *p)
{
	static const int stage[] = { [ROUTE_CONTENT] = EXEC_NAME, [ROUTE_BLOCK_LOOKUP] = EXEC_LOOKUP,
				     [ROUTE_BLOCK_NAME] = EXEC_NAME, [ROUTE_BLOCK_CREATE] = EXEC_CREATE };
	struct op *op;

	switch (rt->kind) {
	case ROUTE_WATCHED:
		return new_op(name, rt->server, false, rt->stmt, p);
	case ROUTE_CONTENT:
	case ROUTE_BLOCK_LOOKUP:
	case ROUTE_BLOCK_NAME:
	case ROUTE_BLOCK_CREATE:
		op = new_op(name, rt->content->name, true, rt->stmt, p);
		if (op && rt->kind != ROUTE_CONTENT) {
			op->x.in_block = true;
			op->x.content = rt->content;
			op->x.stage = stage[rt->kind];
		}
		return op;
	default:
		return NULL;
	}
}

static int send_exec(struct conn_state *cs, const struct op *op)
{
	const struct params *p = &op->x.p;

	return CALL_REAL(real.PQsendQueryPrepared(cs->conn, op->server, p->n, p->values,
						  p->lengths, p->formats, p->result_format));
}

static bool send_unnamed(struct conn_state *cs, const struct op *op)
{
	const struct op_exec *x = &op->x;
	const struct params *p = &x->p;
	struct types_buf tb;
	int ok = CALL_REAL(real.PQsendQueryParams(cs->conn, x->text, p->n,
						  params_pad_types(x->types, x->nparams, p->n, &tb),
						  p->values, p->lengths, p->formats,
						  p->result_format));

	free(tb.heap);
	return ok;
}

void exec_row_mode_again(struct conn_state *cs, int mode)
{
	int ok;

	if (!mode)
		return;
	ok = mode == EXEC_SINGLE_ROW ? CALL_REAL(real.PQsetSingleRowMode(cs->conn))
	     : real.PQsetChunkedRowsMode ? CALL_REAL(real.PQsetChunkedRowsMode(cs->conn, mode))
					 : 0;
	if (!ok)
		log_once(LOG_ONCE_SINGLE_ROW_AGAIN, LOG_WARN,
			 "could not ask for single-row or chunked-rows mode again");
}

/* The app's single-row or chunked-rows mode, asked again for the attempt whose Execute is next. */
static void row_mode(struct conn_state *cs, const struct op *op)
{
	exec_row_mode_again(cs, op->x.row_mode);
}

#define LOOKUP_SQL \
	"SELECT name FROM pg_catalog.pg_prepared_statements " \
	"WHERE pg_catalog.left(name, 6) = '" NAMES_CONTENT_PREFIX "'"

static int send_sql(struct conn_state *cs, const char *sql)
{
	return CALL_REAL(real.PQsendQueryParams(cs->conn, sql, 0, NULL, NULL, NULL, NULL, 0));
}

/*
 * The shim's commands of a bundle, then the app's Execute, then the Sync.
 * 1: sent; 0: nothing sent (no pipelines here); -1: failed part way (the
 * connection is failing: what was queued cannot be taken back).
 */
static int send_bundle(struct conn_state *cs, struct op *op, enum exec_stage stage)
{
	const struct op_exec *x = &op->x;
	char sql[SERVER_NAME_BUF * 2 + 16] = "DEALLOCATE ";
	bool ok;

	if (stage == EXEC_HEAL &&
	    !sqlscan_quote_ident(op->server, sql + strlen(sql), sizeof(sql) - strlen(sql)))
		return 0;
	if (!bundle_open(cs))
		return 0;
	if (stage == EXEC_LOOKUP) {
		ok = send_sql(cs, LOOKUP_SQL) && send_unnamed(cs, op);
	} else if (stage == EXEC_REPLAN) {
		size_t n = strlen(x->text) + sizeof(op->server) + 40;
		char *text = shim_malloc(n);

		if (!text) {
			bundle_leave(cs);
			return 0;
		}
		snprintf(text, n, "%s\n/* pqshim: planned again as %s */", x->text, op->server);
		ok = CALL_REAL(real.PQsendPrepare(cs->conn, op->server, text, x->nparams, x->types)) &&
		     send_exec(cs, op);
		free(text);
	} else
		ok = (stage != EXEC_HEAL || send_sql(cs, sql)) &&
		     CALL_REAL(real.PQsendPrepare(cs->conn, op->server, x->text, x->nparams,
						  x->types)) &&
		     send_exec(cs, op);
	if (ok && bundle_sync(cs))
		return 1;
	bundle_leave(cs);
	return -1;
}

/* Sends an attempt at stage; false when it could not go (the connection is failing). */
static bool send_attempt(struct conn_state *cs, struct op *op, enum exec_stage stage)
{
	struct op_exec *x = &op->x;
	bool bundle = hidden_before(stage) > 0;
	int sent = 0;
	bool ok;

	if (stage == EXEC_REPLAN && !policy_new_name(&cs->stmts, op->server))
		stage = EXEC_UNNAMED; /* no fresh name: the one way left */
	bundle = hidden_before(stage) > 0;
	if (bundle && (sent = send_bundle(cs, op, stage)) <= 0) {
		if (sent < 0 || real.PQstatus(cs->conn) == CONNECTION_BAD)
			return false;
		stage = EXEC_UNNAMED; /* no pipelines in this libpq: the one way left */
		bundle = false;
	}
	x->stage = stage;
	x->sub = 0;
	x->delivered = false;
	if (bundle)
		return true; /* the row mode is asked for when the Execute's turn comes */
	if (stage == EXEC_CANCELLED) {
		conn_count(cs, ST_CANCELLED);
		return send_sql(cs, EXEC_SELF_CANCEL_SQL);
	}
	if (stage == EXEC_UNNAMED)
		conn_count(cs, ST_FALLBACK);
	ok = stage == EXEC_UNNAMED ? send_unnamed(cs, op) : send_exec(cs, op);
	if (ok)
		row_mode(cs, op);
	return ok;
}

/*
 * The next attempt after err, within the bounds on retries; none when the
 * app cancelled meanwhile (the cancel's query instead, with err kept as its
 * answer should the cancel not take). err is freed once the attempt went.
 */
static bool retry(struct conn_state *cs, struct op *op, enum exec_stage stage, PGresult *err)
{
	if (cancels_since(cs->conn, op->x.cancel_seq))
		stage = EXEC_CANCELLED;
	else if (op->x.tries++ >= EXEC_MAX_TRIES)
		stage = EXEC_UNNAMED;
	if (!send_attempt(cs, op, stage))
		return false;
	if (op->held == err)
		op->held = NULL;
	if (stage == EXEC_CANCELLED)
		op->held = err;
	else
		result_clear(err);
	return true;
}

/* Sends op's first attempt and queues it (op freed when it did not go). */
static int send_first(struct conn_state *cs, struct op *op)
{
	enum exec_stage stage = (enum exec_stage)op->x.stage;

	if (stage == EXEC_LOOKUP)
		block_lookup_sent(&cs->block);
	op->x.cancel_seq = cancels_seq();
	if (!send_attempt(cs, op, stage)) {
		op_free(op, result_clear);
		return 0;
	}
	if (op->x.pooled && (stage == EXEC_NAME || stage == EXEC_CREATE))
		conn_count(cs, ST_BY_NAME);
	pending_push(&cs->q, op);
	return 1;
}

int exec_send(struct conn_state *cs, const struct route *rt, const char *name,
	      const struct params *p, bool copy)
{
	struct op *op = route_op(rt, name, p);

	if (!op)
		return -1;
	if (copy && !params_copy(&op->x.p)) {
		op_free(op, result_clear);
		return -1; /* no memory: the plain way */
	}
	return send_first(cs, op);
}

/* The end of the app's command: pop op, the app gets NULL. */
static bool done(struct conn_state *cs, PGresult **out)
{
	bundle_leave(cs);
	pending_pop(&cs->q, result_clear);
	*out = NULL;
	return true;
}

/* The app gets r as its command's one answer, then NULL. */
static bool answer(struct conn_state *cs, struct op *op, PGresult *r, PGresult **out)
{
	bundle_leave(cs);
	*out = r ? r : result_make_error(cs->conn);
	op->end_pending = true;
	return true;
}

/* Auto mode: the sign of a transaction pooler; op goes on by the content name. */
static void switch_pooled(struct conn_state *cs, struct op *op, const char *evidence)
{
	const struct op_exec *x = &op->x;

	conn_switch_pooled(cs, evidence, op->key);
	names_content(op->server, x->text, strlen(x->text), x->nparams, x->types);
	op->x.pooled = true;
}

/* The first attempt failed with r before running: which stage next, or -1 (the app's). */
static int first_failure(struct conn_state *cs, struct op *op, const PGresult *r)
{
	if (op->x.in_block) { /* the error aborted the app's block: it is the app's */
		if (result_has_sqlstate(r, SQLSTATE_UNDEFINED_PSTATEMENT)) {
			block_forget(&cs->block); /* what the shim knew was wrong */
			log_once(LOG_ONCE_BLOCK_MISSING, LOG_WARN,
				 "statement missing on the server connection of a transaction block");
		}
		return -1;
	}
	if (result_plan_changed(r))
		return cs->tracking ? EXEC_REPLAN : EXEC_HEAL;
	if (!result_has_sqlstate(r, SQLSTATE_UNDEFINED_PSTATEMENT))
		return -1;
	if (op->x.pooled)
		return EXEC_CREATE;
	if (!stmts_is_lost(cs, op->key, r))
		return -1; /* its text's "EXECUTE n0" found no n0: the app's error */
	if (cs->auto_pooled) {
		switch_pooled(cs, op, "\"does not exist\" (26000)");
		return EXEC_CREATE;
	}
	stmts_lost(cs, op->key); /* forgotten: the app's re-prepare prepares it */
	return -1;
}

/* After a bundle's Sync: what its shim commands' failure means. */
static bool after_bundle(struct conn_state *cs, struct op *op, PGresult **out)
{
	struct op_exec *x = &op->x;
	PGresult *e = x->hidden_err;
	enum exec_stage next;

	bundle_leave(cs);
	x->hidden_err = NULL;
	if (!e || x->delivered) {
		result_clear(e);
		if (x->stage == EXEC_LOOKUP)
			block_learned(&cs->block, cs->contents.count);
		else
			conn_count(cs, x->stage == EXEC_CREATE ? ST_CREATED : ST_HEALED);
		if (x->stage == EXEC_REPLAN)
			stmts_record_prepare(cs, op->key, op->server, x->text, x->nparams, x->types);
		if (x->stage == EXEC_CREATE && x->content)
			block_mark_present(&cs->block, x->content);
		return done(cs, out);
	}
	if (x->in_block) {
		block_forget(&cs->block);
		return answer(cs, op, e, out);
	}
	if (x->stage == EXEC_CREATE && result_has_sqlstate(e, SQLSTATE_DUPLICATE_PSTATEMENT)) {
		next = EXEC_NAME; /* it is there now: run it */
	} else if (x->stage == EXEC_HEAL && result_has_sqlstate(e, SQLSTATE_UNDEFINED_PSTATEMENT)) {
		if (!x->pooled && cs->auto_pooled)
			switch_pooled(cs, op, "\"does not exist\" (26000)");
		next = EXEC_CREATE;
	} else {
		return answer(cs, op, e, out);
	}
	if (retry(cs, op, next, e))
		return false;
	result_clear(e);
	return answer(cs, op, NULL, out);
}

/* LOOKUP: the content names on the block's server connection. */
static void mark_present(struct conn_state *cs, const PGresult *r)
{
	unsigned cap = config_get()->pooled_max;
	struct content *c;

	for (int i = 0; i < real.PQntuples(r); i++)
		/* texts not run here yet too: if they come later in this block, they are there */
		if ((c = content_table_get_name(&cs->contents, real.PQgetvalue(r, i, 0), cap)))
			block_mark_present(&cs->block, c);
		else if (names_is_content(real.PQgetvalue(r, i, 0)))
			block_missed(&cs->block); /* later entries are not known either way */
}

/* A result (or NULL) while a bundle (CREATE, HEAL, LOOKUP) is being read. */
static bool bundle_step(struct conn_state *cs, struct op *op, PGresult *r, PGresult **out)
{
	struct op_exec *x = &op->x;
	int hidden = hidden_before((enum exec_stage)x->stage);
	ExecStatusType st = r ? real.PQresultStatus(r) : PGRES_EMPTY_QUERY;

	if (x->sub < hidden) { /* the shim's own commands */
		if (!r) {
			if (++x->sub == hidden && !x->hidden_err)
				row_mode(cs, op);
		} else if (st == PGRES_FATAL_ERROR && !x->hidden_err) {
			x->hidden_err = r;
		} else {
			if (x->stage == EXEC_LOOKUP && st == PGRES_TUPLES_OK)
				mark_present(cs, r);
			result_clear(r);
		}
		return false;
	}
	if (x->sub == hidden) { /* the app's Execute */
		if (!r) {
			x->sub++;
			return false;
		}
		if (st == PGRES_PIPELINE_ABORTED && x->hidden_err) {
			result_clear(r);
			return false;
		}
		x->delivered = true;
		return true;
	}
	if (st == PGRES_PIPELINE_SYNC) {
		result_clear(r);
		return after_bundle(cs, op, out);
	}
	/* no Sync where one must be: the connection failed; the app gets what is known */
	if (r && x->hidden_err) {
		result_clear(r);
		r = NULL;
	}
	if (!r) {
		r = x->hidden_err;
		x->hidden_err = NULL;
	}
	return answer(cs, op, r, out);
}

/* CANCELLED: the cancel's 57014 is the app's answer; anything else of that query is not. */
static bool cancel_step(struct conn_state *cs, struct op *op, PGresult *r, PGresult **out)
{
	if (r && real.PQresultStatus(r) == PGRES_FATAL_ERROR && !op->x.delivered) {
		op->x.delivered = true;
		result_clear(op->held);
		op->held = NULL;
		return true;
	}
	if (r) {
		result_clear(r);
		return false;
	}
	if (op->held) { /* the cancel did not take: the first attempt's error */
		r = op->held;
		op->held = NULL;
		return answer(cs, op, r, out);
	}
	return done(cs, out);
}

bool exec_step(struct conn_state *cs, struct op *op, PGresult *r, PGresult **out)
{
	struct op_exec *x = &op->x;
	int next;

	*out = r;
	if (x->stage == EXEC_CANCELLED)
		return cancel_step(cs, op, r, out);
	if (hidden_before((enum exec_stage)x->stage) > 0)
		return bundle_step(cs, op, r, out);
	if (r) {
		if (x->stage == EXEC_NAME && !x->delivered && !op->held &&
		    real.PQresultStatus(r) == PGRES_FATAL_ERROR &&
		    real.PQstatus(cs->conn) == CONNECTION_OK &&
		    (next = first_failure(cs, op, r)) >= 0) {
			op->held = r;
			op->x.sub = next; /* until the NULL: the stage to try next */
			return false;
		}
		x->delivered = true;
		return true;
	}
	if (!op->held)
		return done(cs, out);
	if (retry(cs, op, (enum exec_stage)x->sub, op->held))
		return false;
	/* no retry: the app gets the first attempt's error, then NULL */
	r = op->held;
	op->held = NULL;
	return answer(cs, op, r, out);
}

int exec_recover(struct conn_state *cs, const struct route *rt, const char *name,
		 const struct params *p, PGresult *r, unsigned long cancel_seq)
{
	struct op *op = new_op(name, rt->server, false, rt->stmt, p);
	int next;

	if (!op)
		return -1;
	op->x.cancel_seq = cancel_seq;
	if (real.PQstatus(cs->conn) != CONNECTION_OK || (next = first_failure(cs, op, r)) < 0 ||
	    !retry(cs, op, (enum exec_stage)next, r)) {
		op_free(op, result_clear);
		return 0;
	}
	pending_push(&cs->q, op);
	return 1;
}

int exec_row_mode(struct op *op, int row_mode)
{
	struct op_exec *x = &op->x;

	x->row_mode = row_mode;
	/* libpq would apply it to the shim's command ahead: kept for the Execute's turn */
	return x->sub < hidden_before((enum exec_stage)x->stage) ? 1 : -1;
}
