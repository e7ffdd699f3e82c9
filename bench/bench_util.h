/* Small helpers shared by the benchmark drivers (header-only). */
#ifndef PQSHIM_BENCH_UTIL_H
#define PQSHIM_BENCH_UTIL_H

#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static inline int64_t bench_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* CPUs this process may run on. */
static inline int bench_cpus(void)
{
	cpu_set_t set;
	int n;

	if (sched_getaffinity(0, sizeof(set), &set) != 0)
		return 1;
	n = CPU_COUNT(&set);
	return n > 0 ? n : 1;
}

/* "--name value" options: the value after name, or def. */
static inline const char *bench_opt(int argc, char **argv, const char *name, const char *def)
{
	for (int i = 1; i + 1 < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return argv[i + 1];
	return def;
}

static inline int bench_flag(int argc, char **argv, const char *name)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return 1;
	return 0;
}

static inline long bench_long(int argc, char **argv, const char *name, long def)
{
	const char *v = bench_opt(argc, argv, name, NULL);
	char *end;
	long n;

	if (!v)
		return def;
	n = strtol(v, &end, 10);
	if (*end || n < 0) {
		fprintf(stderr, "bad value for %s: %s\n", name, v);
		exit(2);
	}
	return n;
}

#endif
