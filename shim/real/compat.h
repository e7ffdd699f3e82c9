/*
 * Prototypes libpq 17 added, for building against older headers. The shim
 * exports these names too, so apps built against libpq 17 are covered; when
 * the loaded libpq lacks them, our definitions fail the way libpq would.
 */
#ifndef PQSHIM_COMPAT_H
#define PQSHIM_COMPAT_H

#include <libpq-fe.h>

#ifndef LIBPQ_HAS_CLOSE_PREPARED
PGresult *PQclosePrepared(PGconn *conn, const char *stmt);
int PQsendClosePrepared(PGconn *conn, const char *stmt);
int PQsendClosePortal(PGconn *conn, const char *portal);
#endif
#ifndef LIBPQ_HAS_SEND_PIPELINE_SYNC
int PQsendPipelineSync(PGconn *conn);
#endif
#ifndef LIBPQ_HAS_ASYNC_CANCEL
typedef struct pg_cancel_conn PGcancelConn;
PGcancelConn *PQcancelCreate(PGconn *conn);
int PQcancelStart(PGcancelConn *cancelConn);
int PQcancelBlocking(PGcancelConn *cancelConn);
void PQcancelFinish(PGcancelConn *cancelConn);
#endif
#ifndef LIBPQ_HAS_CHUNK_MODE
int PQsetChunkedRowsMode(PGconn *conn, int chunkSize);
/* libpq 17's ExecStatusType value after PGRES_PIPELINE_ABORTED */
#define COMPAT_TUPLES_CHUNK ((ExecStatusType)(PGRES_PIPELINE_ABORTED + 1))
#else
#define COMPAT_TUPLES_CHUNK PGRES_TUPLES_CHUNK
#endif

#endif
