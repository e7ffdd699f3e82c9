/*
 * Plans for SQL text (PQexec, PQsendQuery, PQexecParams, PQsendQueryParams)
 * that touches prepared statements: which names to rewrite, which statements
 * the shim adds, and which effects on the statement table each statement's
 * result completes. Pure: no libpq, no I/O, no logging.
 *
 * Invariants: a plan never rewrites anything inside a literal or comment
 * (sqlscan.h); it changes only statement names and adds whole statements;
 * the effects are listed in the order their results arrive.
 */
#ifndef PQSHIM_SQL_PLAN_H
#define PQSHIM_SQL_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "policy.h"
#include "sqlscan.h"

/* What a SQL statement's command tag must be for its effect to apply. */
enum sql_fx_kind {
	FX_PREPARE,        /* tag PREPARE: record key -> server */
	FX_DEALLOCATE,     /* tag DEALLOCATE: drop key (or release server) */
	FX_DEALLOCATE_ALL, /* tag DEALLOCATE ALL: clear */
	FX_DISCARD_ALL,    /* tag DISCARD ALL: clear */
	FX_TYPES,          /* tag SELECT 1, hidden, no effect on the table of its own: the
			      parameter types (OIDs, comma-separated) key's type list resolved
			      to (a SQL PREPARE recorded only), read by ops/sql.c */
	FX_BEGIN,          /* tag BEGIN, hidden, no effect: the block a wrapped text runs in */
	FX_COMMIT,         /* tag COMMIT, hidden, no effect: its end */
};

struct sql_fx {
	enum sql_fx_kind kind;
	bool hide;       /* a statement the shim added: its result is not the app's */
	bool no_effect;  /* a statement the shim added only for its result's shape */
	bool known;      /* FX_DEALLOCATE: key is an app name in the table */
	bool virtual_record; /* FX_PREPARE: recorded only; nothing is under the name on the server */
	bool drops_left; /* FX_DEALLOCATE of a throwaway name left behind (sql_plan_ride): key */
	char key[SERVER_NAME_BUF];
	char server[SERVER_NAME_BUF];
	char *body;      /* FX_PREPARE: text after the name, owned */
	size_t body_len;
};

#define SQL_MAX_FX (2 * SQL_MAX_REFS)

struct sql_plan {
	char *text;      /* rewritten text (malloc'd), or NULL: send the app's text */
	size_t len;
	int n_fx;
	struct sql_fx fx[SQL_MAX_FX];
	bool retry_on_dup;      /* one PREPARE statement, may retry under a new name */
	bool untracked;         /* too many references or no memory: passed through as is */
	bool unsafe;            /* ...and as written it would reach a statement the app's
				   name no longer means: the call must fail instead */
	bool makes_names;       /* the text may make server names the shim does not record
				   (a SQL PREPARE passed as written, or untracked) */
	/*
	 * Extended protocol (one statement per message): bundle_text (when set)
	 * or bundle_hidden (when not empty) is sent first, under the same Sync,
	 * and bundle_after after the app's statement; their results are not the
	 * app's. Used for a DEALLOCATE of a name unnamed mode recorded (a
	 * throwaway PREPARE first), an identical re-PREPARE (DEALLOCATE of the
	 * old one first), and in unnamed and pooled mode a SQL PREPARE checked
	 * under a throwaway name (its DEALLOCATE after) and an EXECUTE of a
	 * recorded name (its text PREPAREd under a throwaway name first, that
	 * name's DEALLOCATE after).
	 */
	bool raises;            /* a statement became a DO block raising 26000 (edit_raise) */
	bool bundle;
	char bundle_hidden[SERVER_NAME_BUF * 2 + 32];
	char *bundle_text;      /* owned */
	char bundle_after[SERVER_NAME_BUF + 16];
	size_t name_off, name_len; /* its name token in the app's text, for the retry */
	/*
	 * Pooled mode may send the text's one EXECUTE (or EXPLAIN EXECUTE, CREATE
	 * TABLE AS EXECUTE) by the statement's content name instead of the
	 * throwaway text planned above (ops/sql.c asks route_sql_execute): set
	 * when that statement is the whole text (simple protocol) and the name is
	 * recorded in the table as a text only. Points into the table: valid
	 * only while planning.
	 */
	struct sql_content {
		struct stmt *stmt;         /* NULL: does not apply */
		const char *text;          /* the statement (a SQL PREPARE's, after AS) */
		size_t len;
		int nparams;               /* as hashed (names.h): a protocol prepare's count */
		size_t name_off, name_len; /* the EXECUTE's name in the app's text */
	} content;
	/* when it goes so (ops/sql_content.c), its texts (sql_plan_content_texts), owned */
	char *by_name, *create;
	/*
	 * The throwaway names the text PREPAREs and DEALLOCATEs again (simple
	 * protocol), with the effects their two statements complete (fx[made],
	 * fx[gone]): a statement that fails between them skips the rest of the
	 * text, the DEALLOCATE too (sql_plan_left).
	 */
	int n_tmp;
	struct sql_tmp {
		char name[SERVER_NAME_BUF];
		int made, gone;
		bool exec; /* around an EXECUTE (the others fail only if cancelled) */
	} tmp[SQL_MAX_REFS];
	/*
	 * The text runs in "BEGIN; ... \n; COMMIT" (FX_BEGIN first, FX_COMMIT last,
	 * both hidden): sent outside a block, with a throwaway EXECUTE and no
	 * statement of the app's that controls a block (sqlscan_txn_free), so
	 * that a failure leaves the block aborted rather than ended. Behind a
	 * transaction pooler the server connection then stays the app's until
	 * ops/sql.c has sent "ROLLBACK; DEALLOCATE <tmp>" (sql_plan_left), and
	 * nothing is left on it. The server runs several statements of one text
	 * in one transaction anyway: nothing else changes.
	 */
	bool wrapped;
};

/*
 * What a command queued ahead in the app's pipeline will have done to a name
 * by the time a SQL text sent now runs (ops/track.c lists them, in order),
 * each counted as successful, as for protocol references (track.h).
 */
struct sql_ahead {
	const char *key;         /* NULL: every name (DEALLOCATE ALL, DISCARD ALL) */
	const char *server;      /* NULL: gone; "": recorded only (unnamed and pooled mode) */
	const struct sql_fx *fx; /* a SQL PREPARE's effect (alive while planning), or NULL */
	const char *query;       /* a protocol prepare recorded only: its text */
	bool typed;              /* ...with parameter types */
	bool protocol;           /* a protocol prepare */
};

#define SQL_MAX_AHEAD 16

/*
 * SQL text (PQexec, PQsendQuery, PQexecParams, PQsendQueryParams). Returns
 * false when the text passes through untouched (out->untracked: because it
 * could not be planned, more references than fit or no memory); true with a
 * plan to send and effects to apply as results arrive. simple: sent with the
 * simple query protocol (several statements allowed); idle as above;
 * tracking: behind a pooler that tracks protocol statements itself, under
 * names of its own, so a DEALLOCATE of one must not reach the server (it
 * would say 26000): a throwaway PREPARE and its DEALLOCATE answer instead.
 */
bool sql_plan_make(const struct stmt_table *t, enum shim_mode mode, bool tracking,
		   const char *sql, bool std_strings, bool simple, bool idle, struct sql_plan *out);

/* The same, for a text sent after the n commands ahead (at most SQL_MAX_AHEAD). */
bool sql_plan_make_after(const struct stmt_table *t, enum shim_mode mode, bool tracking,
			 const char *sql, bool std_strings, bool simple, bool idle,
			 const struct sql_ahead *ahead, int n, struct sql_plan *out);

/* Builds the retried text (PREPARE under server_name) for plan's one statement. */
char *sql_plan_retry_text(const struct sql_plan *plan, const char *sql, const char *server_name,
			  size_t *len);

/*
 * plan's content texts (plan->content.stmt set) for content name cname,
 * malloc'd: by_name, the app's text with the EXECUTE's name replaced, and
 * create, "PREPARE <cname> AS <statement>" and by_name after it in one text.
 * False on no memory (nothing allocated).
 */
bool sql_plan_content_texts(const struct sql_plan *plan, const char *sql, const char *cname,
			    char **by_name, char **create);

/*
 * The throwaway names plan's text made and did not drop again once its
 * results matched the effects before fx_pos (a failure stops there): up to
 * max into names; returns how many.
 */
int sql_plan_left(const struct sql_plan *plan, int fx_pos, char names[][SERVER_NAME_BUF],
		  int max);

/*
 * Names left behind in a transaction block (sql_plan_left: an EXECUTE
 * failed in it, so its DEALLOCATE did not run) go with the app's statement
 * that leaves or rolls back the block (sqlscan_is_block_exit), the one
 * moment a DEALLOCATE reaches the same server connection again and runs:
 * after it when the block is aborted ("ROLLBACK\n; DEALLOCATE <tmp>"), before
 * it when not (a COMMIT may fail and end the block). Hidden FX_DEALLOCATE
 * effects with drops_left. False: sql is no such statement (or no memory).
 */
bool sql_plan_ride(const char *sql, bool aborted, char names[][SERVER_NAME_BUF], int n,
		   struct sql_plan *out);

void sql_plan_release(struct sql_plan *plan);

#endif
