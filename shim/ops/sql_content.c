/* SQL EXECUTE by content name (pooled mode and the like); the stages are in sql_content.h. */
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "conn/cancels.h"
#include "exec.h"
#include "real/guard.h"
#include "real/real.h"
#include "real/result.h"
#include "sql_content.h"

bool sqlc_applies(const struct conn_state *cs)
{
	return cs->mode == MODE_POOLED ||
	       (cs->tracking && (cs->configured == MODE_AUTO || cs->configured == MODE_POOLED));
}

void sqlc_choose(struct conn_state *cs, struct op *op, const char *sql)
{
	const struct config *cfg = config_get();
	struct sql_plan *plan = op->plan;
	struct stmt *s = plan->content.stmt;
	struct route_facts f = { .mode = MODE_POOLED, .txn = exec_txn(cs->conn),
				 .in_blocks = cfg->pooled_in_blocks,
				 .threshold = cfg->pooled_threshold, .cap = cfg->pooled_max };
	struct content *c;
	int kind;

	if (!s)
		return;
	c = stmt_content(s);
	if (!c) {
		/* a protocol prepare's entry is the one its own executions use (route.c) */
		c = content_table_get_n(&cs->contents, plan->content.text, plan->content.len,
					plan->content.nparams, NULL, cfg->pooled_max);
		if (!c)
			return;
		stmt_set_content(s, c);
	}
	kind = route_sql_execute(&f, &cs->contents, &cs->block, c);
	plan->content.stmt = NULL; /* it points into the table: not kept */
	if (kind < 0 || !sql_plan_content_texts(plan, sql, c->name, &plan->by_name, &plan->create))
		return; /* the throwaway text (no memory: the same) */
	op->x.content = c;
	op->x.pooled = true;
	op->x.in_block = kind != ROUTE_CONTENT;
	op->x.stage = kind == ROUTE_BLOCK_CREATE ? EXEC_CREATE : EXEC_NAME;
	op->x.cancel_seq = cancels_seq();
	memcpy(op->server, c->name, sizeof(c->name));
	conn_count(cs, ST_BY_NAME);
}

bool sqlc_on(const struct op *op)
{
	return op->plan && op->plan->by_name;
}

const char *sqlc_text(const struct op *op)
{
	switch (op->x.stage) {
	case EXEC_NAME:
		return op->plan->by_name;
	case EXEC_CREATE:
		return op->plan->create;
	case EXEC_CANCELLED:
		return EXEC_SELF_CANCEL_SQL;
	default: /* UNNAMED (HEAL is sent by sqlc_retry) */
		return op->plan->text;
	}
}

/* The shim's statements ahead of the app's in the current attempt. */
static int hidden(const struct op *op)
{
	return op->x.stage == EXEC_HEAL ? 2 : op->x.stage == EXEC_CREATE ? 1 : 0;
}

static bool names_it(const struct op *op, const PGresult *r, const char *sqlstate)
{
	return result_has_sqlstate(r, sqlstate) && result_names_statement(r, op->server);
}

/* r ends the attempt before anything ran: hold it, try stage next at the NULL. */
static int hold(struct op *op, PGresult *r, enum exec_stage next)
{
	op->held = r;
	op->x.sub = -(int)next - 1; /* until the NULL: the stage to try next */
	return 0;
}

static int deliver(struct op *op)
{
	op->x.delivered = true;
	return 1;
}

int sqlc_feed(struct conn_state *cs, struct op *op, PGresult *r, PGresult **out)
{
	struct op_exec *x = &op->x;
	bool failed = real.PQresultStatus(r) == PGRES_FATAL_ERROR;

	*out = r;
	switch (x->stage) {
	case EXEC_UNNAMED:
		return -1;
	case EXEC_CANCELLED:
		if (failed && !x->delivered) { /* the cancel's 57014 */
			result_clear(x->hidden_err);
			x->hidden_err = NULL;
			return deliver(op);
		}
		result_clear(r);
		if (x->hidden_err) { /* it did not take: the first attempt's error, at the NULL */
			op->held = x->hidden_err;
			x->hidden_err = NULL;
		}
		return 0;
	default:
		break;
	}
	/* an error already held (one attempt ends at its first): anything after it is the app's */
	if (x->delivered || op->held || real.PQstatus(cs->conn) != CONNECTION_OK)
		return deliver(op);
	if (x->sub < hidden(op)) { /* the shim's DEALLOCATE or PREPARE */
		if (!failed) {
			result_clear(r);
			if (++x->sub == hidden(op)) {
				conn_count(cs, x->stage == EXEC_HEAL ? ST_HEALED : ST_CREATED);
				if (x->in_block)
					block_mark_present(&cs->block, x->content);
			}
			return 0;
		}
		if (!x->in_block && x->stage == EXEC_CREATE &&
		    names_it(op, r, SQLSTATE_DUPLICATE_PSTATEMENT))
			return hold(op, r, EXEC_NAME); /* made meanwhile: run it */
		if (!x->in_block && x->stage == EXEC_HEAL && x->sub == 0 &&
		    names_it(op, r, SQLSTATE_UNDEFINED_PSTATEMENT))
			return hold(op, r, EXEC_CREATE); /* not on this server connection: make it */
		if (x->in_block)
			block_forget(&cs->block);
		return deliver(op); /* the statement no longer prepares: the app's error */
	}
	if (failed && x->stage == EXEC_NAME && x->in_block &&
	    names_it(op, r, SQLSTATE_UNDEFINED_PSTATEMENT)) {
		block_forget(&cs->block); /* what the shim knew was wrong; the block is aborted */
		log_once(LOG_ONCE_BLOCK_MISSING, LOG_WARN,
			 "statement missing on the server connection of a transaction block");
	} else if (failed && x->stage == EXEC_NAME && !x->in_block) {
		if (names_it(op, r, SQLSTATE_UNDEFINED_PSTATEMENT))
			return hold(op, r, EXEC_CREATE);
		if (result_plan_changed(r))
			return hold(op, r, EXEC_HEAL);
	}
	return deliver(op);
}

static bool send_heal(struct conn_state *cs, struct op *op)
{
	size_t n = strlen(op->plan->create) + sizeof(op->server) + 16;
	char *text = shim_malloc(n);
	bool ok;

	if (!text)
		return false;
	snprintf(text, n, "DEALLOCATE %s; %s", op->server, op->plan->create);
	ok = CALL_REAL(real.PQsendQuery(cs->conn, text));
	free(text);
	return ok;
}

bool sqlc_retry(struct conn_state *cs, struct op *op)
{
	struct op_exec *x = &op->x;
	enum exec_stage next = (enum exec_stage)(-x->sub - 1);
	bool ok;

	if (x->stage == EXEC_CANCELLED || x->sub >= 0)
		return false; /* the app gets the held error */
	if (cancels_since(cs->conn, x->cancel_seq))
		next = EXEC_CANCELLED;
	else if (x->tries++ >= EXEC_MAX_TRIES)
		next = EXEC_UNNAMED;
	x->stage = next;
	x->sub = 0;
	ok = next == EXEC_HEAL ? send_heal(cs, op) : CALL_REAL(real.PQsendQuery(cs->conn, sqlc_text(op)));
	if (!ok)
		return false;
	if (next == EXEC_CANCELLED) {
		conn_count(cs, ST_CANCELLED);
		x->hidden_err = op->held; /* the answer should the cancel not take */
		op->held = NULL;
	} else if (next == EXEC_UNNAMED) {
		conn_count(cs, ST_FALLBACK);
	}
	if (next != EXEC_CANCELLED)
		exec_row_mode_again(cs, x->row_mode);
	return true;
}

bool sqlc_may_hide(const struct op *op)
{
	if (op->x.stage == EXEC_UNNAMED)
		return false; /* sql.c's fx rules say */
	return !op->x.delivered && (!op->x.in_block || op->x.sub < hidden(op));
}

void sqlc_row_mode(struct op *op, int mode)
{
	if (sqlc_on(op) && !op->x.delivered)
		op->x.row_mode = mode;
}
