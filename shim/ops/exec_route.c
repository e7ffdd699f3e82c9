/*
 * Which executions go through an exec op (exec_op.h), for PQexecPrepared and
 * PQsendQueryPrepared: in pooled mode the ones by content name, in dedupe
 * mode the watched ones. The hooks ask here and fall back to their plain way
 * on NULL / -1.
 */
#include "content.h"
#include "exec_op.h"

/*
 * Pooled mode: an execution of the app's recorded statement `name` by its
 * content name, once its text has run often enough (every run counts):
 * outside a block with retries, inside one as exec_op.h says; NULL: through
 * the unnamed statement (pipelines, aborted blocks, below the threshold).
 */
struct op *exec_route_pooled(struct conn_state *cs, const char *name, const struct params *p)
{
	const struct config *cfg;
	PGTransactionStatusType ts;
	struct stmt *s;
	struct content *c;
	struct op *op;
	int stage;

	if (cs->mode != MODE_POOLED || !name)
		return NULL;
	cfg = config_get();
	ts = real.PQtransactionStatus(cs->conn);
	if (ts != PQTRANS_INTRANS)
		cs->block_known = false;
	if (conn_in_pipeline(cs->conn) || (ts != PQTRANS_IDLE && ts != PQTRANS_INTRANS) ||
	    (ts == PQTRANS_INTRANS && !cfg->pooled_in_blocks))
		return NULL;
	s = stmt_table_find(&cs->stmts, name);
	if (!s || stmt_server_name(s))
		return NULL;
	c = stmt_content(s);
	if (!c) {
		c = content_table_get(&cs->contents, stmt_query(s), stmt_nparams(s), stmt_types(s),
				      cfg->pooled_max);
		if (!c)
			return NULL;
		stmt_set_content(s, c);
	}
	if (!content_run(&cs->contents, c, cfg->pooled_threshold, cfg->pooled_max))
		return NULL;
	if (ts == PQTRANS_IDLE)
		stage = EXEC_NAME;
	else if (!cs->block_known)
		stage = content_plannable(stmt_query(s)) ? EXEC_LOOKUP : -1;
	else if (c->present == cs->block_epoch)
		stage = EXEC_NAME;
	else if (c->seq < cs->block_known_upto)
		stage = EXEC_CREATE; /* looked up and not there; the block keeps the connection */
	else
		stage = -1; /* first seen after the look-up: not known either way */
	if (stage < 0)
		return NULL;
	op = exec_op_new(name, c->name, true, stmt_query(s), stmt_nparams(s), stmt_types(s), p);
	if (!op || ts == PQTRANS_IDLE)
		return op;
	op->x.in_block = true;
	op->x.content = c;
	op->x.stage = stage;
	return op;
}

/*
 * Dedupe mode (auto included): an execution of a statement the shim prepared,
 * outside blocks and pipelines (the caller checks), watched for a plan to
 * heal or a lost statement.
 */
struct op *exec_route_dedupe(struct conn_state *cs, const char *name, const char *server,
			    const struct params *p)
{
	struct stmt *s;

	if (cs->mode != MODE_DEDUPE || !name || !name[0])
		return NULL;
	s = stmt_table_find(&cs->stmts, name);
	if (!s || !stmt_server_name(s) || stmt_origin(s) != STMT_PROTOCOL)
		return NULL;
	return exec_op_new(name, server, false, stmt_query(s), stmt_nparams(s), stmt_types(s), p);
}

/* Sends op (async: with its own copy of the parameters); -1 when op is NULL. */
int exec_route_send(struct conn_state *cs, struct op *op, bool copy)
{
	if (!op)
		return -1;
	if (copy && !exec_op_own_params(op)) {
		op_free(op, pump_clear_result);
		return -1; /* no memory: the plain way */
	}
	return exec_op_send(cs, op);
}
