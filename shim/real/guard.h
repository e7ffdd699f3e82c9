/*
 * The per-thread depth guard. libpq calls its own exported functions through
 * the PLT (PQprepare -> PQsendPrepare, PQgetResult; PQexec -> PQsendQuery...),
 * so those inner calls reach our definitions too. Everything the shim calls
 * in libpq runs inside CALL_REAL, and a hook entered while the depth is
 * non-zero passes straight through: the shim acts once, at the app's call.
 */
#ifndef PQSHIM_GUARD_H
#define PQSHIM_GUARD_H

#include "hot_tls.h"

extern HOT_TLS unsigned guard_depth;

#define CALL_REAL(expr) \
	({ \
		__typeof__(expr) _guard_r; \
		guard_depth++; \
		_guard_r = (expr); \
		guard_depth--; \
		_guard_r; \
	})

#define CALL_REAL_VOID(expr) \
	do { \
		guard_depth++; \
		(expr); \
		guard_depth--; \
	} while (0)

static inline int guard_active(void)
{
	return guard_depth != 0;
}

#endif
