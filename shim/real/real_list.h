/*
 * The one list of libpq functions the shim calls for real, as an X-macro:
 * REQ(ret, name, params, args) for functions every supported libpq (10+) has,
 * OPT(...) for newer ones (pipeline mode: 14; close, sendPipelineSync and chunked rows: 17).
 * real.c resolves them all at once; an OPT entry may stay NULL.
 */
#define REAL_FUNCS(REQ, OPT) \
	REQ(PGconn *, PQconnectdb, (const char *a), (a)) \
	REQ(PGconn *, PQconnectdbParams, (const char *const *a, const char *const *b, int c), (a, b, c)) \
	REQ(PGconn *, PQconnectStart, (const char *a), (a)) \
	REQ(PGconn *, PQconnectStartParams, (const char *const *a, const char *const *b, int c), (a, b, c)) \
	REQ(PGconn *, PQsetdbLogin, (const char *a, const char *b, const char *c, const char *d, const char *e, const char *f, const char *g), (a, b, c, d, e, f, g)) \
	REQ(PostgresPollingStatusType, PQconnectPoll, (PGconn *a), (a)) \
	REQ(void, PQreset, (PGconn *a), (a)) \
	REQ(int, PQresetStart, (PGconn *a), (a)) \
	REQ(PostgresPollingStatusType, PQresetPoll, (PGconn *a), (a)) \
	REQ(void, PQfinish, (PGconn *a), (a)) \
	REQ(PGresult *, PQprepare, (PGconn *a, const char *b, const char *c, int d, const Oid *e), (a, b, c, d, e)) \
	REQ(int, PQsendPrepare, (PGconn *a, const char *b, const char *c, int d, const Oid *e), (a, b, c, d, e)) \
	REQ(PGresult *, PQexecPrepared, (PGconn *a, const char *b, int c, const char *const *d, const int *e, const int *f, int g), (a, b, c, d, e, f, g)) \
	REQ(int, PQsendQueryPrepared, (PGconn *a, const char *b, int c, const char *const *d, const int *e, const int *f, int g), (a, b, c, d, e, f, g)) \
	REQ(PGresult *, PQdescribePrepared, (PGconn *a, const char *b), (a, b)) \
	REQ(int, PQsendDescribePrepared, (PGconn *a, const char *b), (a, b)) \
	REQ(int, PQsendDescribePortal, (PGconn *a, const char *b), (a, b)) \
	REQ(PGresult *, PQexec, (PGconn *a, const char *b), (a, b)) \
	REQ(int, PQsendQuery, (PGconn *a, const char *b), (a, b)) \
	REQ(PGresult *, PQexecParams, (PGconn *a, const char *b, int c, const Oid *d, const char *const *e, const int *f, const int *g, int h), (a, b, c, d, e, f, g, h)) \
	REQ(int, PQsendQueryParams, (PGconn *a, const char *b, int c, const Oid *d, const char *const *e, const int *f, const int *g, int h), (a, b, c, d, e, f, g, h)) \
	REQ(PGresult *, PQgetResult, (PGconn *a), (a)) \
	REQ(int, PQgetCopyData, (PGconn *a, char **b, int c), (a, b, c)) \
	REQ(int, PQputCopyEnd, (PGconn *a, const char *b), (a, b)) \
	REQ(void, PQfreemem, (void *a), (a)) \
	REQ(int, PQisBusy, (PGconn *a), (a)) \
	REQ(char *, PQerrorMessage, (const PGconn *a), (a)) \
	REQ(char *, PQresultErrorMessage, (const PGresult *a), (a)) \
	REQ(int, PQsetSingleRowMode, (PGconn *a), (a)) \
	REQ(ConnStatusType, PQstatus, (const PGconn *a), (a)) \
	REQ(PGTransactionStatusType, PQtransactionStatus, (const PGconn *a), (a)) \
	REQ(const char *, PQparameterStatus, (const PGconn *a, const char *b), (a, b)) \
	REQ(char *, PQhost, (const PGconn *a), (a)) \
	REQ(char *, PQport, (const PGconn *a), (a)) \
	REQ(char *, PQdb, (const PGconn *a), (a)) \
	REQ(char *, PQuser, (const PGconn *a), (a)) \
	REQ(int, PQbackendPID, (const PGconn *a), (a)) \
	REQ(int, PQconsumeInput, (PGconn *a), (a)) \
	REQ(int, PQflush, (PGconn *a), (a)) \
	REQ(PGContextVisibility, PQsetErrorContextVisibility, (PGconn *a, PGContextVisibility b), (a, b)) \
	REQ(ExecStatusType, PQresultStatus, (const PGresult *a), (a)) \
	REQ(char *, PQresultErrorField, (const PGresult *a, int b), (a, b)) \
	REQ(char *, PQcmdStatus, (PGresult *a), (a)) \
	REQ(int, PQntuples, (const PGresult *a), (a)) \
	REQ(char *, PQgetvalue, (const PGresult *a, int b, int c), (a, b, c)) \
	REQ(void, PQclear, (PGresult *a), (a)) \
	REQ(PGresult *, PQmakeEmptyPGresult, (PGconn *a, ExecStatusType b), (a, b)) \
	REQ(int, PQfireResultCreateEvents, (PGconn *a, PGresult *b), (a, b)) \
	REQ(PGcancel *, PQgetCancel, (PGconn *a), (a)) \
	REQ(void, PQfreeCancel, (PGcancel *a), (a)) \
	REQ(int, PQcancel, (PGcancel *a, char *b, int c), (a, b, c)) \
	REQ(int, PQrequestCancel, (PGconn *a), (a)) \
	OPT(PGpipelineStatus, PQpipelineStatus, (const PGconn *a), (a)) \
	OPT(int, PQenterPipelineMode, (PGconn *a), (a)) \
	OPT(int, PQexitPipelineMode, (PGconn *a), (a)) \
	OPT(int, PQpipelineSync, (PGconn *a), (a)) \
	OPT(int, PQsendPipelineSync, (PGconn *a), (a)) \
	OPT(PGresult *, PQclosePrepared, (PGconn *a, const char *b), (a, b)) \
	OPT(int, PQsendClosePrepared, (PGconn *a, const char *b), (a, b)) \
	OPT(int, PQsendClosePortal, (PGconn *a, const char *b), (a, b)) \
	OPT(int, PQsetChunkedRowsMode, (PGconn *a, int b), (a, b)) \
	OPT(PGcancelConn *, PQcancelCreate, (PGconn *a), (a)) \
	OPT(int, PQcancelStart, (PGcancelConn *a), (a)) \
	OPT(int, PQcancelBlocking, (PGcancelConn *a), (a)) \
	OPT(void, PQcancelFinish, (PGcancelConn *a), (a))
