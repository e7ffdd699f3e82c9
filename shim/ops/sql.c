/* SQL text with effects; see sql.h. */
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "base/log.h"
#include "bundle.h"
#include "conn/stmts.h"
#include "exec.h"
#include "real/guard.h"
#include "real/real.h"
#include "real/result.h"
#include "sql.h"
#include "sql_content.h"
#include "track.h"

static bool std_strings(PGconn *conn)
{
	const char *v = real.PQparameterStatus(conn, "standard_conforming_strings");

	return !v || strcmp(v, "off") != 0;
}

/* Not in a transaction block and not in a pipeline: a failed command has no side effect. */
static bool idle(PGconn *conn, bool pipeline)
{
	return !pipeline && real.PQtransactionStatus(conn) == PQTRANS_IDLE;
}

/* An op for a plan made in scratch (moved into it); NULL on no memory (released). */
static struct op *op_of(struct sql_plan *scratch, const char *sql)
{
	struct sql_plan *plan = shim_malloc(sizeof(*plan));
	struct op *op = plan ? op_new(OP_SQL) : NULL;

	if (op && scratch->retry_on_dup && !(op->sql = shim_strdup(sql))) {
		op_free(op, NULL);
		op = NULL;
	}
	if (!op) {
		free(plan);
		sql_plan_release(scratch);
		log_once(LOG_ONCE_NO_MEMORY_PASS, LOG_WARN,
			 "out of memory: passing calls through untouched");
		return NULL;
	}
	memcpy(plan, scratch, sizeof(*plan));
	op->plan = plan;
	op->retry_ok = plan->retry_on_dup;
	return op;
}

static void left_add(struct conn_state *cs, char names[][SERVER_NAME_BUF], int n)
{
	for (int i = 0; i < n; i++) {
		if (cs->n_left >= CONN_MAX_LEFT) {
			log_once(LOG_ONCE_THROWAWAY_LEFT, LOG_WARN,
				 "a throwaway statement (\"%s\") stayed on a server connection: more "
				 "failed in one transaction block than the shim keeps to drop",
				 names[i]);
			continue;
		}
		memcpy(cs->left[cs->n_left++], names[i], SERVER_NAME_BUF);
	}
}

static void left_drop(struct conn_state *cs, const char *name)
{
	for (int i = 0; i < cs->n_left; i++) {
		if (strcmp(cs->left[i], name) != 0)
			continue;
		memmove(cs->left[i], cs->left[i + 1], SERVER_NAME_BUF * (size_t)(cs->n_left - i - 1));
		cs->n_left--;
		return;
	}
}

/*
 * Throwaway names left in the app's block (sql_end) go with its statement
 * that leaves or rolls back the block, if this text is one (sql_plan_ride).
 * Once the block is over without one, the pooler may have given the server
 * connection to anyone: they stay there (unique names, no one runs them).
 */
static struct op *ride_op(struct conn_state *cs, const char *sql, const struct params *p,
			  bool pipeline)
{
	static __thread struct sql_plan scratch;
	PGTransactionStatusType st = real.PQtransactionStatus(cs->conn);

	if (st == PQTRANS_IDLE || st == PQTRANS_UNKNOWN) {
		log_once(LOG_ONCE_THROWAWAY_LEFT, LOG_WARN,
			 "a throwaway statement (\"%s\") stayed on a server connection: its "
			 "transaction block ended by a command the shim could not drop it with",
			 cs->left[0]);
		cs->n_left = 0;
		return NULL;
	}
	if (p || pipeline || st == PQTRANS_ACTIVE ||
	    !sql_plan_ride(sql, st == PQTRANS_INERROR, cs->left, cs->n_left, &scratch))
		return NULL;
	return op_of(&scratch, sql);
}

struct op *sql_plan_op(struct conn_state *cs, const char *sql, const struct params *p, bool sync,
		       bool pipeline, bool *refuse)
{
	static __thread struct sql_plan scratch; /* most texts need no plan: no allocation for them */
	struct sql_plan *plan;
	struct op *op;
	bool made;

	if (cs->block.known) /* SQL text may end the app's block (asked only then: a look-up) */
		block_sql(&cs->block, sql, std_strings(cs->conn));
	*refuse = false;
	if (cs->n_left && (op = ride_op(cs, sql, p, pipeline)))
		return op;
	if (pipeline && (sync || !p))
		return NULL;
	if (pipeline && cs->q.head) {
		/* SQL_MAX_AHEAD entries, only in the app's pipeline: off the hot path */
		struct sql_ahead ahead[SQL_MAX_AHEAD];
		int n = track_ahead(cs, ahead);

		if (n < 0)
			log_once(LOG_ONCE_AHEAD_OVERFLOW, LOG_WARN,
				 "a SQL text in a pipeline planned without the commands queued ahead of it (too many)");
		made = sql_plan_make_after(&cs->stmts, cs->mode, cs->tracking, sql,
					   std_strings(cs->conn), !p, idle(cs->conn, pipeline),
					   ahead, n < 0 ? 0 : n, &scratch);
	} else {
		made = sql_plan_make(&cs->stmts, cs->mode, cs->tracking, sql, std_strings(cs->conn), !p,
				     idle(cs->conn, pipeline), &scratch);
	}
	if (scratch.makes_names)
		cs->stmts.sql_names = true; /* names the shim cannot answer for (policy_missing) */
	if (!made) {
		if (scratch.untracked)
			log_once(LOG_ONCE_SQL_OVERFLOW, LOG_WARN,
				 "a SQL text with too many statement references passed through untracked");
		*refuse = scratch.unsafe;
		return NULL;
	}
	*refuse = scratch.text != NULL || scratch.bundle;
	if (!(op = op_of(&scratch, sql)))
		return NULL;
	*refuse = false;
	plan = op->plan;
	if (!p && !pipeline && sqlc_applies(cs))
		sqlc_choose(cs, op, sql);
	plan->content.stmt = NULL; /* it points into the table: not kept */
	if (plan->text || plan->bundle)
		conn_count(cs, ST_SQL_REWRITTEN);
	return op;
}

static const char *text_of(const struct op *op, const char *sql)
{
	if (sqlc_on(op))
		return sqlc_text(op);
	return op->plan->text ? op->plan->text : sql;
}

static int send_params(struct conn_state *cs, const char *text, const struct params *p)
{
	return CALL_REAL(real.PQsendQueryParams(cs->conn, text, p->n, p->types, p->values,
						p->lengths, p->formats, p->result_format));
}

/*
 * One extended-protocol statement that needs another in front of it (see
 * sql_plan.bundle): both go under one Sync, and the app sees only its own.
 * -1: no pipelines in this libpq (op freed).
 */
static int send_bundle(struct conn_state *cs, struct op *op, const char *sql,
		       const struct params *p)
{
	struct bundle b;
	static const struct params none = { 0 };

	const struct sql_plan *plan = op->plan;
	const char *before = plan->bundle_text ? plan->bundle_text : plan->bundle_hidden;
	char after[sizeof(plan->bundle_after)];

	if (!bundle_begin(&b, cs)) {
		op_free(op, result_clear);
		return -1;
	}
	memcpy(after, plan->bundle_after, sizeof(after)); /* op may be gone after bundle_add */
	if (before[0])
		bundle_add(&b, op_new(OP_PASS), true, send_params(cs, before, &none));
	bundle_add(&b, op, false, send_params(cs, text_of(op, sql), p));
	if (after[0])
		bundle_add(&b, op_new(OP_PASS), true, send_params(cs, after, &none));
	return bundle_end(&b);
}

int sql_send(struct conn_state *cs, struct op *op, const char *sql, const struct params *p)
{
	int sent;

	if (op->plan->bundle && p) {
		sent = send_bundle(cs, op, sql, p);
		if (sent >= 0)
			return sent;
		/* no pipelines in this libpq: the server answers the app's own text */
		return send_params(cs, sql, p);
	}
	/* a DO block of the shim's raises the server's 26000: its error reads as the server's
	   own (its CONTEXT left out) unless results ahead of it are formatted later */
	if (op->plan->raises && !real_in_pipeline(cs->conn))
		conn_hide_context(cs);
	sent = p ? send_params(cs, text_of(op, sql), p)
		 : CALL_REAL(real.PQsendQuery(cs->conn, text_of(op, sql)));
	if (sent) {
		pending_push(&cs->q, op);
	} else {
		conn_show_context(cs);
		op_free(op, result_clear);
	}
	return sent;
}

/* The planned op for the app's statement run as its SQL text, or NULL. */
static struct op *plan_statement(struct conn_state *cs, const struct stmt_sql *sql,
				 struct params *p, bool sync, bool *refuse)
{
	*refuse = false;
	if (!sql->text)
		return NULL;
	p->types = p->n <= sql->nparams ? sql->types : NULL; /* the types it was prepared with */
	return sql_plan_op(cs, sql->text, p, sync, real_in_pipeline(cs->conn), refuse);
}

bool sql_statement_sync(struct conn_state *cs, const struct stmt_sql *sql, struct params *p,
			int *sent)
{
	bool refuse = false;
	struct op *op;

	if (!sql->text)
		return false; /* the common case: a plain statement, run as is */
	op = plan_statement(cs, sql, p, true, &refuse);
	if (!op && refuse)
		*sent = 0; /* as libpq without memory */
	else if (op)
		*sent = sql_send(cs, op, sql->text, p);
	return op || refuse;
}

int sql_statement_async(struct conn_state *cs, const struct stmt_sql *sql, struct params *p)
{
	bool refuse;
	struct op *op = plan_statement(cs, sql, p, false, &refuse);

	if (!op)
		return refuse ? 0 : -1;
	return sql_send(cs, op, sql->text, p);
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
	case FX_TYPES:
		return "SELECT 1";
	case FX_BEGIN:
		return "BEGIN";
	case FX_COMMIT:
		return "COMMIT";
	}
	return "";
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

bool sql_feed(struct conn_state *cs, struct op *op, PGresult *r, PGresult **out)
{
	const struct sql_fx *fx;

	*out = r;
	if (op->cleaning) { /* sql_end's statements */
		result_clear(r);
		return false;
	}
	if (real.PQresultStatus(r) == PGRES_FATAL_ERROR)
		conn_show_context(cs); /* formatted; the rest of the text is skipped */
	if (sqlc_on(op)) {
		int app = sqlc_feed(cs, op, r, out);

		if (app >= 0)
			return app;
	}
	if (op->fx_pos < op->plan->n_fx && op->plan->fx[op->fx_pos].kind == FX_TYPES &&
	    (real.PQresultStatus(r) == PGRES_SINGLE_TUPLE ||
	     real.PQresultStatus(r) == COMPAT_TUPLES_CHUNK)) {
		/* the app's single-row or chunked mode applies to the shim's SELECT too: its row
		   comes alone, then TUPLES_OK without it (matched below) */
		if (real.PQntuples(r) >= 1)
			stmts_record_types(cs, op->plan->fx[op->fx_pos].key, real.PQgetvalue(r, 0, 0));
		result_clear(r);
		return false;
	}
	fx = next_fx(op, r);
	if (fx) {
		if (fx->kind == FX_TYPES && real.PQntuples(r) == 1)
			stmts_record_types(cs, fx->key, real.PQgetvalue(r, 0, 0));
		stmts_apply_fx(cs, fx);
		if (fx->drops_left)
			left_drop(cs, fx->key);
		if (fx->hide) {
			result_clear(r);
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

bool sql_retry(struct conn_state *cs, struct op *op)
{
	char gen[SERVER_NAME_BUF];
	char *text;
	size_t len;
	int ok;

	if (sqlc_on(op))
		return sqlc_retry(cs, op);
	op->retried = true;
	if (!policy_new_name(&cs->stmts, gen))
		return false;
	text = sql_plan_retry_text(op->plan, op->sql, gen, &len);
	if (!text)
		return false;
	ok = CALL_REAL(real.PQsendQuery(cs->conn, text));
	free(text);
	if (ok) {
		log_msg(LOG_INFO, "statement \"%s\" already exists on the server: prepared as \"%s\"",
			op->plan->fx[0].key, gen);
		strcpy(op->plan->fx[0].server, gen);
	}
	return ok;
}

/* "ROLLBACK" and a DEALLOCATE of each name: the wrapped text's block, aborted, goes. */
static bool send_cleanup(struct conn_state *cs, struct op *op, char names[][SERVER_NAME_BUF],
			 int n)
{
	char text[16 + SQL_MAX_REFS * (SERVER_NAME_BUF + 16)];
	size_t at = (size_t)snprintf(text, sizeof(text), "ROLLBACK");

	for (int i = 0; i < n; i++)
		at += (size_t)snprintf(text + at, sizeof(text) - at, "; DEALLOCATE %s", names[i]);
	if (!CALL_REAL(real.PQsendQuery(cs->conn, text)))
		return false;
	op->cleaning = true;
	return true;
}

bool sql_end(struct conn_state *cs, struct op *op)
{
	char names[SQL_MAX_REFS][SERVER_NAME_BUF];
	PGTransactionStatusType st;
	int n;

	if (op->cleaning || !op->plan || op->plan->n_tmp == 0 ||
	    (sqlc_on(op) && op->x.stage != EXEC_UNNAMED))
		return false;
	n = sql_plan_left(op->plan, op->fx_pos, names, SQL_MAX_REFS);
	st = real.PQtransactionStatus(cs->conn);
	if (op->plan->wrapped && st == PQTRANS_INERROR) {
		if (send_cleanup(cs, op, names, n))
			return true;
	} else if (n > 0 && (st == PQTRANS_INERROR || st == PQTRANS_INTRANS)) {
		left_add(cs, names, n); /* the block keeps its server connection: dropped later */
		return false;
	}
	if (n > 0)
		log_once(LOG_ONCE_THROWAWAY_LEFT, LOG_WARN,
			 "a throwaway statement (\"%s\") stayed on a server connection: its "
			 "EXECUTE failed where the shim could not drop it", names[0]);
	return false;
}

bool sql_may_hide(const struct op *op)
{
	if (op->cleaning)
		return true;
	if (sqlc_on(op) && op->x.stage != EXEC_UNNAMED)
		return sqlc_may_hide(op);
	for (int i = op->fx_pos; i < op->plan->n_fx; i++)
		if (op->plan->fx[i].hide)
			return true;
	return false;
}
