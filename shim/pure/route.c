/* The route of an execution; the kinds are in route.h. */
#include "route.h"

/*
 * Pooled mode's route for a text whose content entry is c, or -1: the
 * unnamed statement. Pipelines and aborted blocks always go unnamed (an
 * error there would abort what the app queued after it); so do texts below
 * the threshold and past the cap. Inside a block nothing may fail that would
 * not fail without the shim, so the block's server connection is looked up
 * first (lookup: a route may carry the look-up, else a block not looked up
 * goes unnamed), and a text it is not known to lack or hold goes unnamed.
 */
static int by_content(const struct route_facts *f, struct content_table *ct,
		      const struct block *b, struct content *c, bool lookup)
{
	if (!content_run(ct, c, f->threshold, f->cap))
		return -1; /* every run counts, also the unnamed ones */
	if (f->txn == ROUTE_TXN_IDLE)
		return ROUTE_CONTENT;
	switch (block_view(b, c)) {
	case BLOCK_UNKNOWN: /* the look-up rides with a statement that takes the snapshot itself */
		return lookup ? ROUTE_BLOCK_LOOKUP : -1;
	case BLOCK_HAS:
		return ROUTE_BLOCK_NAME;
	case BLOCK_LACKS: /* looked up and not there; the block keeps the connection */
		return ROUTE_BLOCK_CREATE;
	case BLOCK_UNSURE:
		break;
	}
	return -1;
}

/* Where pooled mode may go by content name at all. */
static bool content_applies(const struct route_facts *f)
{
	return !f->pipeline && (f->txn == ROUTE_TXN_IDLE || (f->txn == ROUTE_TXN_BLOCK && f->in_blocks));
}

static int pooled(const struct route_facts *f, struct content_table *ct, struct block *b,
		  struct stmt *s, struct route *out)
{
	struct content *c;
	int kind;

	if (!content_applies(f))
		return -1;
	c = stmt_content(s);
	if (!c) {
		c = content_table_get(ct, stmt_query(s), stmt_nparams(s), stmt_types(s), f->cap);
		if (!c)
			return -1;
		stmt_set_content(s, c);
	}
	kind = by_content(f, ct, b, c, content_plannable(stmt_query(s)));
	if (kind >= 0)
		out->content = c;
	return kind;
}

int route_sql_execute(const struct route_facts *f, struct content_table *ct, struct block *b,
		      struct content *c)
{
	block_observe(b, f->txn == ROUTE_TXN_BLOCK);
	if (f->mode != MODE_POOLED || !c || !content_applies(f))
		return -1;
	return by_content(f, ct, b, c, false);
}

/*
 * The cases, in the order they are tried:
 * 1. pooled mode, a statement recorded as a text: by content name when its
 *    text has earned one (pooled() says when), else
 * 2. unnamed and pooled mode: the recorded text (the one in flight in the
 *    app's pipeline first) through the unnamed statement; a name the app
 *    does not hold (nothing recorded, nothing in flight) never reaches the
 *    server there, nor behind a pooler that tracks statements (it would
 *    close the connection): the shim answers the server's 26000;
 * 3. otherwise the server name the table maps the app's name to (dedupe:
 *    the app's own, a generated one after a rename, "_pqs_gone" for a name
 *    given up; a name the shim does not know goes as written), then
 *    a. a statement whose text names statements runs as that SQL,
 *    b. an asynchronous call in auto mode, outside pipelines and blocks, is
 *       watched (the one way auto mode sees a pooler on a send),
 *    c. a blocking call in dedupe mode of a statement the shim prepared may
 *       be recovered after it failed (checked then: the cheap way first).
 */
void route_exec(const struct route_facts *f, struct stmt_table *t, struct content_table *ct,
		struct block *b, const char *name, struct route *out)
{
	struct stmt *s = NULL;
	int kind;

	out->sql.text = NULL;
	out->watch = false;
	out->stmt = NULL;
	out->content = NULL;
	out->server = name;
	if (f->mode == MODE_POOLED && name) {
		block_observe(b, f->txn == ROUTE_TXN_BLOCK);
		s = stmt_table_find(t, name);
		/* by content name: what was prepared through the protocol (a SQL PREPARE's
		   recorded body runs through the unnamed statement, below) */
		if (s && !stmt_server_name(s) && stmt_origin(s) == STMT_PROTOCOL &&
		    (kind = pooled(f, ct, b, s, out)) >= 0) {
			out->kind = (enum route_kind)kind;
			out->stmt = s;
			policy_unnamed_text(t, name, NULL, &out->text);
			return;
		}
		out->content = NULL;
	}
	if (mode_records_text(f->mode) && policy_unnamed_text(t, name, f->inflight, &out->text)) {
		out->kind = ROUTE_UNNAMED;
		return;
	}
	if (policy_missing(t, f->mode, f->tracking, name, f->inflight)) {
		out->kind = ROUTE_MISSING;
		return;
	}
	out->server = policy_map_name(t, f->mode, name, f->inflight, out->buf, &out->sql, &s);
	if (((s && !f->inflight && !stmt_server_name(s)) || policy_inflight_text_only(f->inflight)) &&
	    policy_unnamed_text(t, name, f->inflight, &out->text)) {
		/* recorded as a text only (before auto mode decided; a SQL PREPARE behind a
		   pooler that tracks statements, also one in flight in the app's pipeline) */
		out->kind = ROUTE_UNNAMED;
		return;
	}
	if (out->server && out->server != name && strcmp(out->server, NAMES_GONE) == 0) {
		/* deallocated while renamed, or a text that cannot run: the server's 26000,
		   naming the app's name */
		out->kind = ROUTE_MISSING;
		return;
	}
	if (out->sql.text) {
		out->kind = ROUTE_AS_SQL;
		return;
	}
	out->kind = ROUTE_DIRECT;
	if (f->mode != MODE_DEDUPE || !s || !stmt_server_name(s) || stmt_origin(s) != STMT_PROTOCOL)
		return; /* nothing the shim made: nothing to recover */
	out->stmt = s;
	if (!f->sync) {
		if (f->auto_watch && !f->pipeline && f->txn == ROUTE_TXN_IDLE)
			out->kind = ROUTE_WATCHED;
	} else {
		out->watch = true;
	}
}
