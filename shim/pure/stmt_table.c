/* Per-session statement table; invariants in stmt_table.h. */
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "hot_tls.h"
#include "names.h"
#include "stmt_table.h"
#include "uthash_safe.h"

HOT_TLS bool uthash_oom;

struct stmt {
	UT_hash_handle hh;     /* by_app, key = key[] */
	struct srv_name *srv;  /* its server name, always in by_server */
	uint64_t hash;
	char *text;
	Oid *types;            /* NULL when every type is unspecified (0) */
	int nparams;
	size_t len;
	enum stmt_origin origin;
	signed char sql_refs;  /* its text names prepared statements: -1 not looked yet */
	struct content *content; /* pooled mode: its text's entry there, once looked up */
	char key[];            /* the app name as the server keys it */
};

struct srv_name {
	UT_hash_handle hh;     /* by_server, key = name[] */
	struct stmt *owner;    /* NULL: on the server, but no app name reaches it */
	bool ours;             /* the shim's own doing (not another client's leftover) */
	char name[];
};

void stmt_table_init(struct stmt_table *t)
{
	t->by_app = NULL;
	t->by_server = NULL;
}

static void stmt_free(struct stmt *s)
{
	free(s->text);
	free(s->types);
	free(s);
}

void stmt_table_clear(struct stmt_table *t)
{
	struct stmt *s, *stmp;
	struct srv_name *n, *ntmp;

	HASH_ITER(hh, t->by_app, s, stmp) {
		HASH_DEL(t->by_app, s);
		stmt_free(s);
	}
	HASH_ITER(hh, t->by_server, n, ntmp) {
		HASH_DEL(t->by_server, n);
		free(n);
	}
	t->sql_names = false;
}

unsigned stmt_table_count(const struct stmt_table *t)
{
	return HASH_COUNT(t->by_app);
}

struct stmt *stmt_table_find(const struct stmt_table *t, const char *name)
{
	struct stmt *s;
	size_t len;

	if (!t->by_app)
		return NULL;
	len = names_server_len(name); /* once: HASH_FIND evaluates its length argument often */
	HASH_FIND(hh, t->by_app, name, len, s);
	return s;
}

static struct srv_name *srv_find(const struct stmt_table *t, const char *name)
{
	struct srv_name *n;
	size_t len = names_server_len(name);

	HASH_FIND(hh, t->by_server, name, len, n);
	return n;
}

const char *stmt_server_name(const struct stmt *s)
{
	return s->srv ? s->srv->name : NULL;
}

bool stmt_is_renamed(const struct stmt *s)
{
	return s->srv && strcmp(s->srv->name, s->key) != 0;
}

const char *stmt_query(const struct stmt *s)
{
	return s->text;
}

int stmt_nparams(const struct stmt *s)
{
	return s->nparams;
}

const Oid *stmt_types(const struct stmt *s)
{
	return s->types;
}

enum stmt_origin stmt_origin(const struct stmt *s)
{
	return s->origin;
}

int stmt_sql_refs(const struct stmt *s)
{
	return s->sql_refs;
}

void stmt_set_sql_refs(struct stmt *s, bool refs)
{
	s->sql_refs = refs;
}

static bool all_zero(int nparams, const Oid *types)
{
	for (int i = 0; types && i < nparams; i++)
		if (types[i] != 0)
			return false;
	return true;
}

uint64_t stmt_hash(enum stmt_origin origin, const char *text, size_t len, int nparams,
		   const Oid *types)
{
	/* FNV-1a: a filter before the exact comparison, not an identity */
	uint64_t h = 1469598103934665603ull ^ (uint64_t)origin;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)text[i]) * 1099511628211ull;
	h = (h ^ (uint64_t)(unsigned)nparams) * 1099511628211ull;
	for (int i = 0; types && i < nparams; i++)
		h = (h ^ types[i]) * 1099511628211ull;
	return h;
}

bool stmt_same(const struct stmt *s, enum stmt_origin origin, const char *text, size_t len,
	       int nparams, const Oid *types)
{
	bool zero = all_zero(nparams, types);

	if (s->origin != origin || s->nparams != nparams || s->len != len ||
	    s->hash != stmt_hash(origin, text, len, nparams, zero ? NULL : types))
		return false;
	if (memcmp(s->text, text, len) != 0)
		return false;
	if (zero || !s->types)
		return zero && !s->types;
	return memcmp(s->types, types, sizeof(Oid) * (size_t)nparams) == 0;
}

bool stmt_table_taken(const struct stmt_table *t, const char *server_name)
{
	return t->by_server && srv_find(t, server_name) != NULL;
}

static struct srv_name *srv_get(struct stmt_table *t, const char *name)
{
	struct srv_name *n = srv_find(t, name);
	size_t len = names_server_len(name);

	if (n)
		return n;
	n = shim_malloc(sizeof(*n) + len + 1);
	if (!n)
		return NULL;
	n->owner = NULL;
	n->ours = false;
	memcpy(n->name, name, len);
	n->name[len] = '\0';
	if (!UTHASH_ADD_OK(HASH_ADD(hh, t->by_server, name[0], len, n))) {
		free(n);
		return NULL;
	}
	return n;
}

bool stmt_table_mark_taken(struct stmt_table *t, const char *server_name)
{
	return srv_get(t, server_name) != NULL;
}

static struct stmt *stmt_new(const char *name, enum stmt_origin origin, const char *text,
			     size_t len, int nparams, const Oid *types)
{
	size_t klen = names_server_len(name);
	struct stmt *s = shim_calloc(1, sizeof(*s) + klen + 1);

	if (!s)
		return NULL;
	memcpy(s->key, name, klen);
	s->origin = origin;
	s->sql_refs = -1;
	s->nparams = nparams;
	s->len = len;
	s->text = shim_malloc(len + 1);
	if (!s->text)
		goto free_stmt;
	memcpy(s->text, text, len);
	s->text[len] = '\0';
	if (!all_zero(nparams, types)) {
		s->types = shim_malloc(sizeof(Oid) * (size_t)nparams);
		if (!s->types)
			goto free_stmt;
		memcpy(s->types, types, sizeof(Oid) * (size_t)nparams);
	}
	s->hash = stmt_hash(origin, text, len, nparams, s->types);
	return s;
free_stmt:
	stmt_free(s);
	return NULL;
}

bool stmt_table_put(struct stmt_table *t, const char *name, const char *server_name,
		    enum stmt_origin origin, const char *text, size_t len, int nparams,
		    const Oid *types)
{
	struct stmt *s = stmt_new(name, origin, text, len, nparams, types);
	struct stmt *old;
	struct srv_name *n;

	if (!s)
		return false;
	if (!server_name) {
		n = NULL; /* virtual: recorded by the shim, nothing on the server */
		goto replace;
	}
	n = srv_get(t, server_name);
	if (!n)
		goto free_stmt;
	if (n->owner && strcmp(n->owner->key, s->key) != 0) {
		/* the server says this name now holds our statement: whoever had it lost it */
		HASH_DEL(t->by_app, n->owner);
		stmt_free(n->owner);
		n->owner = NULL;
	}
replace:
	old = stmt_table_find(t, name);
	if (old) {
		HASH_DEL(t->by_app, old);
		if (old->srv && old->srv->owner == old)
			old->srv->owner = NULL; /* still on the server, now an orphan */
		stmt_free(old);
	}
	if (!UTHASH_ADD_OK(HASH_ADD(hh, t->by_app, key[0], strlen(s->key), s)))
		goto free_stmt;
	s->srv = n;
	if (n) {
		n->owner = s;
		n->ours = true;
	}
	return true;
free_stmt:
	stmt_free(s);
	return false;
}

bool stmt_table_is_stale(const struct stmt_table *t, const char *name)
{
	struct srv_name *n;

	if (!t->by_server || stmt_table_find(t, name))
		return false;
	n = srv_find(t, name);
	return n && n->ours && !n->owner;
}

void stmt_table_release(struct stmt_table *t, const char *server_name)
{
	struct srv_name *n = t->by_server ? srv_find(t, server_name) : NULL;

	if (!n)
		return;
	if (n->owner) {
		HASH_DEL(t->by_app, n->owner);
		stmt_free(n->owner);
	}
	HASH_DEL(t->by_server, n);
	free(n);
}

void stmt_table_forget(struct stmt_table *t, const char *name)
{
	struct stmt *s = stmt_table_find(t, name);

	if (!s)
		return;
	if (s->srv && s->srv->owner == s)
		s->srv->owner = NULL; /* still on the server: an orphan the app cannot reach */
	HASH_DEL(t->by_app, s);
	stmt_free(s);
}

void stmt_table_remove(struct stmt_table *t, const char *name)
{
	struct stmt *s = stmt_table_find(t, name);

	if (s && s->srv) {
		stmt_table_release(t, s->srv->name);
	} else if (s) {
		HASH_DEL(t->by_app, s);
		stmt_free(s);
	}
}

struct content *stmt_content(const struct stmt *s)
{
	return s->content;
}

void stmt_set_content(struct stmt *s, struct content *c)
{
	s->content = c;
}

void stmt_table_make_virtual(struct stmt_table *t)
{
	struct stmt *s, *tmp;

	HASH_ITER(hh, t->by_app, s, tmp) {
		if (s->origin != STMT_PROTOCOL || !s->srv)
			continue;
		if (s->srv->owner == s)
			s->srv->owner = NULL; /* still on that server connection, reached by nobody */
		s->srv = NULL;
	}
}
