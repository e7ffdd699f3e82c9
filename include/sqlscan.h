/*
 * sqlscan: a lexer for the SQL text an app hands to PQexec / PQsendQuery /
 * PQexecParams / PQsendQueryParams, which finds the statements that touch
 * prepared statements: PREPARE, EXECUTE, DEALLOCATE [PREPARE] name|ALL and
 * DISCARD ALL.
 *
 * Invariants callers rely on:
 * - Pure: no allocation, no global state, no libpq; the same input always
 *   gives the same output. Safe from any thread.
 * - Works on arbitrary bytes (embedded NULs, invalid UTF-8, unterminated
 *   quotes/comments): it never reads outside [sql, sql+len).
 * - Offsets index the input; text inside 'strings', E'strings', "quoted
 *   identifiers", $tag$dollar quotes$tag$, -- comments and nested block
 *   comments is never reported as a reference.
 * - A name is reported as the server sees it: unquoted identifiers folded to
 *   lower case (ASCII A-Z only, like the server in a multibyte encoding),
 *   "quoted" ones with "" unescaped, both cut to 63 bytes at a UTF-8
 *   character boundary (the server's NAMEDATALEN-1 truncation).
 * - Statements split at ';' as psql splits them: not inside parentheses
 *   (CREATE RULE ... DO (a; b)) nor inside a BEGIN ATOMIC ... END routine
 *   body, where the server's grammar does not split them either.
 */
#ifndef PQSHIM_SQLSCAN_H
#define PQSHIM_SQLSCAN_H

#include <stdbool.h>
#include <stddef.h>

#define SQL_NAME_MAX 63 /* NAMEDATALEN - 1 */
#define SQL_MAX_REFS 16 /* references kept per text; more sets overflow */

enum sql_kind {
	SQL_OTHER = 0,
	SQL_PREPARE,        /* PREPARE name [(types)] AS statement */
	SQL_EXECUTE,        /* EXECUTE name [(args)], also inside EXPLAIN and CREATE TABLE AS */
	SQL_DEALLOCATE,     /* DEALLOCATE [PREPARE] name */
	SQL_DEALLOCATE_ALL, /* DEALLOCATE [PREPARE] ALL */
	SQL_DISCARD_ALL,    /* DISCARD ALL */
};

struct sql_ref {
	enum sql_kind kind;
	int stmt_index;          /* 0-based index among the non-empty statements */
	size_t stmt_off;         /* first byte of the statement's first token */
	size_t stmt_end;         /* one past its last token (no ';', no trailing comment) */
	size_t name_off, name_len; /* the name token as written (quotes included);
	                              0/0 for DEALLOCATE ALL and DISCARD ALL */
	size_t body_off, body_len; /* PREPARE: from the first byte after the name to
	                              the end of the statement (no ';'); else 0/0.
	                              Leading whitespace is kept, trailing whitespace
	                              and comments are not: it ends with the
	                              statement's last token (empty if none) */
	char name[SQL_NAME_MAX + 1]; /* as the server sees it, NUL-terminated */
};

struct sql_scan {
	int n_stmts;    /* non-empty statements (a statement with >= 1 token) */
	int n_refs;
	bool overflow;  /* more than SQL_MAX_REFS references: refs[] incomplete */
	bool may_end_block; /* sqlscan_may_end_block's answer; false from sqlscan */
	bool txn_control;   /* !sqlscan_txn_free's answer; false from sqlscan */
	struct sql_ref refs[SQL_MAX_REFS];
};

/*
 * Scans sql[0..len). std_strings is the server's standard_conforming_strings
 * (true by default; when false, backslash escapes apply in '...' too).
 */
void sqlscan(const char *sql, size_t len, bool std_strings, struct sql_scan *out);

/*
 * A statement of sql may end a transaction block: any but SAVEPOINT,
 * RELEASE, ROLLBACK [WORK|TRANSACTION] TO, SET, RESET, SELECT, INSERT,
 * UPDATE, DELETE, WITH, VALUES, TABLE, SHOW, LOCK, PREPARE (not PREPARE
 * TRANSACTION), EXECUTE and EXPLAIN (none of them commits or rolls back).
 * A scan of its own: sqlscan leaves this out, as it costs a dozen keyword
 * tests per statement.
 */
bool sqlscan_may_end_block(const char *sql, size_t len, bool std_strings);

/*
 * No statement of sql controls a transaction block, nor may: none that
 * sqlscan_may_end_block counts, and no SAVEPOINT, RELEASE or ROLLBACK TO
 * (they work in a block, and fail outside one, even in a text of several
 * statements). Such a text runs the same in BEGIN ... COMMIT as in the
 * implicit block the server gives several statements.
 */
bool sqlscan_txn_free(const char *sql, size_t len, bool std_strings);

/*
 * sql is one statement that leaves a transaction block or rolls back in it,
 * as nothing else but a blank or one ';' after it: ROLLBACK, ABORT, COMMIT
 * or END [WORK | TRANSACTION] [AND [NO] CHAIN], or ROLLBACK [WORK |
 * TRANSACTION] TO [SAVEPOINT] name. No comments: such a statement cannot
 * fail to parse, and the server runs it in an aborted block too.
 */
bool sqlscan_is_block_exit(const char *sql, size_t len);

/* One replacement of sql[off, off+len) by text. */
struct sql_edit {
	size_t off, len;
	const char *text;
};

/*
 * Applies edits (sorted by off, non-overlapping) and returns a malloc'd,
 * NUL-terminated copy; *out_len gets its length. NULL on bad edits or no memory.
 */
char *sqlscan_apply(const char *sql, size_t len, const struct sql_edit *edits, int n_edits,
		    size_t *out_len);

/*
 * Writes name as a double-quoted SQL identifier ("" for each ") into out.
 * Returns false when it does not fit in outsz (including the NUL).
 */
bool sqlscan_quote_ident(const char *name, char *out, size_t outsz);

#endif
