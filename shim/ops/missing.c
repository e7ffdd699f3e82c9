/* The server's 26000 for a name the app does not hold; see missing.h. */
#include <stdio.h>
#include <string.h>

#include "missing.h"
#include "real/guard.h"
#include "real/real.h"
#include "real/result.h"
#include "track.h"
#include "alloc.h"
#include "policy.h"

/* names_raise_missing's SQL for name (malloc'd); NULL on no memory. */
static char *raise_sql(const char *name)
{
	size_t need = names_raise_missing(name, NULL, 0) + 1;
	char *out = shim_malloc(need);

	if (out)
		names_raise_missing(name, out, need);
	return out;
}

/* The DO block for name, sent (its CONTEXT line left out when hide); 0: not sent. */
static int send_raise(struct conn_state *cs, const char *name, bool hide)
{
	char *sql = raise_sql(name);
	int sent;

	if (!sql)
		return 0;
	if (hide)
		conn_hide_context(cs);
	sent = CALL_REAL(real.PQsendQueryParams(cs->conn, sql, 0, NULL, NULL, NULL, NULL, 0));
	if (!sent && hide)
		conn_show_context(cs);
	free(sql);
	return sent;
}

/*
 * The Describe may go: outside the app's pipeline, where what is in front is
 * known not to track statements (a pooler that does would close the
 * connection; unnamed mode never asks, so it never describes).
 */
static bool describe_first(const struct conn_state *cs)
{
	return (cs->pooler == POOLER_NONE || cs->pooler == POOLER_SHARED ||
		cs->pooler == POOLER_SESSION) &&
	       !real_in_pipeline(cs->conn);
}

PGresult *missing_sync(struct conn_state *cs, const char *name)
{
	char buf[SERVER_NAME_BUF];
	const char *key = policy_unknown_name(name, buf);
	char *sql;
	PGresult *r;

	if (describe_first(cs)) {
		r = CALL_REAL(real.PQdescribePrepared(cs->conn, key));
		if (real.PQresultStatus(r) != PGRES_COMMAND_OK)
			return r; /* the genuine 26000 (or what the server says instead) */
		result_clear(r); /* another client's statement of that name */
	}
	if (!(sql = raise_sql(key)))
		return result_make_error(cs->conn);
	conn_hide_context(cs);
	r = CALL_REAL(real.PQexec(cs->conn, sql));
	conn_show_context(cs);
	free(sql);
	return r;
}

int missing_send(struct conn_state *cs, const char *name)
{
	char buf[SERVER_NAME_BUF];
	const char *key = policy_unknown_name(name, buf);
	struct op *op;
	int sent;

	if (real_in_pipeline(cs->conn)) /* CONTEXT kept: results ahead of it are formatted later */
		return track_pass(cs, true, send_raise(cs, key, false));
	if (!(op = op_new(OP_MISSING)) || !(op->sql = shim_strdup(key))) {
		op_free(op, result_clear);
		return 0;
	}
	if (describe_first(cs)) {
		op->retry_ok = true;
		sent = CALL_REAL(real.PQsendDescribePrepared(cs->conn, op->sql));
	} else {
		op->retried = true; /* straight to the DO block */
		sent = send_raise(cs, op->sql, true);
	}
	if (sent)
		pending_push(&cs->q, op);
	else
		op_free(op, result_clear);
	return sent;
}

bool missing_feed(struct conn_state *cs, struct op *op, PGresult *r, PGresult **out)
{
	conn_show_context(cs); /* the DO block's error is formatted by now */
	*out = r;
	if (!op->retried && real.PQresultStatus(r) == PGRES_COMMAND_OK) {
		op->held = r; /* someone's description: the app gets the DO block's error instead */
		return false;
	}
	return true;
}

bool missing_retry(struct conn_state *cs, struct op *op)
{
	op->retried = true;
	return send_raise(cs, op->sql, true) != 0;
}
