/*
 * libFuzzer target: sql_plan_make_after() (MODE_DEDUPE and MODE_UNNAMED)
 * over a small statement table, a command queued ahead of the text in a
 * pipeline, and arbitrary SQL text.
 *
 * Input: byte 0 = flags (std_strings, simple, false, idle; bit 3: a command
 * ahead, bits 4-5 the name it touches, 6-7 what it does: DEALLOCATE ALL, a
 * DEALLOCATE, a prepare under a generated name, a prepare recorded only),
 * byte 1..2 = table state bits, the rest = the SQL text (cut at the first
 * NUL, as libpq does).
 *
 * Properties (abort on violation):
 * - a text without the words PREPARE, EXECUTE, DEALLOCATE or DISCARD
 *   (any case) is passed through: policy_sql returns false, no text;
 * - false always leaves no text and no effects;
 * - a rewritten text equals the input except that (1) a reference's name
 *   token may be replaced by a double-quoted name the shim may use (one of
 *   the table's server names, a generated name, or _pqs_gone) and (2) a
 *   whole statement ("DEALLOCATE <name>; " / "PREPARE <gen> AS SELECT; ")
 *   may be inserted at a reference's statement start, and (3) an EXECUTE's or
 *   DEALLOCATE's whole statement may become the DO block that raises the
 *   server's 26000 for its name (names_raise_missing), and (4) an EXECUTE of
 *   a name unnamed mode recorded may get "PREPARE <gen><its body>\n; "
 *   in front and "; DEALLOCATE <gen>" behind, and a SQL PREPARE there may
 *   get "; DEALLOCATE <gen>" behind (its name then being <gen>), with a type
 *   list "; SELECT <the types of '<gen>'>" before that, and (5) a text with
 *   such an EXECUTE, sent outside a block, may get "BEGIN; " in front and
 *   "\n; COMMIT" at its end (sql_plan.wrapped, then FX_BEGIN first and
 *   FX_COMMIT last). So every
 *   string,
 *   quoted identifier, comment and dollar quote of the input comes out
 *   verbatim, in order;
 * - the number of inserted statements equals the hidden effects, and
 *   sqlscan counts exactly that many more statements in the output.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"
#include "policy.h"
#include "sql_plan.h"
#include "sqlscan.h"
#include "stmt_table.h"

#define FUZZ_TARGET "fuzz_rewrite"
#include "fuzz.h"

#define N_NAMES 6
static const char *const app_names[N_NAMES] = { "s0", "s1", "q", "pdo_stmt_00000001", "a",
						 "Mixed" };
static const char *const bodies[4] = { " AS SELECT 1", " (int) AS SELECT $1", " AS SELECT 'x;y'",
				       " AS SELECT 2" };
static char server_names[N_NAMES][NAMES_MAX_LEN + 1];

/* ---- the matcher: output == input with allowed edits ---- */

enum ev_kind { EV_INS, EV_REP, EV_STMT };
struct ev {
	size_t pos, len;
	enum ev_kind kind;
	const char *text; /* EV_STMT: the only text the statement may become */
};

struct match {
	const char *in, *out;
	size_t in_len, out_len;
	const struct ev *ev;
	int n_ev;
	long budget;
	const struct stmt_table *t;
	const struct sql_scan *scan; /* the input's: its names may be servers' too */
};

/* A name the shim may put on the wire in place of an app's. */
static bool allowed_server(const struct match *m, const char *name)
{
	for (int i = 0; i < m->scan->n_refs; i++)
		if (strcmp(m->scan->refs[i].name, name) == 0)
			return true;
	if (names_is_generated(name) || strcmp(name, NAMES_GONE) == 0)
		return true;
	for (int i = 0; i < N_NAMES; i++)
		if (server_names[i][0] && strcmp(server_names[i], name) == 0)
			return true;
	return false;
}

/* A "quoted" identifier at out[op]; returns its length (0 if none), unescaped into name. */
static size_t quoted_at(const struct match *m, size_t op, char *name, size_t size)
{
	size_t p = op + 1, n = 0;

	if (op >= m->out_len || m->out[op] != '"')
		return 0;
	while (p < m->out_len) {
		if (m->out[p] == '"') {
			if (p + 1 < m->out_len && m->out[p + 1] == '"') {
				if (n + 1 < size)
					name[n++] = '"';
				p += 2;
				continue;
			}
			name[n] = '\0';
			return p + 1 - op;
		}
		if (n + 1 < size)
			name[n++] = m->out[p];
		p++;
	}
	return 0;
}

/* A generated name (plain) at out[op]; returns its length or 0. */
static size_t plain_at(const struct match *m, size_t op, char *name, size_t size)
{
	size_t n = 0;

	while (op + n < m->out_len && n + 1 < size &&
	       (islower((unsigned char)m->out[op + n]) || isdigit((unsigned char)m->out[op + n]) ||
		m->out[op + n] == '_'))
		n++;
	memcpy(name, m->out + op, n);
	name[n] = '\0';
	return n && names_is_generated(name) ? n : 0;
}

static bool starts(const struct match *m, size_t op, const char *s)
{
	size_t n = strlen(s);

	return op <= m->out_len && m->out_len - op >= n && memcmp(m->out + op, s, n) == 0;
}

#define TYPES_SELECT \
	"; SELECT pg_catalog.array_to_string(parameter_types::pg_catalog.oid[], ',') " \
	"FROM pg_catalog.pg_prepared_statements WHERE name = '"

/* Length of an inserted statement at out[op], or 0. */
static size_t insertion_at(const struct match *m, size_t op)
{
	char name[256];
	size_t q;

	if (starts(m, op, "DEALLOCATE ")) {
		q = quoted_at(m, op + 11, name, sizeof(name));
		if (q && allowed_server(m, name) && starts(m, op + 11 + q, "; "))
			return 11 + q + 2;
	}
	if (starts(m, op, "PREPARE ")) {
		q = plain_at(m, op + 8, name, sizeof(name));
		if (q && starts(m, op + 8 + q, " AS SELECT; "))
			return 8 + q + 12;
		/* unnamed mode's EXECUTE of a recorded name: its text under a throwaway name
		   (a recorded SQL body as it is, or one PREPAREd earlier in the input) */
		/* (a blank after <gen>: a body may start with AS) */
		for (size_t b = 0; q && b < sizeof(bodies) / sizeof(bodies[0]); b++) {
			size_t at = op + 8 + q + 1, bl = strlen(bodies[b]);

			if (starts(m, at - 1, " ") && starts(m, at, bodies[b]) &&
			    starts(m, at + bl, "\n; "))
				return 8 + q + 1 + bl + 3;
		}
		for (int i = 0; q && i < m->scan->n_refs; i++) {
			const struct sql_ref *p = &m->scan->refs[i];
			size_t at = op + 8 + q + 1;

			if (p->kind == SQL_PREPARE && starts(m, at - 1, " ") &&
			    m->out_len - at >= p->body_len + 3 &&
			    memcmp(m->out + at, m->in + p->body_off, p->body_len) == 0 &&
			    starts(m, at + p->body_len, "\n; "))
				return 8 + q + 1 + p->body_len + 3;
		}
	}
	/* a SQL PREPARE with a type list recorded only: its types asked for, by its <gen> */
	if (starts(m, op, TYPES_SELECT)) {
		size_t at = op + strlen(TYPES_SELECT);

		q = plain_at(m, at, name, sizeof(name));
		if (q && starts(m, at + q, "'"))
			return strlen(TYPES_SELECT) + q + 1;
	}
	/* a text with a throwaway EXECUTE, outside a block: in BEGIN ... COMMIT */
	if (op == 0 && starts(m, op, "BEGIN; "))
		return 7;
	if (starts(m, op, "\n; COMMIT") && op + 9 == m->out_len)
		return 9;
	/* ... and its DEALLOCATE, at the statement's end */
	if (starts(m, op, "; DEALLOCATE ")) {
		q = plain_at(m, op + 13, name, sizeof(name));
		if (q)
			return 13 + q;
	}
	return 0;
}

/* 1 matched (insertions in *ins), 0 no match, -1 budget exhausted */
static int match_from(struct match *m, int e, size_t ip, size_t op, int *ins)
{
	size_t stop = e < m->n_ev ? m->ev[e].pos : m->in_len;
	size_t n;
	int r;

	if (--m->budget < 0)
		return -1;
	if (stop < ip)
		return 0;
	n = stop - ip;
	if (m->out_len - op < n || memcmp(m->in + ip, m->out + op, n) != 0)
		return 0;
	ip += n;
	op += n;
	if (e == m->n_ev)
		return op == m->out_len ? 1 : 0;
	if (m->ev[e].kind == EV_STMT) {
		size_t k = strlen(m->ev[e].text), end = ip + m->ev[e].len;
		int e2 = e + 1;

		r = match_from(m, e + 1, ip, op, ins); /* the statement as written */
		if (r != 0 || !starts(m, op, m->ev[e].text))
			return r;
		while (e2 < m->n_ev && m->ev[e2].pos < end)
			e2++; /* the edits inside it went with it */
		return match_from(m, e2, end, op + k, ins);
	}
	if (m->ev[e].kind == EV_INS) {
		size_t k = insertion_at(m, op);

		if (k) {
			/* more may follow at the same place (a type list's SELECT, then the DEALLOCATE) */
			r = match_from(m, e, ip, op + k, ins);
			if (r != 0) {
				if (r > 0)
					(*ins)++;
				return r;
			}
		}
		return match_from(m, e + 1, ip, op, ins);
	} else {
		char name[256];
		size_t q;

		r = match_from(m, e + 1, ip, op, ins); /* the token as written */
		if (r != 0)
			return r;
		q = quoted_at(m, op, name, sizeof(name));
		if (!q || !allowed_server(m, name))
			return 0;
		/* a quoted name right before a '"' of the input is kept apart by one space */
		if (ip + m->ev[e].len < m->in_len && m->in[ip + m->ev[e].len] == '"') {
			if (op + q >= m->out_len || m->out[op + q] != ' ')
				return 0;
			q++;
		}
		return match_from(m, e + 1, ip + m->ev[e].len, op + q, ins);
	}
}

static bool has_word_ci(const char *s, const char *w)
{
	size_t n = strlen(w);

	for (; *s; s++)
		if (strncasecmp(s, w, n) == 0)
			return true;
	return false;
}

static void setup_table(struct stmt_table *t, uint8_t b1, uint8_t b2, enum shim_mode mode)
{
	stmt_table_init(t);
	for (int i = 0; i < N_NAMES; i++) {
		unsigned st = ((unsigned)b1 >> (i % 4 * 2)) & 3; /* 0 absent, 1 same, 2 renamed, 3 virtual/stale */
		const char *body = bodies[(b2 + i) % 4];
		char key[SERVER_NAME_BUF];

		server_names[i][0] = '\0';
		/* the table keys names as the server would: lower-case for unquoted use */
		snprintf(key, sizeof(key), "%s", app_names[i]);
		if (i >= 4 && !(b2 & 0x80))
			st = 0;
		switch (st) {
		case 0:
			break;
		case 1:
			snprintf(server_names[i], sizeof(server_names[i]), "%s", key);
			stmt_table_put(t, key, key, STMT_SQL, body, strlen(body), 0, NULL);
			break;
		case 2:
			names_format(server_names[i], 0x0badc0deu, (uint64_t)i + 1);
			stmt_table_put(t, key, server_names[i], STMT_SQL, body, strlen(body), 0, NULL);
			break;
		case 3:
			if (mode == MODE_UNNAMED) {
				stmt_table_put(t, key, NULL, STMT_SQL, body, strlen(body), 0, NULL);
			} else {
				/* renamed, then given up: the old server name stays (stale) */
				names_format(server_names[i], 0x0badc0deu, (uint64_t)i + 0x100);
				stmt_table_put(t, key, server_names[i], STMT_SQL, body, strlen(body),
					       0, NULL);
				stmt_table_mark_taken(t, key);
				stmt_table_remove(t, key);
			}
			break;
		}
	}
	if (b2 & 0x40)
		stmt_table_mark_taken(t, "x");
}

static int cmp_ev(const void *a, const void *b)
{
	const struct ev *x = a, *y = b;

	if (x->pos != y->pos)
		return x->pos < y->pos ? -1 : 1;
	return (int)x->kind - (int)y->kind;
}

/*
 * The command ahead that flag byte f describes (bit 3 clear: none); returns
 * how many. Only unnamed mode records a prepare without a server name (as
 * the shim's own queue does); dedupe mode's is under the app's name.
 */
static int setup_ahead(uint8_t f, enum shim_mode mode, struct sql_ahead *a,
		       char gen[SERVER_NAME_BUF])
{
	memset(a, 0, sizeof(*a));
	if (!(f & 8))
		return 0;
	a->key = app_names[(f >> 4) & 3];
	switch (f >> 6) {
	case 0:
		a->key = NULL; /* DEALLOCATE ALL */
		break;
	case 1:
		break; /* a DEALLOCATE: gone */
	case 2:
		names_format(gen, 0x0badc0deu, 0x200);
		a->server = gen;
		a->protocol = true;
		break;
	default:
		a->protocol = true;
		if (mode != MODE_UNNAMED) {
			a->server = a->key;
			break;
		}
		a->server = "";
		a->query = "SELECT 2"; /* bodies[3] once " AS " is put in front */
		break;
	}
	return 1;
}

static void run(const char *sql, enum shim_mode mode, bool std, bool simple, bool idle,
		uint8_t b1, uint8_t b2, uint8_t f)
{
	static struct sql_plan plan; /* large: not on the stack */
	struct stmt_table t;
	struct sql_ahead ahead;
	char gen[SERVER_NAME_BUF];
	bool r;
	size_t len = strlen(sql);
	int n_ahead;

	setup_table(&t, b1, b2, mode);
	n_ahead = setup_ahead(f, mode, &ahead, gen);
	memset(&plan, 0, sizeof(plan));
	r = sql_plan_make_after(&t, mode, false, sql, std, simple, idle, &ahead, n_ahead, &plan);
	if (!r) {
		CHECK(plan.text == NULL && plan.n_fx == 0, "false with a text or effects");
	}
	if (!has_word_ci(sql, "prepare") && !has_word_ci(sql, "execute") &&
	    !has_word_ci(sql, "deallocate") && !has_word_ci(sql, "discard"))
		CHECK(!r && !plan.untracked, "text without references was planned: %s", sql);
	for (int i = 0; i < plan.n_fx; i++)
		CHECK(!plan.fx[i].body || plan.fx[i].kind == FX_PREPARE, "body on a non-PREPARE");
	if (r && plan.text) {
		struct sql_scan in_scan, out_scan;
		struct ev ev[4 * SQL_MAX_REFS];
		static char raise[SQL_MAX_REFS][SQL_NAME_MAX * 2 + 160];
		struct match m;
		int n_ev = 0, ins = 0, hidden = 0, res;

		CHECK(strlen(plan.text) == plan.len, "len %zu, strlen %zu", plan.len,
		      strlen(plan.text));
		sqlscan(sql, len, std, &in_scan);
		for (int i = 0; i < in_scan.n_refs; i++) {
			const struct sql_ref *ref = &in_scan.refs[i];

			ev[n_ev++] = (struct ev){ ref->stmt_off, 0, EV_INS, NULL };
			if ((ref->kind == SQL_EXECUTE || ref->kind == SQL_PREPARE) &&
			    ref->stmt_end > ref->stmt_off)
				ev[n_ev++] = (struct ev){ ref->stmt_end, 0, EV_INS, NULL };
			if (ref->name_len)
				ev[n_ev++] = (struct ev){ ref->name_off, ref->name_len, EV_REP, NULL };
			char clipped[SQL_NAME_MAX + 1];

			snprintf(clipped, sizeof(clipped), "%s", ref->name);
			names_clip_ident(clipped);
			if ((ref->kind == SQL_EXECUTE || ref->kind == SQL_DEALLOCATE) &&
			    ref->stmt_end > ref->stmt_off &&
			    names_raise_missing(clipped, raise[i], sizeof(raise[i])) < sizeof(raise[i]))
				ev[n_ev++] = (struct ev){ ref->stmt_off, ref->stmt_end - ref->stmt_off,
							  EV_STMT, raise[i] };
		}
		ev[n_ev++] = (struct ev){ 0, 0, EV_INS, NULL };   /* BEGIN; */
		ev[n_ev++] = (struct ev){ len, 0, EV_INS, NULL }; /* \n; COMMIT */
		qsort(ev, (size_t)n_ev, sizeof(ev[0]), cmp_ev);
		m = (struct match){ sql, plan.text, len, plan.len, ev, n_ev, 200000, &t, &in_scan };
		res = match_from(&m, 0, 0, 0, &ins);
		CHECK(res != 0,
		      "rewritten text is not the input with allowed edits (mode %d std %d simple "
		      "%d)\n  in:  %s\n  out: %s",
		      (int)mode, std, simple, sql, plan.text);
		if (res > 0) {
			CHECK(!plan.wrapped || (plan.fx[0].kind == FX_BEGIN &&
						plan.fx[plan.n_fx - 1].kind == FX_COMMIT && idle &&
						simple),
			      "wrapped without its effects or outside a block\n  in:  %s\n  out: %s",
			      sql, plan.text);
			for (int i = 0; i < plan.n_tmp; i++)
				CHECK(plan.tmp[i].made < plan.tmp[i].gone && plan.tmp[i].gone < plan.n_fx &&
					      plan.fx[plan.tmp[i].gone].kind == FX_DEALLOCATE,
				      "throwaway %d: made %d gone %d", i, plan.tmp[i].made,
				      plan.tmp[i].gone);
			for (int i = 0; i < plan.n_fx; i++)
				hidden += plan.fx[i].hide;
			CHECK(ins == hidden, "%d statements inserted, %d hidden effects\n  in:  %s\n  out: %s",
			      ins, hidden, sql, plan.text);
			sqlscan(plan.text, plan.len, std, &out_scan);
			CHECK(out_scan.n_stmts == in_scan.n_stmts + ins,
			      "statements: in %d + %d inserted, out %d\n  in:  %s\n  out: %s",
			      in_scan.n_stmts, ins, out_scan.n_stmts, sql, plan.text);
		}
	}
	sql_plan_release(&plan);
	stmt_table_clear(&t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *sql;
	uint8_t f, b1, b2;

	if (size < 3)
		return 0;
	f = data[0];
	b1 = data[1];
	b2 = data[2];
	sql = malloc(size - 3 + 1);
	if (!sql)
		return 0;
	memcpy(sql, data + 3, size - 3);
	sql[size - 3] = '\0';
	run(sql, MODE_DEDUPE, f & 1, !(f & 2), !(f & 4), b1, b2, f);
	run(sql, MODE_UNNAMED, f & 1, !(f & 2), !(f & 4), b1, b2, f);
	free(sql);
	return 0;
}
