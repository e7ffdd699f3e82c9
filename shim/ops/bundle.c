/* Several commands under one Sync, one result for the app; see bundle.h. */
#include "bundle.h"
#include "real/guard.h"
#include "base/log.h"
#include "pump.h"
#include "real/real.h"

bool bundle_begin(struct bundle *b, struct conn_state *cs)
{
	b->cs = cs;
	b->failed = false;
	b->private_pipeline = !conn_in_pipeline(cs->conn);
	if (!b->private_pipeline)
		return true;
	if (!real.PQenterPipelineMode || !real.PQexitPipelineMode || !real.PQpipelineSync)
		return false;
	cs->private_pipeline = CALL_REAL(real.PQenterPipelineMode(cs->conn)) == 1;
	return cs->private_pipeline;
}

void bundle_add(struct bundle *b, struct op *op, bool hidden, int sent)
{
	if (!sent || !op || b->failed) {
		b->failed = true;
		op_free(op, pump_clear_result);
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
	if (b->failed || !sync || !CALL_REAL(real.PQpipelineSync(b->cs->conn))) {
		/* the connection is failing: whatever was queued cannot be matched any more */
		op_free(sync, pump_clear_result);
		pending_clear(&b->cs->q, pump_clear_result);
		b->cs->private_pipeline = false;
		if (real.PQpipelineStatus(b->cs->conn) != PQ_PIPELINE_OFF)
			CALL_REAL(real.PQexitPipelineMode(b->cs->conn));
		return 0;
	}
	sync->private_sync = true;
	pending_push(&b->cs->q, sync);
	return 1;
}
