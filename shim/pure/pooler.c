/* What is in front of a connection; see pooler.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pooler.h"

enum pooler_kind pooler_from_params(const char *pool_mode, const char *max_prepared)
{
	char *end;
	long n;

	if (!pool_mode)
		return POOLER_UNKNOWN;
	if (strcasecmp(pool_mode, "session") == 0)
		return POOLER_SESSION;
	if (!max_prepared)
		return POOLER_SHARED; /* a pool mode that shares, no word on statements */
	n = strtol(max_prepared, &end, 10);
	if (end == max_prepared)
		return POOLER_UNKNOWN;
	return n > 0 ? POOLER_TRACKING : POOLER_SHARED;
}

enum pooler_kind pooler_from_probe(int client_pid, int server_pid, const char *parsed,
				   const char *seen)
{
	if (server_pid <= 0 || !parsed)
		return POOLER_UNKNOWN;
	if (seen && strncmp(seen, POOLER_TRACKING_PREFIX, sizeof(POOLER_TRACKING_PREFIX) - 1) == 0)
		return POOLER_TRACKING;
	if (seen && strcmp(seen, parsed) != 0)
		return POOLER_TRACKING; /* some pooler's own name for it: it manages statements */
	if (!seen)
		return POOLER_UNKNOWN; /* the statement is nowhere to be seen: no conclusion */
	return client_pid == server_pid ? POOLER_NONE : POOLER_SHARED;
}

bool pooler_needed(enum shim_mode configured)
{
	return configured == MODE_AUTO || configured == MODE_POOLED;
}

enum shim_mode pooler_mode(enum shim_mode configured, enum pooler_kind kind, bool *watch)
{
	*watch = false;
	if (configured == MODE_POOLED)
		return kind == POOLER_TRACKING ? MODE_DEDUPE : MODE_POOLED;
	if (configured != MODE_AUTO)
		return configured;
	switch (kind) {
	case POOLER_SESSION:
		*watch = true; /* PgBouncer said so at login; a RELOAD may make it share */
		return MODE_DEDUPE;
	case POOLER_NONE:
	case POOLER_TRACKING:
		return MODE_DEDUPE;
	case POOLER_SHARED:
		return MODE_POOLED;
	case POOLER_UNKNOWN:
		break;
	}
	return MODE_UNNAMED;
}

const char *pooler_kind_name(enum pooler_kind kind)
{
	static const char *const names[] = {
		[POOLER_UNKNOWN] = "unknown",
		[POOLER_NONE] = "none (PostgreSQL directly)",
		[POOLER_SESSION] = "a pooler in session mode",
		[POOLER_SHARED] = "a pooler that shares server connections",
		[POOLER_TRACKING] = "a pooler that tracks prepared statements itself",
	};

	return (unsigned)kind < sizeof(names) / sizeof(names[0]) ? names[kind] : "?";
}

void pooler_probe_name(char out[POOLER_PROBE_NAME_MAX], unsigned long tag)
{
	snprintf(out, POOLER_PROBE_NAME_MAX, "pqshim_probe_%lx", tag);
}

void pooler_probe_text(char out[POOLER_PROBE_NAME_MAX + 16], const char *name)
{
	snprintf(out, POOLER_PROBE_NAME_MAX + 16, "SELECT 1 AS %s", name);
}
