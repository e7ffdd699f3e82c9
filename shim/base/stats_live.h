/*
 * The live statistics file (PQSHIM_STATS_DIR): one file per process,
 * <dir>/pqshim-<host>-<pid>.prom in the Prometheus text format (prom.h),
 * rewritten atomically (a temporary file, then rename) from the hooks
 * themselves: stats_tick() on the call path reads a coarse clock and, at
 * most every PQSHIM_STATS_INTERVAL seconds and only when a count changed,
 * the thread that claims the turn writes the file. No thread, no signal.
 * At exit the file is removed; a process that dies without exit (SIGKILL,
 * _exit) leaves it, and `pqshim stats` tells it by its pid and start time.
 *
 * Invariants: inert (one load of an atomic) unless the directory is set and
 * a connection was made; errno is kept across a write; a write that fails
 * is logged once and tried again at the next turn; a forked child writes its
 * own file from zero counts.
 */
#ifndef PQSHIM_STATS_LIVE_H
#define PQSHIM_STATS_LIVE_H

#include <stdatomic.h>

/* When the next write is due (CLOCK_MONOTONIC_COARSE, ns); 0: no live file. */
extern atomic_llong stats_live_due;

void stats_live_turn(void);

/* Starts the live file if PQSHIM_STATS_DIR asks for one (once; cheap after). */
void stats_live_start(void);

static inline void stats_tick(void)
{
	if (atomic_load_explicit(&stats_live_due, memory_order_relaxed) != 0)
		stats_live_turn();
}

#endif
