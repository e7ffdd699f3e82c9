/*
 * conninfo: removes the shim's own parameters from the connection string or
 * keyword/value arrays an app hands to libpq, and reads the mode they ask
 * for. Owned keywords (exact, case-sensitive, as libpq's are):
 *
 *     pqshim_mode=<mode>          config_parse_mode; highest precedence
 *     prepared_statements=<bool>  false: unnamed; true: dedupe
 *     pgbouncer=<bool>            true: unnamed; false: no decision
 *     connection_limit, pool_timeout   pool-side (Prisma URLs): dropped only
 *
 * Invariants callers rely on:
 * - Strings are split exactly as libpq 15 splits them (conninfo_parse,
 *   conninfo_uri_parse_options/_params, conninfo_uri_decode), so what the
 *   shim removes is what libpq would have read as that keyword.
 * - Everything not removed reaches libpq byte for byte; a string libpq
 *   would reject as malformed is never rewritten (NULL: pass it through),
 *   so libpq's own error message is unchanged.
 * - Repeated keywords: the last occurrence wins, as in libpq; its value
 *   alone decides for that keyword. An empty value means "not set". A value
 *   that does not parse decides nothing and puts the keyword's name in bad.
 * - Values are never copied into opts and nothing here logs: only keyword
 *   names reach dropped/bad, so a password cannot leak through them.
 * - Pure: no libpq, no global state; safe from any thread.
 */
#ifndef PQSHIM_CONNINFO_H
#define PQSHIM_CONNINFO_H

#include <stdbool.h>

#include "config.h"

struct conninfo_opts {
	bool mode_set;           /* a shim parameter chose the mode */
	enum shim_mode mode;
	const char *mode_source; /* static string: "pqshim_mode", "prepared_statements" or "pgbouncer" */
	char dropped[160];       /* names (never values) of the shim parameters removed, comma-separated */
	char bad[160];           /* names of shim parameters whose value did not parse, comma-separated */
};

/* Rewrites a connection string (URI `postgresql://` / `postgres://`, or key/value).
 * Returns a malloc'd copy without the shim's parameters, or NULL when the
 * string has none of them, is malformed, or memory ran out: then the caller
 * passes the original through untouched. opts is always filled (zeroed first);
 * after NULL it stays zeroed. */
char *conninfo_rewrite(const char *conninfo, struct conninfo_opts *opts);

/* The keyword/value arrays of PQconnectdbParams / PQconnectStartParams. */
struct conninfo_params {
	const char **keywords; /* NULL-terminated, malloc'd array; strings borrowed or owned below */
	const char **values;
	char *owned_dbname;    /* a rewritten dbname value (expand_dbname), or NULL */
};

/* Builds arrays without the shim's keywords; when expand_dbname is non-zero, the
 * first "dbname" value that is a connection string (libpq's rule: it contains '='
 * or starts with postgresql:// or postgres://) is rewritten with conninfo_rewrite.
 * Returns true with *out filled when something changed, false when the caller should
 * pass the original arrays (nothing owned, malformed, or no memory); after false,
 * *out and opts are zeroed. */
bool conninfo_rewrite_params(const char *const *keywords, const char *const *values,
			     int expand_dbname, struct conninfo_params *out, struct conninfo_opts *opts);
void conninfo_params_release(struct conninfo_params *p);
/* libpq's test for a dbname that is really a connection string. */
bool conninfo_is_connstr(const char *s);

#endif
