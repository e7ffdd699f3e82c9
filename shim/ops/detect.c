/* What is in front of a connection; see detect.h. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "bundle.h"
#include "conn/targets.h"
#include "detect.h"
#include "real/guard.h"
#include "real/real.h"
#include "real/result.h"

static void decide(struct conn_state *cs, const char *key, enum pooler_kind kind, const char *how)
{
	conn_decide(cs, kind);
	if (key && kind != POOLER_UNKNOWN)
		targets_put(key, kind);
	log_msg(LOG_INFO, "in front of %s@%s:%s/%s: %s (%s); %s mode (configured: %s)",
		real.PQuser(cs->conn) ? real.PQuser(cs->conn) : "", real.PQhost(cs->conn) ? real.PQhost(cs->conn) : "",
		real.PQport(cs->conn) ? real.PQport(cs->conn) : "", real.PQdb(cs->conn) ? real.PQdb(cs->conn) : "",
		pooler_kind_name(kind), how, config_mode_name(cs->mode), config_mode_name(cs->configured));
	if (kind == POOLER_UNKNOWN && cs->configured == MODE_AUTO)
		log_once(LOG_ONCE_POOLER_UNKNOWN, LOG_WARN,
			 "auto mode could not tell what is in front of a connection; unnamed mode "
			 "there (safe behind any pooler, re-plans every execution)");
}

/* Decided without the probe: known for the target, or said by PgBouncer; false when not. */
static bool known(struct conn_state *cs, char key[TARGETS_KEY_MAX], bool *have_key)
{
	enum pooler_kind kind;

	*have_key = targets_key(cs->conn, key);
	if (*have_key && (kind = targets_get(key)) != POOLER_UNKNOWN) {
		decide(cs, NULL, kind, "known for this target");
		return true;
	}
	kind = pooler_from_params(real.PQparameterStatus(cs->conn, "pgbouncer.pool_mode"),
				  real.PQparameterStatus(cs->conn, "pgbouncer.max_prepared_statements"));
	if (kind != POOLER_UNKNOWN) {
		decide(cs, *have_key ? key : NULL, kind, "PgBouncer's ParameterStatus");
		return true;
	}
	return false;
}

static unsigned long probe_tag(void)
{
	static atomic_ulong n;
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((unsigned long)getpid() << 32) ^ (unsigned long)ts.tv_nsec ^
	       (atomic_fetch_add(&n, 1) << 48);
}

/* Sends the probe in the shim's own pipeline; false when it could not go. */
static bool send_probe(struct conn_state *cs)
{
	struct pooler_probe *p = &cs->probe;
	char text[POOLER_PROBE_NAME_MAX + 16], dealloc[POOLER_PROBE_NAME_MAX + 16];
	const char *param[1] = { text };
	PGconn *c = cs->conn;
	bool ok;

	memset(p, 0, sizeof(*p));
	pooler_probe_name(p->name, probe_tag());
	pooler_probe_text(text, p->name);
	snprintf(dealloc, sizeof(dealloc), "DEALLOCATE %s", p->name);
	if (!bundle_open(cs))
		return false;
	ok = CALL_REAL(real.PQsendPrepare(c, p->name, text, 0, NULL)) &&
	     CALL_REAL(real.PQsendQueryParams(c, POOLER_PROBE_QUERY, 1, NULL, param, NULL, NULL, 0)) &&
	     CALL_REAL(real.PQsendQueryParams(c, dealloc, 0, NULL, NULL, NULL, NULL, 0)) &&
	     bundle_sync(cs);
	if (!ok) {
		bundle_leave(cs);
		return false;
	}
	p->running = true;
	return true;
}

/* One result of the probe (NULL between its commands); true at its Sync. */
static bool probe_result(struct pooler_probe *p, PGresult *r)
{
	ExecStatusType st = r ? real.PQresultStatus(r) : PGRES_EMPTY_QUERY;
	const char *v;

	if (st == PGRES_TUPLES_OK && real.PQntuples(r) == 1 && !p->got_row) {
		p->got_row = true;
		p->server_pid = atoi(real.PQgetvalue(r, 0, 0));
		v = real.PQgetvalue(r, 0, 1);
		snprintf(p->seen, sizeof(p->seen), "%s", v ? v : "");
	}
	result_clear(r);
	return st == PGRES_PIPELINE_SYNC;
}

/* The probe read to its Sync (or the connection broke): decide. */
static void finish(struct conn_state *cs, const char *key)
{
	struct pooler_probe *p = &cs->probe;
	enum pooler_kind kind = POOLER_UNKNOWN;

	p->running = false;
	bundle_leave(cs);
	if (p->got_row)
		kind = pooler_from_probe(real.PQbackendPID(cs->conn), p->server_pid, p->name,
					 p->seen[0] ? p->seen : NULL);
	decide(cs, key, kind, "the probe");
}

void detect_sync(struct conn_state *cs)
{
	char key[TARGETS_KEY_MAX];
	bool have_key, synced = false;
	PGresult *r;

	if (cs->decided || real.PQstatus(cs->conn) != CONNECTION_OK ||
	    known(cs, key, &have_key))
		return;
	if (!send_probe(cs)) {
		decide(cs, NULL, POOLER_UNKNOWN, "the probe could not be sent");
		return;
	}
	while (!synced && real.PQstatus(cs->conn) == CONNECTION_OK) {
		r = CALL_REAL(real.PQgetResult(cs->conn));
		if (!r && real.PQpipelineStatus(cs->conn) == PQ_PIPELINE_OFF)
			break;
		synced = probe_result(&cs->probe, r);
	}
	finish(cs, have_key ? key : NULL);
}

PostgresPollingStatusType detect_poll(struct conn_state *cs)
{
	struct pooler_probe *p = &cs->probe;
	char key[TARGETS_KEY_MAX];
	bool have_key;
	int f;

	if (!p->running) {
		if (cs->decided || known(cs, key, &have_key))
			return PGRES_POLLING_OK;
		if (!send_probe(cs)) {
			decide(cs, NULL, POOLER_UNKNOWN, "the probe could not be sent");
			return real.PQstatus(cs->conn) == CONNECTION_OK ? PGRES_POLLING_OK : PGRES_POLLING_FAILED;
		}
	}
	have_key = targets_key(cs->conn, key);
	if ((f = CALL_REAL(real.PQflush(cs->conn))) != 0) {
		if (f > 0)
			return PGRES_POLLING_WRITING;
		finish(cs, NULL);
		return PGRES_POLLING_FAILED;
	}
	if (!CALL_REAL(real.PQconsumeInput(cs->conn))) {
		finish(cs, NULL);
		return PGRES_POLLING_FAILED;
	}
	while (!CALL_REAL(real.PQisBusy(cs->conn))) {
		if (probe_result(p, CALL_REAL(real.PQgetResult(cs->conn)))) {
			finish(cs, have_key ? key : NULL);
			return PGRES_POLLING_OK;
		}
		if (real.PQstatus(cs->conn) != CONNECTION_OK) {
			finish(cs, NULL);
			return PGRES_POLLING_FAILED;
		}
	}
	return PGRES_POLLING_READING;
}
