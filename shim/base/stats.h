/*
 * Per-process counters of what the shim did (counters.h), per series: the
 * connections' configured mode, the mode they ran in, and their target
 * ("host:port/database"). Each thread counts into a block of its own (no
 * shared cache line on the hot path); blocks are summed for the exit report
 * (PQSHIM_STATS=1 logs one line, PQSHIM_STATS_FILE gets JSON) and for the
 * live file (stats_live.h).
 *
 * Invariants: no lock (blocks and series are claimed with a compare-and-swap
 * and never freed), so a fork never leaves one held; a thread's counts
 * outlive it; a forked child starts from zero (its parent's counts are the
 * parent's); series 0 takes what does not fit in STATS_SERIES_MAX.
 */
#ifndef PQSHIM_STATS_H
#define PQSHIM_STATS_H

#include "counters.h"
#include "prom.h"

#define STATS_SERIES_MAX 32

/* The series of these labels (made on first use); 0 when the table is full. */
int stats_series(const char *configured, const char *mode, const char *target);

void stats_add(int series, enum stat_id id);

/* Sums every thread's counts over all series (the exit report, tests). */
void stats_sum(unsigned long long out[ST_COUNT]);

/*
 * Every series with a count, summed over threads, into out (at most max);
 * the labels point into the shim's own table. Returns the number.
 */
int stats_snapshot(struct prom_series *out, int max);

/* In a forked child: every count back to zero. */
void stats_forget_counts(void);

#endif
