/*
 * The live statistics file in the Prometheus text exposition format (0.0.4),
 * as node_exporter's textfile collector reads it: rendering (the shim) and
 * reading one sample line (`pqshim stats`, the tests).
 *
 * The file: per process, gauges pqshim_info (value 1: version, configured
 * mode), pqshim_process_start_time_seconds (to tell a live pid from a reused
 * one) and pqshim_last_update_timestamp_seconds; then one counter per
 * counters.h id, pqshim_<key>_total, per series (configured mode, the mode the
 * connections ran in, target "host:port/database"). Every sample has a pid
 * label. Nothing else about a connection appears: no user, no password, no
 * statement, no parameter.
 *
 * Invariants: label values are escaped (\\, \", \n) and cut at
 * PROM_VALUE_MAX bytes on a UTF-8 boundary; series with the same labels are
 * summed, so no label set appears twice (the collector rejects a file that
 * has one twice).
 */
#ifndef PQSHIM_PROM_H
#define PQSHIM_PROM_H

#include <stdbool.h>
#include <stddef.h>

#include "counters.h"

#define PROM_VALUE_MAX 160 /* bytes of a label value, unescaped */
#define PROM_LABELS_MAX 8

struct prom_proc {
	long pid;
	const char *version;
	const char *configured; /* the process's PQSHIM_MODE (or its default) */
	/* milliseconds since the epoch (integers: %f would follow the app's LC_NUMERIC) */
	long long start_ms; /* 0: unknown (the gauge is left out) */
	long long updated_ms;
};

struct prom_series {
	const char *configured; /* the connections' configured mode */
	const char *mode;       /* the mode they ran in when counting */
	const char *target;     /* "host:port/database" */
	unsigned long long c[ST_COUNT];
};

/* Writes in's escaped, cut form into out (size > 0); returns out. */
char *prom_escape(char *out, size_t size, const char *in);

/* The whole file; returns its length, or 0 when it does not fit in size. */
size_t prom_render(char *buf, size_t size, const struct prom_proc *p,
		   const struct prom_series *s, int n);

struct prom_sample {
	char name[128];
	int n_labels;
	struct {
		char key[64];
		char value[PROM_VALUE_MAX + 1];
	} labels[PROM_LABELS_MAX];
	double value;
};

/* One line (without its newline): 1 = a sample, 0 = blank or comment, -1 = malformed. */
int prom_parse_line(const char *line, struct prom_sample *out);

/* A sample's label value, or NULL. */
const char *prom_label(const struct prom_sample *s, const char *key);

#endif
