/*
 * One pass over the shim's main paths (dedupe mode: protocol and SQL
 * re-prepares, renames, async, pipeline, DEALLOCATE), run once for every
 * allocation the shim makes with that allocation failing (make oom-test).
 * Each step must give either the right value or an error plain libpq could
 * give there (42P05 for a re-prepare the shim had to pass through, 26000 for
 * a name the shim had to forget): never another statement's value, never a
 * crash, never a hang.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pqtest.h"

static int wrong;

/* r: its value must be want, or r must be an error with one of the allowed SQLSTATEs. */
static void expect(const char *step, PGresult *r, const char *want, const char *allowed)
{
	ExecStatusType st = PQresultStatus(r);
	const char *ss = pqt_sqlstate(r);

	if (!r)
		goto done; /* no result at all: what libpq itself gives without memory */
	if (st == PGRES_PIPELINE_ABORTED && strstr(allowed, "aborted"))
		goto done; /* after an error the pipeline owed the app (42P05 passed through) */
	if (want && st == PGRES_TUPLES_OK && strcmp(pqt_value(r), want) == 0)
		goto done;
	if (!want && st == PGRES_COMMAND_OK)
		goto done;
	if (st == PGRES_FATAL_ERROR && ss[0] && strstr(allowed, ss))
		goto done;
	fprintf(stderr, "  %s: %s %s value '%s' (wanted %s, or one of %s)\n", step, PQresStatus(st),
		ss, pqt_value(r), want ? want : "COMMAND_OK", allowed);
	wrong++;
done:
	PQclear(r);
}

static void drain(PGconn *c, const char *step, const char *want, const char *allowed)
{
	PGresult *r;

	while ((r = PQgetResult(c)) != NULL) {
		if (PQresultStatus(r) == PGRES_PIPELINE_SYNC) {
			PQclear(r);
			continue;
		}
		expect(step, r, want, allowed);
	}
}

int main(void)
{
	PGconn *c = pqt_connect(false);
	const char *v[1] = { "5" };

	if (!c)
		return 2;
	expect("prepare s0", PQprepare(c, "s0", "select 1", 0, NULL), NULL, "42P05");
	expect("identical s0", PQprepare(c, "s0", "select 1", 0, NULL), NULL, "42P05");
	expect("exec s0", PQexecPrepared(c, "s0", 0, NULL, NULL, NULL, 0), "1", "26000");
	{
		/* a rename: s0 then means select 2, or (refused) still select 1, or (forgotten) nothing */
		PGresult *r = PQprepare(c, "s0", "select 2", 0, NULL);
		bool renamed = PQresultStatus(r) == PGRES_COMMAND_OK;

		expect("conflicting s0", r, NULL, "42P05");
		expect("exec s0 after", PQexecPrepared(c, "s0", 0, NULL, NULL, NULL, 0),
		       renamed ? "2" : "1", "26000");
	}
	expect("SQL PREPARE q", PQexec(c, "PREPARE q AS SELECT 'q1'"), NULL, "42P05");
	expect("SQL PREPARE q again", PQexec(c, "PREPARE q AS SELECT 'q1'"), NULL, "42P05");
	{
		PGresult *r = PQexec(c, "PREPARE q AS SELECT 'q2'");
		bool renamed = PQresultStatus(r) == PGRES_COMMAND_OK;

		expect("SQL re-PREPARE q", r, NULL, "42P05");
		expect("EXECUTE q", PQexec(c, "EXECUTE q"), renamed ? "q2" : "q1", "26000");
	}
	/* async, as event loops do it */
	if (PQsendPrepare(c, "a0", "select $1::int * 2", 0, NULL))
		drain(c, "async prepare", NULL, "42P05");
	if (PQsendPrepare(c, "a0", "select $1::int * 2", 0, NULL))
		drain(c, "async identical", NULL, "42P05");
	if (PQsendQueryPrepared(c, "a0", 1, v, NULL, NULL, 0))
		drain(c, "async exec", "10", "26000");
	/* pipeline */
	if (PQenterPipelineMode(c)) {
		PQsendPrepare(c, "p0", "select $1::int + 1", 0, NULL);
		PQsendPrepare(c, "p0", "select $1::int + 1", 0, NULL);
		PQsendQueryPrepared(c, "p0", 1, v, NULL, NULL, 0);
		PQpipelineSync(c);
		for (int i = 0; i < 3; i++)
			drain(c, "pipeline", i == 2 ? "6" : NULL, "42P05 26000 aborted");
		PGresult *r = PQgetResult(c);

		if (r && PQresultStatus(r) != PGRES_PIPELINE_SYNC && PQresultStatus(r) != PGRES_PIPELINE_ABORTED)
			expect("pipeline end", r, NULL, "");
		else
			PQclear(r);
		PQexitPipelineMode(c);
	}
	expect("DEALLOCATE ALL", PQexec(c, "DEALLOCATE ALL"), NULL, "");
	expect("prepare after", PQprepare(c, "s0", "select 3", 0, NULL), NULL, "");
	expect("exec after", PQexecPrepared(c, "s0", 0, NULL, NULL, NULL, 0), "3", "");
	PQfinish(c);
	return wrong ? 1 : 0;
}
