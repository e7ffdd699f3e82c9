/*
 * What the shim counts, and the one table of the counters' names: the exit
 * report (PQSHIM_STATS, PQSHIM_STATS_FILE), the live Prometheus files
 * (PQSHIM_STATS_DIR, prom.h) and `pqshim stats` all read it.
 *
 * Invariants: ids only grow at the end (the exit line and the JSON keep
 * their order); every id has a key (a JSON key, and the metric
 * pqshim_<key>_total), a short column title and a one-line help text.
 */
#ifndef PQSHIM_COUNTERS_H
#define PQSHIM_COUNTERS_H

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
	ST_SESSIONS,      /* connections made or reset with the shim in the process */
	ST_COUNT
};

struct counter_def {
	const char *key;   /* "prepares_seen": JSON key; metric pqshim_prepares_seen_total */
	const char *title; /* "prepares": a column of `pqshim stats` */
	const char *help;  /* the metric's # HELP text */
};

extern const struct counter_def counter_defs[ST_COUNT];

#endif
