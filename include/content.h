/*
 * Pooled mode's view of one connection's statement texts, by their content
 * name (names.h): how often each ran, and whether it runs by name yet.
 *
 * A text earns a server-side name once it has run `threshold` times on the
 * connection, and only while fewer than `cap` texts have one: an app that
 * makes endless distinct SQL fills neither the server nor this table (it
 * stops counting new texts at CONTENT_TRACK_FACTOR * cap entries, at least
 * CONTENT_TRACK_MIN).
 *
 * Invariants: entries live until content_table_clear (a new session), so a
 * statement entry may point at one; no libpq, no I/O. Not thread-safe: one
 * table per connection (libpq's rule).
 */
#ifndef PQSHIM_CONTENT_H
#define PQSHIM_CONTENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <postgres_ext.h>

#include "names.h"
#include "uthash_safe.h"

#define CONTENT_TRACK_FACTOR 4
#define CONTENT_TRACK_MIN 1024

struct content {
	UT_hash_handle hh;
	uint32_t runs;
	uint32_t present; /* the block epoch (conn.h) in which it was seen on the server */
	uint32_t seq;     /* order of creation: entries made after a look-up were not looked up */
	bool named;
	char name[NAMES_CONTENT_LEN + 1];
};

struct content_table {
	struct content *by_name;
	unsigned count, named;
};

void content_table_init(struct content_table *t);
void content_table_clear(struct content_table *t);

/* The entry for a statement (found or added); NULL when not tracked (full, no memory). */
struct content *content_table_get(struct content_table *t, const char *text, int nparams,
				  const Oid *types, unsigned cap);
/* The same for a text of len bytes (a statement inside a SQL PREPARE's text). */
struct content *content_table_get_n(struct content_table *t, const char *text, size_t len,
				    int nparams, const Oid *types, unsigned cap);

/*
 * The entry for a content name seen on the server (a look-up's answer), found
 * or added without a text; NULL when not a content name or not tracked.
 */
struct content *content_table_get_name(struct content_table *t, const char *name, unsigned cap);

/*
 * True when a statement text starts with a command that plans (SELECT, INSERT,
 * UPDATE, DELETE, MERGE, WITH, VALUES, TABLE), after any comments: it takes
 * the transaction's snapshot itself, so a look-up sent with it changes
 * nothing (SET TRANSACTION ISOLATION LEVEL must come before any query).
 */
bool content_plannable(const char *text);

/* Counts one run of c: true when it goes by its name from now on. */
bool content_run(struct content_table *t, struct content *c, unsigned threshold, unsigned cap);

#endif
