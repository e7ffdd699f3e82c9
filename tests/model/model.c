/*
 * The model-based differential test of the shim's contract.
 *
 *   model [--validate] [--trace] SEED_FROM SEED_TO
 *
 * For each seed, a random sequence of libpq calls (protocol and SQL-level
 * prepares, executes and describes, DEALLOCATE [ALL], DISCARD ALL,
 * transaction blocks with errors, the asynchronous API, pipelines with
 * several Syncs) runs twice, side by side:
 *
 * - the app: on PQM_DSN (directly, or through PgBouncer), in the mode the
 *   environment gives the shim (PQSHIM_MODE);
 * - the ideal server of the contract: on PQM_CONTROL_DSN (PostgreSQL
 *   directly), with pqshim_mode=off, where every prepare of a name the
 *   connection holds is preceded by a DEALLOCATE of it (hidden), so plain
 *   PostgreSQL gives the answer the contract promises: a re-prepare
 *   succeeds, a name means what this connection last prepared under it,
 *   and everything else is PostgreSQL's own answer.
 *
 * Every result the app gets (status, SQLSTATE, primary message, rows,
 * columns, parameters, command tag, first value) must equal the control's.
 * The control learns which names it holds from its own results; it runs
 * each pipeline one Sync at a time, so it knows them before each segment.
 *
 * With PQM_NOISE_DSN (the same pooler), another client keeps preparing the
 * same names with other texts, so they are left on the server connections
 * the app is handed.
 *
 * --validate: sequences that never prepare a name twice (the control adds
 * nothing): both sides must agree without the shim, which validates the
 * harness. Without the shim and without --validate, mismatches are
 * expected (the test's own proof that it can fail).
 *
 * Exit status: 0 all seeds agreed; 1 a mismatch (the seed and the trace of
 * calls up to it are printed; `model --trace SEED SEED` replays it); 2 setup.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#define N_NAMES 4
#define MAX_STEPS 400
#define MAX_PIPE 8 /* commands in a pipeline, Syncs included */
#define OUT_MAX 512

/* ---- the random sequence ---- */

static uint64_t rng;

static unsigned pick(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

enum kind {
	K_PREPARE,      /* PQprepare */
	K_EXEC,         /* PQexecPrepared */
	K_DESCRIBE,     /* PQdescribePrepared */
	K_SQL_PREPARE,  /* PQexec("PREPARE n AS ...") */
	K_SQL_EXECUTE,  /* PQexec("EXECUTE n ...") */
	K_DEALLOCATE,   /* PQexec("DEALLOCATE n") */
	K_DEALLOC_ALL,
	K_DISCARD_ALL,
	K_BEGIN,
	K_COMMIT,
	K_ROLLBACK,
	K_ERROR,        /* SELECT 1/0 */
	K_SEND_EXEC,    /* PQsendQueryPrepared, results until NULL */
	K_SEND_PREPARE, /* PQsendPrepare */
	K_SEND_DESCRIBE,
	K_PIPELINE,     /* a pipeline of the P_ commands below */
	/* in a pipeline only */
	K_P_PREPARE,
	K_P_EXEC,
	K_P_DESCRIBE,
	K_P_SQL,        /* PQsendQueryParams of a SQL text (PREPARE, DEALLOCATE, an error) */
	K_P_SYNC,
};

static const char *const kind_names[] = {
	"PQprepare", "PQexecPrepared", "PQdescribePrepared", "SQL PREPARE", "SQL EXECUTE",
	"DEALLOCATE", "DEALLOCATE ALL", "DISCARD ALL", "BEGIN", "COMMIT", "ROLLBACK",
	"SELECT 1/0", "PQsendQueryPrepared", "PQsendPrepare", "PQsendDescribePrepared",
	"pipeline", "PQsendPrepare", "PQsendQueryPrepared", "PQsendDescribePrepared",
	"PQsendQueryParams", "PQpipelineSync",
};

/* Texts: 0..5 return a value (3..5 take one parameter), 6 fails to parse, 7 fails to run. */
#define N_TEXTS 8
static const char *const texts[N_TEXTS] = {
	"SELECT 10 AS v", "SELECT 11 AS v", "SELECT 12 AS w",
	"SELECT $1::int * 2 AS v", "SELECT $1::int * 3 AS v", "SELECT $1::int + 100 AS x",
	"SELEC 1", "SELECT 1/0 AS z",
};

static int text_params(int t)
{
	return t >= 3 && t <= 5 ? 1 : 0;
}

/* A SQL PREPARE of text t as n: text 5's with a parameter type list, the others without. */
static void sql_prepare(char *out, size_t size, const char *n, int t)
{
	snprintf(out, size, "PREPARE %s%s AS %s", n, t == 5 ? " (int4)" : "", texts[t]);
}

struct step {
	enum kind kind;
	int name;  /* 0..N_NAMES-1 */
	int text;  /* K_*PREPARE */
	int args;  /* parameters the app passes to an execute (what it believes) */
	char sql[128]; /* K_P_SQL */
	int n_pipe;
	struct step *pipe; /* K_PIPELINE */
};

static struct step steps[MAX_STEPS];
static struct step pipes[MAX_STEPS][MAX_PIPE];
static int n_steps;

/* What the app believes (its own bookkeeping, as an app keeps it): the text of each name. */
static int believed[N_NAMES];

/*
 * PQM_WITHOUT: features left out of the sequences, comma-separated: sql (SQL
 * PREPARE, EXECUTE, DEALLOCATE [ALL], DISCARD ALL anywhere), pipeline, async,
 * pipeline-sql (SQL other than an error inside pipelines).
 */
static bool without(const char *feature)
{
	const char *w = getenv("PQM_WITHOUT");
	size_t n = strlen(feature);

	for (const char *p = w; p && *p; p += strcspn(p, ","), p += *p == ',') {
		if (strncmp(p, feature, n) == 0 && (p[n] == ',' || p[n] == '\0'))
			return true;
	}
	return false;
}

static void make_prepare(struct step *s, bool validate, bool *used)
{
	s->name = (int)pick(N_NAMES);
	if (validate) {
		/* never the same name twice: the control then adds nothing */
		for (int i = 0; i < N_NAMES && used[s->name]; i++)
			s->name = (s->name + 1) % N_NAMES;
		if (used[s->name]) {
			s->kind = K_EXEC;
			s->args = 0;
			return;
		}
		used[s->name] = true;
	}
	/* mostly texts that work; sometimes the same text again */
	s->text = pick(4) == 0 && believed[s->name] >= 0 ? believed[s->name] : (int)pick(N_TEXTS);
	if (pick(8) != 0 && s->text >= 6)
		s->text = (int)pick(6);
	believed[s->name] = s->text;
}

static void make_ref(struct step *s)
{
	s->name = (int)pick(N_NAMES);
	s->args = believed[s->name] >= 0 ? text_params(believed[s->name]) : 0;
	if (pick(16) == 0)
		s->args = 1 - s->args; /* the wrong number of values now and then */
}

static void make_pipeline(struct step *s, int idx, bool validate, bool *used)
{
	char name[8];

	s->pipe = pipes[idx];
	s->n_pipe = 2 + (int)pick(MAX_PIPE - 2);
	for (int i = 0; i < s->n_pipe; i++) {
		struct step *p = &s->pipe[i];
		unsigned r = pick(20);

		memset(p, 0, sizeof(*p));
		if (i == s->n_pipe - 1 || r < 3) {
			p->kind = K_P_SYNC;
		} else if (r < 8) {
			p->kind = K_P_PREPARE;
			make_prepare(p, validate, used);
			if (p->kind != K_P_PREPARE && p->kind != K_PREPARE)
				p->kind = K_P_EXEC;
			else
				p->kind = K_P_PREPARE;
		} else if (r < 14) {
			p->kind = K_P_EXEC;
			make_ref(p);
		} else if (r < 16) {
			p->kind = K_P_DESCRIBE;
			make_ref(p);
		} else {
			p->kind = K_P_SQL;
			p->name = (int)pick(N_NAMES);
			switch (without("sql") || without("pipeline-sql") ? 0 : pick(validate ? 2 : 4)) {
			case 0:
				snprintf(p->sql, sizeof(p->sql), "SELECT 1/0");
				break;
			case 1:
				snprintf(p->sql, sizeof(p->sql), "DEALLOCATE n%d", p->name);
				believed[p->name] = -1;
				break;
			case 2:
				p->text = (int)pick(6);
				snprintf(name, sizeof(name), "n%d", p->name);
				sql_prepare(p->sql, sizeof(p->sql), name, p->text);
				believed[p->name] = p->text;
				break;
			default:
				snprintf(p->sql, sizeof(p->sql), "DEALLOCATE ALL");
				for (int k = 0; k < N_NAMES; k++)
					believed[k] = -1;
			}
		}
	}
}

static void generate(int n, bool validate)
{
	bool used[N_NAMES] = { false };

	for (int k = 0; k < N_NAMES; k++)
		believed[k] = -1;
	n_steps = n;
	for (int i = 0; i < n; i++) {
		struct step *s = &steps[i];
		unsigned r = pick(100);

		memset(s, 0, sizeof(*s));
		if (r < 18) {
			s->kind = K_PREPARE;
			make_prepare(s, validate, used);
		} else if (r < 40) {
			s->kind = K_EXEC;
			make_ref(s);
		} else if (r < 46) {
			s->kind = K_DESCRIBE;
			make_ref(s);
		} else if (r < 51) {
			s->kind = validate ? K_EXEC : K_SQL_PREPARE;
			if (validate)
				make_ref(s);
			else {
				s->name = (int)pick(N_NAMES);
				s->text = (int)pick(6);
				believed[s->name] = s->text;
			}
		} else if (r < 56) {
			s->kind = K_SQL_EXECUTE;
			make_ref(s);
		} else if (r < 60) {
			s->kind = K_DEALLOCATE;
			s->name = (int)pick(N_NAMES);
			believed[s->name] = -1;
		} else if (r < 62) {
			s->kind = K_DEALLOC_ALL;
		} else if (r < 63) {
			s->kind = K_DISCARD_ALL;
		} else if (r < 69) {
			s->kind = K_BEGIN;
		} else if (r < 72) {
			s->kind = K_COMMIT;
		} else if (r < 75) {
			s->kind = K_ROLLBACK;
		} else if (r < 78) {
			s->kind = K_ERROR;
		} else if (r < 84) {
			s->kind = K_SEND_EXEC;
			make_ref(s);
		} else if (r < 88) {
			s->kind = K_SEND_PREPARE;
			make_prepare(s, validate, used);
			if (s->kind != K_SEND_PREPARE && s->kind != K_PREPARE)
				s->kind = K_SEND_EXEC;
			else
				s->kind = K_SEND_PREPARE;
		} else if (r < 91) {
			s->kind = K_SEND_DESCRIBE;
			make_ref(s);
		} else {
			s->kind = K_PIPELINE;
			make_pipeline(s, i, validate, used);
		}
		if ((without("sql") && (s->kind == K_SQL_PREPARE || s->kind == K_SQL_EXECUTE ||
					s->kind == K_DEALLOCATE || s->kind == K_DEALLOC_ALL ||
					s->kind == K_DISCARD_ALL)) ||
		    (without("pipeline") && s->kind == K_PIPELINE) ||
		    (without("async") && (s->kind == K_SEND_EXEC || s->kind == K_SEND_PREPARE ||
					  s->kind == K_SEND_DESCRIBE))) {
			s->kind = K_EXEC;
			make_ref(s);
		}
		if (s->kind == K_DEALLOC_ALL || s->kind == K_DISCARD_ALL)
			for (int k = 0; k < N_NAMES; k++)
				believed[k] = -1;
	}
}

/* ---- one side ---- */

struct side {
	const char *label;
	PGconn *c;
	bool control;            /* the ideal server: hidden DEALLOCATEs, one Sync at a time */
	bool held[N_NAMES];      /* control: the names its session holds */
	bool seg[N_NAMES];       /* control: held, as the pipeline segment sent so far leaves them */
};

/* One result as a line. */
static void describe_result(const PGresult *r, char *out, size_t size)
{
	ExecStatusType st;
	const char *ss, *msg;
	char fixed[256];

	if (!r) {
		snprintf(out, size, "(null)");
		return;
	}
	st = PQresultStatus(r);
	ss = PQresultErrorField(r, PG_DIAG_SQLSTATE);
	msg = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
	/*
	 * Documented difference (README): a Bind or a SQL EXECUTE with the wrong
	 * number of values names the statement the server ran, which in the
	 * shim's modes is not always the app's name ("", _pqs_..., _pqsh_...).
	 * Everything else is compared.
	 */
	if (msg && ss && ((strcmp(ss, "08P01") == 0 && strstr(msg, "but prepared statement \"")) ||
			  (strcmp(ss, "42601") == 0 &&
			   strstr(msg, "wrong number of parameters for prepared statement \"")))) {
		snprintf(fixed, sizeof(fixed), "%.*s\"...\"%s", (int)(strstr(msg, "\"") - msg), msg,
			 strrchr(msg, '"') + 1);
		msg = fixed;
	}
	snprintf(out, size, "%s %s %s | tag=%s rows=%d cols=%d params=%d v=%s",
		 PQresStatus(st), ss ? ss : "-", msg ? msg : "", PQcmdStatus((PGresult *)r),
		 PQntuples(r), PQnfields(r), PQnparams(r),
		 PQntuples(r) > 0 && PQnfields(r) > 0 ? PQgetvalue(r, 0, 0) : "-");
}

/* Results are kept as lines in a list, then compared. */
struct out {
	int n;
	char line[64][OUT_MAX];
};

static void out_add(struct out *o, const PGresult *r)
{
	if (o->n < 64)
		describe_result(r, o->line[o->n++], OUT_MAX);
}

static void out_clear_add(struct out *o, PGresult *r)
{
	out_add(o, r);
	PQclear(r);
}

/* Every result of the command in flight, then the NULL. */
static void drain_into(struct side *s, struct out *o)
{
	PGresult *r;

	while ((r = PQgetResult(s->c)) != NULL)
		out_clear_add(o, r);
}

static bool ok(const PGresult *r)
{
	ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;

	return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
}

static void held_after(struct side *s, const struct step *st, const PGresult *r)
{
	if (!s->control || !ok(r))
		return;
	switch (st->kind) {
	case K_PREPARE:
	case K_SEND_PREPARE:
	case K_SQL_PREPARE:
	case K_P_PREPARE:
		s->held[st->name] = true;
		break;
	case K_DEALLOCATE:
		s->held[st->name] = false;
		break;
	case K_DEALLOC_ALL:
	case K_DISCARD_ALL:
		memset(s->held, 0, sizeof(s->held));
		break;
	case K_P_SQL:
		if (strncmp(st->sql, "DEALLOCATE ALL", 14) == 0)
			memset(s->held, 0, sizeof(s->held));
		else if (strncmp(st->sql, "DEALLOCATE", 10) == 0)
			s->held[st->name] = false;
		else if (strncmp(st->sql, "PREPARE", 7) == 0)
			s->held[st->name] = true;
		break;
	default:
		break;
	}
}

/*
 * The ideal server's re-prepare of a name the control holds: the text is
 * tried under a scratch name first, and only if that succeeds does the name
 * go and come back with the new text (hidden commands), so a failed
 * re-prepare leaves the name as it was, as a failed Parse leaves the
 * server. NULL: not a re-prepare, the caller sends the prepare itself.
 */
static PGresult *control_reprepare(struct side *s, int name, int text, bool sql)
{
	char q[200], n[8];
	PGresult *r;

	if (!s->control || !s->held[name])
		return NULL;
	snprintf(n, sizeof(n), "n%d", name);
	if (sql) {
		sql_prepare(q, sizeof(q), "pqm_scratch", text);
		r = PQexec(s->c, q);
	} else {
		r = PQprepare(s->c, "pqm_scratch", texts[text], 0, NULL);
	}
	if (!ok(r))
		return r; /* the error the app is owed; the name unchanged */
	PQclear(r);
	PQclear(PQexec(s->c, "DEALLOCATE pqm_scratch"));
	snprintf(q, sizeof(q), "DEALLOCATE %s", n);
	PQclear(PQexec(s->c, q));
	if (sql) {
		sql_prepare(q, sizeof(q), n, text);
		return PQexec(s->c, q);
	}
	return PQprepare(s->c, n, texts[text], 0, NULL);
}

static void name_of(int n, char out[8])
{
	snprintf(out, 8, "n%d", n);
}

static const char *const one_arg[] = { "7" };

static void run_simple(struct side *s, const struct step *st, struct out *o)
{
	char name[8], sql[200];
	PGresult *r = NULL;

	name_of(st->name, name);
	switch (st->kind) {
	case K_PREPARE:
		if (!(r = control_reprepare(s, st->name, st->text, false)))
			r = PQprepare(s->c, name, texts[st->text], 0, NULL);
		break;
	case K_EXEC:
		r = PQexecPrepared(s->c, name, st->args, st->args ? one_arg : NULL, NULL, NULL, 0);
		break;
	case K_DESCRIBE:
		r = PQdescribePrepared(s->c, name);
		break;
	case K_SQL_PREPARE:
		sql_prepare(sql, sizeof(sql), name, st->text);
		if (!(r = control_reprepare(s, st->name, st->text, true)))
			r = PQexec(s->c, sql);
		break;
	case K_SQL_EXECUTE:
		snprintf(sql, sizeof(sql), "EXECUTE %s%s", name, st->args ? " (7)" : "");
		r = PQexec(s->c, sql);
		break;
	case K_DEALLOCATE:
		snprintf(sql, sizeof(sql), "DEALLOCATE %s", name);
		r = PQexec(s->c, sql);
		break;
	case K_DEALLOC_ALL:
		r = PQexec(s->c, "DEALLOCATE ALL");
		break;
	case K_DISCARD_ALL:
		r = PQexec(s->c, "DISCARD ALL");
		break;
	case K_BEGIN:
		r = PQexec(s->c, "BEGIN");
		break;
	case K_COMMIT:
		r = PQexec(s->c, "COMMIT");
		break;
	case K_ROLLBACK:
		r = PQexec(s->c, "ROLLBACK");
		break;
	case K_ERROR:
		r = PQexec(s->c, "SELECT 1/0");
		break;
	case K_SEND_EXEC:
		if (!PQsendQueryPrepared(s->c, name, st->args, st->args ? one_arg : NULL, NULL, NULL, 0))
			snprintf(o->line[o->n++], OUT_MAX, "send refused");
		drain_into(s, o);
		return;
	case K_SEND_PREPARE: {
		PGresult *first;

		if ((first = control_reprepare(s, st->name, st->text, false))) {
			held_after(s, st, first); /* the app's one result, then NULL */
			out_clear_add(o, first);
			return;
		}
		if (!PQsendPrepare(s->c, name, texts[st->text], 0, NULL))
			snprintf(o->line[o->n++], OUT_MAX, "send refused");
		first = PQgetResult(s->c);
		held_after(s, st, first);
		out_clear_add(o, first);
		drain_into(s, o);
		return;
	}
	case K_SEND_DESCRIBE:
		if (!PQsendDescribePrepared(s->c, name))
			snprintf(o->line[o->n++], OUT_MAX, "send refused");
		drain_into(s, o);
		return;
	default:
		return;
	}
	held_after(s, st, r);
	out_clear_add(o, r);
}

/* Sends one pipeline command; false when libpq refused it. */
static bool pipe_send(struct side *s, const struct step *p)
{
	char name[8];

	name_of(p->name, name);
	switch (p->kind) {
	case K_P_PREPARE:
		return PQsendPrepare(s->c, name, texts[p->text], 0, NULL);
	case K_P_EXEC:
		return PQsendQueryPrepared(s->c, name, p->args, p->args ? one_arg : NULL, NULL, NULL,
					   0);
	case K_P_DESCRIBE:
		return PQsendDescribePrepared(s->c, name);
	case K_P_SQL:
		return PQsendQueryParams(s->c, p->sql, 0, NULL, NULL, NULL, NULL, 0);
	case K_P_SYNC:
		return PQpipelineSync(s->c);
	default:
		return false;
	}
}

static bool p_prepares(const struct step *p)
{
	return p->kind == K_P_PREPARE ||
	       (p->kind == K_P_SQL && strncmp(p->sql, "PREPARE", 7) == 0);
}

/*
 * The control's re-prepare in a pipeline segment (see control_reprepare),
 * for a name held before the segment or by what the segment did before it
 * (assuming it succeeds: if not, the rest of the segment is aborted anyway):
 * the text under a scratch name, its DEALLOCATE, the name's DEALLOCATE,
 * then the app's prepare itself (sent by the caller). Returns how many
 * commands went in front (0 or 3): their results are read by pipe_read_re.
 */
static int pipe_reprepare(struct side *s, const struct step *p)
{
	char q[200];
	bool sql = p->kind == K_P_SQL;
	const char *text = sql ? strstr(p->sql, " AS ") + 4 : texts[p->text];

	if (!s->control || !p_prepares(p) || !s->seg[p->name]) {
		if (s->control && p_prepares(p))
			s->seg[p->name] = true;
		return 0;
	}
	if (sql) {
		snprintf(q, sizeof(q), "PREPARE pqm_scratch AS %s", text);
		PQsendQueryParams(s->c, q, 0, NULL, NULL, NULL, NULL, 0);
	} else {
		PQsendPrepare(s->c, "pqm_scratch", text, 0, NULL);
	}
	PQsendQueryParams(s->c, "DEALLOCATE pqm_scratch", 0, NULL, NULL, NULL, NULL, 0);
	snprintf(q, sizeof(q), "DEALLOCATE n%d", p->name);
	PQsendQueryParams(s->c, q, 0, NULL, NULL, NULL, NULL, 0);
	return 3;
}

/* What a segment's command does to the names, assuming it succeeds. */
static void seg_after(struct side *s, const struct step *p)
{
	if (p->kind != K_P_SQL)
		return;
	if (strncmp(p->sql, "DEALLOCATE ALL", 14) == 0)
		memset(s->seg, 0, sizeof(s->seg));
	else if (strncmp(p->sql, "DEALLOCATE", 10) == 0)
		s->seg[p->name] = false;
}

/* Every result of one command in flight, dropped; the first one kept in *first if asked. */
static void pipe_skip(struct side *s, PGresult **first)
{
	PGresult *r = PQgetResult(s->c);

	if (first)
		*first = r;
	else
		PQclear(r);
	while ((r = PQgetResult(s->c)) != NULL)
		PQclear(r);
}

/* The results of one pipeline command (or one Sync). */
static void pipe_read(struct side *s, const struct step *p, struct out *o, bool hide)
{
	PGresult *r;

	if (p->kind == K_P_SYNC) {
		r = PQgetResult(s->c);
		if (!hide)
			out_add(o, r);
		PQclear(r);
		return;
	}
	r = PQgetResult(s->c);
	if (!hide) {
		held_after(s, p, r);
		out_add(o, r);
	}
	PQclear(r);
	while ((r = PQgetResult(s->c)) != NULL) {
		if (!hide)
			out_add(o, r);
		PQclear(r);
	}
}

static void run_pipeline(struct side *s, const struct step *st, struct out *o)
{
	if (!PQenterPipelineMode(s->c)) {
		snprintf(o->line[o->n++], OUT_MAX, "enter pipeline refused");
		return;
	}
	if (!s->control) {
		/* the app: everything at once, then every result */
		for (int i = 0; i < st->n_pipe; i++)
			if (!pipe_send(s, &st->pipe[i]))
				snprintf(o->line[o->n++], OUT_MAX, "send refused: %s",
					 kind_names[st->pipe[i].kind]);
		for (int i = 0; i < st->n_pipe; i++)
			pipe_read(s, &st->pipe[i], o, false);
	} else {
		/* the control: one Sync at a time, so it knows what it holds */
		for (int from = 0; from < st->n_pipe;) {
			int to = from;
			bool hidden[MAX_PIPE];

			while (st->pipe[to].kind != K_P_SYNC)
				to++;
			memcpy(s->seg, s->held, sizeof(s->seg));
			for (int i = from; i <= to; i++) {
				hidden[i] = pipe_reprepare(s, &st->pipe[i]) > 0;
				seg_after(s, &st->pipe[i]);
				if (!pipe_send(s, &st->pipe[i]))
					snprintf(o->line[o->n++], OUT_MAX, "send refused: %s",
						 kind_names[st->pipe[i].kind]);
			}
			for (int i = from; i <= to; i++) {
				PGresult *tried = NULL;

				if (hidden[i]) {
					pipe_skip(s, &tried);
					if (!ok(tried)) {
						/* the scratch prepare failed: its error is the app's,
						   and the rest, aborted, is dropped */
						held_after(s, &st->pipe[i], tried);
						out_clear_add(o, tried);
						for (int k = 0; k < 3; k++)
							pipe_skip(s, NULL);
						continue;
					}
					PQclear(tried);
					pipe_skip(s, NULL);
					pipe_skip(s, NULL);
				}
				pipe_read(s, &st->pipe[i], o, false);
			}
			from = to + 1;
		}
	}
	if (!PQexitPipelineMode(s->c))
		snprintf(o->line[o->n++], OUT_MAX, "exit pipeline refused: %s", PQerrorMessage(s->c));
}

static void run_step(struct side *s, const struct step *st, struct out *o)
{
	o->n = 0;
	if (st->kind == K_PIPELINE)
		run_pipeline(s, st, o);
	else
		run_simple(s, st, o);
	if (PQstatus(s->c) != CONNECTION_OK)
		snprintf(o->line[o->n < 63 ? o->n++ : 63], OUT_MAX, "connection lost: %s",
			 PQerrorMessage(s->c));
}

/* ---- the trace ---- */

static void print_step(FILE *f, int i, const struct step *st)
{
	fprintf(f, "  %3d %s", i, kind_names[st->kind]);
	if (st->kind == K_PIPELINE) {
		fputc('\n', f);
		for (int k = 0; k < st->n_pipe; k++) {
			const struct step *p = &st->pipe[k];

			fprintf(f, "        %s", kind_names[p->kind]);
			if (p->kind == K_P_SQL)
				fprintf(f, " \"%s\"", p->sql);
			else if (p->kind != K_P_SYNC)
				fprintf(f, " n%d", p->name);
			if (p->kind == K_P_PREPARE)
				fprintf(f, " \"%s\"", texts[p->text]);
			if (p->kind == K_P_EXEC)
				fprintf(f, " (%d values)", p->args);
			fputc('\n', f);
		}
		return;
	}
	switch (st->kind) {
	case K_PREPARE:
	case K_SEND_PREPARE:
	case K_SQL_PREPARE:
		fprintf(f, " n%d \"%s\"", st->name, texts[st->text]);
		break;
	case K_EXEC:
	case K_SEND_EXEC:
	case K_SQL_EXECUTE:
		fprintf(f, " n%d (%d values)", st->name, st->args);
		break;
	case K_DESCRIBE:
	case K_SEND_DESCRIBE:
	case K_DEALLOCATE:
		fprintf(f, " n%d", st->name);
		break;
	default:
		break;
	}
	fputc('\n', f);
}

/* ---- connections ---- */

static PGconn *connect_env(const char *var, bool shim_off)
{
	const char *dsn = getenv(var);
	char buf[1024];
	PGconn *c;

	if (!dsn) {
		fprintf(stderr, "model: %s is not set\n", var);
		exit(2);
	}
	snprintf(buf, sizeof(buf), "%s%s", dsn, shim_off ? " pqshim_mode=off" : "");
	c = PQconnectdb(buf);
	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "model: cannot connect (%s): %s", var, PQerrorMessage(c));
		exit(2);
	}
	PQclear(PQexec(c, "SET client_min_messages = error"));
	return c;
}

/* The shim reads pqshim_mode only when preloaded; libpq alone rejects the keyword. */
static bool shim_loaded(void)
{
	const char *p = getenv("LD_PRELOAD");

	return p && strstr(p, "libpqshim");
}

/* Another client leaves statements of the app's names, with other texts, on server connections. */
static void noise(PGconn *n)
{
	char sql[96];
	int k = (int)pick(N_NAMES);

	if (!n)
		return;
	snprintf(sql, sizeof(sql), "PREPARE n%d AS SELECT %d AS v", k, 900 + k);
	PQclear(PQexec(n, sql));
}

/* ---- the comparison ---- */

/* The shim's mode names one that runs the app's statements through the unnamed statement. */
static bool unnamed_like(void)
{
	const char *m = getenv("PQSHIM_MODE");

	return shim_loaded() && m &&
	       (strcmp(m, "unnamed") == 0 || strcmp(m, "pooled") == 0 || strcmp(m, "auto") == 0);
}

/*
 * The app's line is what the contract promises. The documented differences
 * (README, "What differs from PostgreSQL"), both in an aborted transaction
 * block only, where 25P02 is the answer to any command and the block must
 * be rolled back either way: the modes that run statements through the
 * unnamed statement answer 25P02 (their Parse is refused) where PostgreSQL
 * first checks a Bind's number of values (08P01); and a name the app does
 * not hold, which the shim answers without sending it, gets 25P02 where
 * PostgreSQL would look the name up first (26000).
 */
static bool same(const char *app, const char *ctl)
{
	if (strcmp(app, ctl) == 0)
		return true;
	if (!shim_loaded() || strncmp(app, "PGRES_FATAL_ERROR 25P02 ", 24) != 0)
		return false;
	if (unnamed_like() && strncmp(ctl, "PGRES_FATAL_ERROR 08P01 bind message supplies", 45) == 0)
		return true;
	return strncmp(ctl, "PGRES_FATAL_ERROR 26000 ", 24) == 0;
}

/* ---- main ---- */

static int run_seed(uint64_t seed, bool validate, bool trace, PGconn *noise_c)
{
	struct side app = { .label = "app" }, ctl = { .label = "control", .control = true };
	static struct out oa, oc;
	int steps_n;
	int rc = 0;

	rng = seed * 2654435761u + 88172645463325252ull;
	steps_n = 20 + (int)pick(60);
	generate(steps_n, validate);
	app.c = connect_env("PQM_DSN", false);
	ctl.c = connect_env("PQM_CONTROL_DSN", shim_loaded());
	for (int i = 0; i < n_steps && rc == 0; i++) {
		if (noise_c && pick(4) == 0)
			noise(noise_c);
		run_step(&app, &steps[i], &oa);
		run_step(&ctl, &steps[i], &oc);
		if (trace) {
			print_step(stdout, i, &steps[i]);
			for (int k = 0; k < oa.n; k++)
				printf("        -> %s\n", oa.line[k]);
		}
		if (oa.n != oc.n) {
			rc = 1;
		} else {
			for (int k = 0; k < oa.n; k++)
				if (!same(oa.line[k], oc.line[k]))
					rc = 1;
		}
		if (rc) {
			printf("MISMATCH seed %llu at step %d (replay: PQSHIM_MODE=%s PQM_WITHOUT=%s "
			       "model --trace %llu %llu, with the same DSNs)\n",
			       (unsigned long long)seed, i,
			       getenv("PQSHIM_MODE") ? getenv("PQSHIM_MODE") : "",
			       getenv("PQM_WITHOUT") ? getenv("PQM_WITHOUT") : "",
			       (unsigned long long)seed, (unsigned long long)seed);
			for (int k = 0; k <= i; k++)
				print_step(stdout, k, &steps[k]);
			printf("  the app got:\n");
			for (int k = 0; k < oa.n; k++)
				printf("    %s\n", oa.line[k]);
			printf("  the contract says (control):\n");
			for (int k = 0; k < oc.n; k++)
				printf("    %s\n", oc.line[k]);
		}
		/* a broken side ends the sequence: the rest would compare nothing */
		if (PQstatus(app.c) != CONNECTION_OK || PQstatus(ctl.c) != CONNECTION_OK)
			break;
	}
	PQfinish(app.c);
	PQfinish(ctl.c);
	return rc;
}

int main(int argc, char **argv)
{
	bool validate = false, trace = false;
	unsigned long long from, to;
	int argi = 1, failed = 0, ran = 0;
	PGconn *noise_c = NULL;

	for (; argi < argc && argv[argi][0] == '-'; argi++) {
		if (strcmp(argv[argi], "--validate") == 0)
			validate = true;
		else if (strcmp(argv[argi], "--trace") == 0)
			trace = true;
		else
			break;
	}
	if (argc - argi != 2) {
		fprintf(stderr, "usage: model [--validate] [--trace] SEED_FROM SEED_TO\n");
		return 2;
	}
	from = strtoull(argv[argi], NULL, 10);
	to = strtoull(argv[argi + 1], NULL, 10);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (getenv("PQM_NOISE_DSN"))
		noise_c = connect_env("PQM_NOISE_DSN", shim_loaded());
	for (unsigned long long s = from; s <= to; s++) {
		ran++;
		if (run_seed(s, validate, trace, noise_c)) {
			failed++;
			if (!getenv("PQM_ALL"))
				break; /* the first mismatch, with its trace, is what to look at */
		}
	}
	PQfinish(noise_c);
	printf("model: %d seeds, %d mismatched\n", ran, failed);
	return failed ? 1 : 0;
}
