/* The commands in flight and what they make a name mean; see track.h. */
#include <string.h>

#include "base/log.h"
#include "real/real.h"
#include "track.h"

static int push(struct conn_state *cs, enum op_kind kind, int sent)
{
	struct op *op = op_new(kind);

	if (op)
		pending_push(&cs->q, op);
	else
		log_once(LOG_ONCE_NO_MEMORY_TRACK, LOG_WARN,
			 "out of memory: pipeline results not tracked");
	return sent;
}

int track_pass(struct conn_state *cs, bool pipeline, int sent)
{
	return sent && pipeline ? push(cs, OP_PASS, sent) : sent;
}

int track_sync(struct conn_state *cs, int sent)
{
	return sent ? push(cs, OP_SYNC, sent) : sent;
}

/*
 * The last effect of SQL op on `name` (a DEALLOCATE [ALL], DISCARD ALL or
 * PREPARE of it), or NULL.
 */
static const struct sql_fx *sql_touch(const struct op *op, const char *name)
{
	const struct sql_fx *fx, *last = NULL;

	for (int i = 0; i < op->plan->n_fx; i++) {
		fx = &op->plan->fx[i];
		if (fx->kind == FX_DEALLOCATE_ALL || fx->kind == FX_DISCARD_ALL ||
		    (!fx->no_effect && strncmp(fx->key, name, STMT_NAME_MAX) == 0))
			last = fx;
	}
	return last;
}

/* The server name a SQL PREPARE's effect puts the name under ("": recorded only). */
static const char *fx_server(const struct sql_fx *fx)
{
	return fx->virtual_record ? "" : fx->server;
}

/* What a SQL PREPARE in flight makes the name mean. */
static void sql_prepared(const struct sql_fx *fx, struct prep_inflight *buf)
{
	const char *query = fx->virtual_record ? policy_sql_body_query(fx->body) : NULL;

	buf->changed = !query; /* a SQL PREPARE's text is its own unless recorded only */
	buf->server = fx_server(fx);
	buf->query = query;
	buf->nparams = 0;
	buf->types = NULL;
}

const struct prep_inflight *track_inflight(struct conn_state *cs, const char *name,
					   struct prep_inflight *buf)
{
	const struct op *found = NULL;
	const struct sql_fx *fx = NULL, *t;

	if (!name || !cs->q.head || !real_in_pipeline(cs->conn))
		return NULL;
	for (const struct op *op = cs->q.head; op; op = op->next) {
		if ((op->kind == OP_PREPARE || op->kind == OP_STANDIN || op->kind == OP_CLOSE) &&
		    strncmp(op->key, name, STMT_NAME_MAX) == 0) {
			found = op;
			fx = NULL;
		} else if (op->kind == OP_SQL && (t = sql_touch(op, name))) {
			found = op;
			fx = t;
		}
	}
	if (!found)
		return NULL;
	buf->gone = found->kind == OP_CLOSE || (fx && fx->kind != FX_PREPARE);
	if (fx && fx->kind == FX_PREPARE) {
		sql_prepared(fx, buf);
		return buf;
	}
	buf->changed = found->kind != OP_PREPARE && found->kind != OP_STANDIN;
	buf->server = buf->gone ? NULL : found->server;
	buf->query = found->query;
	buf->nparams = found->nparams;
	buf->types = found->types;
	return buf;
}

/* Appends a's effect, the earlier one on the same name dropped; false when full. */
static bool ahead_add(struct sql_ahead *out, int *n, const struct sql_ahead *a)
{
	if (!a->key) {
		*n = 0; /* a clear: what came before no longer matters */
	} else {
		for (int i = 0; i < *n; i++) {
			if (out[i].key && strncmp(out[i].key, a->key, STMT_NAME_MAX) == 0) {
				memmove(&out[i], &out[i + 1], (size_t)(*n - i - 1) * sizeof(*out));
				(*n)--;
				break;
			}
		}
	}
	if (*n >= SQL_MAX_AHEAD)
		return false;
	out[(*n)++] = *a;
	return true;
}

/* The effects of one queued SQL op, in order; false when full. */
static bool ahead_sql(const struct op *op, struct sql_ahead *out, int *n)
{
	for (int i = 0; i < op->plan->n_fx; i++) {
		const struct sql_fx *fx = &op->plan->fx[i];
		struct sql_ahead a = { 0 };

		if (fx->no_effect)
			continue;
		if (fx->kind == FX_PREPARE) {
			a.key = fx->key;
			a.server = fx_server(fx);
			a.fx = fx;
		} else if (fx->kind == FX_DEALLOCATE) {
			a.key = fx->key; /* gone */
		}
		if (!ahead_add(out, n, &a))
			return false;
	}
	return true;
}

int track_ahead(struct conn_state *cs, struct sql_ahead out[SQL_MAX_AHEAD])
{
	int n = 0;

	if (!cs->q.head || !real_in_pipeline(cs->conn))
		return 0;
	for (const struct op *op = cs->q.head; op; op = op->next) {
		struct sql_ahead a = { .key = op->key };
		bool fits = true;

		switch (op->kind) {
		case OP_PREPARE:
		case OP_STANDIN:
			a.protocol = true;
			a.server = op->virtual_record ? "" : op->server;
			if (op->virtual_record) {
				a.query = op->query;
				a.typed = op->nparams > 0 && op->types;
			}
			fits = ahead_add(out, &n, &a);
			break;
		case OP_CLOSE:
			fits = ahead_add(out, &n, &a); /* gone */
			break;
		case OP_SQL:
			fits = ahead_sql(op, out, &n);
			break;
		default:
			break;
		}
		if (!fits)
			return -1;
	}
	return n;
}

const char *track_map(struct conn_state *cs, const char *name, char buf[SERVER_NAME_BUF],
		      struct stmt_sql *sql)
{
	struct prep_inflight in;

	return policy_map_name(&cs->stmts, cs->mode, name, track_inflight(cs, name, &in), buf, sql,
			       NULL);
}

bool track_missing(struct conn_state *cs, const char *name)
{
	struct prep_inflight in;

	const struct prep_inflight *inflight = track_inflight(cs, name, &in);

	/* ... or deallocated while renamed (policy.h): not a hot path, one more look-up */
	return policy_missing(&cs->stmts, cs->mode, cs->tracking, name, inflight) ||
	       (cs->mode != MODE_OFF && name && !inflight && stmt_table_is_stale(&cs->stmts, name));
}

bool track_unnamed_text(struct conn_state *cs, const char *name, struct prep_inflight *out)
{
	struct prep_inflight in;
	const struct prep_inflight *inflight = track_inflight(cs, name, &in);

	/*
	 * Other modes: a statement recorded as a text only (a SQL PREPARE behind a
	 * pooler that tracks statements, or one recorded before auto mode decided),
	 * unless something in flight changes the name first.
	 */
	if (!mode_records_text(cs->mode) && inflight && !policy_inflight_text_only(inflight))
		return false;
	if (!policy_unnamed_text(&cs->stmts, name, inflight, out))
		return false;
	conn_count(cs, ST_UNNAMED);
	return true;
}
