/*
 * Which connections the app asked to cancel, and when. The shim's exec op
 * retries an execution that failed before it ran (a 26000 on another server
 * connection); a cancel the app sent meanwhile found the server idle and was
 * dropped, so before any retry the op asks here, and ends the execution with
 * the server's own 57014 instead (exec.h).
 *
 * Invariants: cancels_note and cancels_note_handle are async-signal-safe
 * (PQcancel may be called from a signal handler or any thread): lock-free
 * atomics on fixed tables, no allocation. A handle (PGcancel, PGcancelConn)
 * is bound to its PGconn while it lives; a full table only means a cancel
 * through an unbound handle is not seen (then retries run as before). The
 * latest 64 requests are remembered whatever happens to their handles.
 */
#ifndef PQSHIM_CANCELS_H
#define PQSHIM_CANCELS_H

#include <stdbool.h>
#include <libpq-fe.h>

/* A cancel handle made for conn (PQgetCancel, PQcancelCreate); freed with cancels_unbind. */
void cancels_bind(const void *handle, PGconn *conn);
void cancels_unbind(const void *handle);
/* conn is about to be freed: no handle speaks for it any more. */
void cancels_forget_conn(const PGconn *conn);
/* A cancel was requested through handle, or for conn itself (PQrequestCancel). */
void cancels_note_handle(const void *handle);
void cancels_note(PGconn *conn);
/* The count of cancel requests so far; cancels_since(conn, n): one for conn came after n. */
unsigned long cancels_seq(void);
bool cancels_since(const PGconn *conn, unsigned long seq);

#endif
