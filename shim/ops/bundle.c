/* Several commands under one Sync, one result for the app; see bundle.h. */
#include "base/log.h"
#include "bundle.h"
#include "real/guard.h"
#include "real/real.h"
#include "real/result.h"

bool bundle_open(struct conn_state *cs)
{
	if (!real.PQenterPipelineMode || !real.PQexitPipelineMode || !real.PQpipelineSync)
		return false;
	cs->private_pipeline = CALL_REAL(real.PQenterPipelineMode(cs->conn)) == 1;
	return cs->private_pipeline;
}

bool bundle_sync(struct conn_state *cs)
{
	return CALL_REAL(real.PQpipelineSync(cs->conn)) == 1;
}

void bundle_leave(struct conn_state *cs)
{
	if (!cs->private_pipeline)
		return;
	cs->private_pipeline = false;
	if (real.PQpipelineStatus(cs->conn) != PQ_PIPELINE_OFF &&
	    !CALL_REAL(real.PQexitPipelineMode(cs->conn)))
		log_once(LOG_ONCE_PIPELINE_LEAVE, LOG_WARN, "could not leave the shim's own pipeline");
}

bool bundle_begin(struct bundle *b, struct conn_state *cs)
{
	b->cs = cs;
	b->failed = false;
	b->private_pipeline = !real_in_pipeline(cs->conn);
	return !b->private_pipeline || bundle_open(cs);
}

void bundle_add(struct bundle *b, struct op *op, bool hidden, int sent)
{
	if (!sent || !op || b->failed) {
		b->failed = true;
		op_free(op, result_clear);
		return;
	}
	op->hide = hidden;
	op->defer_end = !hidden && b->private_pipeline;
	pending_push(&b->cs->q, op);
}

int bundle_end(struct bundle *b)
{
	struct op *sync;

	if (!b->private_pipeline)
		return !b->failed;
	sync = op_new(OP_SYNC);
	if (b->failed || !sync || !bundle_sync(b->cs)) {
		/* the connection is failing: whatever was queued cannot be matched any more */
		op_free(sync, result_clear);
		pending_clear(&b->cs->q, result_clear);
		bundle_leave(b->cs);
		return 0;
	}
	sync->private_sync = true;
	pending_push(&b->cs->q, sync);
	return 1;
}

void bundle_done(struct conn_state *cs, PGresult *sync)
{
	result_clear(sync);
	pending_pop(&cs->q, result_clear);
	result_clear(cs->bundle_error);
	cs->bundle_error = NULL;
	bundle_leave(cs);
}
