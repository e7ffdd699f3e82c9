/* Decisions for protocol prepares and statement references; see policy.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "policy.h"
#include "sqlscan.h"

static bool taken_in(const char *name, void *arg)
{
	const struct stmt_table *t = arg;

	return stmt_table_taken(t, name) || stmt_table_find(t, name) != NULL;
}

bool policy_new_name(const struct stmt_table *t, char out[SERVER_NAME_BUF])
{
	return names_next(out, taken_in, (void *)t);
}

static bool same_types(int n, const Oid *a, const Oid *b)
{
	for (int i = 0; i < n; i++)
		if ((a ? a[i] : 0) != (b ? b[i] : 0))
			return false;
	return true;
}

/* Valid UTF-8 (the encoding the server checks names in, for UTF8 clients). */
static bool name_is_utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		int n = *p < 0x80 ? 0 : (*p & 0xE0) == 0xC0 ? 1 : (*p & 0xF0) == 0xE0 ? 2
			: (*p & 0xF8) == 0xF0 ? 3 : -1;

		if (n < 0 || (n == 1 && *p < 0xC2))
			return false;
		for (p++; n > 0; n--, p++)
			if ((*p & 0xC0) != 0x80)
				return false;
	}
	return true;
}

enum prep_action policy_prepare(const struct stmt_table *t, enum shim_mode mode, const char *name,
				const char *query, int nparams, const Oid *types, bool idle,
				const struct prep_inflight *inflight, struct prep_plan *out)
{
	const struct stmt *s;

	out->action = PREP_PASS;
	out->retry_on_dup = false;
	out->as_written = false;
	out->server_name[0] = '\0';
	/* libpq itself rejects these; let it say so in its own words */
	if (mode == MODE_OFF || !name || !query || nparams < 0 || nparams > 65535)
		return PREP_PASS;
	if (mode_records_text(mode) && !name_is_utf8(name))
		return PREP_PASS; /* the server rejects the name (22021): the app is owed that */
	if (mode_records_text(mode))
		return out->action = PREP_UNNAMED; /* the app's "" too: it is our scratch space now */
	if (!name[0])
		return PREP_PASS;
	if (inflight && inflight->changed && mode == MODE_DEDUPE) {
		/* a fresh name is right whatever the commands ahead of it do */
		if (!policy_new_name(t, out->server_name))
			return PREP_PASS;
		return out->action = PREP_RENAME;
	}
	if (inflight && !inflight->changed) {
		if (inflight->nparams == nparams && strcmp(inflight->query, query) == 0 &&
		    same_types(nparams, inflight->types, types)) {
			names_copy_server(out->server_name, inflight->server);
			out->as_written = strncmp(out->server_name, name, STMT_NAME_MAX) == 0;
			return out->action = PREP_DUP;
		}
		if (!policy_new_name(t, out->server_name))
			return PREP_PASS;
		return out->action = PREP_RENAME;
	}
	s = stmt_table_find(t, name);
	if (s && stmt_same(s, STMT_PROTOCOL, query, strlen(query), nparams, types)) {
		names_copy_server(out->server_name, stmt_server_name(s));
		out->as_written = !stmt_is_renamed(s);
		return out->action = PREP_DUP;
	}
	/*
	 * A conflicting re-prepare, a name the server already holds for someone
	 * else, or a name so long that a Describe or Close of it would make the
	 * server drop the connection (over 10,000 bytes): all go to a generated
	 * name, which the app's name then maps to. Shorter long names go as they
	 * are: the server keeps their first 63 bytes, and its messages name them.
	 */
	if (strnlen(name, NAME_DROPS_CONNECTION) >= NAME_DROPS_CONNECTION && !name_is_utf8(name))
		return PREP_PASS; /* the server rejects it (22021): the app is owed that */
	if (s || stmt_table_taken(t, name) ||
	    strnlen(name, NAME_DROPS_CONNECTION) >= NAME_DROPS_CONNECTION) {
		if (!policy_new_name(t, out->server_name))
			return PREP_PASS;
		return out->action = PREP_RENAME;
	}
	names_copy_server(out->server_name, name);
	out->as_written = true;
	out->retry_on_dup = idle;
	return out->action = PREP_SEND;
}

bool policy_names_statements(struct stmt *s)
{
	struct sql_scan scan;
	const char *q = stmt_query(s);
	size_t len = strlen(q);

	if (stmt_sql_refs(s) < 0) {
		sqlscan(q, len, true, &scan);
		if (scan.n_refs == 0)
			sqlscan(q, len, false, &scan);
		stmt_set_sql_refs(s, scan.n_refs > 0);
	}
	return stmt_sql_refs(s) > 0;
}

const char *policy_map_name(struct stmt_table *t, enum shim_mode mode, const char *name,
			    const struct prep_inflight *inflight, char buf[SERVER_NAME_BUF],
			    struct stmt_sql *sql, struct stmt **entry)
{
	struct stmt *s;

	if (sql)
		sql->text = NULL;
	if (entry)
		*entry = NULL;
	if (mode == MODE_OFF || !name || !name[0])
		return name;
	if (inflight && inflight->gone)
		return name; /* the server's 26000 names it (unless policy_missing answered first) */
	if (inflight && (!inflight->changed || (inflight->server && inflight->server[0])))
		return strncmp(inflight->server, name, STMT_NAME_MAX) == 0 ? name : inflight->server;
	s = stmt_table_find(t, name);
	if (entry)
		*entry = s;
	if (s) {
		if (sql && mode == MODE_DEDUPE && stmt_server_name(s) &&
		    stmt_origin(s) == STMT_PROTOCOL && policy_names_statements(s)) {
			sql->text = stmt_query(s);
			sql->nparams = stmt_nparams(s);
			sql->types = stmt_types(s);
		}
		if (!stmt_server_name(s))
			return NAMES_GONE; /* recorded as a text that cannot run here: the 26000 */
		return stmt_is_renamed(s) ? stmt_server_name(s) : name;
	}
	if (stmt_table_is_stale(t, name))
		return NAMES_GONE;
	return policy_unknown_name(name, buf);
}

const char *policy_unknown_name(const char *name, char buf[SERVER_NAME_BUF])
{
	if (strnlen(name, NAME_DROPS_CONNECTION) < NAME_DROPS_CONNECTION)
		return name;
	names_copy_server(buf, name);
	for (size_t n = strlen(buf); n > 0 && ((unsigned char)buf[n - 1] & 0xC0) == 0x80;)
		buf[--n] = '\0'; /* continuation bytes of a cut character */
	if (buf[0] && ((unsigned char)buf[strlen(buf) - 1] & 0xC0) == 0xC0)
		buf[strlen(buf) - 1] = '\0'; /* its lead byte */
	return buf;
}

bool policy_missing(const struct stmt_table *t, enum shim_mode mode, bool tracking,
		    const char *name, const struct prep_inflight *inflight)
{
	if (!(mode_records_text(mode) || tracking) || !name || !name[0] || !name_is_utf8(name))
		return false;
	if (inflight)
		return inflight->gone;
	return !t->sql_names && !stmt_table_find(t, name);
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

const char *policy_sql_body_query(const char *body)
{
	if (!body)
		return NULL;
	while (is_blank(*body))
		body++;
	if (strncasecmp(body, "as", 2) != 0 || !is_blank(body[2]))
		return NULL;
	return body + 3;
}

const char *policy_sql_body_statement(const char *body, bool *typed)
{
	int depth = 0;
	bool quoted = false;

	*typed = false;
	if (!body)
		return NULL;
	while (is_blank(*body))
		body++;
	if (*body != '(')
		return policy_sql_body_query(body);
	*typed = true;
	/* the type list: balanced parentheses (numeric(10,2)), quoted identifiers */
	for (; *body; body++) {
		if (*body == '"')
			quoted = !quoted; /* "" inside one toggles twice */
		else if (!quoted && *body == '(')
			depth++;
		else if (!quoted && *body == ')' && --depth == 0)
			return policy_sql_body_query(body + 1);
	}
	return NULL;
}

bool policy_inflight_text_only(const struct prep_inflight *inflight)
{
	return inflight && !inflight->changed && !inflight->gone && inflight->server &&
	       !inflight->server[0] && inflight->query;
}

bool policy_unnamed_text(const struct stmt_table *t, const char *name,
			 const struct prep_inflight *inflight, struct prep_inflight *out)
{
	const struct stmt *s;

	if (!name)
		return false;
	if (inflight) {
		*out = *inflight;
		return !inflight->changed;
	}
	s = stmt_table_find(t, name);
	if (!s || stmt_server_name(s))
		return false;
	out->changed = false;
	out->gone = false;
	out->server = "";
	out->query = stmt_query(s);
	out->nparams = stmt_nparams(s);
	out->types = stmt_types(s);
	if (stmt_origin(s) == STMT_SQL) {
		/* a SQL PREPARE's body; a type list's types as the server resolved them (FX_TYPES) */
		bool typed;

		out->query = policy_sql_body_statement(out->query, &typed);
		if (!out->query || (typed && !stmt_types(s)))
			return false; /* types not known (FX_TYPES did not come): nothing to run it with */
		if (!typed) {
			out->nparams = 0;
			out->types = NULL;
		}
	}
	return true;
}

