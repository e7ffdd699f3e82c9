/* Pooled mode's per-connection texts; see content.h. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

/* Adds the entry for name (NAMES_CONTENT_LEN bytes); NULL when full or no memory. */
static struct content *add(struct content_table *t, const char *name, unsigned cap)
{
	struct content *c;

	if (t->count >= track_limit(cap) || !(c = shim_calloc(1, sizeof(*c))))
		return NULL;
	memcpy(c->name, name, NAMES_CONTENT_LEN);
	c->name[NAMES_CONTENT_LEN] = '\0';
	c->seq = t->count;
	if (!UTHASH_ADD_OK(HASH_ADD(hh, t->by_name, name[0], NAMES_CONTENT_LEN, c))) {
		free(c);
		return NULL;
	}
	t->count++;
	return c;
}

struct content *content_table_get(struct content_table *t, const char *text, int nparams,
				  const Oid *types, unsigned cap)
{
	return content_table_get_n(t, text, strlen(text), nparams, types, cap);
}

struct content *content_table_get_n(struct content_table *t, const char *text, size_t len,
				    int nparams, const Oid *types, unsigned cap)
{
	char name[NAMES_CONTENT_LEN + 1];
	struct content *c;

	names_content(name, text, len, nparams, types);
	HASH_FIND(hh, t->by_name, name, NAMES_CONTENT_LEN, c);
	return c ? c : add(t, name, cap);
}

struct content *content_table_get_name(struct content_table *t, const char *name, unsigned cap)
{
	struct content *c;

	if (!names_is_content(name))
		return NULL;
	HASH_FIND(hh, t->by_name, name, NAMES_CONTENT_LEN, c);
	return c ? c : add(t, name, cap);
}

/* Skips blanks and comments (nested block comments, as the server reads them). */
static const char *skip_noise(const char *p)
{
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f')
			p++;
		if (p[0] == '-' && p[1] == '-') {
			while (*p && *p != '\n')
				p++;
		} else if (p[0] == '/' && p[1] == '*') {
			int depth = 0;

			do {
				if (p[0] == '/' && p[1] == '*')
					depth++, p += 2;
				else if (p[0] == '*' && p[1] == '/')
					depth--, p += 2;
				else if (*p)
					p++;
				else
					return p;
			} while (depth > 0);
		} else {
			return p;
		}
	}
}

bool content_plannable(const char *text)
{
	static const char *const words[] = { "select", "insert", "update", "delete", "merge",
					     "with",   "values", "table" };
	const char *p = skip_noise(text);
	size_t n = 0;

	while (p[0] == '(') /* (SELECT ...) UNION ... */
		p = skip_noise(p + 1);
	while ((p[n] >= 'a' && p[n] <= 'z') || (p[n] >= 'A' && p[n] <= 'Z'))
		n++;
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strlen(words[i]) == n && strncasecmp(p, words[i], n) == 0)
			return true;
	return false;
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
