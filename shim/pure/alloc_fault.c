/*
 * The allocation-failure injection of test builds (see alloc.h): the Nth
 * allocation fails (PQSHIM_FAULT_ALLOC=N, 1-based); PQSHIM_FAULT_COUNT=1
 * prints how many allocations the process made, at exit, so a test knows how
 * many runs cover them all. Compiled into production builds as nothing.
 */
#ifdef PQSHIM_FAULTS
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "alloc.h"

static atomic_long seen;
static long fail_at = -1;

int alloc_fault(void)
{
	long n = atomic_fetch_add(&seen, 1) + 1;

	if (fail_at < 0) {
		const char *v = getenv("PQSHIM_FAULT_ALLOC");

		fail_at = v ? atol(v) : 0;
	}
	return n == fail_at;
}

__attribute__((destructor)) static void report(void)
{
	if (getenv("PQSHIM_FAULT_COUNT"))
		fprintf(stderr, "pqshim-faults: %ld allocations\n", (long)atomic_load(&seen));
}
#else
typedef int alloc_fault_unused; /* an empty translation unit is not ISO C */
#endif
