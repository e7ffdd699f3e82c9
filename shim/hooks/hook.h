/*
 * What every hook shares. A hook is a few lines: make sure the real libpq is
 * known, pass nested calls and untracked connections straight through (always
 * inside CALL_REAL, so libpq's own inner calls pass too), else one call to
 * decide and one to apply, in the operations layer. No hook calls another.
 */
#ifndef PQSHIM_HOOK_H
#define PQSHIM_HOOK_H

#include "base/stats_live.h"
#include "conn/registry.h"
#include "ops/drain.h"
#include "ops/pump.h"
#include "real/compat.h"
#include "real/guard.h"
#include "real/real.h"

#define PQSHIM_EXPORT __attribute__((visibility("default")))

/* The state to act on, or NULL: pass the call through. */
static inline struct conn_state *hook_state(PGconn *conn)
{
	struct conn_state *cs;

	if (guard_active() || !conn)
		return NULL;
	stats_tick(); /* the live statistics file's turn, if due */
	cs = registry_get(conn);
	if (cs && cs->err_msg)
		conn_keep_error(cs, NULL); /* a new command: libpq starts its message afresh */
	return cs && cs->mode != MODE_OFF ? cs : NULL;
}

/*
 * The state for a synchronous call, after reading what is still pending as
 * libpq does first; NULL: pass the call through.
 */
static inline struct conn_state *hook_sync_state(PGconn *conn)
{
	struct conn_state *cs = hook_state(conn);

	if (cs && (pump_active(cs) || real.PQtransactionStatus(conn) == PQTRANS_ACTIVE) &&
	    !drain_pending(cs))
		return NULL;
	return cs;
}

#endif
