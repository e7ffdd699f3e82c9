/* The one table of environment variables; see config.h. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"

static const char *const mode_names[] = {
	[MODE_OFF] = "off",
	[MODE_DEDUPE] = "dedupe",
	[MODE_UNNAMED] = "unnamed",
	[MODE_POOLED] = "pooled",
	[MODE_AUTO] = "auto",
};

static const char *const level_names[] = {
	[LOG_ERROR] = "error",
	[LOG_WARN] = "warn",
	[LOG_INFO] = "info",
	[LOG_DEBUG] = "debug",
};

static int lookup_name(const char *const *names, int n, const char *value)
{
	for (int i = 0; i < n; i++)
		if (names[i] && strcasecmp(names[i], value) == 0)
			return i;
	return -1;
}

bool config_parse_mode(const char *value, enum shim_mode *mode)
{
	int m = lookup_name(mode_names, (int)(sizeof(mode_names) / sizeof(mode_names[0])), value);

	if (m < 0)
		return false;
	*mode = (enum shim_mode)m;
	return true;
}

bool config_parse_bool(const char *value, bool *out)
{
	static const char *const yes[] = { "true", "on", "yes", "1" };
	static const char *const no[] = { "false", "off", "no", "0" };

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(value, yes[i]) == 0) {
			*out = true;
			return true;
		}
		if (strcasecmp(value, no[i]) == 0) {
			*out = false;
			return true;
		}
	}
	return false;
}

static bool parse_mode(struct config *cfg, const char *value)
{
	if (!config_parse_mode(value, &cfg->mode))
		return false;
	cfg->mode_source = "PQSHIM_MODE";
	return true;
}

/* prepared_statements=false means unnamed mode, unless PQSHIM_MODE already chose */
static bool parse_prepared(struct config *cfg, const char *value, const char *source)
{
	bool on;

	if (!config_parse_bool(value, &on))
		return false;
	if (!on && strcmp(cfg->mode_source, "default") == 0) {
		cfg->mode = MODE_UNNAMED;
		cfg->mode_source = source;
	}
	return true;
}

static bool parse_pqshim_prepared(struct config *cfg, const char *value)
{
	return parse_prepared(cfg, value, "PQSHIM_PREPARED_STATEMENTS");
}

static bool parse_plain_prepared(struct config *cfg, const char *value)
{
	return parse_prepared(cfg, value, "prepared_statements");
}

static bool parse_log(struct config *cfg, const char *value)
{
	int l = lookup_name(level_names, (int)(sizeof(level_names) / sizeof(level_names[0])), value);

	if (l < 0)
		return false;
	cfg->log_level = (enum log_level)l;
	return true;
}

static bool copy_path(char *dst, size_t size, const char *value)
{
	size_t n = strlen(value);

	if (n >= size)
		return false;
	memcpy(dst, value, n + 1);
	return true;
}

static bool parse_log_file(struct config *cfg, const char *value)
{
	return copy_path(cfg->log_file, sizeof(cfg->log_file), value);
}

static bool parse_hook_dlopen(struct config *cfg, const char *value)
{
	return config_parse_bool(value, &cfg->hook_dlopen);
}

static bool parse_hook_dlsym(struct config *cfg, const char *value)
{
	return config_parse_bool(value, &cfg->hook_dlsym);
}

static bool parse_stats(struct config *cfg, const char *value)
{
	return config_parse_bool(value, &cfg->stats);
}

static bool parse_stats_file(struct config *cfg, const char *value)
{
	return copy_path(cfg->stats_file, sizeof(cfg->stats_file), value);
}

static bool parse_stats_dir(struct config *cfg, const char *value)
{
	return copy_path(cfg->stats_dir, sizeof(cfg->stats_dir), value);
}

static bool parse_count(unsigned *out, const char *value, unsigned max)
{
	char *end;
	unsigned long v;

	if (value[0] < '0' || value[0] > '9')
		return false;
	v = strtoul(value, &end, 10);
	if (*end || v > max)
		return false;
	*out = (unsigned)v;
	return true;
}

static bool parse_pooled_threshold(struct config *cfg, const char *value)
{
	unsigned n;

	if (!parse_count(&n, value, 1000000) || n == 0)
		return false;
	cfg->pooled_threshold = n;
	return true;
}

static bool parse_stats_interval(struct config *cfg, const char *value)
{
	unsigned n;

	if (!parse_count(&n, value, 86400) || n == 0)
		return false;
	cfg->stats_interval = n;
	return true;
}

static bool parse_pooled_max(struct config *cfg, const char *value)
{
	return parse_count(&cfg->pooled_max, value, 1000000);
}

static bool parse_pooled_in_blocks(struct config *cfg, const char *value)
{
	return config_parse_bool(value, &cfg->pooled_in_blocks);
}

const struct config_var config_vars[] = {
	{ "PQSHIM_MODE", "auto | dedupe | unnamed | pooled | off", "auto",
	  "auto: find out at connect what is in front (once per host, port, database and "
	  "user): dedupe directly, behind a session pooler or behind a pooler that prepares "
	  "statements itself, pooled behind one that shares server connections, unnamed when "
	  "it cannot tell; "
	  "dedupe: answer identical re-prepares locally and rename conflicting ones; "
	  "unnamed: no named statement reaches the server (for transaction poolers); "
	  "pooled: behind a transaction pooler, statements run by names derived from their "
	  "text, made on each server connection when missing; "
	  "off: pass every call through",
	  parse_mode },
	{ "PQSHIM_POOLED_THRESHOLD", "1 to 1000000", "2",
	  "pooled mode: a statement text gets a server-side name once it has run this many times "
	  "on a connection (before that, it runs through the unnamed statement)",
	  parse_pooled_threshold },
	{ "PQSHIM_POOLED_MAX", "0 to 1000000", "256",
	  "pooled mode: at most this many server-side names per connection; beyond, statements "
	  "run through the unnamed statement",
	  parse_pooled_max },
	{ "PQSHIM_POOLED_IN_BLOCKS", "true | false", "true",
	  "pooled mode: inside transaction blocks too, look up the block's server connection "
	  "(pg_prepared_statements, under the block's first execution) and run by name; "
	  "false: the unnamed statement there",
	  parse_pooled_in_blocks },
	{ "PQSHIM_PREPARED_STATEMENTS", "true | false", "true",
	  "false selects unnamed mode (unless PQSHIM_MODE is set)", parse_pqshim_prepared },
	{ "prepared_statements", "true | false", "true",
	  "the same, in the spelling of `docker run -e prepared_statements=false`",
	  parse_plain_prepared },
	{ "PQSHIM_LOG", "error | warn | info | debug", "warn",
	  "how much the shim logs (never passwords or parameter values)", parse_log },
	{ "PQSHIM_LOG_FILE", "path", "(stderr)",
	  "append log lines to this file instead of stderr", parse_log_file },
	{ "PQSHIM_HOOK_DLOPEN", "true | false", "true",
	  "drop RTLD_DEEPBIND when an object that needs libpq is loaded (PHP's pdo_pgsql, pgsql)",
	  parse_hook_dlopen },
	{ "PQSHIM_HOOK_DLSYM", "true | false", "true",
	  "answer dlsym(libpq handle, \"PQ...\") with the shim's functions (ctypes, psycopg 3)",
	  parse_hook_dlsym },
	{ "PQSHIM_STATS", "true | false", "false",
	  "log one line of counters at exit (prepares seen, answered locally, renamed, ...)",
	  parse_stats },
	{ "PQSHIM_STATS_FILE", "path", "(none)",
	  "write the counters as JSON to this file at exit, atomically; %p becomes the pid",
	  parse_stats_file },
	{ "PQSHIM_STATS_DIR", "directory", "(none)",
	  "keep live counters in <dir>/pqshim-<host>-<pid>.prom (Prometheus text format, for "
	  "node_exporter's textfile collector and `pqshim stats`), rewritten atomically at most "
	  "every PQSHIM_STATS_INTERVAL seconds while the process calls libpq, removed at exit",
	  parse_stats_dir },
	{ "PQSHIM_STATS_INTERVAL", "1 to 86400", "10",
	  "seconds between rewrites of the PQSHIM_STATS_DIR file (only when a counter changed)",
	  parse_stats_interval },
};
const size_t config_n_vars = sizeof(config_vars) / sizeof(config_vars[0]);

static void warn(struct config *cfg, const char *name, const char *value)
{
	if (cfg->n_warnings >= (int)(sizeof(cfg->warnings) / sizeof(cfg->warnings[0])))
		return;
	/* %.40s: a value is echoed only in part, in case it is a secret pasted by mistake */
	snprintf(cfg->warnings[cfg->n_warnings++], sizeof(cfg->warnings[0]),
		 "ignoring %s=%.40s: not a valid value; using the default", name, value);
}

void config_load(struct config *cfg, config_lookup_fn lookup)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->mode = MODE_AUTO;
	cfg->mode_source = "default";
	cfg->log_level = LOG_WARN;
	cfg->hook_dlopen = true;
	cfg->hook_dlsym = true;
	cfg->pooled_threshold = 2;
	cfg->stats_interval = 10;
	cfg->pooled_max = 256;
	cfg->pooled_in_blocks = true;
	for (size_t i = 0; i < config_n_vars; i++) {
		const char *v = lookup(config_vars[i].name);

		if (v && *v && !config_vars[i].parse(cfg, v))
			warn(cfg, config_vars[i].name, v);
	}
}

static struct config loaded;
static pthread_once_t load_once = PTHREAD_ONCE_INIT;

static const char *env_lookup(const char *name)
{
	return secure_getenv(name);
}

static void load(void)
{
	config_load(&loaded, env_lookup);
}

const struct config *config_get(void)
{
	pthread_once(&load_once, load);
	return &loaded;
}

const char *config_mode_name(enum shim_mode mode)
{
	return (unsigned)mode < sizeof(mode_names) / sizeof(mode_names[0]) ? mode_names[mode] : "?";
}
