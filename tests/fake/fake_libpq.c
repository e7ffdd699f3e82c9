/*
 * The scripted fake libpq; the model and its script are described in fake.h.
 *
 * Shaped like libpq where the shim can see it: the blocking calls drain
 * what is pending with PQgetResult (PQexecStart), send with the PQsend*
 * function, then read every result with PQgetResult (PQexecFinish), all
 * through the PLT, so under LD_PRELOAD those inner calls reach the shim's
 * hooks as they do in libpq; PQdescribePrepared and PQclosePrepared send
 * through a static function (only their PQgetResult calls are visible).
 * The server is evaluated when a message is sent; what the app reads is
 * queued per command. One PGconn is used by one thread at a time.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libpq-fe.h>
#include <libpq-events.h>

#include "fake.h"

/* libpq 17's, for older headers */
int PQsendPipelineSync(PGconn *conn);
PGresult *PQclosePrepared(PGconn *conn, const char *stmt);
int PQsendClosePrepared(PGconn *conn, const char *stmt);
int PQsendClosePortal(PGconn *conn, const char *portal);
int PQsetChunkedRowsMode(PGconn *conn, int chunk_size);

#define MAX_RESULTS 64
#define MAX_SESSIONS 8
#define CONN_MAGIC 0x46414b45u

struct pg_result {
	bool is_static;   /* one of the lenient mode's canned results: never freed */
	ExecStatusType status;
	char sqlstate[6];
	char *message;    /* primary message (errors) */
	const char *source_fn;
	char cmd[32];     /* command tag */
	int ntuples, nfields, nparams;
	char **values;    /* ntuples * nfields */
};

struct stmt {
	struct stmt *next;
	char name[64];
	char *text;
	int nparams;
	bool plan_changed;
};

struct session {
	struct stmt *stmts;
	bool in_block, aborted;
	int pid; /* pg_backend_pid() */
};

/* A tracking pooler (PgBouncer 1.21+): what a client Parsed, under the pooler's names. */
struct tracked {
	struct tracked *next;
	char name[64];   /* the client's */
	char server[32]; /* PGBOUNCER_<n>, one per text across clients */
	char *text;
};

struct command {
	struct command *next;
	PGresult *r[MAX_RESULTS];
	int n, pos;
	bool sync;    /* a pipeline sync point: one PIPELINE_SYNC result, no NULL */
	bool arrived;
};

struct pg_conn {
	unsigned magic;
	ConnStatusType status;
	bool lenient, hold, trace;
	PGpipelineStatus pipeline;
	bool skip;             /* an error since the last Sync: skip up to the next one */
	struct session own;    /* a direct connection's server session */
	int pooled;            /* through the pooler: its sessions are shared */
	struct session *cur;   /* NULL: released (the pooler picks at the next message) */
	char route[64];
	size_t route_pos;
	struct command *head, *tail;
	struct command one;    /* reused outside pipeline mode: no allocation per command */
	int drop_after;        /* messages until the connection breaks; 0: never */
	int cancels;           /* cancel requests that reached the model (an idle server drops them) */
	struct tracked *tracked; /* behind a tracking pooler */
	char err[512];
	char params[4][2][64];
	char wire[16384];
	size_t wire_len;
	char pad[48];
};

static struct session pool[MAX_SESSIONS];
static int pool_size;
static bool pool_tracks;   /* the pooler tracks prepared statements itself */
static int probes;         /* the shim's probes answered */
static char login_params[4][2][64]; /* ParameterStatus every new connection reports */
static int pool_names;     /* PGBOUNCER_<n> given so far */
static struct tracked *pool_texts; /* text -> its PGBOUNCER_<n>, across clients */

/* ---- results ---- */

static PGresult *res_new(ExecStatusType st, const char *cmd)
{
	PGresult *r = calloc(1, sizeof(*r));

	if (!r)
		abort();
	r->status = st;
	if (cmd)
		strncpy(r->cmd, cmd, sizeof(r->cmd) - 1);
	return r;
}

static PGresult *res_error(const char *sqlstate, const char *fmt, ...)
{
	PGresult *r = res_new(PGRES_FATAL_ERROR, "");
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	snprintf(r->sqlstate, sizeof(r->sqlstate), "%s", sqlstate);
	r->message = strdup(buf);
	return r;
}

static PGresult *res_rows(int n, const char *const *vals)
{
	PGresult *r = res_new(PGRES_TUPLES_OK, n == 1 ? "SELECT 1" : NULL);

	if (n != 1) /* snprintf would be most of the cost of a call */
		snprintf(r->cmd, sizeof(r->cmd), "SELECT %d", n);
	r->nfields = 1;
	r->ntuples = n;
	r->values = calloc((size_t)n + 1, sizeof(char *));
	for (int i = 0; i < n; i++)
		r->values[i] = strdup(vals[i]);
	return r;
}

static PGresult *res_one(const char *v)
{
	return res_rows(1, &v);
}

/* One row of two columns (NULL: SQL null, given as ""). */
static PGresult *res_pair(const char *a, const char *b)
{
	PGresult *r = res_new(PGRES_TUPLES_OK, "SELECT 1");

	r->nfields = 2;
	r->ntuples = 1;
	r->values = calloc(3, sizeof(char *));
	r->values[0] = strdup(a);
	r->values[1] = strdup(b ? b : "");
	return r;
}

/* Lenient mode answers with these: no allocation per call, as a canned stub. */
static char *canned_value[2] = { "?", NULL };
static struct pg_result canned_row = { .is_static = true, .status = PGRES_TUPLES_OK,
				       .cmd = "SELECT 1", .ntuples = 1, .nfields = 1,
				       .values = canned_value };
static struct pg_result canned_ok = { .is_static = true, .status = PGRES_COMMAND_OK };

/* ---- the wire log ---- */

static void wire(PGconn *c, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!c->trace || c->wire_len + 2 >= sizeof(c->wire))
		return;
	if (c->wire_len)
		c->wire[c->wire_len++] = ' ';
	va_start(ap, fmt);
	n = vsnprintf(c->wire + c->wire_len, sizeof(c->wire) - c->wire_len, fmt, ap);
	va_end(ap);
	if (n > 0)
		c->wire_len += (size_t)n < sizeof(c->wire) - c->wire_len ? (size_t)n
									: sizeof(c->wire) - c->wire_len - 1;
}

/* ---- the server: sessions and statements ---- */

static struct session *session(PGconn *c)
{
	int k;

	if (!c->pooled) {
		c->own.pid = 4242; /* what PQbackendPID says: the same backend */
		return c->cur = &c->own;
	}
	if (c->cur)
		return c->cur;
	k = c->route[c->route_pos] ? c->route[c->route_pos] - '0' : 0;
	if (c->route[c->route_pos] && c->route[c->route_pos + 1])
		c->route_pos++;
	if (k < 0 || k >= pool_size)
		k = 0;
	wire(c, "@%d", k);
	pool[k].pid = 1000 + k;
	return c->cur = &pool[k];
}

/* The server is idle after a Sync: the pooler takes the session back. */
static void released(PGconn *c)
{
	c->skip = false;
	if (c->pooled && c->cur && !c->cur->in_block)
		c->cur = NULL;
}

static struct stmt **stmt_find(struct session *s, const char *name)
{
	struct stmt **p;

	for (p = &s->stmts; *p; p = &(*p)->next)
		if (strncmp((*p)->name, name, 63) == 0)
			return p;
	return p;
}

static void stmt_drop(struct stmt **p)
{
	struct stmt *s = *p;

	*p = s->next;
	free(s->text);
	free(s);
}

static void stmts_clear(struct session *s)
{
	while (s->stmts)
		stmt_drop(&s->stmts);
}

static int count_params(const char *text)
{
	int n = 0;

	for (const char *p = text; (p = strchr(p, '$')); p++)
		if (isdigit((unsigned char)p[1]) && atoi(p + 1) > n)
			n = atoi(p + 1);
	return n;
}

static void stmt_put(struct session *s, const char *name, const char *text)
{
	struct stmt **p = stmt_find(s, name), *n;

	if (*p)
		stmt_drop(p);
	n = calloc(1, sizeof(*n));
	if (!n)
		abort();
	snprintf(n->name, sizeof(n->name), "%.63s", name);
	n->text = strdup(text);
	n->nparams = count_params(text);
	n->next = s->stmts;
	s->stmts = n;
}

static bool word(const char **p, const char *w)
{
	size_t n = strlen(w);

	while (isspace((unsigned char)**p))
		(*p)++;
	if (strncasecmp(*p, w, n) != 0 || isalnum((unsigned char)(*p)[n]) || (*p)[n] == '_')
		return false;
	*p += n;
	return true;
}

/* An identifier as SQL reads it: "quoted" as written, else folded to lower case. */
static bool ident(const char **p, char out[64])
{
	size_t n = 0;

	while (isspace((unsigned char)**p))
		(*p)++;
	if (**p == '"') {
		for ((*p)++; **p && !(**p == '"' && (*p)[1] != '"'); (*p)++) {
			if (**p == '"')
				(*p)++;
			if (n < 63)
				out[n++] = **p;
		}
		if (**p == '"')
			(*p)++;
	} else {
		while (isalnum((unsigned char)**p) || **p == '_') {
			if (n < 63)
				out[n++] = (char)tolower((unsigned char)**p);
			(*p)++;
		}
	}
	out[n] = '\0';
	return n > 0;
}

/* A text the model can parse (Parse, PREPARE). */
static bool parses(const char *text)
{
	const char *p = text;

	return word(&p, "select") || word(&p, "fail") || word(&p, "begin") ||
	       word(&p, "commit") || word(&p, "rollback") || word(&p, "set") ||
	       word(&p, "savepoint") || word(&p, "release") || word(&p, "start") ||
	       word(&p, "end") || word(&p, "execute") || word(&p, "prepare") ||
	       word(&p, "deallocate") || word(&p, "discard") || word(&p, "insert");
}

/* The value of "select $N" with the call's parameters. */
static PGresult *select_value(const char *p, int n, const char *const *vals)
{
	int i;

	while (isspace((unsigned char)*p))
		p++;
	if (*p == '$') {
		i = atoi(p + 1);
		if (i < 1 || i > n)
			return res_error("08P01", "bind message supplies %d parameters", n);
		return res_one(vals && vals[i - 1] ? vals[i - 1] : "");
	}
	if (*p == '\'') {
		char v[128];
		size_t k = 0;

		for (p++; *p && *p != '\'' && k < sizeof(v) - 1; p++)
			v[k++] = *p;
		v[k] = '\0';
		return res_one(v);
	}
	if (word(&p, "generate")) {
		int rows = atoi(p);
		char bufs[64][8];
		const char *v[64];

		if (rows > 64)
			rows = 64;
		for (i = 0; i < rows; i++) {
			snprintf(bufs[i], sizeof(bufs[i]), "%d", i + 1);
			v[i] = bufs[i];
		}
		return res_rows(rows, v);
	}
	if (strstr(p, "pg_backend_pid()") && strstr(p, "pg_prepared_statements"))
		return NULL; /* the caller answers the shim's probe */
	if (strstr(p, "pg_prepared_statements"))
		return NULL; /* the caller lists them */
	if (strstr(p, "pg_cancel_backend")) /* a query that cancels itself */
		return res_error("57014", "canceling statement due to user request");
	return res_one("?");
}

static PGresult *run_one(PGconn *c, struct session *s, const char *text, int n,
			 const char *const *vals);
static void tracked_clear(struct tracked **t);

/* PREPARE name [(types)] AS text */
static PGresult *sql_prepare(PGconn *c, struct session *s, const char *p)
{
	char name[64];
	const char *as;

	if (!ident(&p, name))
		return res_error("42601", "syntax error at or near PREPARE");
	as = strcasestr(p, " as ");
	if (!as)
		return res_error("42601", "syntax error: PREPARE without AS");
	as += 4;
	if (!parses(as))
		return res_error("42601", "syntax error in PREPARE");
	if (c->lenient)
		return res_new(PGRES_COMMAND_OK, "PREPARE"); /* the tag matters to the shim */
	if (*stmt_find(s, name))
		return res_error("42P05", "prepared statement \"%s\" already exists", name);
	stmt_put(s, name, as);
	return res_new(PGRES_COMMAND_OK, "PREPARE");
}

/* EXECUTE name [(a, b)]: arguments are literals or bare words */
static PGresult *sql_execute(PGconn *c, struct session *s, const char *p)
{
	char name[64], args[8][64];
	const char *v[8];
	int n = 0;
	struct stmt *st;

	if (!ident(&p, name))
		return res_error("42601", "syntax error at or near EXECUTE");
	st = c->lenient ? NULL : *stmt_find(s, name);
	if (!st && !c->lenient)
		return res_error("26000", "prepared statement \"%s\" does not exist", name);
	while (isspace((unsigned char)*p))
		p++;
	if (*p == '(') {
		p++;
		while (*p && *p != ')' && n < 8) {
			size_t k = 0;

			while (isspace((unsigned char)*p) || *p == '\'')
				p++;
			while (*p && *p != ',' && *p != ')' && *p != '\'' && k < 63)
				args[n][k++] = *p++;
			args[n][k] = '\0';
			v[n] = args[n];
			n++;
			while (*p == '\'' || isspace((unsigned char)*p))
				p++;
			if (*p == ',')
				p++;
		}
	}
	if (!st)
		return &canned_row;
	return run_one(c, s, st->text, n, v);
}

static PGresult *sql_deallocate(PGconn *c, struct session *s, const char *p)
{
	char name[64];
	struct stmt **st;

	word(&p, "prepare");
	if (word(&p, "all")) {
		stmts_clear(s);
		tracked_clear(&c->tracked);
		return res_new(PGRES_COMMAND_OK, "DEALLOCATE ALL");
	}
	if (!ident(&p, name))
		return res_error("42601", "syntax error at or near DEALLOCATE");
	if (c->lenient)
		return res_new(PGRES_COMMAND_OK, "DEALLOCATE");
	st = stmt_find(s, name);
	if (!*st) {
		return res_error("26000", "prepared statement \"%s\" does not exist", name);
	}
	stmt_drop(st);
	return res_new(PGRES_COMMAND_OK, "DEALLOCATE");
}

static PGresult *list_content_names(struct session *s)
{
	const char *v[64];
	int n = 0;

	for (struct stmt *st = s->stmts; st && n < 64; st = st->next)
		if (strncmp(st->name, "_pqsh_", 6) == 0)
			v[n++] = st->name;
	return res_rows(n, v);
}

/* One statement of SQL text (or a prepared statement's text), run on session s. */
static PGresult *run_one(PGconn *c, struct session *s, const char *text, int n,
			 const char *const *vals)
{
	const char *p = text;
	PGresult *r;

	if (s->aborted && !word(&p, "commit") && !word(&p, "rollback") && !word(&p, "end"))
		return res_error("25P02", "current transaction is aborted, commands ignored until "
					  "end of transaction block");
	p = text;
	if (word(&p, "begin") || word(&p, "start")) {
		s->in_block = true;
		return res_new(PGRES_COMMAND_OK, "BEGIN");
	}
	if (word(&p, "commit") || word(&p, "end")) {
		bool was = s->aborted;

		s->in_block = s->aborted = false;
		return res_new(PGRES_COMMAND_OK, was ? "ROLLBACK" : "COMMIT");
	}
	if (word(&p, "rollback")) {
		s->in_block = s->aborted = false;
		return res_new(PGRES_COMMAND_OK, "ROLLBACK");
	}
	if (word(&p, "set"))
		return res_new(PGRES_COMMAND_OK, "SET");
	if (word(&p, "savepoint"))
		return res_new(PGRES_COMMAND_OK, "SAVEPOINT");
	if (word(&p, "release"))
		return res_new(PGRES_COMMAND_OK, "RELEASE");
	if (word(&p, "insert"))
		return res_new(PGRES_COMMAND_OK, "INSERT 0 1");
	if (word(&p, "prepare"))
		r = sql_prepare(c, s, p);
	else if (word(&p, "execute"))
		r = sql_execute(c, s, p);
	else if (word(&p, "deallocate"))
		r = sql_deallocate(c, s, p);
	else if (word(&p, "discard")) {
		if (s->in_block)
			r = res_error("25001", "DISCARD ALL cannot run inside a transaction block");
		else {
			stmts_clear(s);
			tracked_clear(&c->tracked);
			r = res_new(PGRES_COMMAND_OK, "DISCARD ALL");
		}
	} else if (word(&p, "fail")) {
		char st[6] = "XX000";

		sscanf(p, " %5s", st);
		r = res_error(st, "failed as the script says (%s)", st);
	} else if (word(&p, "select")) {
		r = c->lenient ? &canned_row : select_value(p, n, vals);
		if (!r && strstr(p, "pg_backend_pid()")) {
			const char *seen = NULL;
			char pid[16];

			for (struct stmt *st = s->stmts; st; st = st->next)
				if (n > 0 && vals && vals[0] && strcmp(st->text, vals[0]) == 0)
					seen = st->name;
			snprintf(pid, sizeof(pid), "%d", s->pid);
			r = res_pair(pid, seen);
			probes++;
		} else if (!r) {
			r = list_content_names(s);
		}
	} else {
		r = res_error("42601", "syntax error at or near \"%.20s\"", text);
	}
	if (r->status == PGRES_FATAL_ERROR && s->in_block)
		s->aborted = true;
	return r;
}

/* ---- commands and what the app reads ---- */

static struct command *cmd_new(PGconn *c)
{
	struct command *m;

	if (!c->head && c->pipeline == PQ_PIPELINE_OFF) {
		m = &c->one;
		m->next = NULL;
		m->n = m->pos = 0;
		m->sync = false;
	} else if (!(m = calloc(1, sizeof(*m)))) {
		abort();
	}
	m->arrived = !c->hold;
	if (c->tail)
		c->tail->next = m;
	else
		c->head = m;
	c->tail = m;
	return m;
}

static void cmd_add(struct command *m, PGresult *r)
{
	if (m->n < MAX_RESULTS)
		m->r[m->n++] = r;
	else
		PQclear(r);
}

static bool busy_outside_pipeline(PGconn *c)
{
	if (c->pipeline == PQ_PIPELINE_OFF && c->head) {
		snprintf(c->err, sizeof(c->err), "another command is already in progress\n");
		return true;
	}
	return false;
}

/* Can a command be sent? Sets libpq's message when not. */
static bool can_send(PGconn *c)
{
	if (!c || c->magic != CONN_MAGIC)
		return false;
	if (c->status != CONNECTION_OK) {
		snprintf(c->err, sizeof(c->err), "no connection to the server\n");
		return false;
	}
	if (busy_outside_pipeline(c))
		return false;
	c->err[0] = '\0';
	return true;
}

/* One message on the wire; false when the connection broke on it. */
static bool message(PGconn *c, struct command *m)
{
	if (c->drop_after > 0 && --c->drop_after == 0) {
		c->status = CONNECTION_BAD;
		cmd_add(m, res_error("", "server closed the connection unexpectedly"));
		return false;
	}
	return true;
}

/* An extended-protocol message's result: skipped after an error until the Sync. */
static bool skipping(PGconn *c, struct command *m)
{
	if (!c->skip)
		return false;
	if (c->pipeline != PQ_PIPELINE_OFF)
		cmd_add(m, res_new(PGRES_PIPELINE_ABORTED, ""));
	return true;
}

static void failed(PGconn *c, const PGresult *r)
{
	if (r->status == PGRES_FATAL_ERROR)
		c->skip = true;
}

/* Outside pipeline mode every command ends with its own Sync. */
static int end_command(PGconn *c, struct command *m)
{
	(void)m;
	if (c->pipeline == PQ_PIPELINE_OFF) {
		if (c->status == CONNECTION_OK)
			wire(c, "S");
		released(c);
	}
	return 1;
}

/* ---- a pooler that tracks prepared statements itself (PgBouncer 1.21+) ---- */

static struct tracked *tracked_find(struct tracked *t, const char *name)
{
	for (; t; t = t->next)
		if (strcmp(t->name, name) == 0)
			return t;
	return NULL;
}

static void tracked_clear(struct tracked **t)
{
	while (*t) {
		struct tracked *n = (*t)->next;

		free((*t)->text);
		free(*t);
		*t = n;
	}
}

static struct tracked *tracked_add(struct tracked **list, const char *name, const char *server,
				   const char *text)
{
	struct tracked *t = calloc(1, sizeof(*t));

	if (!t)
		abort();
	snprintf(t->name, sizeof(t->name), "%.63s", name);
	snprintf(t->server, sizeof(t->server), "%s", server);
	t->text = strdup(text);
	t->next = *list;
	*list = t;
	return t;
}

/* The pooler's own name for a text: one per text, whoever prepares it. */
static const char *pool_name_for(const char *text)
{
	char name[32];

	for (struct tracked *t = pool_texts; t; t = t->next)
		if (strcmp(t->text, text) == 0)
			return t->server;
	snprintf(name, sizeof(name), "PGBOUNCER_%d", ++pool_names);
	return tracked_add(&pool_texts, name, name, text)->server;
}

/* PgBouncer closes the client connection (an ErrorResponse, then EOF). */
static int pooler_closes(PGconn *c, struct command *m, const char *why)
{
	c->status = CONNECTION_BAD;
	cmd_add(m, res_error("08P01", "%s", why));
	return 1;
}

static bool tracking(const PGconn *c, const char *name)
{
	return pool_tracks && c->pooled && name && name[0];
}

/* Parse of a named statement behind the tracking pooler. */
static int tracked_parse(PGconn *c, struct command *m, const char *name, const char *query)
{
	struct session *s = session(c);
	const char *server;

	wire(c, "P(%s)", name);
	if (!message(c, m) || skipping(c, m))
		return 1;
	if (tracked_find(c->tracked, name))
		return pooler_closes(c, m, "prepared statement name is already in use");
	server = pool_name_for(query);
	tracked_add(&c->tracked, name, server, query); /* kept even if the server refuses it */
	if (!parses(query)) {
		PGresult *r = res_error("42601", "syntax error at or near \"%.20s\"", query);

		failed(c, r);
		cmd_add(m, r);
		return 1;
	}
	if (!*stmt_find(s, server))
		stmt_put(s, server, query);
	cmd_add(m, res_new(PGRES_COMMAND_OK, ""));
	return 1;
}

/* Bind or Describe of a name behind the tracking pooler: its server name, made where missing. */
static const char *tracked_ref(PGconn *c, struct command *m, const char *name)
{
	struct tracked *t = tracked_find(c->tracked, name);
	struct session *s = session(c);

	if (!t) {
		pooler_closes(c, m, "prepared statement did not exist");
		return NULL;
	}
	if (!*stmt_find(s, t->server))
		stmt_put(s, t->server, t->text);
	return t->server;
}

static int send_parse(PGconn *c, struct command *m, const char *name, const char *query)
{
	if (tracking(c, name))
		return tracked_parse(c, m, name, query);
	{
	struct session *s = session(c);
	PGresult *r;

	wire(c, "P(%s)", name);
	if (!message(c, m) || skipping(c, m))
		return 1;
	if (!parses(query))
		r = res_error("42601", "syntax error at or near \"%.20s\"", query);
	else if (c->lenient)
		r = &canned_ok;
	else if (name[0] && *stmt_find(s, name))
		r = res_error("42P05", "prepared statement \"%s\" already exists", name);
	else if (s->aborted)
		r = res_error("25P02", "current transaction is aborted, commands ignored until end "
				       "of transaction block");
	else {
		stmt_put(s, name, query);
		r = res_new(PGRES_COMMAND_OK, "");
	}
	if (r->status == PGRES_FATAL_ERROR && s->in_block)
		s->aborted = true;
	failed(c, r);
	cmd_add(m, r);
	return 1;
	}
}

static int send_execute(PGconn *c, struct command *m, const char *name, int n,
			const char *const *vals)
{
	struct session *s = session(c);
	struct stmt *st;
	PGresult *r;

	wire(c, "E(%s)", name);
	if (!message(c, m) || skipping(c, m))
		return 1;
	if (tracking(c, name) && !(name = tracked_ref(c, m, name)))
		return 1;
	st = c->lenient ? NULL : *stmt_find(s, name);
	if (!st && !c->lenient) {
		r = name[0] ? res_error("26000", "prepared statement \"%s\" does not exist", name)
			    : res_error("26000", "unnamed prepared statement does not exist");
	} else if (st && st->plan_changed) {
		r = res_error("0A000", "cached plan must not change result type");
		r->source_fn = "RevalidateCachedQuery";
	} else if (st && st->nparams != n) {
		r = res_error("08P01", "bind message supplies %d parameters, but prepared statement "
				       "\"%s\" requires %d", n, name, st->nparams);
	} else {
		r = st ? run_one(c, s, st->text, n, vals) : &canned_row;
	}
	if (r->status == PGRES_FATAL_ERROR && s->in_block)
		s->aborted = true;
	failed(c, r);
	cmd_add(m, r);
	return 1;
}

static int send_describe(PGconn *c, struct command *m, const char *name, bool portal)
{
	struct session *s = session(c);
	struct stmt *st;
	PGresult *r;

	wire(c, portal ? "DP(%s)" : "D(%s)", name);
	if (!message(c, m) || skipping(c, m))
		return 1;
	if (!portal && tracking(c, name) && !(name = tracked_ref(c, m, name)))
		return 1;
	st = portal || c->lenient ? NULL : *stmt_find(s, name);
	if (!portal && !st && !c->lenient) {
		r = res_error("26000", "prepared statement \"%s\" does not exist", name);
	} else {
		r = res_new(PGRES_COMMAND_OK, "");
		r->nparams = st ? st->nparams : 0;
		r->nfields = 1;
	}
	if (r->status == PGRES_FATAL_ERROR && s->in_block)
		s->aborted = true;
	failed(c, r);
	cmd_add(m, r);
	return 1;
}

static int send_close(PGconn *c, struct command *m, const char *name, bool portal)
{
	struct session *s = session(c);
	struct stmt **st;

	wire(c, "C(%s)", name);
	if (!message(c, m) || skipping(c, m))
		return 1;
	if (!portal && tracking(c, name)) { /* the pooler answers it itself */
		struct tracked **t;

		for (t = &c->tracked; *t && strcmp((*t)->name, name) != 0; t = &(*t)->next)
			;
		if (*t) {
			struct tracked *gone = *t;

			*t = gone->next;
			free(gone->text);
			free(gone);
		}
		cmd_add(m, res_new(PGRES_COMMAND_OK, ""));
		return 1;
	}
	if (!portal && *(st = stmt_find(s, name)))
		stmt_drop(st);
	cmd_add(m, res_new(PGRES_COMMAND_OK, ""));
	return 1;
}

/* ---- the asynchronous calls ---- */

int PQsendPrepare(PGconn *c, const char *name, const char *query, int n, const Oid *types)
{
	struct command *m;

	(void)types;
	if (!can_send(c))
		return 0;
	if (!name || !query) {
		snprintf(c->err, sizeof(c->err), "statement name is a null pointer\n");
		return 0;
	}
	if (n < 0 || n > 65535) {
		snprintf(c->err, sizeof(c->err), "number of parameters must be between 0 and 65535\n");
		return 0;
	}
	m = cmd_new(c);
	send_parse(c, m, name, query);
	return end_command(c, m);
}

int PQsendQueryPrepared(PGconn *c, const char *name, int n, const char *const *vals,
			const int *lengths, const int *formats, int result_format)
{
	struct command *m;

	(void)lengths, (void)formats, (void)result_format;
	if (!can_send(c))
		return 0;
	if (!name) {
		snprintf(c->err, sizeof(c->err), "statement name is a null pointer\n");
		return 0;
	}
	if (n < 0 || n > 65535) {
		snprintf(c->err, sizeof(c->err), "number of parameters must be between 0 and 65535\n");
		return 0;
	}
	m = cmd_new(c);
	send_execute(c, m, name, n, vals);
	return end_command(c, m);
}

int PQsendQueryParams(PGconn *c, const char *sql, int n, const Oid *types,
		      const char *const *vals, const int *lengths, const int *formats,
		      int result_format)
{
	struct command *m;

	(void)types, (void)lengths, (void)formats, (void)result_format;
	if (!can_send(c))
		return 0;
	if (!sql || n < 0 || n > 65535) {
		snprintf(c->err, sizeof(c->err), "command string is a null pointer\n");
		return 0;
	}
	m = cmd_new(c);
	send_parse(c, m, "", sql);
	if (m->n == 1 && m->r[0]->status == PGRES_COMMAND_OK) {
		PQclear(m->r[0]); /* the ParseComplete is not a result of PQexecParams */
		m->n = 0;
	}
	if (c->status == CONNECTION_OK && m->n == 0)
		send_execute(c, m, "", n, vals);
	else
		wire(c, "E()");
	return end_command(c, m);
}

int PQsendDescribePrepared(PGconn *c, const char *name)
{
	struct command *m;

	if (!can_send(c))
		return 0;
	m = cmd_new(c);
	send_describe(c, m, name ? name : "", false);
	return end_command(c, m);
}

int PQsendDescribePortal(PGconn *c, const char *portal)
{
	struct command *m;

	if (!can_send(c))
		return 0;
	m = cmd_new(c);
	send_describe(c, m, portal ? portal : "", true);
	return end_command(c, m);
}

int PQsendClosePrepared(PGconn *c, const char *name)
{
	struct command *m;

	if (!can_send(c))
		return 0;
	m = cmd_new(c);
	send_close(c, m, name ? name : "", false);
	return end_command(c, m);
}

int PQsendClosePortal(PGconn *c, const char *portal)
{
	struct command *m;

	if (!can_send(c))
		return 0;
	m = cmd_new(c);
	send_close(c, m, portal ? portal : "", true);
	return end_command(c, m);
}

int PQsendQuery(PGconn *c, const char *sql)
{
	struct command *m;
	char *buf, *save = NULL, *one;

	if (!can_send(c))
		return 0;
	if (c->pipeline != PQ_PIPELINE_OFF) {
		snprintf(c->err, sizeof(c->err), "PQsendQuery not allowed in pipeline mode\n");
		return 0;
	}
	if (!sql) {
		snprintf(c->err, sizeof(c->err), "command string is a null pointer\n");
		return 0;
	}
	m = cmd_new(c);
	session(c);
	wire(c, "Q(%.60s)", sql);
	if (message(c, m)) {
		struct session *s = session(c);

		if (!(buf = strdup(sql)))
			abort();
		for (one = strtok_r(buf, ";", &save); one; one = strtok_r(NULL, ";", &save)) {
			const char *p = one;
			PGresult *r;

			while (isspace((unsigned char)*p))
				p++;
			if (!*p)
				continue;
			r = run_one(c, s, p, 0, NULL);
			cmd_add(m, r);
			if (r->status == PGRES_FATAL_ERROR)
				break;
		}
		free(buf);
		if (m->n == 0)
			cmd_add(m, res_new(PGRES_EMPTY_QUERY, ""));
	}
	released(c); /* a simple query ends with ReadyForQuery */
	return 1;
}

int PQpipelineSync(PGconn *c)
{
	struct command *m;

	if (!c || c->pipeline == PQ_PIPELINE_OFF || c->status != CONNECTION_OK)
		return 0;
	m = cmd_new(c);
	m->sync = true;
	wire(c, "S");
	if (message(c, m))
		cmd_add(m, res_new(PGRES_PIPELINE_SYNC, ""));
	released(c);
	return 1;
}

int PQsendPipelineSync(PGconn *c)
{
	return PQpipelineSync(c);
}

/* ---- reading ---- */

static void cmd_pop(PGconn *c)
{
	struct command *m = c->head;

	c->head = m->next;
	if (!c->head)
		c->tail = NULL;
	for (int i = m->pos; i < m->n; i++)
		PQclear(m->r[i]);
	if (m != &c->one)
		free(m);
}

PGresult *PQgetResult(PGconn *c)
{
	struct command *m;
	PGresult *r;

	if (!c || c->magic != CONN_MAGIC || !(m = c->head))
		return NULL;
	if (c->status == CONNECTION_BAD && m->pos >= m->n) {
		while (c->head) /* nothing more arrives on a broken connection */
			cmd_pop(c);
		return NULL;
	}
	m->arrived = true; /* a blocking read waits for it */
	if (m->pos < m->n) {
		r = m->r[m->pos++];
		if (r->status == PGRES_FATAL_ERROR)
			snprintf(c->err, sizeof(c->err), "ERROR:  %s\n", r->message ? r->message : "");
		if (m->sync) {
			cmd_pop(c);
			if (c->pipeline == PQ_PIPELINE_ABORTED)
				c->pipeline = PQ_PIPELINE_ON;
		} else if (r->status == PGRES_FATAL_ERROR && c->pipeline == PQ_PIPELINE_ON) {
			c->pipeline = PQ_PIPELINE_ABORTED;
		}
		return r;
	}
	cmd_pop(c);
	return NULL;
}

int PQisBusy(PGconn *c)
{
	return c && c->head && !c->head->arrived;
}

int PQconsumeInput(PGconn *c)
{
	if (c && !c->hold)
		fake_arrive(c);
	return c && c->status == CONNECTION_OK;
}

/*
 * As libpq: for the command whose results come next, before any of them was
 * read: its rows in results of `chunk` rows each with status st, then
 * TUPLES_OK with none.
 */
static int row_mode(PGconn *c, int chunk, ExecStatusType st)
{
	struct command *m = c ? c->head : NULL;
	PGresult *rows, *r;
	int n, k = 0;

	if (!m || m->sync || m->pos > 0 || m->n != 1 || m->r[0]->status != PGRES_TUPLES_OK)
		return m && !m->sync && m->pos == 0 && m->n <= 1;
	rows = m->r[0];
	n = rows->ntuples;
	for (int i = 0; i < n && k < MAX_RESULTS - 1; i += chunk) {
		int len = n - i < chunk ? n - i : chunk;

		r = res_rows(len, (const char *const *)rows->values + i);
		r->status = st;
		m->r[k++] = r;
	}
	m->r[k++] = res_rows(0, NULL);
	m->n = k;
	PQclear(rows);
	return 1;
}

int PQsetSingleRowMode(PGconn *c)
{
	return row_mode(c, 1, PGRES_SINGLE_TUPLE);
}

/* libpq 17's PGRES_TUPLES_CHUNK, after PGRES_PIPELINE_ABORTED */
#define FAKE_TUPLES_CHUNK ((ExecStatusType)(PGRES_PIPELINE_ABORTED + 1))

int PQsetChunkedRowsMode(PGconn *c, int chunk_size)
{
	return chunk_size > 0 && row_mode(c, chunk_size, FAKE_TUPLES_CHUNK);
}

/* ---- the blocking calls, shaped like libpq's ---- */

static bool exec_start(PGconn *c)
{
	PGresult *r;

	if (!c || c->magic != CONN_MAGIC)
		return false;
	if (c->pipeline != PQ_PIPELINE_OFF) {
		snprintf(c->err, sizeof(c->err),
			 "synchronous command execution functions are not allowed in pipeline mode\n");
		return false;
	}
	while ((r = PQgetResult(c)) != NULL)
		PQclear(r);
	return true;
}

static PGresult *exec_finish(PGconn *c)
{
	PGresult *r, *last = NULL;

	while ((r = PQgetResult(c)) != NULL) {
		PQclear(last);
		last = r;
		if (c->status == CONNECTION_BAD)
			break;
	}
	return last;
}

PGresult *PQexec(PGconn *c, const char *sql)
{
	return exec_start(c) && PQsendQuery(c, sql) ? exec_finish(c) : NULL;
}

PGresult *PQprepare(PGconn *c, const char *name, const char *query, int n, const Oid *types)
{
	return exec_start(c) && PQsendPrepare(c, name, query, n, types) ? exec_finish(c) : NULL;
}

PGresult *PQexecPrepared(PGconn *c, const char *name, int n, const char *const *vals,
			 const int *lengths, const int *formats, int result_format)
{
	return exec_start(c) && PQsendQueryPrepared(c, name, n, vals, lengths, formats,
						    result_format)
		       ? exec_finish(c)
		       : NULL;
}

PGresult *PQexecParams(PGconn *c, const char *sql, int n, const Oid *types,
		       const char *const *vals, const int *lengths, const int *formats,
		       int result_format)
{
	return exec_start(c) && PQsendQueryParams(c, sql, n, types, vals, lengths, formats,
						  result_format)
		       ? exec_finish(c)
		       : NULL;
}

/* libpq's own static send function: only the PQgetResult calls are seen */
static int send_describe_static(PGconn *c, const char *name)
{
	struct command *m;

	if (!can_send(c))
		return 0;
	m = cmd_new(c);
	send_describe(c, m, name ? name : "", false);
	return end_command(c, m);
}

PGresult *PQdescribePrepared(PGconn *c, const char *name)
{
	return exec_start(c) && send_describe_static(c, name) ? exec_finish(c) : NULL;
}

static int send_close_static(PGconn *c, const char *name)
{
	struct command *m;

	if (!can_send(c))
		return 0;
	m = cmd_new(c);
	send_close(c, m, name ? name : "", false);
	return end_command(c, m);
}

PGresult *PQclosePrepared(PGconn *c, const char *name)
{
	return exec_start(c) && send_close_static(c, name) ? exec_finish(c) : NULL;
}

/* ---- pipeline mode ---- */

int PQenterPipelineMode(PGconn *c)
{
	if (!c || c->status != CONNECTION_OK)
		return 0;
	if (c->pipeline != PQ_PIPELINE_OFF)
		return 1;
	if (c->head) {
		snprintf(c->err, sizeof(c->err), "cannot enter pipeline mode, connection not idle\n");
		return 0;
	}
	c->pipeline = PQ_PIPELINE_ON;
	return 1;
}

int PQexitPipelineMode(PGconn *c)
{
	if (!c || c->pipeline == PQ_PIPELINE_OFF)
		return 1;
	if (c->head && c->status == CONNECTION_OK) {
		snprintf(c->err, sizeof(c->err), "cannot exit pipeline mode with uncollected results\n");
		return 0;
	}
	c->pipeline = PQ_PIPELINE_OFF;
	return 1;
}

PGpipelineStatus PQpipelineStatus(const PGconn *c)
{
	return c ? c->pipeline : PQ_PIPELINE_OFF;
}

/* ---- connections ---- */

static PGconn *new_conn(const char *conninfo)
{
	PGconn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->magic = CONN_MAGIC;
	c->status = CONNECTION_OK;
	c->pooled = pool_size;
	c->lenient = conninfo && strstr(conninfo, "fake=lenient") != NULL;
	memcpy(c->params, login_params, sizeof(c->params));
	return c;
}

PGconn *PQconnectdb(const char *conninfo)
{
	return new_conn(conninfo);
}

PGconn *PQconnectdbParams(const char *const *keywords, const char *const *values, int expand)
{
	(void)keywords, (void)values, (void)expand;
	return new_conn(NULL);
}

PGconn *PQconnectStart(const char *conninfo)
{
	PGconn *c = new_conn(conninfo);

	if (c)
		c->status = CONNECTION_STARTED;
	return c;
}

PGconn *PQconnectStartParams(const char *const *keywords, const char *const *values, int expand)
{
	PGconn *c = PQconnectdbParams(keywords, values, expand);

	if (c)
		c->status = CONNECTION_STARTED;
	return c;
}

PGconn *PQsetdbLogin(const char *host, const char *port, const char *options, const char *tty,
		     const char *db, const char *user, const char *password)
{
	(void)host, (void)port, (void)options, (void)tty, (void)user, (void)password;
	return new_conn(db);
}

PostgresPollingStatusType PQconnectPoll(PGconn *c)
{
	if (!c)
		return PGRES_POLLING_FAILED;
	c->status = CONNECTION_OK;
	return PGRES_POLLING_OK;
}

static void new_session(PGconn *c)
{
	while (c->head)
		cmd_pop(c);
	stmts_clear(&c->own);
	memset(&c->own, 0, sizeof(c->own));
	c->cur = NULL;
	c->skip = false;
	c->pipeline = PQ_PIPELINE_OFF;
	c->drop_after = 0;
	c->status = CONNECTION_OK;
}

void PQreset(PGconn *c)
{
	if (c)
		new_session(c);
}

int PQresetStart(PGconn *c)
{
	if (!c)
		return 0;
	new_session(c);
	c->status = CONNECTION_STARTED;
	return 1;
}

PostgresPollingStatusType PQresetPoll(PGconn *c)
{
	return PQconnectPoll(c);
}

void PQfinish(PGconn *c)
{
	if (!c || c->magic != CONN_MAGIC)
		return;
	if (c->pooled && c->cur) /* the pooler rolls back what the client left open */
		c->cur->in_block = c->cur->aborted = false;
	new_session(c);
	c->magic = 0;
	free(c);
}

ConnStatusType PQstatus(const PGconn *c)
{
	return c ? c->status : CONNECTION_BAD;
}

PGTransactionStatusType PQtransactionStatus(const PGconn *c)
{
	const struct session *s;

	if (!c || c->status != CONNECTION_OK)
		return PQTRANS_UNKNOWN;
	if (c->head)
		return PQTRANS_ACTIVE;
	s = c->pooled ? c->cur : &c->own;
	if (!s || !s->in_block)
		return PQTRANS_IDLE;
	return s->aborted ? PQTRANS_INERROR : PQTRANS_INTRANS;
}

const char *PQparameterStatus(const PGconn *c, const char *name)
{
	if (!c || !name)
		return NULL;
	for (int i = 0; i < 4; i++)
		if (strcmp(c->params[i][0], name) == 0)
			return c->params[i][1][0] ? c->params[i][1] : NULL;
	if (strcmp(name, "standard_conforming_strings") == 0)
		return "on";
	if (strcmp(name, "server_version") == 0)
		return "15.0 (fake)";
	return NULL;
}

int PQbackendPID(const PGconn *c)
{
	return !c ? 0 : c->pooled ? 9999 : 4242; /* a pooler's is its own */
}

char *PQhost(const PGconn *c)
{
	return c ? (char *)"fake" : NULL;
}

char *PQport(const PGconn *c)
{
	return !c ? NULL : c->pooled ? (char *)"6432" : (char *)"5432";
}

char *PQdb(const PGconn *c)
{
	return c ? (char *)"ops" : NULL;
}

char *PQuser(const PGconn *c)
{
	return c ? (char *)"app" : NULL;
}

PGContextVisibility PQsetErrorContextVisibility(PGconn *c, PGContextVisibility v)
{
	(void)c;
	(void)v;
	return PQSHOW_CONTEXT_ERRORS;
}

int PQflush(PGconn *c)
{
	return c && c->status == CONNECTION_OK ? 0 : -1;
}

char *PQerrorMessage(const PGconn *c)
{
	return c ? (char *)c->err : (char *)"connection pointer is NULL\n";
}

int PQsocket(const PGconn *c)
{
	return c ? -1 : -1;
}

int PQlibVersion(void)
{
	return 150000;
}

/* ---- cancels: the model's server is idle whenever the app could send one ---- */

struct pg_cancel {
	PGconn *conn;
};

PGcancel *PQgetCancel(PGconn *c)
{
	PGcancel *k = c ? calloc(1, sizeof(*k)) : NULL;

	if (k)
		k->conn = c;
	return k;
}

void PQfreeCancel(PGcancel *k)
{
	free(k);
}

int PQcancel(PGcancel *k, char *errbuf, int size)
{
	(void)errbuf, (void)size;
	if (k)
		k->conn->cancels++;
	return k != NULL;
}

int PQrequestCancel(PGconn *c)
{
	if (c)
		c->cancels++;
	return c != NULL;
}

int fake_cancels(PGconn *c)
{
	return c->cancels;
}

/* ---- results, read ---- */

ExecStatusType PQresultStatus(const PGresult *r)
{
	return r ? r->status : PGRES_FATAL_ERROR;
}

char *PQresStatus(ExecStatusType st)
{
	static char *const names[] = { "PGRES_EMPTY_QUERY", "PGRES_COMMAND_OK", "PGRES_TUPLES_OK",
				       "PGRES_COPY_OUT", "PGRES_COPY_IN", "PGRES_BAD_RESPONSE",
				       "PGRES_NONFATAL_ERROR", "PGRES_FATAL_ERROR", "PGRES_COPY_BOTH",
				       "PGRES_SINGLE_TUPLE", "PGRES_PIPELINE_SYNC",
				       "PGRES_PIPELINE_ABORTED", "PGRES_TUPLES_CHUNK" };

	return (unsigned)st < sizeof(names) / sizeof(names[0]) ? names[st] : (char *)"?";
}

char *PQresultErrorField(const PGresult *r, int code)
{
	if (!r || r->status != PGRES_FATAL_ERROR)
		return NULL;
	if (code == PG_DIAG_SQLSTATE)
		return r->sqlstate[0] ? (char *)r->sqlstate : NULL;
	if (code == PG_DIAG_MESSAGE_PRIMARY)
		return r->message;
	if (code == PG_DIAG_SEVERITY)
		return (char *)"ERROR";
	if (code == PG_DIAG_SOURCE_FUNCTION)
		return (char *)r->source_fn;
	return NULL;
}

char *PQresultErrorMessage(const PGresult *r)
{
	static __thread char buf[600];

	if (!r || r->status != PGRES_FATAL_ERROR)
		return (char *)"";
	snprintf(buf, sizeof(buf), "ERROR:  %s\n", r->message ? r->message : "");
	return buf;
}

char *PQcmdStatus(PGresult *r)
{
	return r ? r->cmd : NULL;
}

int PQntuples(const PGresult *r)
{
	return r ? r->ntuples : 0;
}

int PQnfields(const PGresult *r)
{
	return r ? r->nfields : 0;
}

int PQnparams(const PGresult *r)
{
	return r ? r->nparams : 0;
}

char *PQgetvalue(const PGresult *r, int row, int col)
{
	if (!r || row < 0 || row >= r->ntuples || col < 0 || col >= r->nfields)
		return NULL;
	return r->values[row * r->nfields + col];
}

void PQclear(PGresult *r)
{
	if (!r || r->is_static)
		return;
	for (int i = 0; i < r->ntuples * r->nfields; i++)
		free(r->values[i]);
	free(r->values);
	free(r->message);
	free(r);
}

PGresult *PQmakeEmptyPGresult(PGconn *c, ExecStatusType st)
{
	PGresult *r = res_new(st, "");

	if (st == PGRES_FATAL_ERROR && c)
		r->message = strdup(c->err);
	return r;
}

int PQfireResultCreateEvents(PGconn *c, PGresult *r)
{
	return c && r;
}

int PQgetCopyData(PGconn *c, char **buffer, int async)
{
	(void)c, (void)buffer, (void)async;
	return -1;
}

int PQputCopyEnd(PGconn *c, const char *msg)
{
	(void)c, (void)msg;
	return 1;
}

void PQfreemem(void *p)
{
	free(p);
}

/* ---- the script ---- */

void fake_pooler(int n)
{
	pool_size = n < 0 ? 0 : n > MAX_SESSIONS ? MAX_SESSIONS : n;
}

void fake_pooler_tracks(bool on)
{
	pool_tracks = on;
}

int fake_probes(void)
{
	return probes;
}

void fake_login_param(const char *name, const char *value)
{
	for (int i = 0; i < 4; i++)
		if (!login_params[i][0][0] || strcmp(login_params[i][0], name) == 0) {
			snprintf(login_params[i][0], sizeof(login_params[i][0]), "%s", name);
			snprintf(login_params[i][1], sizeof(login_params[i][1]), "%s", value ? value : "");
			return;
		}
}

void fake_route(PGconn *c, const char *order)
{
	snprintf(c->route, sizeof(c->route), "%s", order);
	c->route_pos = 0;
}

void fake_leave(int k, const char *name, const char *text)
{
	stmt_put(&pool[k], name, text);
}

void fake_clear(int k)
{
	stmts_clear(&pool[k]);
}

bool fake_has(int k, const char *name)
{
	return *stmt_find(&pool[k], name) != NULL;
}

int fake_count(int k)
{
	int n = 0;

	for (struct stmt *s = pool[k].stmts; s; s = s->next)
		n++;
	return n;
}

static void plan_changed(struct session *ss, const char *name)
{
	struct stmt *s = *stmt_find(ss, name);

	if (s)
		s->plan_changed = true;
}

void fake_plan_changed(int k, const char *name)
{
	plan_changed(&pool[k], name);
}

void fake_conn_plan_changed(PGconn *c, const char *name)
{
	plan_changed(&c->own, name);
}

bool fake_conn_has(PGconn *c, const char *name)
{
	return *stmt_find(&c->own, name) != NULL;
}

int fake_conn_count(PGconn *c)
{
	int n = 0;

	for (struct stmt *s = c->own.stmts; s; s = s->next)
		n++;
	return n;
}

void fake_trace(PGconn *c, bool on)
{
	c->trace = on;
	fake_wire_clear(c);
}

const char *fake_wire(PGconn *c)
{
	return c->wire;
}

void fake_wire_clear(PGconn *c)
{
	c->wire_len = 0;
	c->wire[0] = '\0';
}

void fake_drop_after(PGconn *c, int n)
{
	c->drop_after = n;
}

void fake_hold(PGconn *c, bool on)
{
	c->hold = on;
}

void fake_arrive(PGconn *c)
{
	if (c)
		for (struct command *m = c->head; m; m = m->next)
			m->arrived = true;
}

void fake_param(PGconn *c, const char *name, const char *value)
{
	for (int i = 0; i < 4; i++)
		if (!c->params[i][0][0] || strcmp(c->params[i][0], name) == 0) {
			snprintf(c->params[i][0], sizeof(c->params[i][0]), "%s", name);
			snprintf(c->params[i][1], sizeof(c->params[i][1]), "%s", value ? value : "");
			return;
		}
}

void fake_lenient(PGconn *c, bool on)
{
	c->lenient = on;
}
