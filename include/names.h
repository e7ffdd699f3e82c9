/*
 * Server-side names the shim generates, in one format defined here:
 *
 *     _pqs_<tag>_<seq>     e.g. "_pqs_3f9a0c12_1b"
 *
 * <tag>  8 lower-case hex digits, random per process (new after fork), so
 *        two processes sharing a pooled server connection do not collide;
 * <seq>  a per-process counter in lower-case hex, 1 to 16 digits.
 *
 * Worst case 5 + 8 + 1 + 16 = 30 bytes, well under the server's 63
 * (NAMEDATALEN - 1): a generated name is never truncated. Only lower-case
 * letters, digits and '_': the same name unquoted or quoted in SQL.
 *
 * Content names, for pooled mode, name a statement by what it is:
 *
 *     _pqsh_<hash>         e.g. "_pqsh_" + 32 hex digits
 *
 * <hash> the first 16 bytes (128 bits) of SHA-256, in 32 lower-case hex
 *        digits, over exactly these bytes: the 16 ASCII bytes
 *        "pqshim-pooled-v1", one NUL, the text length (8 bytes big-endian),
 *        the text, nparams (4 bytes big-endian), then nparams type OIDs
 *        (4 bytes big-endian each; types == NULL means all 0, unspecified).
 *        The length prefix makes the encoding unambiguous.
 *
 * Always 6 + 32 = 38 bytes, under 63: never truncated by the server. The
 * same on every connection and in every process. "_pqsh_" differs from
 * "_pqs_" at byte 4 ('h' vs '_'), so a content name is never taken for a
 * generated one (names_is_generated is false on it), nor the reverse.
 * Changing the encoding means a new version string.
 */
#ifndef PQSHIM_NAMES_H
#define PQSHIM_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NAMES_PREFIX "_pqs_"
/*
 * Never created: references to a name the app gave up (see
 * stmt_table_is_stale) go here, so the server answers "does not exist".
 */
#define NAMES_GONE "_pqs_gone"
#define NAMES_MAX_LEN 30
#define STMT_NAME_MAX 63 /* NAMEDATALEN - 1: the server keeps this many bytes */
/*
 * Describe and Close messages over 10,000 bytes make the server drop the
 * connection: the message is 6 bytes plus the name, so names of this many
 * bytes or more.
 */
#define NAME_DROPS_CONNECTION 9995

/* Writes the name for (tag, seq) into out[NAMES_MAX_LEN + 1]. */
void names_format(char *out, uint32_t tag, uint64_t seq);

/* True when name has the generated format. */
bool names_is_generated(const char *name);

/*
 * The next generated name for this process (thread-safe). taken(), when not
 * NULL, rejects names already in use; a few tries are made before giving up.
 */
bool names_next(char *out, bool (*taken)(const char *name, void *arg), void *arg);

/* New tag and counter: called in a forked child. */
void names_reseed(void);

/* Length of name as the server keeps it (at most STMT_NAME_MAX bytes). */
size_t names_server_len(const char *name);
/* Copies name as the server keeps it (its first STMT_NAME_MAX bytes) into out, NUL-terminated. */
void names_copy_server(char out[STMT_NAME_MAX + 1], const char *name);

/*
 * The SQL that makes the server give its own 26000 for name without looking
 * for any statement: DO $tag$ BEGIN RAISE EXCEPTION USING ERRCODE = '26000',
 * MESSAGE = E'prepared statement "<name>" does not exist'; END $tag$, the
 * name escaped for an E'' literal (read the same whatever
 * standard_conforming_strings says) and a dollar tag the name does not
 * contain. Returns the length it needs (without the NUL); out is written
 * only when that fits in size.
 */
size_t names_raise_missing(const char *name, char *out, size_t size);

/*
 * An identifier cut to 63 bytes as the server cuts it: on a character
 * boundary (UTF-8 assumed), so a character the cut split goes entirely.
 */
void names_clip_ident(char *name);

#define NAMES_CONTENT_PREFIX "_pqsh_"
#define NAMES_CONTENT_LEN 38 /* 6 + 32 hex digits */

/*
 * The server-side name of a statement in pooled mode: the same on every
 * connection and in every process. text is len bytes (NULs allowed).
 */
void names_content(char out[NAMES_CONTENT_LEN + 1], const char *text, size_t len, int nparams,
		   const unsigned int *types);

/* True when name has the content-name format (prefix, 32 lower-case hex digits, end). */
bool names_is_content(const char *name);

#endif
