/*
 * What the commands in flight make a name mean. In pipeline mode every
 * command the app sends is queued (an OP_PASS when the shim has nothing to
 * do with its results), so results stay matched to commands; a later
 * command of the same pipeline must see what earlier ones will have done to
 * a name by the time it runs.
 */
#ifndef PQSHIM_TRACK_H
#define PQSHIM_TRACK_H

#include "conn/conn.h"
#include "policy.h"
#include "sql_plan.h"

/* A command sent as is (sent: PQsend*'s return): queued in pipeline mode. */
int track_pass(struct conn_state *cs, bool pipeline, int sent);
/* A pipeline sync point the app sent. */
int track_sync(struct conn_state *cs, int sent);
/*
 * The latest command queued in the app's pipeline that prepares, closes or
 * deallocates `name`, or NULL when none (or not in a pipeline): buf holds it.
 */
const struct prep_inflight *track_inflight(struct conn_state *cs, const char *name,
					   struct prep_inflight *buf);
/*
 * What the commands queued in the app's pipeline do to names, for planning a
 * SQL text sent after them (sql_plan_make_after), the last effect per name
 * after the last DEALLOCATE ALL / DISCARD ALL: how many, 0 when not in a
 * pipeline, -1 when they do not fit in SQL_MAX_AHEAD.
 */
int track_ahead(struct conn_state *cs, struct sql_ahead out[SQL_MAX_AHEAD]);
/* The server's name for the app's name now (policy_map_name, with what is in flight). */
const char *track_map(struct conn_state *cs, const char *name, char buf[SERVER_NAME_BUF],
		      struct stmt_sql *sql);
/* The app does not hold name, and it must not reach the server (policy_missing). */
bool track_missing(struct conn_state *cs, const char *name);
/*
 * The text recorded for the app's name (in flight first) where it is recorded
 * as a text only (unnamed and pooled mode; in any mode, a SQL PREPARE behind
 * a pooler that tracks statements); counted.
 */
bool track_unnamed_text(struct conn_state *cs, const char *name, struct prep_inflight *out);

#endif
