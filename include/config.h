/*
 * Configuration: every environment variable the shim reads, in one table.
 * config_load() parses a lookup function's answers (pure, for tests);
 * config_get() reads the process environment once (secure_getenv, so a
 * setuid program ignores it) and returns the same struct forever after.
 *
 * Invariants: a bad value never fails the load; it keeps the default and
 * adds one warning (config_warnings) naming the variable and the value.
 */
#ifndef PQSHIM_CONFIG_H
#define PQSHIM_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

enum shim_mode {
	MODE_OFF = 0, /* every call passes through */
	MODE_DEDUPE,  /* default: skip identical re-prepares, rename conflicting ones */
	MODE_UNNAMED, /* prepared_statements=false: no named statement reaches the server */
	MODE_POOLED,  /* transaction poolers: statements named by their content, made on demand */
	MODE_AUTO,    /* dedupe until a connection shows a transaction pooler, then pooled */
};

/* Modes where the app's statement names stay in the shim: only texts are recorded. */
static inline bool mode_records_text(enum shim_mode mode)
{
	return mode == MODE_UNNAMED || mode == MODE_POOLED;
}

enum log_level { LOG_ERROR = 0, LOG_WARN, LOG_INFO, LOG_DEBUG };

struct config {
	enum shim_mode mode;
	const char *mode_source; /* the variable that chose the mode, or "default" */
	enum log_level log_level;
	char log_file[512]; /* "" = stderr */
	bool stats;         /* one summary line at exit */
	bool hook_dlopen;   /* drop RTLD_DEEPBIND for objects that need libpq (PHP) */
	bool hook_dlsym;    /* answer dlsym(libpq handle, "PQ...") with the shim's (psycopg 3) */
	char stats_file[512]; /* JSON counters at exit ("%p" becomes the pid), "" = none */
	char stats_dir[512];  /* live Prometheus files (stats_live.h), "" = none */
	unsigned stats_interval; /* seconds between rewrites of the live file */
	unsigned pooled_threshold; /* pooled mode: executions of a text before it gets a name */
	unsigned pooled_max;       /* pooled mode: names per connection */
	bool pooled_in_blocks;     /* pooled mode: by name inside transaction blocks too */
	int n_warnings;
	char warnings[4][160];
};

struct config_var {
	const char *name;
	const char *values;  /* what it accepts, for docs */
	const char *deflt;
	const char *doc;
	bool (*parse)(struct config *cfg, const char *value);
};

extern const struct config_var config_vars[];
extern const size_t config_n_vars;

typedef const char *(*config_lookup_fn)(const char *name);

void config_load(struct config *cfg, config_lookup_fn lookup);
const struct config *config_get(void);
const char *config_mode_name(enum shim_mode mode);
/* Parses a mode name (case-insensitive); false when it is not one. */
bool config_parse_mode(const char *value, enum shim_mode *mode);
/* Parses a boolean the way libpq-style settings are written: true/false,
 * on/off, yes/no, 1/0 (case-insensitive); false when it is none of them. */
bool config_parse_bool(const char *value, bool *out);

#endif
