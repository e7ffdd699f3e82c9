/*
 * Per-process counters of what the shim did. Each thread counts into a block
 * of its own (no shared cache line on the hot path); blocks are summed at
 * exit, where PQSHIM_STATS=1 logs one line and PQSHIM_STATS_FILE gets JSON.
 * Blocks are never freed: a thread's counts outlive it. No lock: a block
 * joins the list with one compare-and-swap, so a fork never leaves one held.
 */
#ifndef PQSHIM_STATS_H
#define PQSHIM_STATS_H

enum stat_id {
	ST_PREPARES,      /* protocol prepares the shim saw */
	ST_LOCAL,         /* identical re-prepares answered without a new statement */
	ST_RENAMED,       /* prepares sent under a generated name */
	ST_UNNAMED,       /* prepares, executes and describes sent through the unnamed statement */
	ST_SQL_REWRITTEN, /* SQL texts sent rewritten */
	ST_RETRIED,       /* duplicate or missing statement errors retried invisibly */
	ST_PASSED,        /* duplicate statement errors passed to the app (in a block or pipeline) */
	ST_BY_NAME,       /* pooled mode: executions sent by content name */
	ST_CREATED,       /* pooled mode: statements missing on a server connection, made there */
	ST_FALLBACK,      /* pooled mode: executions that ended up through the unnamed statement */
	ST_HEALED,        /* "cached plan must not change result type" healed by re-preparing */
	ST_SWITCHED,      /* auto mode: connections switched to pooled mode */
	ST_CANCELLED,     /* retries not sent because the app had cancelled: the server's 57014 instead */
	ST_COUNT
};

void stats_add(enum stat_id id);

/* Sums every thread's counts (for tests and the exit report). */
void stats_sum(unsigned long long out[ST_COUNT]);

#endif
