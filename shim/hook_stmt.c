/*
 * The calls that name an existing statement: execute, describe, close. The
 * app's name becomes the server's name; nothing else about the call changes.
 */
#include <string.h>

#include "hook.h"
#include "log.h"

int hook_track_pass(struct conn_state *cs, bool pipeline, int sent)
{
	struct op *op;

	if (!sent || !pipeline)
		return sent;
	op = op_new(OP_PASS);
	if (op)
		pending_push(&cs->q, op);
	else
		log_once(LOG_ONCE_NO_MEMORY, LOG_WARN, "out of memory: pipeline results not tracked");
	return sent;
}

/* The latest prepare of name still waiting for its answer in this pipeline. */
bool hook_inflight(struct conn_state *cs, const char *name, struct prep_inflight *out)
{
	const struct op *found = NULL;

	if (!name)
		return false;
	for (const struct op *op = cs->q.head; op; op = op->next)
		if ((op->kind == OP_PREPARE || op->kind == OP_STANDIN) &&
		    strncmp(op->key, name, STMT_NAME_MAX) == 0)
			found = op;
	if (!found)
		return false;
	out->server = found->server;
	out->query = found->query;
	out->nparams = found->nparams;
	out->types = found->types;
	return true;
}

/* The server's name for the app's statement name (see policy_map_name). */
static const char *map(struct conn_state *cs, const char *name, char buf[SERVER_NAME_BUF])
{
	struct prep_inflight inflight;
	bool in_flight = cs->q.head && conn_in_pipeline(cs->conn) && hook_inflight(cs, name, &inflight);

	return policy_map_name(&cs->stmts, cs->mode, name, in_flight ? &inflight : NULL, buf);
}


PQSHIM_EXPORT PGresult *PQexecPrepared(PGconn *conn, const char *name, int n,
				       const char *const *values, const int *lengths,
				       const int *formats, int result_format)
{
	struct conn_state *cs;
	char buf[SERVER_NAME_BUF];

	if (!real_ready())
		return NULL;
	if ((cs = hook_state(conn))) {
		hook_sync_start(cs);
		name = map(cs, name, buf);
	}
	return CALL_REAL(real.PQexecPrepared(conn, name, n, values, lengths, formats, result_format));
}

PQSHIM_EXPORT int PQsendQueryPrepared(PGconn *conn, const char *name, int n,
				      const char *const *values, const int *lengths,
				      const int *formats, int result_format)
{
	struct conn_state *cs;
	char buf[SERVER_NAME_BUF];

	if (!real_ready())
		return 0;
	if (!(cs = hook_state(conn)))
		return CALL_REAL(real.PQsendQueryPrepared(conn, name, n, values, lengths, formats,
							  result_format));
	return hook_track_pass(cs, conn_in_pipeline(conn),
			       CALL_REAL(real.PQsendQueryPrepared(conn, map(cs, name, buf), n, values,
								  lengths, formats, result_format)));
}

PQSHIM_EXPORT PGresult *PQdescribePrepared(PGconn *conn, const char *name)
{
	struct conn_state *cs;
	char buf[SERVER_NAME_BUF];

	if (!real_ready())
		return NULL;
	if ((cs = hook_state(conn))) {
		hook_sync_start(cs);
		name = map(cs, name, buf);
	}
	return CALL_REAL(real.PQdescribePrepared(conn, name));
}

PQSHIM_EXPORT int PQsendDescribePrepared(PGconn *conn, const char *name)
{
	struct conn_state *cs;
	char buf[SERVER_NAME_BUF];

	if (!real_ready())
		return 0;
	if (!(cs = hook_state(conn)))
		return CALL_REAL(real.PQsendDescribePrepared(conn, name));
	return hook_track_pass(cs, conn_in_pipeline(conn),
			       CALL_REAL(real.PQsendDescribePrepared(conn, map(cs, name, buf))));
}

PQSHIM_EXPORT int PQsendDescribePortal(PGconn *conn, const char *portal)
{
	struct conn_state *cs;

	if (!real_ready())
		return 0;
	if (!(cs = hook_state(conn)))
		return CALL_REAL(real.PQsendDescribePortal(conn, portal));
	return hook_track_pass(cs, conn_in_pipeline(conn),
			       CALL_REAL(real.PQsendDescribePortal(conn, portal)));
}

/* After the server closed `server` for the app's `name`. */
static void forget(struct conn_state *cs, const char *name, const char *server)
{
	if (stmt_table_find(&cs->stmts, name))
		stmt_table_remove(&cs->stmts, name);
	else
		stmt_table_release(&cs->stmts, server);
}

PQSHIM_EXPORT PGresult *PQclosePrepared(PGconn *conn, const char *name)
{
	struct conn_state *cs;
	char buf[SERVER_NAME_BUF];
	const char *server = name;
	PGresult *r;

	if (!real_ready() || !real.PQclosePrepared)
		return NULL; /* what libpq 17 returns when it cannot send */
	if ((cs = hook_state(conn))) {
		hook_sync_start(cs);
		server = map(cs, name, buf);
	}
	r = CALL_REAL(real.PQclosePrepared(conn, server));
	if (cs && name && name[0] && real.PQresultStatus(r) == PGRES_COMMAND_OK)
		forget(cs, name, server);
	return r;
}

PQSHIM_EXPORT int PQsendClosePrepared(PGconn *conn, const char *name)
{
	struct conn_state *cs;
	char buf[SERVER_NAME_BUF];
	const char *server;
	struct op *op;

	if (!real_ready() || !real.PQsendClosePrepared)
		return 0;
	if (!(cs = hook_state(conn)) || !name || !name[0])
		return CALL_REAL(real.PQsendClosePrepared(conn, name));
	server = map(cs, name, buf);
	op = op_new(OP_CLOSE);
	if (!op)
		return hook_track_pass(cs, conn_in_pipeline(conn),
				       CALL_REAL(real.PQsendClosePrepared(conn, server)));
	snprintf(op->key, sizeof(op->key), "%.*s", (int)names_server_len(name), name);
	snprintf(op->server, sizeof(op->server), "%s", server);
	if (!CALL_REAL(real.PQsendClosePrepared(conn, server))) {
		op_free(op, pump_clear_result);
		return 0;
	}
	pending_push(&cs->q, op);
	return 1;
}

PQSHIM_EXPORT int PQsendClosePortal(PGconn *conn, const char *portal)
{
	struct conn_state *cs;

	if (!real_ready() || !real.PQsendClosePortal)
		return 0;
	if (!(cs = hook_state(conn)))
		return CALL_REAL(real.PQsendClosePortal(conn, portal));
	return hook_track_pass(cs, conn_in_pipeline(conn),
			       CALL_REAL(real.PQsendClosePortal(conn, portal)));
}
