/*
 * Finding out what is in front of a connection (pooler.h) when its mode
 * depends on it (auto, pooled), before the app's first command: from what
 * the process already knows of the target, from PgBouncer 1.26+'s
 * ParameterStatus, else by the probe, once per target and process.
 *
 * The probe is one round trip under one Sync in a pipeline of the shim's
 * own: Parse of a statement of the shim's, the query of pg_backend_pid() and
 * of the name pg_prepared_statements shows for its text, DEALLOCATE of it.
 * A blocking connect (PQconnectdb, PQreset) runs it before returning; an
 * asynchronous one (PQconnectPoll, PQresetPoll) sends it when libpq says the
 * connection is made and answers READING until it is read, so event loops
 * wait on the socket as they do for the rest of the connection's start.
 *
 * Invariants: nothing of the probe reaches the app; whatever goes wrong the
 * connection ends decided (POOLER_UNKNOWN when nothing could be learned:
 * auto mode then runs unnamed, safe behind anything).
 */
#ifndef PQSHIM_DETECT_H
#define PQSHIM_DETECT_H

#include "conn/conn.h"

/* A connection that just came up with a blocking call: decided when this returns. */
void detect_sync(struct conn_state *cs);
/*
 * A connection that PQconnectPoll / PQresetPoll just reported made, or whose
 * probe is running: PGRES_POLLING_OK once decided, READING / WRITING while
 * the probe waits for the socket, FAILED when the connection broke.
 */
PostgresPollingStatusType detect_poll(struct conn_state *cs);

#endif
