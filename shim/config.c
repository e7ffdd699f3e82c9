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

static bool parse_mode(struct config *cfg, const char *value)
{
	int m = lookup_name(mode_names, (int)(sizeof(mode_names) / sizeof(mode_names[0])), value);

	if (m < 0)
		return false;
	cfg->mode = (enum shim_mode)m;
	return true;
}

static bool parse_log(struct config *cfg, const char *value)
{
	int l = lookup_name(level_names, (int)(sizeof(level_names) / sizeof(level_names[0])), value);

	if (l < 0)
		return false;
	cfg->log_level = (enum log_level)l;
	return true;
}

static bool parse_log_file(struct config *cfg, const char *value)
{
	size_t n = strlen(value);

	if (n >= sizeof(cfg->log_file))
		return false;
	memcpy(cfg->log_file, value, n + 1);
	return true;
}

const struct config_var config_vars[] = {
	{ "PQSHIM_MODE", "dedupe | off", "dedupe",
	  "dedupe: answer identical re-prepares locally and rename conflicting ones; off: pass every call through",
	  parse_mode },
	{ "PQSHIM_LOG", "error | warn | info | debug", "warn",
	  "how much the shim logs (never passwords or parameter values)", parse_log },
	{ "PQSHIM_LOG_FILE", "path", "(stderr)",
	  "append log lines to this file instead of stderr", parse_log_file },
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
	cfg->mode = MODE_DEDUPE;
	cfg->log_level = LOG_WARN;
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
