/*
 * Prints the configuration the shim's config module reads from the
 * environment (config_get(), linked from build/libcore.a). tests/robust/run.sh
 * runs a setuid-root copy of it as an unprivileged user with PQSHIM_MODE=off
 * and PQSHIM_LOG=debug set: in such a (secure-execution) process the shim
 * must ignore its environment, so it prints the defaults.
 */
#include <stdio.h>
#include <sys/auxv.h>
#include <unistd.h>

#include "config.h"

int main(void)
{
	const struct config *cfg = config_get();
	static const char *const levels[] = { "error", "warn", "info", "debug" };

	printf("secure=%lu mode=%s log=%s log_file=%s\n", getauxval(AT_SECURE),
	       config_mode_name(cfg->mode), levels[cfg->log_level],
	       cfg->log_file[0] ? cfg->log_file : "(stderr)");
	return 0;
}
