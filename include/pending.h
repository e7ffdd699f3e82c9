/*
 * The operations a connection has sent but whose results the app has not
 * read yet, oldest first. Each ends with a NULL from PQgetResult, except a
 * pipeline sync point, which is one PGRES_PIPELINE_SYNC result.
 *
 * Outside pipeline mode an op is queued only when it has something to do at
 * result time (record, rename, retry, hide); inside pipeline mode every
 * command the app sends is queued, so results stay matched to their commands.
 *
 * Invariants: an op that is not queued yet belongs to its maker, who frees it
 * with op_free if it is never sent; once pushed, only pending_pop and
 * pending_clear free it. An op owns its copies (query, types, plan, held
 * results, parameters). Pure: no libpq calls (results are freed through the
 * caller's clear_result).
 */
#ifndef PQSHIM_PENDING_H
#define PQSHIM_PENDING_H

#include <stdbool.h>
#include <libpq-fe.h>

#include "params.h"

#include "sql_plan.h"

enum op_kind {
	OP_PASS,    /* the app's own command, delivered as is (pipeline position) */
	OP_PREPARE, /* protocol Parse: record key -> server on success */
	OP_STANDIN, /* Describe standing in for an identical re-prepare */
	OP_SQL,     /* SQL text with effects matched to command tags */
	OP_CLOSE,   /* protocol Close of a statement: forget it on success */
	OP_SYNC,    /* pipeline sync point */
	OP_EXEC,    /* execute by name outside a block, with retries (exec.h) */
	OP_MISSING, /* the server's 26000 for a name the app does not hold (missing.h) */
};

/* OP_EXEC: what an execution by name needs to be sent again; see exec_op.h. */
struct op_exec {
	int stage;            /* enum exec_stage */
	int sub;              /* the command of the current attempt whose results come next */
	int tries;            /* attempts sent after the first */
	unsigned long cancel_seq; /* cancels_seq() when the first attempt went (cancels.h) */
	bool delivered;       /* a result of this attempt went to the app: no retry now */
	bool pooled;          /* server is the statement's content name */
	bool in_block;        /* inside the app's transaction block: no retry, errors are the app's */
	struct content *content; /* pooled: the text's entry, marked present when made */
	int row_mode;         /* the app asked for single-row (-1) or chunked-rows (the chunk
				 size) mode: asked again for a retry; 0: neither */
	PGresult *hidden_err; /* the error of a command the shim added, owed in the app's place */
	/* the statement, borrowed from its table entry (nothing else runs meanwhile) */
	const char *text;
	int nparams;
	const Oid *types;
	/* the app's parameters: borrowed for a synchronous call, else a copy (p.owned) */
	struct params p;
};

struct op {
	struct op *next;
	enum op_kind kind;
	bool retry_ok;    /* a first attempt whose failure may be retried */
	bool retried;
	bool end_pending; /* the op's NULL was consumed early: deliver it next */
	bool hide;        /* the shim's own command in a bundle: no result reaches the app */
	bool defer_end;   /* the app's command in a private bundle: its NULL comes after the Sync */
	bool private_sync; /* OP_SYNC the shim added: ends its private pipeline */
	bool virtual_record; /* OP_PREPARE in unnamed mode: record the text, not a server name */
	bool cleaning;    /* OP_SQL: its clean-up is in flight, every result hidden (ops/sql.c) */
	PGresult *held;   /* the error of a first attempt, until the retry is sent */
	char key[SERVER_NAME_BUF];
	char server[SERVER_NAME_BUF];
	char *query;      /* OP_PREPARE, OP_STANDIN */
	Oid *types;
	int nparams;
	struct sql_plan *plan; /* OP_SQL */
	int fx_pos;
	char *sql;        /* OP_SQL with a possible retry: the app's text; OP_MISSING: the name */
	struct op_exec x; /* OP_EXEC */
};

struct pending {
	struct op *head, *tail;
};

struct op *op_new(enum op_kind kind);
/* Copies query and types into op; false on no memory. */
bool op_set_statement(struct op *op, const char *query, int nparams, const Oid *types);
void pending_push(struct pending *q, struct op *op);
/* Unlinks and frees the head; clear_result frees a held PGresult. */
void pending_pop(struct pending *q, void (*clear_result)(PGresult *));
void pending_clear(struct pending *q, void (*clear_result)(PGresult *));
void op_free(struct op *op, void (*clear_result)(PGresult *));

#endif
