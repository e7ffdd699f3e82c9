/*
 * Every allocation the shim makes goes through here. Production builds call
 * malloc directly. Test builds (-DPQSHIM_FAULTS, `make oom-test`) can fail
 * the Nth allocation of the process (PQSHIM_FAULT_ALLOC=N) to prove that an
 * allocation failure anywhere leaves the app's results right: the shim then
 * passes the call through untouched, or forgets what it cannot record.
 */
#ifndef PQSHIM_ALLOC_H
#define PQSHIM_ALLOC_H

#include <stdlib.h>
#include <string.h>

#ifdef PQSHIM_FAULTS
/* True when this allocation must fail (the injection point). */
int alloc_fault(void);
#else
static inline int alloc_fault(void)
{
	return 0;
}
#endif

static inline void *shim_malloc(size_t n)
{
	return alloc_fault() ? NULL : malloc(n);
}

static inline void *shim_calloc(size_t n, size_t size)
{
	return alloc_fault() ? NULL : calloc(n, size);
}

static inline char *shim_strdup(const char *s)
{
	return alloc_fault() ? NULL : strdup(s);
}

#endif
