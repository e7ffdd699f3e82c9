/*
 * Pooled mode inside the app's transaction block: what the shim knows about
 * the server connection the pooler keeps for the block. The block's first
 * execution looks up the content names that server connection holds (under
 * the same Sync as the app's Execute); until something could have ended the
 * block, later executions go by name where it has the statement and make it
 * there where the look-up said it has not.
 *
 * Invariants: this module is the only writer of struct block (conn.h holds
 * one per connection). Knowledge is valid only while nothing could have ended
 * the block: any SQL text the app sends that may end it, any status other than "in a block",
 * a failure of one of the shim's commands in the block, and a new session
 * forget it. Contents carry the epoch of the look-up that saw them (0 is
 * never an epoch). Pure: no libpq, no logging.
 */
#ifndef PQSHIM_BLOCK_H
#define PQSHIM_BLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "content.h"

struct block {
	bool known;         /* a look-up answered in this block */
	uint32_t epoch;     /* of the latest look-up; contents seen by it carry it */
	uint32_t known_upto; /* contents made before the look-up (seq below) were looked up */
	bool missed;        /* the look-up saw a content name the table could not hold */
};

/* Anything that could have ended the block: nothing is known any more. */
void block_forget(struct block *b);
/*
 * SQL text the app sends: forgets unless none of its statements can end the
 * block (SAVEPOINT, RELEASE, ROLLBACK TO, SET LOCAL, plain DML, ...: see
 * sql_scan.may_end_block), which keep the block and its server connection.
 */
void block_sql(struct block *b, const char *sql, bool std_strings);
/* The connection's status is known: outside a block, forget. */
void block_observe(struct block *b, bool in_block);
/* A look-up is on its way: the contents it reports get a new epoch. */
void block_lookup_sent(struct block *b);
/* The look-up's answer came complete: count entries of the content table existed then. */
void block_learned(struct block *b, unsigned count);
/* The look-up saw a content name the content table could not hold (full, no memory). */
void block_missed(struct block *b);
/* c is on the block's server connection (the look-up said so, or the shim made it there). */
void block_mark_present(const struct block *b, struct content *c);

/* What the block's server connection is known to hold of c. */
enum block_view {
	BLOCK_UNKNOWN,  /* no look-up in this block yet */
	BLOCK_HAS,      /* it holds c */
	BLOCK_LACKS,    /* the look-up did not see c (every name it saw has an entry, so one made
			   after it too): the block keeps the connection */
	BLOCK_UNSURE,   /* c was first seen after a look-up that saw names the table could not
			   hold: not known either way */
};
enum block_view block_view(const struct block *b, const struct content *c);

#endif
