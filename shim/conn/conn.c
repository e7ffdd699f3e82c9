/* One connection's state and its changes; see conn.h. */
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "base/log.h"
#include "base/stats.h"
#include "base/stats_live.h"
#include "conn.h"
#include "real/real.h"
#include "real/result.h"

struct conn_state *conn_new(PGconn *conn)
{
	struct conn_state *cs = shim_calloc(1, sizeof(*cs));

	if (!cs)
		return NULL;
	cs->conn = conn;
	conn_set_mode(cs, config_get()->mode);
	stmt_table_init(&cs->stmts);
	content_table_init(&cs->contents);
	return cs;
}

void conn_free(struct conn_state *cs)
{
	conn_reset(cs);
	free(cs);
}

void conn_reset(struct conn_state *cs)
{
	stmt_table_clear(&cs->stmts);
	content_table_clear(&cs->contents);
	pending_clear(&cs->q, result_clear);
	if (cs->has_stash)
		result_clear(cs->stash);
	cs->stash = NULL;
	cs->has_stash = false;
	result_clear(cs->bundle_error);
	cs->bundle_error = NULL;
	cs->private_pipeline = false;
	cs->probe.running = false;
	block_forget(&cs->block);
	conn_keep_error(cs, NULL);
	conn_show_context(cs);
	cs->series_known = false; /* a reset may land on another host */
	cs->session_uncounted = false;
	cs->n_left = 0; /* a new session: the old one's server connections are gone */
}

void conn_hide_context(struct conn_state *cs)
{
	if (cs->ctx_hidden)
		return;
	cs->ctx_saved = real.PQsetErrorContextVisibility(cs->conn, PQSHOW_CONTEXT_NEVER);
	cs->ctx_hidden = true;
}

void conn_show_context(struct conn_state *cs)
{
	if (!cs->ctx_hidden)
		return;
	real.PQsetErrorContextVisibility(cs->conn, cs->ctx_saved);
	cs->ctx_hidden = false;
}

void conn_keep_error(struct conn_state *cs, const char *msg)
{
	size_t n;

	free(cs->err_msg);
	cs->err_msg = NULL;
	if (msg && (n = strlen(msg)) > 0 && (cs->err_msg = shim_malloc(n + 1)))
		memcpy(cs->err_msg, msg, n + 1);
}

void conn_set_mode(struct conn_state *cs, enum shim_mode mode)
{
	cs->configured = mode;
	cs->pooler = POOLER_UNKNOWN;
	cs->tracking = false;
	cs->auto_pooled = false;
	cs->decided = !pooler_needed(mode);
	cs->mode = cs->decided ? mode : MODE_UNNAMED;
	cs->series_known = false;
}

void conn_decide(struct conn_state *cs, enum pooler_kind kind)
{
	bool watch;

	cs->pooler = kind;
	cs->decided = true;
	cs->tracking = kind == POOLER_TRACKING;
	cs->mode = pooler_mode(cs->configured, kind, &watch);
	cs->auto_pooled = watch;
	if (cs->session_uncounted) {
		cs->session_uncounted = false;
		conn_count(cs, ST_SESSIONS);
	}
	log_msg(LOG_DEBUG, "connection %p: in front, %s: %s mode", (void *)cs->conn,
		pooler_kind_name(kind), config_mode_name(cs->mode));
}

void conn_switch_pooled(struct conn_state *cs, const char *evidence, const char *name)
{
	if (!cs->auto_pooled)
		return;
	cs->auto_pooled = false;
	cs->mode = MODE_POOLED;
	stmt_table_make_virtual(&cs->stmts);
	conn_count(cs, ST_SWITCHED);
	log_once(LOG_ONCE_AUTO_SWITCH, LOG_WARN,
		 "auto mode: a transaction pooler shares this connection's server connections "
		 "(%s for statement \"%.63s\"); pooled mode from now on (logged once per process)",
		 evidence, name);
	log_msg(LOG_DEBUG, "auto mode: connection %p now in pooled mode (%s for \"%.63s\")",
		(void *)cs->conn, evidence, name);
}

int conn_refuse_busy(struct conn_state *cs)
{
	conn_keep_error(cs, "another command is already in progress\n");
	log_once(LOG_ONCE_BUSY, LOG_WARN,
		 "a command was sent while the previous one's results were still being read; "
		 "refused, as libpq refuses it");
	return 0;
}

static const char *or_empty(const char *s)
{
	return s ? s : "";
}

void conn_count(struct conn_state *cs, enum stat_id id)
{
	if (!cs->series_known || cs->series_mode != cs->mode) {
		char target[PROM_VALUE_MAX + 1];

		/* host, port and database only: the user and everything else stay out */
		snprintf(target, sizeof(target), "%s:%s/%s", or_empty(real.PQhost(cs->conn)),
			 or_empty(real.PQport(cs->conn)), or_empty(real.PQdb(cs->conn)));
		cs->series = stats_series(config_mode_name(cs->configured),
					  config_mode_name(cs->mode), target);
		cs->series_mode = cs->mode;
		cs->series_known = true;
	}
	stats_add(cs->series, id);
}

void conn_session_up(struct conn_state *cs)
{
	stats_live_start();
	if (cs->decided)
		conn_count(cs, ST_SESSIONS);
	else
		cs->session_uncounted = true;
}
