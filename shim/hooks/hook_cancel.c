/*
 * Cancel requests: PQgetCancel + PQcancel, PQrequestCancel, and libpq 17's
 * PQcancelCreate + PQcancelStart / PQcancelBlocking. Each request is noted
 * (cancels.h) before it goes out, so an execution the shim would retry after
 * the server already answered it (and dropped the cancel as idle) ends with
 * the server's 57014 instead of running anew. PQcancel stays
 * async-signal-safe: the note is lock-free.
 */
#include "conn/cancels.h"
#include "hook.h"

PQSHIM_EXPORT PGcancel *PQgetCancel(PGconn *conn)
{
	PGcancel *c;

	if (!real_ready())
		return NULL;
	c = CALL_REAL(real.PQgetCancel(conn));
	if (!guard_active())
		cancels_bind(c, conn);
	return c;
}

PQSHIM_EXPORT void PQfreeCancel(PGcancel *cancel)
{
	if (!real_ready())
		return;
	cancels_unbind(cancel);
	CALL_REAL_VOID(real.PQfreeCancel(cancel));
}

/* From a signal handler too: the real libpq is known (PQgetCancel made the handle). */
PQSHIM_EXPORT int PQcancel(PGcancel *cancel, char *errbuf, int errbufsize)
{
	if (!__atomic_load_n(&real_resolved, __ATOMIC_ACQUIRE))
		return 0;
	cancels_note_handle(cancel);
	return CALL_REAL(real.PQcancel(cancel, errbuf, errbufsize));
}

PQSHIM_EXPORT int PQrequestCancel(PGconn *conn)
{
	if (!real_ready())
		return 0;
	if (!guard_active())
		cancels_note(conn);
	return CALL_REAL(real.PQrequestCancel(conn));
}

PQSHIM_EXPORT PGcancelConn *PQcancelCreate(PGconn *conn)
{
	PGcancelConn *c;

	if (!real_ready() || !real.PQcancelCreate)
		return NULL;
	c = CALL_REAL(real.PQcancelCreate(conn));
	if (!guard_active())
		cancels_bind(c, conn);
	return c;
}

PQSHIM_EXPORT int PQcancelStart(PGcancelConn *cancel)
{
	if (!real_ready() || !real.PQcancelStart)
		return 0;
	if (!guard_active())
		cancels_note_handle(cancel);
	return CALL_REAL(real.PQcancelStart(cancel));
}

PQSHIM_EXPORT int PQcancelBlocking(PGcancelConn *cancel)
{
	if (!real_ready() || !real.PQcancelBlocking)
		return 0;
	if (!guard_active())
		cancels_note_handle(cancel);
	return CALL_REAL(real.PQcancelBlocking(cancel));
}

PQSHIM_EXPORT void PQcancelFinish(PGcancelConn *cancel)
{
	if (!real_ready() || !real.PQcancelFinish)
		return;
	cancels_unbind(cancel);
	CALL_REAL_VOID(real.PQcancelFinish(cancel));
}
