/* The one owner of the block state; see block.h. */
#include <string.h>

#include "block.h"
#include "sqlscan.h"

void block_forget(struct block *b)
{
	b->known = false;
}

void block_sql(struct block *b, const char *sql, bool std_strings)
{
	if (!b->known)
		return; /* nothing to forget: no scan on the common path */
	if (!sql) {
		b->known = false;
		return;
	}
	if (sqlscan_may_end_block(sql, strlen(sql), std_strings))
		b->known = false;
}

void block_observe(struct block *b, bool in_block)
{
	if (!in_block)
		b->known = false;
}

void block_lookup_sent(struct block *b)
{
	if (++b->epoch == 0)
		b->epoch = 1; /* 0 is what a new entry's `present` says */
	b->missed = false;
}

void block_missed(struct block *b)
{
	b->missed = true;
}

void block_learned(struct block *b, unsigned count)
{
	b->known = true;
	b->known_upto = count;
}

void block_mark_present(const struct block *b, struct content *c)
{
	c->present = b->epoch;
}

enum block_view block_view(const struct block *b, const struct content *c)
{
	if (!b->known)
		return BLOCK_UNKNOWN;
	if (c->present == b->epoch)
		return BLOCK_HAS;
	/*
	 * An entry made after the look-up is for a name it did not see: every name
	 * it saw got an entry then, unless the table could not hold one. Nothing
	 * else makes content names on the block's server connection meanwhile:
	 * the pooler keeps it for this client, and the shim marks what it makes.
	 */
	return c->seq < b->known_upto || !b->missed ? BLOCK_LACKS : BLOCK_UNSURE;
}
