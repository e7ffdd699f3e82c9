/*
 * The route of one execution of a prepared statement (PQexecPrepared,
 * PQsendQueryPrepared): which way it goes to the server, decided in one
 * place from the mode, what the connection is doing, and what the shim
 * knows of the statement. The operations layer only applies it.
 *
 * Invariants: pure (no libpq, no logging); the only state it changes is
 * pooled mode's bookkeeping on pure data (a text's run count, the
 * statement's content entry, block knowledge dropped outside a block).
 * A route that cannot be applied (no memory, arguments libpq refuses)
 * always has a fallback named in its description, never a wrong name.
 */
#ifndef PQSHIM_ROUTE_H
#define PQSHIM_ROUTE_H

#include <stdbool.h>

#include "block.h"
#include "config.h"
#include "content.h"
#include "policy.h"
#include "stmt_table.h"

enum route_kind {
	/* by `server`: the app's name as written, or the name the table maps it to (renamed,
	 * given up, cut to the server's length); `watch` (blocking calls): a failure that
	 * came before the statement ran may be recovered (a lost statement, a changed plan) */
	ROUTE_DIRECT,
	/* dedupe: the statement's own text names prepared statements (PDO's "EXECUTE q(3)"):
	 * run as that SQL text so names map when it runs; fallback ROUTE_DIRECT by `server` */
	ROUTE_AS_SQL,
	/* dedupe, asynchronous, auto mode: by `server`, watched by an op that switches to
	 * pooled mode on a lost statement and heals a changed plan; fallback ROUTE_DIRECT */
	ROUTE_WATCHED,
	/* unnamed and pooled mode: the recorded `text` through the unnamed statement (any
	 * mode: a statement recorded as a text only) */
	ROUTE_UNNAMED,
	/* a name the app does not hold, in a mode where it must not reach the server (unnamed,
	 * pooled, behind a pooler that tracks statements): the server's 26000, made by the
	 * shim without the name reaching any statement (missing.h) */
	ROUTE_MISSING,
	/* pooled, outside a block: by `content`'s name, created on the server connection
	 * when missing and retried invisibly; fallback ROUTE_UNNAMED */
	ROUTE_CONTENT,
	/* pooled, the block's first execution: through the unnamed statement with a look-up
	 * of the server connection's content names under the same Sync; fallback ROUTE_UNNAMED */
	ROUTE_BLOCK_LOOKUP,
	/* pooled, in a block whose server connection has it: by content name */
	ROUTE_BLOCK_NAME,
	/* pooled, in a block whose server connection lacks it: made there, then run */
	ROUTE_BLOCK_CREATE,
};

/* The connection's transaction status, as far as the route needs it. */
enum route_txn {
	ROUTE_TXN_UNKNOWN, /* not asked (a blocking call in dedupe mode never needs it) */
	ROUTE_TXN_IDLE,
	ROUTE_TXN_BLOCK,   /* in a transaction block, not aborted */
	ROUTE_TXN_OTHER,   /* a command active, an aborted block, a broken connection */
};

struct route_facts {
	enum shim_mode mode;       /* the connection's (never MODE_AUTO: see auto_watch) */
	bool auto_watch;           /* auto mode, still deduping: watch for a pooler */
	bool sync;                 /* a blocking call */
	bool pipeline;             /* in the app's pipeline */
	bool tracking;             /* behind a pooler that tracks statements itself */
	enum route_txn txn;        /* asked in pooled mode and for asynchronous calls */
	bool in_blocks;            /* PQSHIM_POOLED_IN_BLOCKS */
	unsigned threshold, cap;   /* PQSHIM_POOLED_THRESHOLD, PQSHIM_POOLED_MAX */
	/* the latest command in flight in the app's pipeline that touches the name, or NULL */
	const struct prep_inflight *inflight;
};

struct route {
	enum route_kind kind;
	bool watch;                 /* ROUTE_DIRECT: see there */
	const char *server;         /* the name to send (DIRECT, WATCHED, AS_SQL's fallback) */
	char buf[SERVER_NAME_BUF];  /* server may point here: a route is never copied */
	struct stmt_sql sql;        /* ROUTE_AS_SQL */
	struct prep_inflight text;  /* ROUTE_UNNAMED and the pooled routes' fallback */
	struct stmt *stmt;          /* the statement (pooled routes, WATCHED, watch) */
	struct content *content;    /* pooled routes */
};

void route_exec(const struct route_facts *f, struct stmt_table *t, struct content_table *ct,
		struct block *b, const char *name, struct route *out);

/*
 * Pooled mode: the route of a SQL EXECUTE (the only statement of a simple
 * query) of a statement whose content entry is c: ROUTE_CONTENT (outside a
 * block), ROUTE_BLOCK_NAME or ROUTE_BLOCK_CREATE (in a block whose server
 * connection is known to hold or lack it), or -1: the throwaway text
 * (sql_plan.h). A SQL text carries no look-up: a block not looked up yet
 * goes the throwaway way. Counts the run, as route_exec does.
 */
int route_sql_execute(const struct route_facts *f, struct content_table *ct, struct block *b,
		      struct content *c);

#endif
