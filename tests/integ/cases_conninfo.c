/*
 * The shim's parameters in connection strings, in every way a string reaches
 * libpq. Unnamed mode is visible from the server: a prepare leaves no named
 * statement behind.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cases.h"

/* "Prepare s0 and see whether the server session holds it": 0 in unnamed mode. */
static int named_after_prepare(PGconn *c)
{
	PGresult *r = PQprepare(c, "s0", "select 1", 0, NULL);
	bool ok = pqt_status(r, PGRES_COMMAND_OK);

	PQclear(r);
	return ok ? pqt_server_statements(c) : -1;
}

static PGconn *checked(PGconn *c, const char *how)
{
	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "  %s: %s", how, PQerrorMessage(c));
		PQfinish(c);
		return NULL;
	}
	return c;
}

static const char *env_or(const char *name, const char *fallback)
{
	const char *v = getenv(name);

	return v ? v : fallback;
}

PQT_CASE(conninfo_keyword_value, true,
	 "prepared_statements=false in a key/value string selects unnamed mode (libpq alone rejects it)");
static int conninfo_keyword_value(void)
{
	char dsn[1024];
	PGconn *c;

	snprintf(dsn, sizeof(dsn), "%s prepared_statements=false", env_or("PQT_DSN", ""));
	c = checked(PQconnectdb(dsn), "PQconnectdb");
	CHECK(c, "connect");
	CHECK(named_after_prepare(c) == 0, "unnamed mode: no named statement on the server");
	PQfinish(c);
	return 0;
}

PQT_CASE(conninfo_uri_prisma, true,
	 "?pgbouncer=true&connection_limit=1&pool_timeout=10 in a URI: unnamed mode, pool parameters dropped");
static int conninfo_uri_prisma(void)
{
	char uri[1024];
	PGconn *c;

	snprintf(uri, sizeof(uri),
		 "postgresql://postgres@/postgres?host=%s&port=%s&pgbouncer=true&connection_limit=1&pool_timeout=10",
		 env_or("PGHOST", ""), env_or("PGPORT", ""));
	c = checked(PQconnectdb(uri), "PQconnectdb(uri)");
	CHECK(c, "connect");
	CHECK(named_after_prepare(c) == 0, "unnamed mode");
	PQfinish(c);
	return 0;
}

PQT_CASE(conninfo_params_expand_dbname, true,
	 "PQconnectdbParams with expand_dbname, the URI in dbname, and a shim keyword in the arrays");
static int conninfo_params_expand_dbname(void)
{
	char uri[1024];
	const char *kw1[] = { "dbname", NULL }, *kw2[] = { "host", "port", "user", "dbname",
							  "pqshim_mode", NULL };
	const char *v1[] = { uri, NULL };
	const char *v2[] = { env_or("PGHOST", ""), env_or("PGPORT", ""), "postgres", "postgres",
			     "unnamed", NULL };
	PGconn *c;

	snprintf(uri, sizeof(uri), "postgresql://postgres@/postgres?host=%s&port=%s&prepared_statements=false",
		 env_or("PGHOST", ""), env_or("PGPORT", ""));
	c = checked(PQconnectdbParams(kw1, v1, 1), "PQconnectdbParams(expand)");
	CHECK(c, "connect with expand_dbname");
	CHECK(named_after_prepare(c) == 0, "unnamed mode from dbname");
	PQfinish(c);
	c = checked(PQconnectdbParams(kw2, v2, 0), "PQconnectdbParams(arrays)");
	CHECK(c, "connect with a shim keyword in the arrays");
	CHECK(named_after_prepare(c) == 0, "unnamed mode from the arrays");
	PQfinish(c);
	return 0;
}

PQT_CASE(conninfo_setdblogin_and_start, true,
	 "PQsetdbLogin with a connection string as dbName, and PQconnectStart + PQconnectPoll");
static int conninfo_setdblogin_and_start(void)
{
	char dsn[1024];
	PostgresPollingStatusType st = PGRES_POLLING_WRITING;
	PGconn *c;

	c = checked(PQsetdbLogin(env_or("PGHOST", ""), env_or("PGPORT", ""), NULL, NULL,
				 "dbname=postgres pqshim_mode=unnamed", "postgres", NULL),
		    "PQsetdbLogin");
	CHECK(c, "PQsetdbLogin");
	CHECK(named_after_prepare(c) == 0, "unnamed mode");
	PQfinish(c);
	snprintf(dsn, sizeof(dsn), "%s pgbouncer=true", env_or("PQT_DSN", ""));
	c = PQconnectStart(dsn);
	CHECK(c && PQstatus(c) != CONNECTION_BAD, "PQconnectStart: %s", PQerrorMessage(c));
	while (st != PGRES_POLLING_OK && st != PGRES_POLLING_FAILED) {
		st = PQconnectPoll(c);
		usleep(1000);
	}
	CHECK(st == PGRES_POLLING_OK, "poll: %s", PQerrorMessage(c));
	CHECK(named_after_prepare(c) == 0, "unnamed mode");
	PQfinish(c);
	return 0;
}

PQT_CASE(conninfo_string_beats_environment, true,
	 "pqshim_mode=dedupe in the string wins over PQSHIM_MODE=unnamed in the environment");
static int conninfo_string_beats_environment(void)
{
	char dsn[1024];
	PGconn *c;

	setenv("PQSHIM_MODE", "unnamed", 1);
	snprintf(dsn, sizeof(dsn), "%s pqshim_mode=dedupe", env_or("PQT_DSN", ""));
	c = checked(PQconnectdb(dsn), "PQconnectdb");
	CHECK(c, "connect");
	CHECK(named_after_prepare(c) == 1, "dedupe mode: the named statement is on the server");
	PQfinish(c);
	c = pqt_connect(false);
	CHECK(c, "connect without a shim parameter");
	CHECK(named_after_prepare(c) == 0, "the environment's unnamed mode applies");
	PQfinish(c);
	return 0;
}

PQT_CASE(conninfo_malformed_untouched, false,
	 "malformed strings reach libpq untouched: its own error messages, word for word");
static int conninfo_malformed_untouched(void)
{
	static const struct {
		const char *dsn, *error;
	} cases[] = {
		{ "host='unterminated pgbouncer=true", "unterminated quoted string" },
		{ "postgresql://h/db?pgbouncer=true&bogus=1", "invalid URI query parameter: \"bogus\"" },
		{ "dbname=x prepared_statements", "missing \"=\" after \"prepared_statements\"" },
		{ "postgresql://h/db?%zz=1", "invalid percent-encoded token" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		PGconn *c = PQconnectdb(cases[i].dsn);

		CHECK(PQstatus(c) == CONNECTION_BAD, "%s must fail", cases[i].dsn);
		CHECK(strstr(PQerrorMessage(c), cases[i].error), "%s: libpq's message '%s', got '%s'",
		      cases[i].dsn, cases[i].error, PQerrorMessage(c));
		PQfinish(c);
	}
	return 0;
}

const struct pqt_case *const cases_conninfo_list[] = {
	&conninfo_keyword_value_case,      &conninfo_uri_prisma_case,
	&conninfo_params_expand_dbname_case, &conninfo_setdblogin_and_start_case,
	&conninfo_string_beats_environment_case, &conninfo_malformed_untouched_case, NULL,
};
