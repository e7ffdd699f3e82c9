/* Executions by name with invisible retries; the stages are in exec_op.h. */
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "exec_op.h"
#include "base/log.h"
#include "base/stats.h"

#define SQLSTATE_PLAN_CHANGED "0A000"

/*
 * The shim's own commands ahead of the app's Execute in an attempt at stage
 * (a bundle under a Sync of the shim's when above 0).
 */
static int hidden_before(enum exec_stage stage)
{
	return stage == EXEC_HEAL ? 2 : stage == EXEC_CREATE || stage == EXEC_LOOKUP ? 1 : 0;
}

struct op *exec_op_new(const char *key, const char *server, bool pooled, const char *text,
		       int nparams, const Oid *types, const struct params *p)
{
	struct op *op;

	if (strlen(server) >= sizeof(op->server) || p->n < 0 || p->n > 65535)
		return NULL; /* a name that does not fit; what libpq refuses, it refuses itself */
	op = op_new(OP_EXEC);
	if (!op)
		return NULL;
	snprintf(op->key, sizeof(op->key), "%.*s", (int)names_server_len(key), key);
	strcpy(op->server, server);
	op->x.pooled = pooled;
	op->x.text = text;
	op->x.nparams = nparams;
	op->x.types = types;
	op->x.n = p->n;
	op->x.values = p->values;
	op->x.lengths = p->lengths;
	op->x.formats = p->formats;
	op->x.result_format = p->result_format;
	return op;
}

/* The bytes of parameter i (binary: its length; text: up to its NUL, kept). */
static size_t param_size(const struct op_exec *x, int i)
{
	if (!x->values[i])
		return 0;
	if (x->formats && x->formats[i])
		return x->lengths && x->lengths[i] > 0 ? (size_t)x->lengths[i] : 0;
	return strlen(x->values[i]) + 1;
}

bool exec_op_own_params(struct op *op)
{
	struct op_exec *x = &op->x;
	size_t n = x->n > 0 ? (size_t)x->n : 0, total, off;
	char **values;
	int *lengths, *formats;
	char *data;

	if (n == 0 || !x->values) {
		x->values = NULL;
		x->lengths = x->formats = NULL;
		return true;
	}
	total = n * (sizeof(char *) + 2 * sizeof(int));
	for (size_t i = 0; i < n; i++)
		total += param_size(x, (int)i);
	if (!(x->owned = shim_malloc(total)))
		return false;
	values = x->owned;
	lengths = (int *)(values + n);
	formats = lengths + n;
	data = (char *)(formats + n);
	off = 0;
	for (size_t i = 0; i < n; i++) {
		size_t len = param_size(x, (int)i);

		lengths[i] = x->lengths ? x->lengths[i] : 0;
		formats[i] = x->formats ? x->formats[i] : 0;
		values[i] = x->values[i] ? memcpy(data + off, x->values[i], len) : NULL;
		off += len;
	}
	x->values = (const char *const *)values;
	x->lengths = lengths;
	x->formats = formats;
	return true;
}

static int send_exec(struct conn_state *cs, const struct op *op)
{
	const struct op_exec *x = &op->x;

	return CALL_REAL(real.PQsendQueryPrepared(cs->conn, op->server, x->n, x->values,
						  x->lengths, x->formats, x->result_format));
}

static void single_row(struct conn_state *cs, const struct op *op)
{
	if (op->x.single_row && !CALL_REAL(real.PQsetSingleRowMode(cs->conn)))
		log_once(LOG_ONCE_QUEUE_LOST, LOG_WARN, "could not ask for single-row mode again");
}

static bool send_attempt(struct conn_state *cs, struct op *op, enum exec_stage stage);

int exec_op_send(struct conn_state *cs, struct op *op)
{
	enum exec_stage stage = (enum exec_stage)op->x.stage;

	if (stage == EXEC_LOOKUP && ++cs->block_epoch == 0)
		cs->block_epoch = 1; /* 0 is what a new entry's `present` says */
	if (!send_attempt(cs, op, stage)) {
		op_free(op, pump_clear_result);
		return 0;
	}
	if (op->x.pooled && (stage == EXEC_NAME || stage == EXEC_CREATE))
		stats_add(ST_BY_NAME);
	pending_push(&cs->q, op);
	return 1;
}

static void leave_pipeline(struct conn_state *cs)
{
	if (!cs->private_pipeline)
		return;
	cs->private_pipeline = false;
	if (real.PQpipelineStatus(cs->conn) != PQ_PIPELINE_OFF &&
	    !CALL_REAL(real.PQexitPipelineMode(cs->conn)))
		log_once(LOG_ONCE_QUEUE_LOST, LOG_WARN, "could not leave the shim's own pipeline");
}

#define LOOKUP_SQL \
	"SELECT name FROM pg_catalog.pg_prepared_statements " \
	"WHERE pg_catalog.left(name, 6) = '" NAMES_CONTENT_PREFIX "'"

static bool send_unnamed(struct conn_state *cs, const struct op *op);

/*
 * The shim's commands of a bundle, then the app's Execute, then the Sync.
 * 1: sent; 0: nothing sent (no pipelines here); -1: failed part way (the
 * connection is failing: what was queued cannot be taken back).
 */
static int send_bundle(struct conn_state *cs, struct op *op, enum exec_stage stage)
{
	const struct op_exec *x = &op->x;
	PGconn *conn = cs->conn;
	char sql[SERVER_NAME_BUF * 2 + 16] = "DEALLOCATE ";
	bool ok;

	if (stage == EXEC_HEAL &&
	    !sqlscan_quote_ident(op->server, sql + strlen(sql), sizeof(sql) - strlen(sql)))
		return 0;
	if (!real.PQenterPipelineMode || !CALL_REAL(real.PQenterPipelineMode(conn)))
		return 0;
	cs->private_pipeline = true;
	if (stage == EXEC_LOOKUP)
		ok = CALL_REAL(real.PQsendQueryParams(conn, LOOKUP_SQL, 0, NULL, NULL, NULL, NULL, 0)) &&
		     send_unnamed(cs, op);
	else
		ok = (stage != EXEC_HEAL ||
		      CALL_REAL(real.PQsendQueryParams(conn, sql, 0, NULL, NULL, NULL, NULL, 0))) &&
		     CALL_REAL(real.PQsendPrepare(conn, op->server, x->text, x->nparams, x->types)) &&
		     send_exec(cs, op);
	if (ok && CALL_REAL(real.PQpipelineSync(conn)))
		return 1;
	leave_pipeline(cs);
	return -1;
}

static bool send_unnamed(struct conn_state *cs, const struct op *op)
{
	const struct op_exec *x = &op->x;
	struct types_buf tb;
	int ok = CALL_REAL(real.PQsendQueryParams(cs->conn, x->text, x->n,
						  hook_pad_types(x->types, x->nparams, x->n, &tb),
						  x->values, x->lengths, x->formats,
						  x->result_format));

	free(tb.heap);
	return ok;
}

/* Sends an attempt at stage; false when it could not go (the connection is failing). */
static bool send_attempt(struct conn_state *cs, struct op *op, enum exec_stage stage)
{
	struct op_exec *x = &op->x;
	bool bundle = hidden_before(stage) > 0;
	int sent = 0;
	bool ok;

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
		return true; /* single-row mode is asked for when the Execute's turn comes */
	if (stage == EXEC_UNNAMED)
		stats_add(ST_FALLBACK);
	ok = stage == EXEC_UNNAMED ? send_unnamed(cs, op) : send_exec(cs, op);
	if (ok)
		single_row(cs, op);
	return ok;
}

/* The next attempt, within the bounds on retries. */
static bool retry(struct conn_state *cs, struct op *op, enum exec_stage stage)
{
	if (op->x.tries++ >= EXEC_MAX_TRIES)
		stage = EXEC_UNNAMED;
	return send_attempt(cs, op, stage);
}

/* The end of the app's command: pop op, the app gets NULL. */
static bool done(struct conn_state *cs, PGresult **out)
{
	leave_pipeline(cs);
	pending_pop(&cs->q, pump_clear_result);
	*out = NULL;
	return true;
}

/* The app gets r as its command's one answer, then NULL. */
static bool answer(struct conn_state *cs, struct op *op, PGresult *r, PGresult **out)
{
	leave_pipeline(cs);
	if (!r)
		r = CALL_REAL(real.PQmakeEmptyPGresult(cs->conn, PGRES_FATAL_ERROR));
	*out = r;
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

/*
 * "cached plan must not change result type": raised while the statement is
 * revalidated, before it runs. Told apart from other 0A000 errors by the
 * server function that raises it (messages may be translated).
 */
static bool plan_changed(const PGresult *r)
{
	const char *fn;

	if (!result_has_sqlstate(r, SQLSTATE_PLAN_CHANGED))
		return false;
	fn = real.PQresultErrorField(r, PG_DIAG_SOURCE_FUNCTION);
	return fn && strcmp(fn, "RevalidateCachedQuery") == 0;
}

/* The first attempt failed with r before running: which stage next, or -1 (the app's). */
static int first_failure(struct conn_state *cs, struct op *op, const PGresult *r)
{
	if (op->x.in_block) { /* the error aborted the app's block: it is the app's */
		if (result_has_sqlstate(r, SQLSTATE_UNDEFINED_PSTATEMENT)) {
			cs->block_known = false; /* what the shim knew was wrong */
			log_once(LOG_ONCE_QUEUE_LOST, LOG_WARN,
				 "statement missing on the server connection of a transaction block");
		}
		return -1;
	}
	if (plan_changed(r))
		return EXEC_HEAL;
	if (!result_has_sqlstate(r, SQLSTATE_UNDEFINED_PSTATEMENT))
		return -1;
	if (op->x.pooled)
		return EXEC_CREATE;
	if (cs->auto_pooled) {
		switch_pooled(cs, op, "\"does not exist\" (26000)");
		return EXEC_CREATE;
	}
	/* the server lost the app's statement: forget it, so a re-prepare prepares it */
	if (stmt_table_find(&cs->stmts, op->key))
		stmt_table_remove(&cs->stmts, op->key);
	return -1;
}

/* After a bundle's Sync: what its shim commands' failure means. */
static bool after_bundle(struct conn_state *cs, struct op *op, PGresult **out)
{
	struct op_exec *x = &op->x;
	PGresult *e = x->hidden_err;
	enum exec_stage next;

	leave_pipeline(cs);
	x->hidden_err = NULL;
	if (!e || x->delivered) {
		pump_clear_result(e);
		if (x->stage == EXEC_LOOKUP) {
			cs->block_known = true;
			cs->block_known_upto = cs->contents.count;
		} else {
			stats_add(x->stage == EXEC_HEAL ? ST_HEALED : ST_CREATED);
		}
		if (x->stage == EXEC_CREATE && x->content)
			x->content->present = cs->block_epoch;
		return done(cs, out);
	}
	if (x->in_block) {
		cs->block_known = false;
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
	pump_clear_result(e);
	if (retry(cs, op, next))
		return false;
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
			c->present = cs->block_epoch;
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
				single_row(cs, op);
		} else if (st == PGRES_FATAL_ERROR && !x->hidden_err) {
			x->hidden_err = r;
		} else {
			if (x->stage == EXEC_LOOKUP && st == PGRES_TUPLES_OK)
				mark_present(cs, r);
			pump_clear_result(r);
		}
		return false;
	}
	if (x->sub == hidden) { /* the app's Execute */
		if (!r) {
			x->sub++;
			return false;
		}
		if (st == PGRES_PIPELINE_ABORTED && x->hidden_err) {
			pump_clear_result(r);
			return false;
		}
		x->delivered = true;
		return true;
	}
	if (st == PGRES_PIPELINE_SYNC) {
		pump_clear_result(r);
		return after_bundle(cs, op, out);
	}
	/* no Sync where one must be: the connection failed; the app gets what is known */
	if (r && x->hidden_err) {
		pump_clear_result(r);
		r = NULL;
	}
	if (!r) {
		r = x->hidden_err;
		x->hidden_err = NULL;
	}
	return answer(cs, op, r, out);
}

bool exec_op_step(struct conn_state *cs, struct op *op, PGresult *r, PGresult **out)
{
	struct op_exec *x = &op->x;
	int next;

	*out = r;
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
	if (retry(cs, op, (enum exec_stage)x->sub)) {
		pump_clear_result(op->held);
		op->held = NULL;
		return false;
	}
	/* no retry: the app gets the first attempt's error, then NULL */
	r = op->held;
	op->held = NULL;
	return answer(cs, op, r, out);
}

PGresult *exec_op_recover(struct conn_state *cs, struct op *op, PGresult *r)
{
	int next;

	if (real.PQresultStatus(r) != PGRES_FATAL_ERROR ||
	    real.PQstatus(cs->conn) != CONNECTION_OK || (next = first_failure(cs, op, r)) < 0 ||
	    !retry(cs, op, (enum exec_stage)next)) {
		op_free(op, pump_clear_result);
		return r;
	}
	pump_clear_result(r);
	pending_push(&cs->q, op);
	return pump_exec_finish(cs);
}

int exec_op_single_row(struct op *op)
{
	struct op_exec *x = &op->x;
	x->single_row = true;
	/* libpq would apply it to the shim's command ahead: kept for the Execute's turn */
	return x->sub < hidden_before((enum exec_stage)x->stage) ? 1 : -1;
}
