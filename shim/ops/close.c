/* Closing statements; see close.h. */
#include <stdio.h>

#include "close.h"
#include "conn/stmts.h"
#include "real/guard.h"
#include "real/real.h"
#include "real/result.h"
#include "track.h"

const char *close_name(struct conn_state *cs, const char *name, char buf[SERVER_NAME_BUF])
{
	struct prep_inflight t;

	if (track_missing(cs, name) || track_unnamed_text(cs, name, &t))
		return NAMES_GONE; /* nothing of the app's on the server: nothing to touch */
	return track_map(cs, name, buf, NULL);
}

void close_done(struct conn_state *cs, const char *name, const char *server, const PGresult *r)
{
	if (name && name[0] && real.PQresultStatus(r) == PGRES_COMMAND_OK)
		stmts_closed(cs, name, server);
}

int close_async(struct conn_state *cs, const char *name)
{
	char buf[SERVER_NAME_BUF];
	bool pipeline = real_in_pipeline(cs->conn);
	const char *server;
	struct op *op;

	if (!name || !name[0])
		return track_pass(cs, pipeline, CALL_REAL(real.PQsendClosePrepared(cs->conn, name)));
	server = close_name(cs, name, buf);
	op = op_new(OP_CLOSE);
	if (!op)
		return track_pass(cs, pipeline,
				  CALL_REAL(real.PQsendClosePrepared(cs->conn, server)));
	names_copy_server(op->key, name);
	snprintf(op->server, sizeof(op->server), "%s", server);
	if (!CALL_REAL(real.PQsendClosePrepared(cs->conn, server))) {
		op_free(op, result_clear);
		return 0;
	}
	pending_push(&cs->q, op);
	return 1;
}

void close_feed(struct conn_state *cs, const struct op *op, const PGresult *r)
{
	if (real.PQresultStatus(r) == PGRES_COMMAND_OK)
		stmts_closed(cs, op->key, op->server);
}
