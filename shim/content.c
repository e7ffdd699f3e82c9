/* Pooled mode's per-connection texts; see content.h. */
#include <stdlib.h>
#include <string.h>

#include "content.h"

void content_table_init(struct content_table *t)
{
	t->by_name = NULL;
	t->count = t->named = 0;
}

void content_table_clear(struct content_table *t)
{
	struct content *c, *tmp;

	HASH_ITER(hh, t->by_name, c, tmp) {
		HASH_DEL(t->by_name, c);
		free(c);
	}
	t->count = t->named = 0;
}

static unsigned track_limit(unsigned cap)
{
	unsigned long n = (unsigned long)cap * CONTENT_TRACK_FACTOR;

	return n < CONTENT_TRACK_MIN ? CONTENT_TRACK_MIN : n > 4000000 ? 4000000 : (unsigned)n;
}

struct content *content_table_get(struct content_table *t, const char *text, int nparams,
				  const Oid *types, unsigned cap)
{
	char name[NAMES_CONTENT_LEN + 1];
	struct content *c;

	names_content(name, text, strlen(text), nparams, types);
	HASH_FIND(hh, t->by_name, name, NAMES_CONTENT_LEN, c);
	if (c || t->count >= track_limit(cap))
		return c;
	c = shim_calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	memcpy(c->name, name, sizeof(name));
	if (!UTHASH_ADD_OK(HASH_ADD(hh, t->by_name, name[0], NAMES_CONTENT_LEN, c))) {
		free(c);
		return NULL;
	}
	t->count++;
	return c;
}

bool content_run(struct content_table *t, struct content *c, unsigned threshold, unsigned cap)
{
	if (c->named)
		return true;
	if (c->runs < UINT32_MAX)
		c->runs++;
	if (c->runs < threshold || t->named >= cap)
		return false;
	c->named = true;
	t->named++;
	return true;
}
