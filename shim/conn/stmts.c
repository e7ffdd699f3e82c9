/* The statement table's changes at result time; see stmts.h. */
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "real/result.h"
#include "stmts.h"

static void not_recorded(struct conn_state *cs, const char *key)
{
	stmt_table_forget(&cs->stmts, key);
	log_once(LOG_ONCE_NO_MEMORY_RECORD, LOG_WARN,
		 "out of memory: statement \"%.63s\" not recorded", key);
}

void stmts_record_prepare(struct conn_state *cs, const char *key, const char *server,
			  const char *query, int nparams, const Oid *types)
{
	if (mode_records_text(cs->mode))
		server = NULL; /* unnamed or pooled (auto mode may have switched meanwhile) */
	if (!stmt_table_put(&cs->stmts, key, server, STMT_PROTOCOL, query, strlen(query), nparams,
			    types))
		not_recorded(cs, key);
	else
		log_msg(LOG_DEBUG, "prepared \"%.63s\" as \"%s\"", key, server ? server : "");
}

void stmts_apply_fx(struct conn_state *cs, const struct sql_fx *fx)
{
	if (fx->no_effect)
		return;
	switch (fx->kind) {
	case FX_PREPARE:
		if (!stmt_table_put(&cs->stmts, fx->key, fx->virtual_record ? NULL : fx->server,
				    STMT_SQL, fx->body, fx->body_len, 0, NULL))
			not_recorded(cs, fx->key);
		break;
	case FX_DEALLOCATE:
		if (fx->known && cs->tracking)
			stmt_table_forget(&cs->stmts, fx->key); /* the pooler still holds the name */
		else if (fx->known)
			stmt_table_remove(&cs->stmts, fx->key);
		else
			stmt_table_release(&cs->stmts, fx->server);
		break;
	case FX_DEALLOCATE_ALL:
	case FX_DISCARD_ALL:
		stmt_table_clear(&cs->stmts);
		break;
	case FX_TYPES: /* stmts_record_types */
	case FX_BEGIN:
	case FX_COMMIT:
		break;
	}
}

void stmts_record_types(struct conn_state *cs, const char *key, const char *oids)
{
	const struct stmt *s = stmt_table_find(&cs->stmts, key);
	Oid types[STMTS_MAX_TYPES];
	int n = 0;
	char *end;

	if (!s || stmt_server_name(s) || stmt_origin(s) != STMT_SQL)
		return;
	for (const char *p = oids; *p && n < STMTS_MAX_TYPES; p = *end ? end + 1 : end) {
		unsigned long v = strtoul(p, &end, 10);

		if (end == p || (*end && *end != ',') || v == 0 || v > 0xFFFFFFFFul)
			return; /* not the server's answer: left without types (it cannot run) */
		types[n++] = (Oid)v;
	}
	if (n == 0 || n >= STMTS_MAX_TYPES)
		return;
	/* the same record with the types: the body is copied before the old one goes */
	if (!stmt_table_put(&cs->stmts, key, NULL, STMT_SQL, stmt_query(s), strlen(stmt_query(s)),
			    n, types))
		not_recorded(cs, key);
}

void stmts_closed(struct conn_state *cs, const char *name, const char *server)
{
	if (stmt_table_find(&cs->stmts, name))
		stmt_table_remove(&cs->stmts, name);
	else
		stmt_table_release(&cs->stmts, server);
}

void stmts_lost(struct conn_state *cs, const char *name)
{
	if (!stmt_table_find(&cs->stmts, name))
		return;
	if (cs->auto_pooled) /* a statement the shim made is gone: a transaction pooler */
		conn_switch_pooled(cs, "\"does not exist\" (26000)", name);
	else
		stmt_table_remove(&cs->stmts, name);
}

bool stmts_is_lost(struct conn_state *cs, const char *name, const PGresult *r)
{
	struct stmt *s;

	if (!result_has_sqlstate(r, SQLSTATE_UNDEFINED_PSTATEMENT))
		return false;
	s = stmt_table_find(&cs->stmts, name);
	/* a statement whose text runs "EXECUTE n0": the 26000 may be n0's, not its own */
	return !s || !policy_names_statements(s) ||
	       result_names_statement(r, stmt_server_name(s) ? stmt_server_name(s) : name);
}

void stmts_check_lost(struct conn_state *cs, const char *name, const PGresult *r)
{
	if (cs && cs->mode == MODE_DEDUPE && name && stmts_is_lost(cs, name, r))
		stmts_lost(cs, name);
}
