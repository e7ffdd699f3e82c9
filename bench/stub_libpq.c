/*
 * A stub libpq for measuring the shim's own cost without a server: built as
 * build/bench/libpq.so.5 (soname libpq.so.5), it exports every libpq function
 * the shim resolves (shim/real/real_list.h: all REQ entries, and PQpipelineStatus)
 * plus what the drivers call, and answers each one instantly with a canned
 * result. Results are static objects: PQclear never frees anything.
 *
 * The synchronous calls are shaped like libpq's own: PQexec* first drains
 * what is pending with PQgetResult (PQexecStart), sends, then reads every
 * result with PQgetResult (PQexecFinish). Those inner calls go through the
 * PLT, exactly as in libpq, so under LD_PRELOAD they reach the shim's hook,
 * which passes them through (its depth guard): the benchmark pays that cost
 * too, as a real app would.
 *
 * One PGconn is used by one thread at a time (libpq's rule); the stub keeps
 * no global mutable state, so threads with their own connections never
 * share a cache line here.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libpq-fe.h>
#include <libpq-events.h>

struct pg_result {
	ExecStatusType status;
	const char *cmd_status;
};

struct pg_conn {
	const struct pg_result *next; /* what the next PQgetResult returns; NULL: idle */
	unsigned magic;
	char pad[48];                 /* a few fields, as a real PGconn has many more */
};

#define CONN_MAGIC 0x5043u

static const struct pg_result res_tuples = { PGRES_TUPLES_OK, "SELECT 1" };
static const struct pg_result res_command = { PGRES_COMMAND_OK, "" };
static const struct pg_result res_prepare = { PGRES_COMMAND_OK, "PREPARE" };
static const struct pg_result res_deallocate = { PGRES_COMMAND_OK, "DEALLOCATE" };
static const struct pg_result res_deallocate_all = { PGRES_COMMAND_OK, "DEALLOCATE ALL" };
static const struct pg_result res_discard_all = { PGRES_COMMAND_OK, "DISCARD ALL" };
static const struct pg_result res_empty_query = { PGRES_EMPTY_QUERY, "" };
static const struct pg_result res_error = { PGRES_FATAL_ERROR, "" };

static PGresult *out(const struct pg_result *r)
{
	return (PGresult *)(uintptr_t)r; /* static and never written: PQclear is a no-op */
}

/* The command tag a server would give the (first) statement of a text. */
static const struct pg_result *result_for_sql(const char *sql)
{
	if (!sql)
		return &res_error;
	while (*sql == ' ' || *sql == '\t' || *sql == '\n' || *sql == '\r')
		sql++;
	if (!*sql)
		return &res_empty_query;
	if (strncasecmp(sql, "DEALLOCATE ALL", 14) == 0)
		return &res_deallocate_all;
	if (strncasecmp(sql, "DEALLOCATE", 10) == 0)
		return &res_deallocate;
	if (strncasecmp(sql, "DISCARD ALL", 11) == 0)
		return &res_discard_all;
	if (strncasecmp(sql, "PREPARE", 7) == 0)
		return &res_prepare;
	if (strncasecmp(sql, "SELECT", 6) == 0 || strncasecmp(sql, "EXECUTE", 7) == 0)
		return &res_tuples;
	return &res_command;
}

static PGconn *new_conn(void)
{
	PGconn *c = calloc(1, sizeof(*c));

	if (c)
		c->magic = CONN_MAGIC;
	return c;
}

static int queue(PGconn *c, const struct pg_result *r)
{
	if (!c || c->magic != CONN_MAGIC)
		return 0;
	c->next = r;
	return 1;
}

/* libpq's PQexecStart: discard whatever is still pending (through the PLT). */
static void exec_start(PGconn *c)
{
	PGresult *r;

	while ((r = PQgetResult(c)) != NULL)
		PQclear(r);
}

/* libpq's PQexecFinish: every result, the last one kept (through the PLT). */
static PGresult *exec_finish(PGconn *c)
{
	PGresult *r, *last = NULL;

	while ((r = PQgetResult(c)) != NULL) {
		PQclear(last);
		last = r;
	}
	return last;
}

static PGresult *exec(PGconn *c, const struct pg_result *r)
{
	if (!c)
		return NULL;
	exec_start(c);
	if (!queue(c, r))
		return NULL;
	return exec_finish(c);
}

/* ---- connections ---- */

PGconn *PQconnectdb(const char *conninfo)
{
	return new_conn();
}

PGconn *PQconnectdbParams(const char *const *keywords, const char *const *values,
			  int expand_dbname)
{
	return new_conn();
}

PGconn *PQconnectStart(const char *conninfo)
{
	return new_conn();
}

PGconn *PQconnectStartParams(const char *const *keywords, const char *const *values,
			     int expand_dbname)
{
	return new_conn();
}

PGconn *PQsetdbLogin(const char *pghost, const char *pgport, const char *pgoptions,
		     const char *pgtty, const char *dbName, const char *login, const char *pwd)
{
	return new_conn();
}

PostgresPollingStatusType PQconnectPoll(PGconn *conn)
{
	return conn ? PGRES_POLLING_OK : PGRES_POLLING_FAILED;
}

void PQreset(PGconn *conn)
{
	if (conn)
		conn->next = NULL;
}

int PQresetStart(PGconn *conn)
{
	if (conn)
		conn->next = NULL;
	return conn != NULL;
}

PostgresPollingStatusType PQresetPoll(PGconn *conn)
{
	return conn ? PGRES_POLLING_OK : PGRES_POLLING_FAILED;
}

void PQfinish(PGconn *conn)
{
	if (conn)
		conn->magic = 0;
	free(conn);
}

ConnStatusType PQstatus(const PGconn *conn)
{
	return conn ? CONNECTION_OK : CONNECTION_BAD;
}

PGTransactionStatusType PQtransactionStatus(const PGconn *conn)
{
	if (!conn)
		return PQTRANS_UNKNOWN;
	return conn->next ? PQTRANS_ACTIVE : PQTRANS_IDLE; /* as libpq: busy while results wait */
}

const char *PQparameterStatus(const PGconn *conn, const char *paramName)
{
	if (!conn || !paramName)
		return NULL;
	if (strcmp(paramName, "standard_conforming_strings") == 0)
		return "on";
	if (strcmp(paramName, "server_version") == 0)
		return "15.0 (stub)";
	return NULL;
}

PGpipelineStatus PQpipelineStatus(const PGconn *conn)
{
	return PQ_PIPELINE_OFF;
}

/* ---- commands ---- */

PGresult *PQprepare(PGconn *conn, const char *stmtName, const char *query, int nParams,
		    const Oid *paramTypes)
{
	return exec(conn, &res_command);
}

int PQsendPrepare(PGconn *conn, const char *stmtName, const char *query, int nParams,
		  const Oid *paramTypes)
{
	return queue(conn, &res_command);
}

PGresult *PQexecPrepared(PGconn *conn, const char *stmtName, int nParams,
			 const char *const *paramValues, const int *paramLengths,
			 const int *paramFormats, int resultFormat)
{
	return exec(conn, &res_tuples);
}

int PQsendQueryPrepared(PGconn *conn, const char *stmtName, int nParams,
			const char *const *paramValues, const int *paramLengths,
			const int *paramFormats, int resultFormat)
{
	return queue(conn, &res_tuples);
}

PGresult *PQdescribePrepared(PGconn *conn, const char *stmt)
{
	return exec(conn, &res_command);
}

int PQsendDescribePrepared(PGconn *conn, const char *stmt)
{
	return queue(conn, &res_command);
}

int PQsendDescribePortal(PGconn *conn, const char *portal)
{
	return queue(conn, &res_command);
}

PGresult *PQexec(PGconn *conn, const char *query)
{
	return exec(conn, result_for_sql(query));
}

int PQsendQuery(PGconn *conn, const char *query)
{
	return queue(conn, result_for_sql(query));
}

PGresult *PQexecParams(PGconn *conn, const char *command, int nParams, const Oid *paramTypes,
		       const char *const *paramValues, const int *paramLengths,
		       const int *paramFormats, int resultFormat)
{
	return exec(conn, result_for_sql(command));
}

int PQsendQueryParams(PGconn *conn, const char *command, int nParams, const Oid *paramTypes,
		      const char *const *paramValues, const int *paramLengths,
		      const int *paramFormats, int resultFormat)
{
	return queue(conn, result_for_sql(command));
}

/* ---- results ---- */

PGresult *PQgetResult(PGconn *conn)
{
	const struct pg_result *r;

	if (!conn)
		return NULL;
	r = conn->next;
	conn->next = NULL; /* one result, then the command's NULL */
	return out(r);
}

int PQisBusy(PGconn *conn)
{
	return 0;
}

/* COPY is never in progress here: no data, and the end goes through */
int PQgetCopyData(PGconn *conn, char **buffer, int async)
{
	*buffer = NULL;
	return -1;
}

int PQputCopyEnd(PGconn *conn, const char *errormsg)
{
	return 1;
}

void PQfreemem(void *ptr)
{
}

ExecStatusType PQresultStatus(const PGresult *res)
{
	return res ? res->status : PGRES_FATAL_ERROR;
}

char *PQresultErrorField(const PGresult *res, int fieldcode)
{
	return NULL;
}

char *PQcmdStatus(PGresult *res)
{
	return res ? (char *)(uintptr_t)res->cmd_status : NULL;
}

void PQclear(PGresult *res)
{
}

PGresult *PQmakeEmptyPGresult(PGconn *conn, ExecStatusType status)
{
	switch (status) {
	case PGRES_COMMAND_OK:
		return out(&res_command);
	case PGRES_TUPLES_OK:
		return out(&res_tuples);
	case PGRES_EMPTY_QUERY:
		return out(&res_empty_query);
	default:
		return out(&res_error);
	}
}

int PQfireResultCreateEvents(PGconn *conn, PGresult *res)
{
	return 1;
}

/* what the drivers may ask besides */
int PQlibVersion(void)
{
	return 0; /* the stub: no real version */
}

int PQsetSingleRowMode(PGconn *conn)
{
	return conn && conn->next ? 1 : 0;
}

int PQntuples(const PGresult *res)
{
	return res && ((const struct pg_result *)res)->status == PGRES_TUPLES_OK ? 1 : 0;
}

char *PQgetvalue(const PGresult *res, int tup_num, int field_num)
{
	static char one[] = "1";

	(void)res, (void)tup_num, (void)field_num;
	return one;
}

char *PQerrorMessage(const PGconn *conn)
{
	static char empty[] = "";

	(void)conn;
	return empty;
}

char *PQresultErrorMessage(const PGresult *res)
{
	static char empty[] = "";

	(void)res;
	return empty;
}
