/*
 * What every hook shares. A hook is a few lines: make sure the real libpq is
 * known, pass nested calls and untracked connections straight through (always
 * inside CALL_REAL, so libpq's own inner calls pass too), else hand over to
 * the logic for that family of calls.
 */
#ifndef PQSHIM_HOOK_H
#define PQSHIM_HOOK_H

#include "real/compat.h"
#include "conn/conn.h"
#include "real/guard.h"
#include "ops/pump.h"
#include "real/real.h"

#define PQSHIM_EXPORT __attribute__((visibility("default")))

/* The state to act on, or NULL: pass the call through. */
static inline struct conn_state *hook_state(PGconn *conn)
{
	struct conn_state *cs;

	if (guard_active() || !conn)
		return NULL;
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
	    !pump_drain(cs))
		return NULL;
	return cs;
}

/*
 * A command of the app's is in progress, run by the shim in a pipeline of its
 * own: a new one is refused (returns 0), as libpq refuses it outside pipeline
 * mode ("another command is already in progress").
 */
int hook_refuse_busy(struct conn_state *cs);

/* Not in a transaction block and not in a pipeline: a failed command has no side effect. */
static inline bool hook_idle(PGconn *conn, bool pipeline)
{
	return !pipeline && real.PQtransactionStatus(conn) == PQTRANS_IDLE;
}

/* The latest prepare of name sent in this pipeline and not answered yet. */
bool hook_inflight(struct conn_state *cs, const char *name, struct prep_inflight *out);

/* The app's extended-protocol parameters, passed along unchanged. */
struct params {
	int n;
	const Oid *types;
	const char *const *values;
	const int *lengths;
	const int *formats;
	int result_format;
};

/*
 * Dedupe mode: run the app's prepared statement as its SQL text, when that
 * text names prepared statements itself (see policy_map_name). The sync form
 * returns false when it does not apply (run the statement); the async form
 * returns -1 then.
 */
bool hook_sql_exec_statement(struct conn_state *cs, const struct stmt_sql *sql,
			     struct params *p, PGresult **out);
int hook_sql_send_statement(struct conn_state *cs, const struct stmt_sql *sql,
			    struct params *p);

/*
 * Parameter types for executing a recorded text of nparams parameters with n:
 * the recorded ones, padded with 0 (unspecified) when the call passes more.
 */
struct types_buf {
	Oid small[32];
	Oid *heap; /* to free */
};
const Oid *hook_pad_types(const Oid *types, int nparams, int n, struct types_buf *b);

/* In pipeline mode every command is queued so results stay matched to commands. */
int hook_track_pass(struct conn_state *cs, bool pipeline, int sent);

#endif
