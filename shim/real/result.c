/* Helpers on results; see result.h. */
#include <string.h>

#include "guard.h"
#include "real.h"
#include "result.h"

void result_clear(PGresult *r)
{
	if (r)
		CALL_REAL_VOID(real.PQclear(r));
}

PGresult *result_make_ok(PGconn *conn)
{
	PGresult *r = CALL_REAL(real.PQmakeEmptyPGresult(conn, PGRES_COMMAND_OK));

	/* a result from PQgetResult has been through RESULTCREATE events: so must ours */
	if (r && !CALL_REAL(real.PQfireResultCreateEvents(conn, r))) {
		result_clear(r);
		r = NULL;
	}
	return r;
}

PGresult *result_make_error(PGconn *conn)
{
	return CALL_REAL(real.PQmakeEmptyPGresult(conn, PGRES_FATAL_ERROR));
}

bool result_has_sqlstate(const PGresult *r, const char *sqlstate)
{
	const char *s;

	if (!r || real.PQresultStatus(r) != PGRES_FATAL_ERROR)
		return false;
	s = real.PQresultErrorField(r, PG_DIAG_SQLSTATE);
	return s && strcmp(s, sqlstate) == 0;
}

bool result_names_statement(const PGresult *r, const char *name)
{
	const char *m = r ? real.PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	size_t n = strlen(name);

	for (const char *p = m ? strchr(m, '"') : NULL; p; p = strchr(p + 1, '"'))
		if (strncmp(p + 1, name, n) == 0 && p[n + 1] == '"')
			return true;
	return false;
}

bool result_plan_changed(const PGresult *r)
{
	const char *fn;

	if (!result_has_sqlstate(r, SQLSTATE_FEATURE_NOT_SUPPORTED))
		return false;
	fn = real.PQresultErrorField(r, PG_DIAG_SOURCE_FUNCTION);
	return fn && strcmp(fn, "RevalidateCachedQuery") == 0;
}
