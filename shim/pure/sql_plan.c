/* Plans for SQL text that touches prepared statements; see sql_plan.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "sql_plan.h"

/*
 * What earlier statements of the same text, and the commands queued ahead of
 * it in the app's pipeline, did to a name: a text like "DEALLOCATE s0;
 * PREPARE s0 AS ..." must be planned as the server will run it.
 */
struct overlay {
	int n;
	bool cleared;
	struct {
		const char *key;
		const char *server; /* NULL: gone */
		const char *dropped; /* when gone: the server name that went */
		const struct sql_fx *fx;
		const char *query;  /* a protocol prepare ahead, recorded only: its text */
		bool typed;
		bool protocol;      /* a protocol prepare ahead */
	} e[SQL_MAX_FX];
};

struct view {
	bool found;
	bool gone;
	const char *dropped;       /* when gone */
	const char *server;        /* when found */
	const struct stmt *s;      /* when found in the table */
	const struct sql_fx *fx;   /* when prepared earlier in this text or ahead of it */
	const char *query;         /* a protocol prepare ahead, recorded only */
	bool typed;
	bool protocol;
};

static struct view look(const struct stmt_table *t, const struct overlay *o, const char *key)
{
	struct view v = { 0 };

	for (int i = o->n - 1; i >= 0; i--) {
		if (strcmp(o->e[i].key, key) != 0)
			continue;
		v.found = o->e[i].server != NULL;
		v.gone = !v.found;
		v.server = o->e[i].server;
		v.dropped = o->e[i].dropped;
		v.fx = o->e[i].fx;
		v.query = o->e[i].query;
		v.typed = o->e[i].typed;
		v.protocol = o->e[i].protocol;
		return v;
	}
	if (o->cleared)
		return v;
	v.s = stmt_table_find(t, key);
	v.found = v.s != NULL;
	if (v.s)
		v.server = stmt_server_name(v.s);
	return v;
}

static void overlay_set(struct overlay *o, const char *key, const char *server,
			const struct sql_fx *fx)
{
	if (o->n < SQL_MAX_FX) {
		o->e[o->n].key = key;
		o->e[o->n].server = server;
		o->e[o->n].dropped = NULL;
		o->e[o->n].fx = fx;
		o->e[o->n].query = NULL;
		o->e[o->n].typed = false;
		o->e[o->n].protocol = false;
		o->n++;
	}
}

static bool taken_now(const struct stmt_table *t, const struct overlay *o, const char *name)
{
	for (int i = 0; i < o->n; i++)
		if (o->e[i].server && strcmp(o->e[i].server, name) == 0)
			return true;
	return !o->cleared && stmt_table_taken(t, name);
}

struct edits {
	int n;
	const char *sql; /* the text being edited */
	size_t len;
	struct sql_edit e[SQL_MAX_FX];
	char text[SQL_MAX_FX][SERVER_NAME_BUF * 2 + 160]; /* a quoted name, or a DO block */
	int n_owned;
	char *owned[SQL_MAX_FX]; /* longer edit texts (malloc'd), freed once applied */
	bool std_strings;
	int n_stmts;  /* the text's, as sqlscan counts them */
	int clean;    /* ends_cleanly's look at the whole text: -1 not yet, 0, 1 */
};

static void edits_release(struct edits *ed)
{
	for (int i = 0; i < ed->n_owned; i++)
		free(ed->owned[i]);
	ed->n_owned = 0;
}

static bool edit_name(struct edits *ed, const struct sql_ref *r, const char *prefix,
		      const char *server)
{
	char q[SERVER_NAME_BUF * 2 + 3];
	char *out = ed->text[ed->n];

	if (ed->n >= SQL_MAX_FX || !sqlscan_quote_ident(server, q, sizeof(q)))
		return false;
	strcpy(out, prefix);
	strcat(out, q);
	/* "s0"x" would read as one identifier with an escaped quote: keep them apart */
	if (r->name_off + r->name_len < ed->len && ed->sql[r->name_off + r->name_len] == '"')
		strcat(out, " ");
	ed->e[ed->n].off = r->name_off;
	ed->e[ed->n].len = r->name_len;
	ed->e[ed->n].text = out;
	ed->n++;
	return true;
}

/* Inserts text (owned by the caller until applied) at off; false when the edits are full. */
static bool edit_insert(struct edits *ed, size_t off, const char *text)
{
	if (ed->n >= SQL_MAX_FX)
		return false;
	ed->e[ed->n].off = off;
	ed->e[ed->n].len = 0;
	ed->e[ed->n].text = text;
	ed->n++;
	return true;
}

/* "; DEALLOCATE <tmp>" inserted at the end of r's statement. */
static bool edit_deallocate_after(struct edits *ed, const struct sql_ref *r, const char *tmp)
{
	if (ed->n >= SQL_MAX_FX)
		return false;
	snprintf(ed->text[ed->n], sizeof(ed->text[0]), "; DEALLOCATE %s", tmp);
	return edit_insert(ed, r->stmt_end, ed->text[ed->n]);
}


/*
 * What follows r's statement is outside any quote or comment of it, and the
 * whole text ends outside any (an unterminated one makes the server reject
 * the whole text, nothing runs, and its message quotes the text: left as
 * written). Checked once per text (ed->clean).
 */
static bool ends_cleanly(struct edits *ed, const struct sql_ref *r)
{
	static __thread struct sql_scan sc;
	size_t n = r->stmt_end - r->stmt_off;
	char *buf;
	bool ok;

	if (ed->clean < 0) {
		if (!(buf = shim_malloc(ed->len + 5)))
			return false;
		memcpy(buf, ed->sql, ed->len);
		memcpy(buf + ed->len, "\n; x", 5);
		sqlscan(buf, ed->len + 4, ed->std_strings, &sc);
		ed->clean = sc.n_stmts == ed->n_stmts + 1;
		free(buf);
	}
	if (!ed->clean || !(buf = shim_malloc(n + 4)))
		return false;
	memcpy(buf, ed->sql + r->stmt_off, n);
	memcpy(buf + n, "; x", 4);
	sqlscan(buf, n + 3, ed->std_strings, &sc);
	ok = sc.n_stmts == 2;
	free(buf);
	return ok;
}

/*
 * The whole statement that refers to the name (DEALLOCATE, EXECUTE, EXPLAIN
 * EXECUTE, CREATE TABLE AS EXECUTE) replaced by a DO block that raises the
 * server's own 26000 for it (names_raise_missing): the name never reaches a
 * statement it no longer means, and the error names the app's name.
 */
static bool edit_raise(struct edits *ed, const struct sql_ref *r, struct sql_plan *p)
{
	char *out = ed->text[ed->n], name[SQL_NAME_MAX + 1];
	size_t n = strlen(r->name);

	if (r->stmt_end <= r->stmt_off || !ends_cleanly(ed, r))
		return true; /* unterminated: the server rejects the whole text, nothing runs */
	memcpy(name, r->name, n + 1);
	names_clip_ident(name);
	if (ed->n >= SQL_MAX_FX || names_raise_missing(name, out, sizeof(ed->text[0])) >=
					   sizeof(ed->text[0]))
		return false;
	ed->e[ed->n].off = r->stmt_off;
	ed->e[ed->n].len = r->stmt_end - r->stmt_off;
	ed->e[ed->n].text = out;
	ed->n++;
	p->raises = true;
	return true;
}


/* "PREPARE s0 AS q" identical to what s0 holds: re-prepare it in place. */
static bool edit_dedupe(struct edits *ed, const struct sql_ref *r, const char *server)
{
	char q[SERVER_NAME_BUF * 2 + 3];
	char *out;

	if (ed->n >= SQL_MAX_FX || !sqlscan_quote_ident(server, q, sizeof(q)))
		return false;
	out = ed->text[ed->n];
	strcpy(out, "DEALLOCATE ");
	strcat(out, q);
	strcat(out, "; ");
	ed->e[ed->n].off = r->stmt_off;
	ed->e[ed->n].len = 0;
	ed->e[ed->n].text = out;
	ed->n++;
	return strcmp(server, r->name) == 0 || edit_name(ed, r, "", server);
}

static struct sql_fx *fx_add(struct sql_plan *p, enum sql_fx_kind kind, const char *key,
			     const char *server)
{
	struct sql_fx *fx;

	if (p->n_fx >= SQL_MAX_FX)
		return NULL;
	fx = &p->fx[p->n_fx++];
	memset(fx, 0, sizeof(*fx));
	fx->kind = kind;
	if (key)
		names_copy_server(fx->key, key);
	if (server)
		names_copy_server(fx->server, server);
	return fx;
}

/* A SQL PREPARE's effect keeps a copy of r's body (the text after the name); false on no memory. */
static bool fx_set_body(struct sql_fx *fx, const char *sql, const struct sql_ref *r)
{
	if (!(fx->body = shim_malloc(r->body_len + 1)))
		return false;
	memcpy(fx->body, sql + r->body_off, r->body_len);
	fx->body[r->body_len] = '\0';
	fx->body_len = r->body_len;
	return true;
}

/* An effect of a statement the shim added: its result is hidden and changes nothing. */
static bool fx_hidden(struct sql_plan *p, enum sql_fx_kind kind)
{
	struct sql_fx *fx = fx_add(p, kind, NULL, NULL);

	if (fx)
		fx->hide = fx->no_effect = true;
	return fx != NULL;
}

/* A throwaway name: made by fx[made]'s statement, dropped by fx[gone]'s (sql_plan.tmp). */
static bool tmp_add(struct sql_plan *p, const char *name, int made, int gone, bool exec)
{
	struct sql_tmp *tm;

	if (p->n_tmp >= SQL_MAX_REFS)
		return false;
	tm = &p->tmp[p->n_tmp++];
	names_copy_server(tm->name, name);
	tm->made = made;
	tm->gone = gone;
	tm->exec = exec;
	return true;
}

/*
 * The app has given `name` up, but the server still holds a statement of
 * that name that the shim renamed away from: the app must not reach it.
 */
static bool gave_up(const struct stmt_table *t, const struct overlay *o, const struct view *v,
		    const char *name)
{
	if (v->found || o->cleared)
		return false;
	if (v->gone) /* deallocated earlier in this text: under another server name? */
		return v->dropped && strcmp(v->dropped, name) != 0 && stmt_table_taken(t, name);
	return stmt_table_is_stale(t, name);
}

static bool plan_prepare(const struct stmt_table *t, struct overlay *o, const char *sql,
			 const struct sql_ref *r, bool simple, bool idle, int n_stmts,
			 struct sql_plan *p, struct edits *ed)
{
	struct view v = look(t, o, r->name);
	const char *body = sql + r->body_off;
	bool same = false;
	struct sql_fx *fx;
	char gen[SERVER_NAME_BUF];

	if (v.found && v.s && v.server) /* a virtual entry (unnamed mode) is nothing to reuse */
		same = stmt_same(v.s, STMT_SQL, body, r->body_len, 0, NULL);
	else if (v.found && v.fx && !v.fx->virtual_record)
		same = v.fx->body_len == r->body_len && memcmp(v.fx->body, body, r->body_len) == 0;

	if (v.found && same && simple) {
		struct sql_fx *d = fx_add(p, FX_DEALLOCATE, r->name, v.server);

		if (!d || !edit_dedupe(ed, r, v.server))
			return false;
		d->hide = true;
		d->known = true;
		fx = fx_add(p, FX_PREPARE, r->name, v.server);
	} else if (v.found && same && n_stmts == 1 && v.s) {
		/* one statement per message: the DEALLOCATE goes first under the same Sync */
		char q[SERVER_NAME_BUF * 2 + 3];

		if (!sqlscan_quote_ident(v.server, q, sizeof(q)) ||
		    (strcmp(v.server, r->name) != 0 && !edit_name(ed, r, "", v.server)))
			return false;
		p->bundle = true;
		snprintf(p->bundle_hidden, sizeof(p->bundle_hidden), "DEALLOCATE %s", q);
		fx = fx_add(p, FX_PREPARE, r->name, v.server);
	} else if (v.found || taken_now(t, o, r->name)) {
		if (!policy_new_name(t, gen) || !edit_name(ed, r, "", gen))
			return false;
		fx = fx_add(p, FX_PREPARE, r->name, gen);
	} else {
		fx = fx_add(p, FX_PREPARE, r->name, r->name);
		p->retry_on_dup = idle && simple && n_stmts == 1;
		p->name_off = r->name_off;
		p->name_len = r->name_len;
	}
	if (!fx)
		return false;
	if (!fx_set_body(fx, sql, r))
		return false;
	overlay_set(o, fx->key, fx->server, fx);
	return true;
}

/*
 * Unnamed mode: a DEALLOCATE of a recorded name must not reach the server
 * (nothing is there, or another client's statement is). It becomes a
 * throwaway PREPARE and its DEALLOCATE, run together: the app gets the
 * server's own DEALLOCATE result and nothing is left behind.
 */
static bool plan_unnamed_deallocate(const struct stmt_table *t, const struct sql_ref *r,
				    bool simple, int n_stmts, struct sql_plan *p, struct edits *ed)
{
	char tmp[SERVER_NAME_BUF];
	struct sql_fx *fx;

	if (!policy_new_name(t, tmp))
		return false;
	if (!simple) {
		if (n_stmts != 1)
			return false;
		p->bundle = true;
		snprintf(p->bundle_hidden, sizeof(p->bundle_hidden), "PREPARE %s AS SELECT", tmp);
	} else {
		if (ed->n >= SQL_MAX_FX)
			return false;
		snprintf(ed->text[ed->n], sizeof(ed->text[0]), "PREPARE %s AS SELECT; ", tmp);
		if (!edit_insert(ed, r->stmt_off, ed->text[ed->n]) || !fx_hidden(p, FX_PREPARE))
			return false;
	}
	fx = fx_add(p, FX_DEALLOCATE, r->name, NULL);
	if (!fx)
		return false;
	fx->known = true;
	if (simple && !tmp_add(p, tmp, p->n_fx - 2, p->n_fx - 1, false))
		return false;
	return edit_name(ed, r, "", tmp);
}

static bool plan_ref(const struct stmt_table *t, struct overlay *o, const char *sql,
		     const struct sql_ref *r, bool simple, bool idle, bool tracking, int n_stmts,
		     struct sql_plan *p, struct edits *ed)
{
	struct view v;
	struct sql_fx *fx;

	switch (r->kind) {
	case SQL_PREPARE:
		return plan_prepare(t, o, sql, r, simple, idle, n_stmts, p, ed);
	case SQL_EXECUTE:
		v = look(t, o, r->name);
		if (v.found && strcmp(v.server, r->name) != 0)
			return edit_name(ed, r, "", v.server);
		if (gave_up(t, o, &v, r->name))
			return edit_raise(ed, r, p);
		return true;
	case SQL_DEALLOCATE:
		v = look(t, o, r->name);
		if (tracking && (v.s ? stmt_origin(v.s) == STMT_PROTOCOL : v.protocol))
			return plan_unnamed_deallocate(t, r, simple, n_stmts, p, ed);
		if (gave_up(t, o, &v, r->name))
			return edit_raise(ed, r, p);
		fx = fx_add(p, FX_DEALLOCATE, r->name, v.found ? v.server : r->name);
		if (!fx)
			return false;
		fx->known = v.found;
		overlay_set(o, fx->key, NULL, NULL);
		if (o->n > 0 && strcmp(o->e[o->n - 1].key, fx->key) == 0)
			o->e[o->n - 1].dropped = fx->server;
		if (v.found && strcmp(v.server, r->name) != 0)
			return edit_name(ed, r, "", v.server);
		return true;
	case SQL_DEALLOCATE_ALL:
	case SQL_DISCARD_ALL:
		if (!fx_add(p, r->kind == SQL_DISCARD_ALL ? FX_DISCARD_ALL : FX_DEALLOCATE_ALL,
			    NULL, NULL))
			return false;
		o->n = 0;
		o->cleared = true;
		return true;
	case SQL_OTHER:
		break;
	}
	return true;
}

/*
 * The same in the extended protocol (PQexecParams, pipelines: one statement
 * per message, the app's parameters with it): "PREPARE tmp AS <text>" first
 * and "DEALLOCATE tmp" after, under the same Sync (sql_plan.bundle), the
 * app's "EXECUTE tmp ($1, ...)" between them with its own parameters. If the
 * EXECUTE fails the DEALLOCATE is skipped, as in the simple protocol.
 */
static bool plan_unnamed_execute_ext(const struct stmt_table *t, const char *as, const char *q,
				     bool typed, const struct sql_ref *r, int n_stmts,
				     struct sql_plan *p, struct edits *ed, bool *as_written)
{
	char tmp[SERVER_NAME_BUF];
	size_t n;

	*as_written = typed || n_stmts != 1 || p->bundle;
	if (*as_written)
		return true;
	if (!policy_new_name(t, tmp))
		return false;
	n = strlen(as) + strlen(q) + strlen(tmp) + 16;
	if (!(p->bundle_text = shim_malloc(n)))
		return false;
	snprintf(p->bundle_text, n, "PREPARE %s %s%s", tmp, as, q);
	snprintf(p->bundle_after, sizeof(p->bundle_after), "DEALLOCATE %s", tmp);
	p->bundle = true;
	return edit_name(ed, r, "", tmp);
}

/*
 * Unnamed and pooled mode: SQL EXECUTE of a name the app prepared through the
 * protocol (recorded only, nothing on the server) runs its text under a
 * throwaway name, in the same round trip, nothing left behind:
 * "PREPARE tmp AS <text>\n; EXECUTE tmp (args); DEALLOCATE tmp", the first and
 * last hidden. Simple protocol only, and only when the recorded parameter
 * types are all unspecified (SQL would need their names); false otherwise.
 * If the EXECUTE fails the rest of the text is skipped, DEALLOCATE too: the
 * throwaway name stays on that server session (no one else ever uses it).
 * *as_written: it does not apply, the EXECUTE goes as the app wrote it.
 */
static bool plan_unnamed_execute(const struct stmt_table *t, const char *as, const char *q,
				 bool typed, const struct sql_ref *r, bool simple, int n_stmts,
				 struct sql_plan *p, struct edits *ed, bool *as_written)
{
	char tmp[SERVER_NAME_BUF], *head;
	size_t n;

	if (!simple) /* one statement per message: a bundle around it */
		return plan_unnamed_execute_ext(t, as, q, typed, r, n_stmts, p, ed, as_written);
	*as_written = typed || r->stmt_end <= r->stmt_off || !ends_cleanly(ed, r);
	if (*as_written)
		return true;
	if (ed->n + 3 > SQL_MAX_FX || p->n_fx + 2 > SQL_MAX_FX || ed->n_owned >= SQL_MAX_FX ||
	    !policy_new_name(t, tmp))
		return false;
	n = strlen(as) + strlen(q) + strlen(tmp) + 32;
	if (!(head = shim_malloc(n)))
		return false;
	/* a blank after the name: a recorded body may start with AS ("b"AS SELECT ...) */
	snprintf(head, n, "PREPARE %s %s%s\n; ", tmp, as, q);
	ed->owned[ed->n_owned++] = head;
	return edit_insert(ed, r->stmt_off, head) && edit_name(ed, r, "", tmp) &&
	       edit_deallocate_after(ed, r, tmp) && fx_hidden(p, FX_PREPARE) &&
	       fx_hidden(p, FX_DEALLOCATE) && tmp_add(p, tmp, p->n_fx - 2, p->n_fx - 1, true);
}

/* A PREPARE's body that is " AS <statement>", without a parameter type list. */
static bool is_as_body(const char *b, size_t len)
{
	size_t i = 0;

	while (i < len && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r'))
		i++;
	return i + 3 <= len && (b[i] == 'a' || b[i] == 'A') && (b[i + 1] == 's' || b[i + 1] == 'S') &&
	       (b[i + 2] == ' ' || b[i + 2] == '\t' || b[i + 2] == '\n' || b[i + 2] == '\r');
}

/*
 * "; SELECT <tmp's parameter types>; DEALLOCATE <tmp>" inserted at the end of
 * r's statement: the types a type list resolved to, as OIDs (FX_TYPES).
 */
static bool edit_types_after(struct edits *ed, const struct sql_ref *r, const char *tmp)
{
	if (ed->n >= SQL_MAX_FX)
		return false;
	snprintf(ed->text[ed->n], sizeof(ed->text[0]),
		 "; SELECT pg_catalog.array_to_string(parameter_types::pg_catalog.oid[], ',') "
		 "FROM pg_catalog.pg_prepared_statements WHERE name = '%s'; DEALLOCATE %s", tmp, tmp);
	return edit_insert(ed, r->stmt_end, ed->text[ed->n]);
}

/* A PREPARE's body that starts with a parameter type list: " (int, text) AS ...". */
static bool is_typed_body(const char *b, size_t len)
{
	size_t i = 0;

	while (i < len && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r'))
		i++;
	return i < len && b[i] == '(';
}

/*
 * Unnamed and pooled mode: the app's own SQL PREPARE is checked by the
 * server under a throwaway name and recorded, never left under the app's
 * name: "PREPARE tmp AS <statement>; DEALLOCATE tmp", the DEALLOCATE hidden.
 * With a type list, the types it resolved to come back in between (a hidden
 * SELECT: FX_TYPES), so the protocol can run and describe it too.
 * The app gets the PREPARE's own result (or its error, at the same moment);
 * EXECUTE and DEALLOCATE of the name then work as for a protocol prepare.
 */
static bool plan_unnamed_sql_prepare(const struct stmt_table *t, struct overlay *o,
				     const char *sql, const struct sql_ref *r, struct sql_plan *p,
				     struct edits *ed)
{
	char tmp[SERVER_NAME_BUF];
	struct sql_fx *fx, *types = NULL;
	bool typed = is_typed_body(sql + r->body_off, r->body_len);
	int made;

	if (ed->n + 2 > SQL_MAX_FX || p->n_fx + 3 > SQL_MAX_FX || !policy_new_name(t, tmp) ||
	    !edit_name(ed, r, "", tmp) ||
	    !(typed ? edit_types_after(ed, r, tmp) : edit_deallocate_after(ed, r, tmp)))
		return false;
	if (!(fx = fx_add(p, FX_PREPARE, r->name, NULL)))
		return false;
	made = p->n_fx - 1;
	fx->virtual_record = true;
	if (!fx_set_body(fx, sql, r))
		return false;
	overlay_set(o, fx->key, "", fx); /* "": recorded, nothing on the server */
	if (typed) {
		if (!(types = fx_add(p, FX_TYPES, r->name, NULL)))
			return false;
		types->hide = true;
		types->no_effect = true; /* on the table: ops/sql.c reads the result itself */
	}
	return fx_hidden(p, FX_DEALLOCATE) && tmp_add(p, tmp, made, p->n_fx - 1, false);
}

/*
 * The same in the extended protocol (one statement per message), without a
 * type list: "PREPARE tmp AS <statement>", its DEALLOCATE after it under the
 * same Sync (sql_plan.bundle). A type list's types could not come back in
 * the app's one statement: that form goes to the server under its name.
 */
static bool plan_unnamed_sql_prepare_ext(const struct stmt_table *t, struct overlay *o,
					 const char *sql, const struct sql_ref *r, struct sql_plan *p,
					 struct edits *ed)
{
	char tmp[SERVER_NAME_BUF];
	struct sql_fx *fx;

	if (!policy_new_name(t, tmp) || !edit_name(ed, r, "", tmp) ||
	    !(fx = fx_add(p, FX_PREPARE, r->name, NULL)))
		return false;
	fx->virtual_record = true;
	if (!fx_set_body(fx, sql, r))
		return false;
	overlay_set(o, fx->key, "", fx);
	snprintf(p->bundle_after, sizeof(p->bundle_after), "DEALLOCATE %s", tmp);
	p->bundle = true;
	return true;
}

/* The statement of a SQL PREPARE's body " AS <statement>" (is_as_body), blanks around cut. */
static const char *as_statement(const char *b, size_t *len)
{
	const char *end = b + *len;

	while (b < end && (*b == ' ' || *b == '\t' || *b == '\n' || *b == '\r'))
		b++;
	b += 2; /* AS */
	while (b < end && (*b == ' ' || *b == '\t' || *b == '\n' || *b == '\r' || *b == '\f'))
		b++;
	while (end > b && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' ||
			   end[-1] == '\r' || end[-1] == '\f'))
		end--;
	*len = (size_t)(end - b);
	return b;
}

/* Pooled mode's other way for a text that is one EXECUTE of r's recorded name (sql_plan.h). */
static void content_of(const struct stmt_table *t, const struct sql_ref *r, const char *text,
		       bool sql_body, struct sql_plan *p)
{
	size_t len = strlen(text);

	if (sql_body && !is_as_body(text, len))
		return;
	p->content.stmt = stmt_table_find(t, r->name);
	p->content.text = sql_body ? as_statement(text, &len) : text;
	p->content.len = len;
	p->content.nparams = sql_body ? 0 : stmt_nparams(p->content.stmt);
	p->content.name_off = r->name_off;
	p->content.name_len = r->name_len;
}

/*
 * Unnamed and pooled mode, and behind a pooler that tracks statements (it
 * tracks protocol ones only, whatever the mode; a SQL PREPARE would stay on
 * one server connection): the names the app makes, through the protocol (in
 * those modes) or with a SQL PREPARE (simple protocol, no type list), are recorded only; an
 * EXECUTE runs the text under a throwaway name, a DEALLOCATE never reaches
 * the server, and a name the app does not hold gets the server's 26000.
 * What cannot be recorded so (a SQL PREPARE with a type list, or in the
 * extended protocol) is planned as in dedupe mode: on the server under its
 * name, renamed on a collision, so it never fails with 42P05.
 */
static bool plan_unnamed_ref(const struct stmt_table *t, struct overlay *o, const char *sql,
			     const struct sql_ref *r, bool simple, bool idle, bool tracking,
			     int n_stmts, struct sql_plan *p, struct edits *ed)
{
	struct view v;

	switch (r->kind) {
	case SQL_DEALLOCATE_ALL:
	case SQL_DISCARD_ALL:
		o->cleared = true;
		return fx_add(p, r->kind == SQL_DISCARD_ALL ? FX_DISCARD_ALL : FX_DEALLOCATE_ALL, NULL,
			      NULL) != NULL;
	default:
		break;
	}
	if (r->kind == SQL_PREPARE && simple &&
	    (is_as_body(sql + r->body_off, r->body_len) ||
	     is_typed_body(sql + r->body_off, r->body_len)) &&
	    r->stmt_end > r->stmt_off && ends_cleanly(ed, r))
		return plan_unnamed_sql_prepare(t, o, sql, r, p, ed);
	if (r->kind == SQL_PREPARE && !simple && n_stmts == 1 && !p->bundle &&
	    is_as_body(sql + r->body_off, r->body_len))
		return plan_unnamed_sql_prepare_ext(t, o, sql, r, p, ed);
	v = look(t, o, r->name);
	/* recorded only (a protocol prepare, or a SQL PREPARE of these modes) */
	if (v.found && ((v.s && !v.server) || (v.fx && v.fx->virtual_record) || v.query)) {
		if (r->kind == SQL_DEALLOCATE) {
			overlay_set(o, r->name, NULL, NULL); /* gone for the rest of the text */
			return plan_unnamed_deallocate(t, r, simple, n_stmts, p, ed);
		}
		if (r->kind == SQL_EXECUTE) {
			bool as_written, sql_body = v.fx || (v.s && stmt_origin(v.s) == STMT_SQL);
			const char *text = v.fx ? v.fx->body : v.s ? stmt_query(v.s) : v.query;
			/* a protocol prepare's types need names in SQL; a SQL body has its own */
			bool typed = sql_body ? false : v.s ? stmt_types(v.s) != NULL : v.typed;

			if (!plan_unnamed_execute(t, sql_body ? "" : " AS ", text, typed, r, simple,
						  n_stmts, p, ed, &as_written))
				return false;
			if (!as_written && simple && n_stmts == 1 && v.s)
				content_of(t, r, text, sql_body, p);
			/*
			 * Typed protocol prepares cannot be written in SQL (the types have no
			 * names here): as written the name would reach whatever the server
			 * connection holds under it, so the server's 26000 instead.
			 */
			if (as_written && typed)
				return edit_raise(ed, r, p);
			return true;
		}
	}
	/* a name the app does not hold must not reach anyone's statement: the server's 26000 */
	if (!v.found && r->kind != SQL_PREPARE && !t->sql_names)
		return edit_raise(ed, r, p);
	return plan_ref(t, o, sql, r, simple, idle, tracking, n_stmts, p, ed);
}

/* Does the text name a statement the shim renamed, or one the app gave up? */
static bool names_moved(const struct stmt_table *t, const struct sql_scan *scan)
{
	for (int i = 0; i < scan->n_refs; i++) {
		const struct stmt *s = stmt_table_find(t, scan->refs[i].name);

		if ((s && stmt_is_renamed(s)) || stmt_table_is_stale(t, scan->refs[i].name))
			return true;
	}
	/*
	 * References past the first SQL_MAX_REFS are not known: refusing a valid
	 * text for that would be worse than the rare case it guards against.
	 */
	return false;
}

/* The commands ahead, as if earlier statements of the text (they fit: see SQL_MAX_AHEAD). */
static void overlay_seed(struct overlay *o, const struct sql_ahead *ahead, int n)
{
	for (int i = 0; i < n && i < SQL_MAX_AHEAD; i++) {
		const struct sql_ahead *a = &ahead[i];

		if (!a->key) {
			o->n = 0;
			o->cleared = true;
			continue;
		}
		overlay_set(o, a->key, a->server, a->fx);
		o->e[o->n - 1].query = a->query;
		o->e[o->n - 1].typed = a->typed;
		o->e[o->n - 1].protocol = a->protocol;
	}
}

/* The header only: fx[] is large and filled as effects are added. */
static void plan_header(struct sql_plan *out)
{
	out->text = NULL;
	out->len = 0;
	out->n_fx = 0;
	out->retry_on_dup = false;
	out->untracked = false;
	out->unsafe = false;
	out->makes_names = false;
	out->name_off = out->name_len = 0;
	out->bundle = false;
	out->raises = false;
	out->bundle_hidden[0] = '\0';
	out->bundle_text = NULL;
	out->bundle_after[0] = '\0';
	out->content.stmt = NULL;
	out->by_name = out->create = NULL;
	out->n_tmp = 0;
	out->wrapped = false;
}

/*
 * A text with a throwaway EXECUTE, sent outside a block, goes in BEGIN ...
 * COMMIT (sql_plan.wrapped) when nothing in it controls a block and both
 * fit. False: no room for the last effect after all (cannot happen).
 */
static bool wrap(const char *sql, size_t len, bool std_strings, struct sql_plan *p,
		 struct edits *ed)
{
	bool exec = false;

	for (int i = 0; i < p->n_tmp; i++)
		exec |= p->tmp[i].exec;
	/* ed->clean: a throwaway EXECUTE saw the text end outside quotes and comments */
	/* p->retry_on_dup: fx[0] is its PREPARE's (never with a throwaway EXECUTE) */
	if (!exec || ed->clean != 1 || p->retry_on_dup || p->n_fx + 2 > SQL_MAX_FX ||
	    ed->n + 2 > SQL_MAX_FX || !sqlscan_txn_free(sql, len, std_strings))
		return true;
	memmove(&ed->e[1], &ed->e[0], sizeof(ed->e[0]) * (size_t)ed->n);
	ed->e[0] = (struct sql_edit){ 0, 0, "BEGIN; " };
	ed->e[ed->n + 1] = (struct sql_edit){ len, 0, "\n; COMMIT" };
	ed->n += 2;
	memmove(&p->fx[1], &p->fx[0], sizeof(p->fx[0]) * (size_t)p->n_fx);
	memset(&p->fx[0], 0, sizeof(p->fx[0]));
	p->fx[0].kind = FX_BEGIN;
	p->fx[0].hide = p->fx[0].no_effect = true;
	p->n_fx++;
	for (int i = 0; i < p->n_tmp; i++)
		p->tmp[i].made++, p->tmp[i].gone++;
	p->wrapped = true;
	return fx_hidden(p, FX_COMMIT);
}

bool sql_plan_make(const struct stmt_table *t, enum shim_mode mode, bool tracking,
		   const char *sql, bool std_strings, bool simple, bool idle, struct sql_plan *out)
{
	return sql_plan_make_after(t, mode, tracking, sql, std_strings, simple, idle, NULL, 0, out);
}

bool sql_plan_make_after(const struct stmt_table *t, enum shim_mode mode, bool tracking,
			 const char *sql, bool std_strings, bool simple, bool idle,
			 const struct sql_ahead *ahead, int n_ahead, struct sql_plan *out)
{
	struct sql_scan scan;
	static __thread struct overlay o;
	static __thread struct edits ed;
	size_t len;

	plan_header(out);
	if (mode == MODE_OFF || !sql)
		return false;
	len = strlen(sql);
	sqlscan(sql, len, std_strings, &scan);
	if (scan.n_refs == 0)
		return false;
	o.n = 0;
	o.cleared = false;
	overlay_seed(&o, ahead, n_ahead);
	ed.n = 0;
	ed.n_owned = 0;
	ed.std_strings = std_strings;
	ed.n_stmts = scan.n_stmts;
	ed.clean = -1;
	ed.sql = sql;
	ed.len = len;
	if (scan.overflow)
		goto give_up;
	for (int i = 0; i < scan.n_refs; i++) {
		const struct sql_ref *r = &scan.refs[i];
		bool ok;


		if ((r->kind == SQL_PREPARE || r->kind == SQL_EXECUTE || r->kind == SQL_DEALLOCATE) &&
		    !r->name[0])
			continue; /* "" in SQL: the server's "zero-length delimited identifier" */
		/* a pooler that tracks statements tracks protocol ones only: SQL ones as unnamed mode */
		ok = mode_records_text(mode) || tracking
			     ? plan_unnamed_ref(t, &o, sql, r, simple, idle, tracking, scan.n_stmts, out,
						&ed)
			     : plan_ref(t, &o, sql, r, simple, idle, tracking, scan.n_stmts, out, &ed);
		if (!ok)
			goto give_up;
	}
	if (out->n_fx == 0 && ed.n == 0 && !out->bundle)
		return false;
	if (simple && idle && !wrap(sql, len, std_strings, out, &ed))
		goto give_up;
	if (ed.n > 0) {
		out->text = sqlscan_apply(sql, len, ed.e, ed.n, &out->len);
		edits_release(&ed);
		if (!out->text)
			goto give_up;
	}
	return true;
give_up:
	edits_release(&ed);
	sql_plan_release(out);
	out->untracked = true;
	out->makes_names = true;
	out->unsafe = names_moved(t, &scan);
	return false;
}

char *sql_plan_retry_text(const struct sql_plan *plan, const char *sql, const char *server_name,
			  size_t *len)
{
	char q[SERVER_NAME_BUF * 2 + 3];
	struct sql_edit e;

	if (!sqlscan_quote_ident(server_name, q, sizeof(q)))
		return NULL;
	e.off = plan->name_off;
	e.len = plan->name_len;
	e.text = q;
	return sqlscan_apply(sql, strlen(sql), &e, 1, len);
}

bool sql_plan_content_texts(const struct sql_plan *plan, const char *sql, const char *cname,
			    char **by_name, char **create)
{
	const struct sql_content *c = &plan->content;
	char quoted[SERVER_NAME_BUF + 4];
	struct sql_edit e = { .off = c->name_off, .len = c->name_len, .text = quoted };
	size_t len, n;

	*create = NULL;
	/* blanks around: the app's name may touch the keyword or a quote (EXECUTE"q"(1)) */
	snprintf(quoted, sizeof(quoted), " %s ", cname);
	if (!(*by_name = sqlscan_apply(sql, strlen(sql), &e, 1, &len)))
		return false;
	/* the newline ends a comment the statement may end with */
	n = strlen(cname) + c->len + len + 16;
	if (!(*create = shim_malloc(n))) {
		free(*by_name);
		*by_name = NULL;
		return false;
	}
	snprintf(*create, n, "PREPARE %s AS %.*s\n; %s", cname, (int)c->len, c->text, *by_name);
	return true;
}

int sql_plan_left(const struct sql_plan *plan, int fx_pos, char names[][SERVER_NAME_BUF],
		  int max)
{
	int n = 0;

	for (int i = 0; i < plan->n_tmp && n < max; i++)
		if (fx_pos > plan->tmp[i].made && fx_pos <= plan->tmp[i].gone)
			names_copy_server(names[n++], plan->tmp[i].name);
	return n;
}

bool sql_plan_ride(const char *sql, bool aborted, char names[][SERVER_NAME_BUF], int n,
		   struct sql_plan *out)
{
	size_t len = sql ? strlen(sql) : 0, at = 0, cap;
	char *text;

	plan_header(out);
	if (!sql || n <= 0 || n > SQL_MAX_FX || !sqlscan_is_block_exit(sql, len))
		return false;
	cap = len + (size_t)n * (SERVER_NAME_BUF + 16) + 4;
	if (!(text = shim_malloc(cap)))
		return false;
	if (aborted) {
		memcpy(text, sql, len);
		at = len;
	}
	for (int i = 0; i < n; i++) {
		struct sql_fx *fx = fx_add(out, FX_DEALLOCATE, names[i], NULL);

		fx->hide = fx->no_effect = fx->drops_left = true;
		/* after the app's statement: on a line of its own ("ROLLBACK;" ends with ';') */
		at += (size_t)snprintf(text + at, cap - at, aborted ? "\n; DEALLOCATE %s" : "DEALLOCATE %s; ",
				       names[i]);
	}
	if (!aborted) {
		memcpy(text + at, sql, len);
		at += len;
	}
	text[at] = '\0';
	out->text = text;
	out->len = at;
	return true;
}

void sql_plan_release(struct sql_plan *plan)
{
	free(plan->text);
	plan->text = NULL;
	free(plan->by_name);
	free(plan->create);
	plan->by_name = plan->create = NULL;
	free(plan->bundle_text);
	plan->bundle_text = NULL;
	for (int i = 0; i < plan->n_fx; i++) {
		free(plan->fx[i].body);
		plan->fx[i].body = NULL;
	}
	plan->n_fx = 0;
	plan->retry_on_dup = false;
}
