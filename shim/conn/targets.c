/* What is in front of each target, for the process; see targets.h. */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include <stdlib.h>

#include "alloc.h"
#include "real/real.h"
#include "targets.h"

struct target {
	atomic_int kind;
	char key[];
};
static _Atomic(struct target *) targets[TARGETS_MAX]; /* NULL: free */

static const char *or_empty(const char *s)
{
	return s ? s : "";
}

bool targets_key(PGconn *conn, char out[TARGETS_KEY_MAX])
{
	int n = snprintf(out, TARGETS_KEY_MAX, "%s\x1f%s\x1f%s\x1f%s", or_empty(real.PQhost(conn)),
			 or_empty(real.PQport(conn)), or_empty(real.PQdb(conn)),
			 or_empty(real.PQuser(conn)));

	return n > 0 && n < TARGETS_KEY_MAX;
}

enum pooler_kind targets_get(const char *key)
{
	struct target *t;

	for (int i = 0; i < TARGETS_MAX && (t = atomic_load(&targets[i])); i++)
		if (strcmp(t->key, key) == 0)
			return (enum pooler_kind)atomic_load(&t->kind);
	return POOLER_UNKNOWN;
}

void targets_put(const char *key, enum pooler_kind kind)
{
	struct target *t, *mine = NULL;
	size_t len = strlen(key) + 1;

	for (int i = 0; i < TARGETS_MAX; i++) {
		t = atomic_load(&targets[i]);
		if (!t) {
			if (!mine && !(mine = shim_malloc(sizeof(*mine) + len)))
				return;
			atomic_init(&mine->kind, kind);
			memcpy(mine->key, key, len);
			if (atomic_compare_exchange_strong(&targets[i], &t, mine))
				return;
			/* another thread took this entry first: t is its target */
		}
		if (strcmp(t->key, key) == 0) {
			atomic_store(&t->kind, kind);
			free(mine);
			return;
		}
	}
	free(mine);
}
