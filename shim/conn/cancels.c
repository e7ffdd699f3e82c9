/* Cancel requests by connection; see cancels.h (async-signal-safe parts: lock-free atomics). */
#include <stdatomic.h>
#include <stddef.h>

#include "base/log.h"
#include "cancels.h"

#define SLOTS 256

static struct slot {
	_Atomic(const void *) handle; /* NULL: free */
	_Atomic(const PGconn *) conn;
} slots[SLOTS];

/* The latest cancel requests, whatever happened to their handles since: a ring. */
#define RECENT 64
static struct recent {
	_Atomic(const PGconn *) conn;
	atomic_ulong seq;
} recent[RECENT];
static atomic_ulong seq;

_Static_assert(ATOMIC_POINTER_LOCK_FREE == 2, "pointer atomics without locks (signal handlers)");
_Static_assert(ATOMIC_LONG_LOCK_FREE == 2, "long atomics without locks (signal handlers)");

void cancels_bind(const void *handle, PGconn *conn)
{
	const void *none;

	if (!handle || !conn)
		return;
	for (int i = 0; i < SLOTS; i++) {
		none = NULL;
		if (atomic_compare_exchange_strong(&slots[i].handle, &none, handle)) {
			atomic_store(&slots[i].conn, conn);
			return;
		}
	}
	log_once(LOG_ONCE_CANCELS_FULL, LOG_INFO,
		 "more than %d cancel handles at once: cancels through the others are not watched",
		 SLOTS);
}

void cancels_unbind(const void *handle)
{
	for (int i = 0; handle && i < SLOTS; i++)
		if (atomic_load(&slots[i].handle) == handle) {
			atomic_store(&slots[i].conn, NULL);
			atomic_store(&slots[i].handle, NULL);
		}
}

void cancels_forget_conn(const PGconn *conn)
{
	for (int i = 0; conn && i < SLOTS; i++)
		if (atomic_load(&slots[i].conn) == conn)
			atomic_store(&slots[i].conn, NULL);
	for (int i = 0; conn && i < RECENT; i++)
		if (atomic_load(&recent[i].conn) == conn)
			atomic_store(&recent[i].seq, 0);
}

static void note_conn(const PGconn *conn)
{
	unsigned long n = atomic_fetch_add(&seq, 1) + 1;
	struct recent *r = &recent[n % RECENT];

	atomic_store(&r->seq, 0); /* a reader meanwhile sees nothing rather than a mix */
	atomic_store(&r->conn, conn);
	atomic_store(&r->seq, n);
}

void cancels_note_handle(const void *handle)
{
	const PGconn *conn;

	for (int i = 0; handle && i < SLOTS; i++)
		if (atomic_load(&slots[i].handle) == handle && (conn = atomic_load(&slots[i].conn)))
			note_conn(conn);
}

void cancels_note(PGconn *conn)
{
	if (conn)
		note_conn(conn);
}

unsigned long cancels_seq(void)
{
	return atomic_load(&seq);
}

bool cancels_since(const PGconn *conn, unsigned long n)
{
	if (atomic_load(&seq) == n)
		return false; /* the common case: no cancel at all since */
	for (int i = 0; i < RECENT; i++)
		if (atomic_load(&recent[i].seq) > n && atomic_load(&recent[i].conn) == conn)
			return true;
	return false;
}
