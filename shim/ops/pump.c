/* Matching results to pending ops; see pump.h. */
#include "base/log.h"
#include "bundle.h"
#include "close.h"
#include "exec.h"
#include "missing.h"
#include "prepare.h"
#include "pump.h"
#include "real/guard.h"
#include "real/real.h"
#include "real/result.h"
#include "sql.h"

static void lost_track(struct conn_state *cs, const char *why)
{
	log_once(LOG_ONCE_QUEUE_LOST, LOG_WARN,
		 "results no longer match the commands sent (%s); passing results through", why);
	pending_clear(&cs->q, result_clear);
}

/* Feeds one non-NULL result to the head op: true when it goes to the app as *out. */
static bool feed(struct conn_state *cs, struct op *op, PGresult *r, PGresult **out)
{
	ExecStatusType st = real.PQresultStatus(r);

	*out = r;
	if (op->hide) {
		/* the app's command after it is aborted: the app gets this error instead */
		if (st == PGRES_FATAL_ERROR && !cs->bundle_error)
			cs->bundle_error = r;
		else
			result_clear(r);
		return false;
	}
	if (st == PGRES_PIPELINE_ABORTED && cs->bundle_error) {
		result_clear(r);
		*out = cs->bundle_error;
		cs->bundle_error = NULL;
		return true;
	}
	switch (op->kind) {
	case OP_PREPARE:
	case OP_STANDIN:
		return prepare_feed(cs, op, r, out);
	case OP_SQL:
		return sql_feed(cs, op, r, out);
	case OP_CLOSE:
		close_feed(cs, op, r);
		return true;
	case OP_MISSING:
		return missing_feed(cs, op, r, out);
	case OP_PASS:
	case OP_SYNC:
	case OP_EXEC: /* exec_step */
		return true;
	}
	return true;
}

/* Sends the second attempt for op; true when it is on its way. */
static bool send_retry(struct conn_state *cs, struct op *op)
{
	switch (op->kind) {
	case OP_PREPARE:
	case OP_STANDIN:
		return prepare_retry(cs, op);
	case OP_SQL:
		return sql_retry(cs, op);
	case OP_MISSING:
		return missing_retry(cs, op);
	default:
		op->retried = true;
		return false;
	}
}

static bool may_hide(const struct op *op)
{
	if (op->held || op->end_pending || (op->retry_ok && !op->retried) || op->hide ||
	    op->defer_end || op->private_sync || op->kind == OP_EXEC)
		return true;
	return op->kind == OP_SQL && sql_may_hide(op);
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
		pending_pop(&cs->q, result_clear);
		*out = NULL;
		return true;
	}
	r = CALL_REAL(real.PQgetResult(cs->conn));
	if (!op) {
		*out = r;
		return true;
	}
	if (op->kind == OP_EXEC)
		return exec_step(cs, op, r, out);
	if (op->kind == OP_SYNC || (r && real.PQresultStatus(r) == PGRES_PIPELINE_SYNC)) {
		if (op->kind == OP_SYNC && r && real.PQresultStatus(r) == PGRES_PIPELINE_SYNC) {
			if (op->private_sync) {
				bundle_done(cs, r);
				*out = NULL;
				return true;
			}
			pending_pop(&cs->q, result_clear);
		} else {
			lost_track(cs, r ? "unexpected sync" : "sync missing");
		}
		*out = r;
		return true;
	}
	if (r)
		return feed(cs, op, r, out);
	if (op->hide || op->defer_end) {
		pending_pop(&cs->q, result_clear);
		return false;
	}
	if (op->held) {
		if (send_retry(cs, op)) {
			conn_count(cs, ST_RETRIED);
			result_clear(op->held);
			op->held = NULL;
			return false;
		}
		/* no retry: the app gets the first attempt's error, then this NULL */
		*out = op->held;
		op->held = NULL;
		op->end_pending = true;
		return true;
	}
	if (op->kind == OP_SQL && sql_end(cs, op))
		return false; /* its clean-up is on its way */
	pending_pop(&cs->q, result_clear);
	if (cs->bundle_error) { /* the app's command succeeded: nobody is owed it */
		result_clear(cs->bundle_error);
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
		result_clear(last);
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
	bool private;

	if (cs->has_stash) {
		cs->has_stash = false;
		r = cs->stash;
		cs->stash = NULL;
		return r;
	}
	private = cs->private_pipeline;
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
			if (!r && !real_in_pipeline(cs->conn))
				return CALL_REAL(real.PQisBusy(cs->conn));
			cs->stash = r;
			cs->has_stash = true;
			return 0;
		}
	}
	return CALL_REAL(real.PQisBusy(cs->conn));
}
