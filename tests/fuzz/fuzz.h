/*
 * What every fuzz target shares: a violated property prints which target and
 * what, then aborts, so libFuzzer keeps the input. Define FUZZ_TARGET first.
 */
#ifndef PQSHIM_FUZZ_H
#define PQSHIM_FUZZ_H

#include <stdio.h>
#include <stdlib.h>

#define FAIL(...)                                                                   \
	do {                                                                        \
		fprintf(stderr, FUZZ_TARGET ": property violated: " __VA_ARGS__);   \
		fputc('\n', stderr);                                                \
		abort();                                                            \
	} while (0)
#define CHECK(cond, ...)           \
	do {                       \
		if (!(cond))       \
			FAIL(__VA_ARGS__); \
	} while (0)

#endif
