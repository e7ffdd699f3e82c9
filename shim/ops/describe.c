/* Describing a recorded text; see describe.h. */
#include "bundle.h"
#include "describe.h"
#include "real/guard.h"
#include "real/real.h"
#include "real/result.h"

int describe_send_unnamed(struct conn_state *cs, const struct prep_inflight *t)
{
	struct bundle b;

	if (!bundle_begin(&b, cs))
		return -1;
	bundle_add(&b, op_new(OP_PASS), true,
		   CALL_REAL(real.PQsendPrepare(cs->conn, "", t->query, t->nparams, t->types)));
	bundle_add(&b, op_new(OP_PASS), false, CALL_REAL(real.PQsendDescribePrepared(cs->conn, "")));
	return bundle_end(&b);
}

PGresult *describe_unnamed_twice(struct conn_state *cs, const struct prep_inflight *t)
{
	PGresult *r = CALL_REAL(real.PQprepare(cs->conn, "", t->query, t->nparams, t->types));

	if (real.PQresultStatus(r) != PGRES_COMMAND_OK)
		return r;
	result_clear(r);
	return CALL_REAL(real.PQdescribePrepared(cs->conn, ""));
}
