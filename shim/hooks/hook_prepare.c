/* PQprepare and PQsendPrepare: skip identical re-prepares, rename conflicting ones (prepare.h). */
#include "hook.h"
#include "ops/prepare.h"

PQSHIM_EXPORT PGresult *PQprepare(PGconn *conn, const char *name, const char *query, int nparams,
				  const Oid *types)
{
	struct conn_state *cs;

	if (!real_ready())
		return NULL;
	if (!(cs = hook_sync_state(conn)))
		return CALL_REAL(real.PQprepare(conn, name, query, nparams, types));
	return prepare_sync(cs, name, query, nparams, types);
}

PQSHIM_EXPORT int PQsendPrepare(PGconn *conn, const char *name, const char *query, int nparams,
				const Oid *types)
{
	struct conn_state *cs;

	if (!real_ready())
		return 0;
	if (!(cs = hook_state(conn)))
		return CALL_REAL(real.PQsendPrepare(conn, name, query, nparams, types));
	if (cs->private_pipeline)
		return conn_refuse_busy(cs);
	return prepare_async(cs, name, query, nparams, types);
}
