/*
 * The real libpq, reached only through this table (the shim never links
 * libpq: no DT_NEEDED). real_ready() resolves every entry the first time it
 * is called, from any thread; afterwards the table is read-only.
 *
 * Invariants: when real_ready() returns true every REQ entry is non-NULL and
 * none points into the shim itself. OPT entries may be NULL.
 */
#ifndef PQSHIM_REAL_H
#define PQSHIM_REAL_H

#include <stdbool.h>
#include "compat.h"
#include "real_list.h"

struct real_libpq {
#define REAL_FIELD(ret, name, params, args) ret (*name) params;
	REAL_FUNCS(REAL_FIELD, REAL_FIELD)
#undef REAL_FIELD
};

extern struct real_libpq real;

/* Finds the real libpq (see real.c); true when found. */
bool real_resolve(void);
extern _Atomic bool real_resolved;

/* True once the real libpq is found: one load after the first success. */
static inline bool real_ready(void)
{
	return __atomic_load_n(&real_resolved, __ATOMIC_ACQUIRE) || real_resolve();
}
/* True on the thread that is looking for libpq right now (its dlsym calls are its own). */
bool real_resolving(void);

/* libpq is in pipeline mode on conn (the app's or the shim's own pipeline). */
static inline bool real_in_pipeline(const PGconn *conn)
{
	return real.PQpipelineStatus && real.PQpipelineStatus(conn) != PQ_PIPELINE_OFF;
}

#endif
